"""Fixtures and helpers for tests that need documents on the issuing path: the
leaders' and the STC seal certificates registered from the demo PKI, a rendered
STC draft, and the two issuing steps (leader signs, văn thư numbers and seals).

Import the fixtures by name in a test module:

    from tests.workflow.issuing_fixtures import *  # noqa: F403
"""

import subprocess
from pathlib import Path

import pytest

from core.blobstore import get_blob_store
from directory.models import Organisation, User
from documents.models import FileVersion
from documents.services import draft_create
from signing import services as signing_services
from tests.signing.conftest import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    demo_pki,
    label_of,
    pdfsig,
    pki_server,
)
from workflow import approval, issuing
from workflow.models import ApprovalTask

__all__ = [
    "PASSPHRASE",
    "STC",
    "_fresh_signer_caches",
    "_signing_settings",
    "approve_for_signing",
    "certs",
    "demo_pki",
    "draft",
    "draft_content",
    "file_bytes",
    "keep_pdf_and_first_page",
    "label_of",
    "leader_sign",
    "number_and_seal",
    "pdfsig",
    "pki_server",
    "register_person_certificate",
    "register_seal_certificate",
    "user",
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def draft_content() -> dict:
    return {
        "document_type": "quyet_dinh",
        "subject": "Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
        "body": (
            "Điều 1. Phê duyệt dự toán kinh phí chuyển đổi số năm 2026.\n\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."
        ),
        "signer_capacity": "",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": user("lanhdao.stc").full_name,
        "copies_to": ["Như Điều 2;"],
        "urgency": 0,
        "secrecy": 0,
    }


def register_person_certificate(demo_pki, username: str, *, device: bool = False):
    """The demo certificate of `username`, registered by them: its key file
    (PKCS#12), or with `device` the certificate of their own device (the key
    stays there: two-phase signing)."""
    person = user(username)
    if device:
        return signing_services.certificate_register_remote(
            certificate_der=demo_pki.cert(label_of(username)).dump(),
            chain_der=[demo_pki.issuing_ca_cert.dump()],
            person=person,
            actor=person,
        )
    return signing_services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(label_of(username), PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        person=person,
        actor=person,
    )


def register_seal_certificate(demo_pki):
    """The STC seal certificate (PKCS#12), registered by vanthu.stc."""
    return signing_services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(f"org-{STC.replace('.', '-')}", PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        organisation=Organisation.objects.get(code=STC),
        actor=user("vanthu.stc"),
    )


@pytest.fixture
def certs(demo_pki):  # noqa: F811
    """The leaders' and the STC seal certificates, registered (PKCS#12):
    keys "leader" (lanhdao.stc), "other_leader" (lanhdao.snv), "seal" (STC)."""
    seal = register_seal_certificate(demo_pki)
    return {
        "leader": register_person_certificate(demo_pki, "lanhdao.stc"),
        "other_leader": register_person_certificate(demo_pki, "lanhdao.snv"),
        "seal": seal,
    }


@pytest.fixture
def draft():
    """A rendered STC quyết định drafted by chuyenvien.stc."""
    return draft_create(
        organisation=Organisation.objects.get(code=STC),
        content=draft_content(),
        actor=user("chuyenvien.stc"),
    )


def file_bytes(version: FileVersion) -> bytes:
    with get_blob_store().open(version.blob_id) as stream:
        return stream.read()


def keep_pdf_and_first_page(pdf: bytes, directory: Path, name: str, dpi=80) -> None:
    """`pdf` saved as `name`.pdf in `directory`, and its first page as
    `name`-page1.png (poppler's pdftoppm at `dpi`), for a person to look at."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", "-singlefile"]
        + [str(directory / f"{name}.pdf"), str(directory / f"{name}-page1")],
        check=True,
        timeout=60,
    )


def approve_for_signing(document, signer_username: str = "lanhdao.stc"):
    """Submit the draft (as its drafter) with `signer_username` as the signer and
    approve every step of its circuit before him (workflow.approval), so that it
    waits for his signature. Returns the process."""
    process = approval.draft_submit(
        document=document, signer=user(signer_username), actor=document.created_by
    )
    while process.state == approval.IN_APPROVAL:
        task = ApprovalTask.objects.filter(
            process=process,
            round=process.round,
            state=ApprovalTask.State.PENDING,
            is_signer=False,
        ).first()
        process = approval.approval_approve(process=process, actor=task.approver)
    assert process.state == approval.AWAITING_SIGNATURE, process.state
    return process


def leader_sign(draft, certs):
    return issuing.document_sign_as_leader(
        document=draft,
        certificate=certs["leader"],
        secret=PASSPHRASE,
        actor=user("lanhdao.stc"),
    )


def number_and_seal(draft, certs, secret=PASSPHRASE):
    return issuing.document_number_and_seal(
        document=draft,
        certificate=certs["seal"],
        secret=secret,
        actor=user("vanthu.stc"),
    )
