"""The three processes of a two-phase signature, run by
tests/signing/test_two_phase_processes.py as separate Python processes:

    python -m tests.signing.two_phase_steps prepare CERT_ID PDF      (the server)
    python -m tests.signing.two_phase_steps device P12 PASS HASH_HEX  (the device)
    python -m tests.signing.two_phase_steps finish TOKEN SIG_HEX OUT  (the server)

`prepare` and `finish` are Vanthu (Django, the test database named in the
environment); `device` stands for the signer's USB token or remote-signing
service: it holds the private key, sees only the 32-byte hash, and uses nothing of
Vanthu."""

import json
import sys


def _django():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
    django.setup()


def prepare(cert_id: str, pdf_path: str) -> None:
    _django()
    from pathlib import Path

    from signing.models import Certificate
    from signing.services import signature_prepare_remote

    pending = signature_prepare_remote(
        certificate=Certificate.objects.get(pk=int(cert_id)),
        pdf=Path(pdf_path).read_bytes(),
        field_name="chu_ky_lanh_dao",
        level="T",
        certify=True,
        actor=None,
    )
    print(json.dumps({"token": pending.token, "hash": pending.hash_to_sign}))


def device(p12_path: str, passphrase: str, hash_hex: str) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, _cert, _others = pkcs12.load_key_and_certificates(
        Path(p12_path).read_bytes(), passphrase.encode()
    )
    digest = bytes.fromhex(hash_hex)
    assert len(digest) == 32
    value = key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    print(value.hex())


def finish(token: str, signature_hex: str, out_path: str) -> None:
    _django()
    from pathlib import Path

    from signing.services import signature_complete_remote

    _pending, signed = signature_complete_remote(
        token=token, signature_value=bytes.fromhex(signature_hex)
    )
    Path(out_path).write_bytes(signed)
    print(len(signed))


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    {"prepare": prepare, "device": device, "finish": finish}[step](*args)
