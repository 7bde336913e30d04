"""PKCS#11 signing with SoftHSM2 (Debian's softhsm2): a token initialised in a
temporary folder (SOFTHSM2_CONF), RSA and EC keys generated inside the token, a
certificate issued by the demo PKI for each public key — the private keys never
leave the token (signing-stack.md §6)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys

from signing import signers as s
from signing.pki import DemoPki, demo_pki_issue_for_public_key
from signing.validation import validate_pdf
from tests.signing.conftest import label_of, pdfsig

PIN = "1234"
SO_PIN = "5678"
TOKEN = "vanthu-test"
MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)

pytestmark = pytest.mark.skipif(
    shutil.which("softhsm2-util") is None,
    reason="needs softhsm2 (deploy/apt-packages.txt, installed by make test)",
)


def _module() -> str:
    return next(p for p in MODULE_CANDIDATES if Path(p).exists())


@pytest.fixture(scope="session")
def token(tmp_path_factory, demo_pki, pki_server):
    """A fresh SoftHSM2 token with an RSA-2048 and an EC P-256 key, and demo
    certificates for both public keys. Once per session: pytest may interleave
    this module's tests with others', and the certificates are issued once."""
    import pkcs11
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
    from pkcs11.util.rsa import encode_rsa_public_key

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    lib = pkcs11.lib(_module())
    with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        rsa_pub, _ = session.generate_keypair(
            pkcs11.KeyType.RSA, 2048, id=b"\x01", label="leader-rsa", store=True
        )
        params = session.create_domain_parameters(
            pkcs11.KeyType.EC,
            {pkcs11.Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
            local=True,
        )
        ec_pub, _ = params.generate_keypair(id=b"\x02", label="leader-ec", store=True)
        rsa_spki = keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": "rsa"},
                "public_key": keys.RSAPublicKey.load(encode_rsa_public_key(rsa_pub)),
            }
        ).dump()
        ec_spki = encode_ec_public_key(ec_pub)
    subject = demo_pki.subject_of(label_of("lanhdao.stc"))
    certs = {
        name: demo_pki_issue_for_public_key(
            pki=demo_pki, label=f"hsm-{name}", public_key_der=der, subject=subject
        )
        for name, der in (("rsa", rsa_spki), ("ec", ec_spki))
    }
    yield certs
    s.clear_signer_caches()
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="session")
def pki_with_token(token, demo_pki):
    """The demo PKI loaded again: it knows the token's certificates."""
    return DemoPki(demo_pki.directory)


@pytest.fixture(autouse=True)
def _serve_the_token_certificates(pki_with_token, pki_server):
    pki_server.serve(pki_with_token)


@pytest.mark.parametrize(("name", "key_id"), [("rsa", b"\x01"), ("ec", b"\x02")])
def test_sign_b_t_with_a_key_in_the_token(
    token, name, key_id, demo_pki, draft_pdf, tsa
):
    from signing.trust import validation_context

    signer = s.Pkcs11Signer.open(
        module=_module(),
        token_label=TOKEN,
        pin=PIN,
        key_id=key_id,
        certificate=token[name],
        ca_chain=[demo_pki.issuing_ca_cert],
    )
    signed = s.sign_pdf(
        pdf=draft_pdf,
        signer=signer,
        field_name="chu_ky_lanh_dao",
        level="T",
        certify=True,
        timestamper=tsa,
        validation_context=validation_context(),
    )
    assert "Signature is Valid" in pdfsig(signed)
    (report,) = validate_pdf(signed).signatures
    assert report.ok, report.problems
    assert report.chain[0].fingerprint == token[name].sha256.hex()


def test_wrong_pin(token, demo_pki):
    with pytest.raises(s.WrongPin):
        s.Pkcs11Signer.open(
            module=_module(),
            token_label=TOKEN,
            pin="0000",
            key_id=b"\x01",
            certificate=token["rsa"],
        )


def test_token_key_that_is_not_the_certificates(token, demo_pki):
    with pytest.raises(s.KeyMismatch):
        s.Pkcs11Signer.open(
            module=_module(),
            token_label=TOKEN,
            pin=PIN,
            key_id=b"\x01",
            certificate=demo_pki.cert(label_of("lanhdao.stc")),
        )


def test_missing_token_or_key(token):
    with pytest.raises(s.SignerUnavailable):
        s.Pkcs11Signer.open(
            module=_module(),
            token_label="no-such-token",
            pin=PIN,
            key_id=b"\x01",
            certificate=token["rsa"],
        )
    with pytest.raises(s.SignerUnavailable):
        s.Pkcs11Signer.open(
            module=_module(),
            token_label=TOKEN,
            pin=PIN,
            key_id=b"\x09",
            certificate=token["rsa"],
        )


def test_register_the_token_key_and_sign_through_the_registry(
    token, demo, demo_pki, draft_pdf, settings
):
    from directory.models import User
    from signing import services
    from signing.models import KeyBackend

    settings.VANTHU_PKCS11_MODULE = _module()
    leader = User.objects.get(username="lanhdao.stc")
    with pytest.raises(s.WrongPin):
        services.certificate_register_pkcs11(
            certificate_der=token["ec"].dump(),
            chain_der=[demo_pki.issuing_ca_cert.dump()],
            token_label=TOKEN,
            key_id=b"\x02",
            pin="0000",
            person=leader,
            actor=leader,
        )
    row = services.certificate_register_pkcs11(
        certificate_der=token["ec"].dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        token_label=TOKEN,
        key_id=b"\x02",
        pin=PIN,
        person=leader,
        actor=leader,
    )
    assert row.key_backend == KeyBackend.PKCS11 and row.pkcs11_key_id == "02"
    signer = services.signer_for(certificate=row, secret=PIN)
    assert isinstance(signer, s.Pkcs11Signer)
    signed = s.sign_pdf(pdf=draft_pdf, signer=signer, field_name="chu_ky_lanh_dao")
    (report,) = validate_pdf(signed).signatures
    assert report.ok
