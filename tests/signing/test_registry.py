"""The certificate registry: registering PKCS#12, PKCS#11 and remote certificates
with their checks and audit entries, who may sign with what, expiry warnings,
cached revocation status, signers from the registry, and two-phase signatures
persisted between their phases."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override
from pyhanko_certvalidator import ValidationContext

from core.models import AuditEntry
from directory.models import Organisation, User
from signing import services
from signing import signers as s
from signing.models import Certificate, KeyBackend, PendingSignature, RevocationStatus
from signing.selectors import (
    certificate_list_expiring,
    certificate_list_usable,
    pending_signature_get,
)
from signing.validation import validate_pdf
from tests.signing.conftest import CLERK, LEADER, PASSPHRASE, STC, label_of

pytestmark = pytest.mark.usefixtures("demo")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _register_leader(demo_pki, **kwargs) -> Certificate:
    leader = _user(LEADER)
    return services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(label_of(LEADER), PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        person=leader,
        actor=kwargs.pop("actor", leader),
        **kwargs,
    )


def _register_seal(demo_pki, actor) -> Certificate:
    org = Organisation.objects.get(code=STC)
    return services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(f"org-{STC.replace('.', '-')}", PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        organisation=org,
        actor=actor,
    )


def test_a_leader_registers_their_pkcs12_file(demo_pki):
    before = AuditEntry.objects.count()
    row = _register_leader(demo_pki)
    cert = demo_pki.cert(label_of(LEADER))
    assert row.key_backend == KeyBackend.PKCS12 and row.is_active
    assert row.fingerprint == cert.sha256.hex()
    assert bytes(row.der) == cert.dump()
    assert row.common_name == _user(LEADER).full_name
    assert row.serial == format(cert.serial_number, "X")
    assert row.not_after == cert.not_valid_after
    assert len(row.chain_der) >= 1
    assert row.revocation_status == RevocationStatus.GOOD
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "signing.certificate_registered"
    assert entry.details["fingerprint"] == row.fingerprint
    assert PASSPHRASE not in str(entry.details)


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("wrong passphrase", s.WrongPassphrase, "Sai mật khẩu"),
        ("someone else's", services.CertificateRefused, "không phải cho"),
        ("expired", services.CertificateRefused, "đã hết hạn"),
        ("revoked", services.CertificateRefused, "đã bị thu hồi"),
        ("not allowed to", services.CertificateRefused, "không được đăng ký"),
    ],
)
def test_refused_registrations_store_nothing(demo_pki, case, error, message):
    leader, deputy = _user(LEADER), _user("pholanhdao.stc")
    data = demo_pki.pkcs12(label_of(LEADER), PASSPHRASE.encode())
    person, actor, passphrase = leader, leader, PASSPHRASE
    if case == "wrong passphrase":
        passphrase = "sai"
    elif case == "someone else's":
        person = actor = deputy
    elif case in ("expired", "revoked"):
        label = (
            demo_pki.expired_label() if case == "expired" else demo_pki.revoked_label()
        )
        data = demo_pki.pkcs12(label, PASSPHRASE.encode())
        # The test certificates belong to the first demo leader.
        person = actor = _user(demo_pki.subject_of(label).ref)
    elif case == "not allowed to":
        actor = _user("chuyenvien.stc")
    audit_before = AuditEntry.objects.count()
    with override("vi"), pytest.raises(error) as info:
        services.certificate_register_pkcs12(
            data=data, passphrase=passphrase, person=person, actor=actor
        )
    with override("vi"):
        assert message in str(info.value)
    assert not Certificate.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_vietnamese_messages():
    with override("vi"):
        assert str(s.CertificateExpired()) == "Chứng thư số đã hết hạn."
        assert "dấu thời gian" in str(s.TimestampUnavailable())


def test_a_certificate_is_registered_once(demo_pki):
    _register_leader(demo_pki)
    with pytest.raises(services.CertificateRefused):
        _register_leader(demo_pki)


def test_the_subject_rule(demo_pki):
    cert = demo_pki.cert(label_of(LEADER))
    leader = _user(LEADER)
    assert services.certificate_subject_matches(cert, person=leader)
    namesake = User(
        full_name=leader.full_name,
        organisation=Organisation.objects.get(code="000.00.03.H99"),
    )
    assert not services.certificate_subject_matches(cert, person=namesake)
    org = Organisation.objects.get(code=STC)
    seal = demo_pki.cert(f"org-{STC.replace('.', '-')}")
    assert services.certificate_subject_matches(seal, organisation=org)
    assert not services.certificate_subject_matches(cert, organisation=org)


def test_who_signs_with_what(demo_pki):
    own = _register_leader(demo_pki)
    seal = _register_seal(demo_pki, actor=_user(CLERK))
    assert list(certificate_list_usable(user=_user(LEADER))) == [own]
    assert list(certificate_list_usable(user=_user(CLERK))) == [seal]
    assert not certificate_list_usable(user=_user("chuyenvien.stc")).exists()
    assert not certificate_list_usable(user=_user("vanthu.snv")).exists()
    services.certificate_deactivate(certificate=own, actor=_user(LEADER))
    assert not certificate_list_usable(user=_user(LEADER)).exists()
    assert AuditEntry.objects.filter(
        action="signing.certificate_deactivated", object_id=str(own.pk)
    ).exists()


def test_a_clerk_of_another_agency_may_not_register_the_seal(demo_pki):
    with pytest.raises(services.CertificateRefused):
        _register_seal(demo_pki, actor=_user("vanthu.snv"))


def test_expiry_warnings(demo_pki):
    row = _register_leader(demo_pki)
    leader = _user(LEADER)
    assert not certificate_list_expiring(user=leader, within_days=30).exists()
    assert list(certificate_list_expiring(user=leader, within_days=4 * 365)) == [row]
    later = timezone.now() + timedelta(days=3 * 365 - 10)
    assert list(certificate_list_expiring(user=leader, at=later)) == [row]


def test_revocation_status_is_checked_and_cached(demo_pki, pki_server):
    row = _register_leader(demo_pki)
    row = services.certificate_check_revocation(certificate=row, force=True)
    assert row.revocation_status == RevocationStatus.GOOD
    checked = row.revocation_checked_at
    pki_server.serve(None)  # unreachable: the fresh cached status is reused
    row = services.certificate_check_revocation(certificate=row)
    assert row.revocation_checked_at == checked
    row = services.certificate_check_revocation(certificate=row, force=True)
    assert row.revocation_status == RevocationStatus.UNDETERMINED


def test_a_revoked_certificate_is_found_out(demo_pki):
    """Registered while its revocation could not be seen (soft-fail, no data),
    then checked: revoked, audited, no longer usable."""
    leader = _user(demo_pki.subject_of(demo_pki.revoked_label()).ref)
    blind = ValidationContext(
        trust_roots=[demo_pki.root_cert],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    row = services.certificate_register_remote(
        certificate_der=demo_pki.cert(demo_pki.revoked_label()).dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        person=leader,
        actor=leader,
        validation_context=blind,
    )
    assert list(certificate_list_usable(user=leader)) == [row]
    row = services.certificate_check_revocation(certificate=row, force=True)
    assert row.revocation_status == RevocationStatus.REVOKED
    assert row.revoked_at is not None
    assert not certificate_list_usable(user=leader).exists()
    assert AuditEntry.objects.filter(
        action="signing.certificate_revocation_status", object_id=str(row.pk)
    ).exists()


def test_signer_from_the_registry_signs(demo_pki, draft_pdf):
    row = _register_leader(demo_pki)
    with pytest.raises(s.WrongPassphrase):
        services.signer_for(certificate=row, secret="sai")
    signer = services.signer_for(certificate=row, secret=PASSPHRASE)
    signed = s.sign_pdf(pdf=draft_pdf, signer=signer, field_name="chu_ky_lanh_dao")
    (report,) = validate_pdf(signed).signatures
    assert report.ok


def test_pkcs11_registration_needs_a_token_and_key():
    with pytest.raises(ValueError):
        services.certificate_register_pkcs11(
            certificate_der=b"", token_label="", person=None, actor=None
        )


def test_two_phase_state_is_persisted_between_phases(demo_pki, draft_pdf, tsa):
    leader = _user(LEADER)
    row = services.certificate_register_remote(
        certificate_der=demo_pki.cert(label_of(LEADER)).dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        person=leader,
        actor=leader,
    )
    assert isinstance(services.signer_for(certificate=row), s.TwoPhaseSigner)
    pending = services.signature_prepare_remote(
        certificate=row,
        pdf=draft_pdf,
        field_name="chu_ky_lanh_dao",
        level="T",
        certify=True,
        actor=leader,
    )
    assert len(pending.token) >= 40 and len(pending.hash_to_sign) == 64
    assert pending.status == PendingSignature.Status.PENDING
    pending = pending_signature_get(token=pending.token)
    device = (
        s.Pkcs12Signer.load(demo_pki.pkcs12(label_of(LEADER), b"x"), "x", cache=False)
        .pyhanko_signer()
        ._key
    )
    value = s.sign_hash(device, bytes.fromhex(pending.hash_to_sign))
    with pytest.raises(services.PendingSignatureError):
        services.signature_complete_remote(token="khong-co", signature_value=value)
    with pytest.raises(s.InvalidSignatureValue):
        services.signature_complete_remote(
            token=pending.token, signature_value=b"x" * 256
        )
    done, signed = services.signature_complete_remote(
        token=pending.token, signature_value=value, actor=leader
    )
    assert done.status == PendingSignature.Status.COMPLETED
    assert done.result_blob_id
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.timestamp_ok
    with pytest.raises(services.PendingSignatureError):
        services.signature_complete_remote(token=pending.token, signature_value=value)
    actions = set(
        AuditEntry.objects.filter(object_id=str(done.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "signing.remote_signature_prepared",
        "signing.remote_signature_completed",
    }


def test_an_expired_pending_signature_cannot_be_completed(demo_pki, draft_pdf):
    leader = _user(LEADER)
    row = services.certificate_register_remote(
        certificate_der=demo_pki.cert(label_of(LEADER)).dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        person=leader,
        actor=leader,
    )
    pending = services.signature_prepare_remote(
        certificate=row,
        pdf=draft_pdf,
        field_name="chu_ky_lanh_dao",
        level="B",
        actor=leader,
    )
    PendingSignature.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(services.PendingSignatureError):
        services.signature_complete_remote(token=pending.token, signature_value=b"")
