"""The certificate pages (/chung-thu-so/): the list a person sees, registering a
PKCS#12 file or a certificate of the signer's own device, every refusal of the
registry shown in Vietnamese with nothing stored, taking a certificate out of
use, a fresh revocation check, and the expiry warning on the home page."""

from datetime import timedelta

import pytest
from asn1crypto.pem import armor as pem_armor
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directory.models import Organisation, User
from signing import pki as demo
from signing import services
from signing.models import Certificate, KeyBackend, RevocationStatus
from tests.signing.conftest import PASSPHRASE, STC, label_of

pytestmark = pytest.mark.usefixtures("demo")

LIST = reverse("signing:certificates")
REGISTER = reverse("signing:certificate_register")
REGISTER_REMOTE = reverse("signing:certificate_register_remote")
SEAL_LABEL = demo.subject_label("organisation", STC)


def _p12(demo_pki, label: str, name: str = "khoa.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, demo_pki.pkcs12(label, PASSPHRASE.encode()), "application/x-pkcs12"
    )


def _register(demo_pki, username: str) -> Certificate:
    person = User.objects.get(username=username)
    return services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(label_of(username), PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        person=person,
        actor=person,
    )


def _register_seal(demo_pki) -> Certificate:
    return services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(SEAL_LABEL, PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        organisation=Organisation.objects.get(code=STC),
        actor=User.objects.get(username="vanthu.stc"),
    )


def _text(response) -> str:
    return response.content.decode()


def test_the_list_shows_own_certificates_and_the_seal_to_the_clerk(
    demo_pki, client_for
):
    leader = _register(demo_pki, "lanhdao.stc")
    seal = _register_seal(demo_pki)
    Certificate.objects.filter(pk=seal.pk).update(is_demo=True)

    page = _text(client_for("lanhdao.stc").get(LIST))
    assert "Chứng thư số" in page
    assert leader.serial in page and leader.common_name in page
    assert "tệp PKCS#12" in page
    assert "chưa bị thu hồi" in page  # revocation status and its check time
    assert "kiểm tra lúc" in page
    assert seal.serial not in page  # a leader does not see the seal

    page = _text(client_for("vanthu.stc").get(LIST))
    assert seal.serial in page and "dấu cơ quan" in page
    assert "DEMO" in page
    assert leader.serial not in page  # nor the clerk the leader's

    page = _text(client_for("chuyenvien.stc").get(LIST))
    assert "Bạn chưa có chứng thư số nào." in page
    assert seal.serial not in page and leader.serial not in page


def test_a_leader_registers_his_key_file(demo_pki, client_for):
    client = client_for("lanhdao.stc")
    assert "Mật khẩu của tệp" in _text(client.get(REGISTER))
    response = client.post(
        REGISTER,
        {
            "holder": "self",
            "file": _p12(demo_pki, label_of("lanhdao.stc")),
            "passphrase": PASSPHRASE,
        },
        follow=True,
    )
    (row,) = Certificate.objects.all()
    assert row.person.username == "lanhdao.stc"
    assert row.key_backend == KeyBackend.PKCS12
    assert response.redirect_chain[-1][0] == LIST
    assert "Đã đăng ký chứng thư số" in _text(response)
    entry = AuditEntry.objects.get(action="signing.certificate_registered")
    # The passphrase is never stored, not even in the audit entry.
    assert PASSPHRASE not in str(entry.details)


@pytest.mark.parametrize(
    ("username", "label", "passphrase", "message"),
    [
        (
            "lanhdao.stc",
            label_of("lanhdao.stc"),
            "sai-mat-khau",
            "Sai mật khẩu",
        ),
        (
            "lanhdao.stc",
            label_of("lanhdao.snv"),
            PASSPHRASE,
            "không phải cho",
        ),
    ],
    ids=["wrong-passphrase", "another-persons-certificate"],
)
def test_a_refused_key_file_shows_why_and_stores_nothing(
    demo_pki, client_for, username, label, passphrase, message
):
    response = client_for(username).post(
        REGISTER,
        {"holder": "self", "file": _p12(demo_pki, label), "passphrase": passphrase},
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert "Chưa lưu gì" in _text(response) or "alert--error" in _text(response)
    assert not Certificate.objects.exists()
    assert passphrase not in _text(response)


def test_an_expired_or_duplicate_certificate_is_refused(demo_pki, client_for):
    expired = demo_pki.subject_of(demo_pki.expired_label()).ref
    response = client_for(expired).post(
        REGISTER_REMOTE,
        {
            "holder": "self",
            "certificate": SimpleUploadedFile(
                "het-han.cer", demo_pki.cert(demo_pki.expired_label()).dump()
            ),
        },
    )
    assert "Chứng thư số đã hết hạn." in _text(response)
    assert not Certificate.objects.exists()

    _register(demo_pki, "lanhdao.stc")
    response = client_for("lanhdao.stc").post(
        REGISTER,
        {
            "holder": "self",
            "file": _p12(demo_pki, label_of("lanhdao.stc")),
            "passphrase": PASSPHRASE,
        },
    )
    assert "đã được đăng ký" in _text(response)
    assert Certificate.objects.count() == 1


def test_a_file_that_is_not_a_key_file_or_certificate_is_refused(client_for):
    client = client_for("lanhdao.stc")
    response = client.post(
        REGISTER,
        {
            "holder": "self",
            "file": SimpleUploadedFile("khoa.txt", b"abc"),
            "passphrase": "x",
        },
    )
    assert "Hãy chọn tệp có đuôi .p12, .pfx." in _text(response)
    response = client.post(
        REGISTER,
        {
            "holder": "self",
            "file": SimpleUploadedFile("khoa.p12", b"not a pkcs12 file"),
            "passphrase": "x",
        },
    )
    assert "Sai mật khẩu" in _text(response)
    response = client.post(
        REGISTER_REMOTE,
        {"holder": "self", "certificate": SimpleUploadedFile("a.cer", b"rac")},
    )
    assert "Tệp không phải là chứng thư số X.509" in _text(response)
    assert not Certificate.objects.exists()


def test_the_clerk_registers_the_seal_and_a_specialist_may_not(demo_pki, client_for):
    page = _text(client_for("vanthu.stc").get(REGISTER))
    assert "dùng để đóng dấu" in page
    response = client_for("vanthu.stc").post(
        REGISTER,
        {
            "holder": "organisation",
            "file": _p12(demo_pki, SEAL_LABEL),
            "passphrase": PASSPHRASE,
        },
    )
    assert response.status_code == 302
    (seal,) = Certificate.objects.all()
    assert seal.organisation.code == STC and seal.person is None

    # A chuyên viên is offered no such choice, and forcing it is refused.
    assert "dùng để đóng dấu" not in _text(client_for("chuyenvien.stc").get(REGISTER))
    response = client_for("chuyenvien.stc").post(
        REGISTER,
        {
            "holder": "organisation",
            "file": _p12(demo_pki, SEAL_LABEL),
            "passphrase": PASSPHRASE,
        },
    )
    assert response.status_code == 200
    assert Certificate.objects.count() == 1


def test_a_certificate_of_the_leaders_device_is_registered_from_pem(
    demo_pki, client_for
):
    pem = pem_armor("CERTIFICATE", demo_pki.cert(label_of("lanhdao.stc")).dump())
    pem += pem_armor("CERTIFICATE", demo_pki.issuing_ca_cert.dump())
    response = client_for("lanhdao.stc").post(
        REGISTER_REMOTE,
        {"holder": "self", "certificate": SimpleUploadedFile("lanhdao.pem", pem)},
        follow=True,
    )
    (row,) = Certificate.objects.all()
    assert row.key_backend == KeyBackend.REMOTE
    assert len(row.chain_der) == 1
    page = _text(response)
    assert "ký từ xa (thiết bị của người ký)" in page
    assert "Bạn ký bằng chứng thư số này trên thiết bị của mình." in page


def test_taking_a_certificate_out_of_use_needs_a_reason_and_its_holder(
    demo_pki, client_for
):
    row = _register(demo_pki, "lanhdao.stc")
    url = reverse("signing:certificate_deactivate", args=[row.pk])
    # Someone who does not see the certificate cannot touch it.
    assert client_for("lanhdao.snv").post(url, {"reason": "x"}).status_code == 404
    response = client_for("lanhdao.stc").post(url, {"reason": ""}, follow=True)
    assert "Hãy nhập lý do ngừng sử dụng chứng thư số." in _text(response)
    row.refresh_from_db()
    assert row.is_active
    response = client_for("lanhdao.stc").post(
        url, {"reason": "Đã cấp chứng thư số mới"}, follow=True
    )
    row.refresh_from_db()
    assert not row.is_active
    assert "đã ngừng sử dụng" in _text(response)
    entry = AuditEntry.objects.get(action="signing.certificate_deactivated")
    assert entry.details["reason"] == "Đã cấp chứng thư số mới"


def test_a_revocation_check_on_demand_finds_a_revoked_certificate(demo_pki, client_for):
    from pyhanko_certvalidator import ValidationContext

    username = demo_pki.subject_of(demo_pki.revoked_label()).ref
    person = User.objects.get(username=username)
    # Registered while revocation could not be seen (soft-fail, no fetching).
    row = services.certificate_register_remote(
        certificate_der=demo_pki.cert(demo_pki.revoked_label()).dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        person=person,
        actor=person,
        validation_context=ValidationContext(
            trust_roots=[demo_pki.root_cert],
            allow_fetching=False,
            revocation_mode="soft-fail",
        ),
    )
    response = client_for(username).post(
        reverse("signing:certificate_check_revocation", args=[row.pk]), follow=True
    )
    row.refresh_from_db()
    assert row.revocation_status == RevocationStatus.REVOKED
    assert "Tình trạng thu hồi của chứng thư số" in _text(response)
    assert "đã thu hồi" in _text(response)


def test_certificates_expiring_soon_are_highlighted_with_days_left(
    demo_pki, client_for, settings
):
    row = _register(demo_pki, "lanhdao.stc")
    Certificate.objects.filter(pk=row.pk).update(
        not_after=timezone.now() + timedelta(days=10, hours=2)
    )
    settings.VANTHU_CERT_EXPIRY_WARNING_DAYS = 30
    page = _text(client_for("lanhdao.stc").get(LIST))
    assert "còn 10 ngày là hết hạn" in page
    assert "certificate-row--warn" in page
    settings.VANTHU_CERT_EXPIRY_WARNING_DAYS = 5
    page = _text(client_for("lanhdao.stc").get(LIST))
    assert "còn 10 ngày là hết hạn" not in page


def test_the_home_page_warns_of_a_certificate_near_expiry(
    demo_pki, client_for, settings
):
    row = _register(demo_pki, "lanhdao.stc")
    days = (row.not_after - timezone.now()).days
    settings.VANTHU_CERT_EXPIRY_WARNING_DAYS = days - 1
    assert "Chứng thư số cần gia hạn" not in _text(client_for("lanhdao.stc").get("/"))
    settings.VANTHU_CERT_EXPIRY_WARNING_DAYS = days + 1
    page = _text(client_for("lanhdao.stc").get("/"))
    assert "Chứng thư số cần gia hạn" in page
    assert f"còn {days} ngày là hết hạn" in page
    assert LIST in page
    # Another person's certificate is not their warning.
    assert "Chứng thư số cần gia hạn" not in _text(client_for("vanthu.stc").get("/"))


def test_the_home_page_warns_of_an_expired_or_revoked_certificate(demo_pki, client_for):
    row = _register(demo_pki, "lanhdao.stc")
    assert "Chứng thư số cần gia hạn" not in _text(client_for("lanhdao.stc").get("/"))
    Certificate.objects.filter(pk=row.pk).update(
        revocation_status=RevocationStatus.REVOKED
    )
    page = _text(client_for("lanhdao.stc").get("/"))
    assert "Chứng thư số cần gia hạn" in page and "đã thu hồi" in page
    Certificate.objects.filter(pk=row.pk).update(
        revocation_status=RevocationStatus.GOOD,
        not_after=timezone.now() - timedelta(days=1),
    )
    page = _text(client_for("lanhdao.stc").get("/"))
    assert "đã hết hạn ngày" in page
