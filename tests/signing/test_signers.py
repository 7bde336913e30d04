"""Signing into the draft's existing fields with every kind of signer, and each
kind of bad input refused before any byte is produced."""

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_der_x509_certificate

from signing import signers as s
from signing.trust import get_timestamper, validation_context
from signing.validation import validate_pdf
from tests.signing.conftest import PASSPHRASE, label_of, pdfsig, reader

LEADER_FIELD = "chu_ky_lanh_dao"
SEAL_FIELD = "chu_ky_co_quan"


def _valid_in_pdfsig(data: bytes, count: int = 1) -> None:
    report = pdfsig(data)
    assert report.count("Signature is Valid") == count, report


def test_b_b_into_the_existing_leader_field(leader, draft_pdf):
    signed = s.sign_pdf(pdf=draft_pdf, signer=leader, field_name=LEADER_FIELD)
    assert signed.startswith(draft_pdf)  # an incremental update
    (sig,) = reader(signed).embedded_signatures
    assert sig.field_name == LEADER_FIELD
    _valid_in_pdfsig(signed)
    # Signed into the draft's field: no new field was added.
    fields = reader(signed).root["/AcroForm"]["/Fields"]
    assert len(fields) == len(reader(draft_pdf).root["/AcroForm"]["/Fields"])


def test_b_t_certified_is_timestamped_by_the_loopback_tsa(leader, draft_pdf, tsa, vc):
    signed = s.sign_pdf(
        pdf=draft_pdf,
        signer=leader,
        field_name=LEADER_FIELD,
        level="T",
        certify=True,
        timestamper=tsa,
        validation_context=vc,
    )
    _valid_in_pdfsig(signed)
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.certified
    assert report.docmdp_permission == "FILL_FORMS"
    assert report.timestamp_time is not None and report.timestamp_ok


def test_the_parsed_key_is_cached_per_process_and_passphrase(leader_p12):
    first = s.Pkcs12Signer.load(leader_p12, PASSPHRASE)
    assert s.Pkcs12Signer.load(leader_p12, PASSPHRASE) is first
    with pytest.raises(s.WrongPassphrase):
        s.Pkcs12Signer.load(leader_p12, "not-the-passphrase")
    assert isinstance(first.pyhanko_signer(), s.CachedKeySigner)


def test_wrong_passphrase_is_refused(leader_p12):
    with pytest.raises(s.WrongPassphrase) as info:
        s.Pkcs12Signer.load(leader_p12, "sai-mat-khau")
    assert "sai-mat-khau" not in str(info.value)


def test_a_key_that_is_not_the_certificates_is_refused(demo_pki, leader_p12):
    """cryptography refuses to write a PKCS#12 whose key and certificate differ,
    but files from other tools may leave the key's certificate unmarked among the
    others: the loader looks for the one matching the key and finds none."""
    cert = load_der_x509_certificate(demo_pki.cert(label_of("lanhdao.stc")).dump())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = pkcs12.serialize_key_and_certificates(
        b"mismatch",
        other,
        None,
        [cert],
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    with pytest.raises(s.KeyMismatch):
        s.Pkcs12Signer.load(data, PASSPHRASE)
    # The same layout with the right key is accepted.
    key, _cert, _others = pkcs12.load_key_and_certificates(
        leader_p12, PASSPHRASE.encode()
    )
    good = pkcs12.serialize_key_and_certificates(
        b"ok", key, None, [cert], serialization.BestAvailableEncryption(b"pw")
    )
    assert s.Pkcs12Signer.load(good, "pw").certificate.dump() == cert.public_bytes(
        serialization.Encoding.DER
    )


def test_expired_certificate_is_refused(demo_pki, draft_pdf):
    expired = s.Pkcs12Signer.load(
        demo_pki.pkcs12(demo_pki.expired_label(), PASSPHRASE.encode()), PASSPHRASE
    )
    with pytest.raises(s.CertificateExpired):
        s.sign_pdf(pdf=draft_pdf, signer=expired, field_name=LEADER_FIELD)


def test_revoked_certificate_is_refused(demo_pki, draft_pdf, vc):
    revoked = s.Pkcs12Signer.load(
        demo_pki.pkcs12(demo_pki.revoked_label(), PASSPHRASE.encode()), PASSPHRASE
    )
    with pytest.raises(s.CertificateRevoked) as info:
        s.sign_pdf(
            pdf=draft_pdf,
            signer=revoked,
            field_name=LEADER_FIELD,
            validation_context=vc,
        )
    assert str(info.value)


def test_unreachable_tsa_leaves_the_document_unsigned(leader, draft_pdf, pki_server):
    """The TSA answers 503 (no PKI served), then nothing listens at all: each time
    TimestampUnavailable and no output; the caller retries later and succeeds."""
    pki_server.serve(None)
    with pytest.raises(s.TimestampUnavailable):
        s.sign_pdf(
            pdf=draft_pdf,
            signer=leader,
            field_name=LEADER_FIELD,
            level="T",
            timestamper=get_timestamper(),
        )
    from pyhanko.sign.timestamps import HTTPTimeStamper

    with pytest.raises(s.TimestampUnavailable):
        s.sign_pdf(
            pdf=draft_pdf,
            signer=leader,
            field_name=LEADER_FIELD,
            level="T",
            timestamper=HTTPTimeStamper("http://127.0.0.1:9/tsa", timeout=2),
        )


def test_field_must_exist_and_be_empty(leader, draft_pdf):
    with pytest.raises(s.FieldNotFound):
        s.sign_pdf(pdf=draft_pdf, signer=leader, field_name="khong_co")
    signed = s.sign_pdf(pdf=draft_pdf, signer=leader, field_name=LEADER_FIELD)
    with pytest.raises(s.FieldAlreadySigned):
        s.sign_pdf(pdf=signed, signer=leader, field_name=LEADER_FIELD)
    with pytest.raises(s.InvalidPdf):
        s.sign_pdf(pdf=b"%PDF-1.7 not really", signer=leader, field_name=LEADER_FIELD)


def test_levels_need_their_services(leader, draft_pdf):
    with pytest.raises(ValueError):
        s.sign_pdf(pdf=draft_pdf, signer=leader, field_name=LEADER_FIELD, level="T")
    with pytest.raises(ValueError):
        s.sign_pdf(pdf=draft_pdf, signer=leader, field_name=LEADER_FIELD, level="X")


def test_two_phase_in_one_process(demo_pki, draft_pdf, tsa):
    """Only the hash of the signed attributes leaves; the value is checked."""
    label = label_of("lanhdao.stc")
    cert = demo_pki.cert(label)
    device = s.Pkcs12Signer.load(demo_pki.pkcs12(label, b"x"), "x", cache=False)
    key = device.pyhanko_signer()._key
    remote = s.TwoPhaseSigner(cert, [demo_pki.issuing_ca_cert])
    prepared = s.two_phase_prepare(
        pdf=draft_pdf, signer=remote, field_name=LEADER_FIELD, level="T", certify=True
    )
    assert len(prepared.hash_to_sign) == 32
    prepared = s.PreparedSignature.from_state(
        prepared.to_state(), prepared.prepared_pdf
    )
    wrong = s.sign_hash(key, hashes.Hash(hashes.SHA256()).finalize())
    with pytest.raises(s.InvalidSignatureValue):
        s.two_phase_finish(prepared=prepared, signature_value=wrong, timestamper=tsa)
    value = s.sign_hash(key, prepared.hash_to_sign)
    signed = s.two_phase_finish(
        prepared=prepared, signature_value=value, timestamper=tsa
    )
    _valid_in_pdfsig(signed)
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.timestamp_ok and report.certified


def test_two_phase_b_lt_adds_validation_data(demo_pki, draft_pdf, tsa):
    label = label_of("lanhdao.stc")
    device = s.Pkcs12Signer.load(demo_pki.pkcs12(label, b"x"), "x", cache=False)
    remote = s.TwoPhaseSigner(demo_pki.cert(label), [demo_pki.issuing_ca_cert])
    prepared = s.two_phase_prepare(
        pdf=draft_pdf, signer=remote, field_name=LEADER_FIELD, level="LT"
    )
    signed = s.two_phase_finish(
        prepared=prepared,
        signature_value=s.sign_hash(
            device.pyhanko_signer()._key, prepared.hash_to_sign
        ),
        timestamper=tsa,
        validation_context=validation_context(),
    )
    assert b"/DSS" in signed
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.modification_level == "LTA_UPDATES"


def test_the_signature_room_is_estimated_once_then_remembered(
    leader, draft_pdf, tsa, monkeypatch
):
    """pyHanko sizes the signature by building a dummy one; the second signature
    of the same kind reuses the room found by the first, and a room that turns
    out too small is estimated again rather than failing."""
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession

    estimates = []
    original = PdfSigningSession.estimate_signature_container_size

    async def counting(self, *args, **kwargs):
        estimates.append(1)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(
        PdfSigningSession, "estimate_signature_container_size", counting
    )
    s.clear_signer_caches()

    def sign():
        return s.sign_pdf(
            pdf=draft_pdf,
            signer=leader,
            field_name=LEADER_FIELD,
            level="T",
            timestamper=tsa,
        )

    first, second = sign(), sign()
    assert len(estimates) == 1
    _valid_in_pdfsig(second)
    assert validate_pdf(second).ok
    # The remembered room is not much larger than pyHanko's own estimate.
    assert abs(len(second) - len(first)) < 2 * 2 * s.RESERVE_MARGIN + 64
    # Too small a room (a grown timestamp token): estimated anew, still signed.
    (key,) = s._reserve_cache
    s._reserve_cache[key] = 2000
    third = sign()
    assert len(estimates) == 2
    assert validate_pdf(third).ok
    assert s._reserve_cache[key] > 2000
