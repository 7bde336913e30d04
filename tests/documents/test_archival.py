"""Archival upgrade B-LT → B-LTA and renewal of the archival timestamp chain
(signing.archival, documents.archival, documents.tasks), on a document issued
through the Decree 30 order over the demo PKI served on 127.0.0.1."""

import subprocess
from datetime import timedelta

import pytest

from core.models import AuditEntry
from documents import archival as documents_archival
from documents import tasks as documents_tasks
from documents.models import FileVersion
from signing import archival
from signing.trust import validation_context
from signing.validation import validate_pdf
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft,
    pki_server,
)
from tests.workflow.issuing_fixtures import file_bytes as _bytes
from tests.workflow.issuing_fixtures import leader_sign as _sign
from tests.workflow.issuing_fixtures import number_and_seal as _seal

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.slow]


@pytest.fixture
def issued(draft, certs):
    approve_for_signing(draft)
    _sign(draft, certs)
    return _seal(draft, certs)


def _pdfsig_valid(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfsig", "-nocert", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    return out.count("Signature is Valid")


def test_upgrade_then_renew_keeps_every_signature_valid(issued, tmp_path):
    """The sealed B-LT document becomes B-LTA (a document timestamp after the
    leader's validation data), then its chain is renewed with a second document
    timestamp; the leader's certification stays FORM_FILLING and valid."""
    pdf = _bytes(issued)
    before = archival.archival_status(pdf)
    assert before["archival"] is False and before["renewal_due"] is True
    assert before["signatures"] == 2 and before["last_timestamp"] is None

    lta = archival.archival_upgrade(pdf)
    assert lta.startswith(pdf)
    report = validate_pdf(lta, validation_context=validation_context())
    assert report.ok, report.as_dict()
    kinds = [s.kind for s in report.signatures]
    assert kinds == ["signature", "signature", "timestamp"], kinds
    leader = report.signatures[0]
    assert leader.modification_level == "FORM_FILLING" and leader.docmdp_ok
    assert _pdfsig_valid(lta, tmp_path) == 2
    status = archival.archival_status(lta)
    assert status["archival"] and status["document_timestamps"] == 1
    assert status["last_timestamp"] is not None and status["tsa_expires"] is not None

    with pytest.raises(archival.AlreadyArchival):
        archival.archival_upgrade(lta)

    renewed = archival.archival_renew(lta)
    assert renewed.startswith(lta)
    report = validate_pdf(renewed, validation_context=validation_context())
    assert report.ok, report.as_dict()
    assert [s.kind for s in report.signatures].count("timestamp") == 2
    assert report.signatures[0].modification_level == "FORM_FILLING"
    assert _pdfsig_valid(renewed, tmp_path) == 2
    assert archival.archival_status(renewed)["document_timestamps"] == 2


def test_status_due_within_the_renewal_horizon(issued, settings):
    """Renewal is due when there is no document timestamp, or when the TSA
    certificate of the last one expires within VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS."""
    lta = archival.archival_upgrade(_bytes(issued))
    status = archival.archival_status(lta)
    expires = status["tsa_expires"]
    settings.VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = 365
    assert (
        archival.archival_status(lta, at=expires - timedelta(days=366))["renewal_due"]
        is False
    )
    assert archival.archival_status(lta, at=expires - timedelta(days=364))[
        "renewal_due"
    ]
    settings.VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = 0
    assert not archival.archival_status(lta, at=expires - timedelta(days=1))[
        "renewal_due"
    ]


def test_bad_inputs_are_refused():
    """An unsigned or unreadable file cannot be upgraded, a file without a
    document timestamp cannot be renewed: Vietnamese messages."""
    from django.utils import translation

    from signing.signers import InvalidPdf

    with pytest.raises(InvalidPdf):
        archival.archival_upgrade(b"not a pdf")
    pdf = _unsigned_pdf()
    with translation.override("vi"), pytest.raises(archival.NotSigned) as exc:
        archival.archival_upgrade(pdf)
    assert "chữ ký" in str(exc.value)
    with pytest.raises(archival.NotArchival):
        archival.archival_renew(pdf)


def _unsigned_pdf() -> bytes:
    from tests.documents.pdf_samples import text_pdf

    return text_pdf()


def test_service_upgrades_then_renews_when_due(issued, settings):
    """document_archival_upgrade stores an "archived" version (audited, event),
    leaves it alone while renewal is not due, and renews it when due."""
    from core.models import OutboxEvent

    archived = documents_archival.document_archival_upgrade(version=issued)
    assert archived.kind == FileVersion.Kind.SIGNED
    assert archived.facts["step"] == "archived"
    assert archived.facts["archival"]["document_timestamps"] == 1
    assert archived.number == issued.number + 1
    assert AuditEntry.objects.filter(action="document.archived").count() == 1
    assert OutboxEvent.objects.filter(topic="documents.archived").count() == 1
    assert _bytes(archived).startswith(_bytes(issued))
    # An older version is not the file's latest any more: nothing to do.
    assert documents_archival.document_archival_upgrade(version=issued) is None

    settings.VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = 0
    assert documents_archival.document_archival_upgrade(version=archived) is None
    settings.VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = 365 * 100
    renewed = documents_archival.document_archival_upgrade(version=archived)
    assert renewed.facts["step"] == "renewed"
    assert renewed.facts["archival"]["document_timestamps"] == 2
    report = validate_pdf(_bytes(renewed), validation_context=validation_context())
    assert report.ok, report.as_dict()


def test_service_refuses_people_without_the_role(issued):
    from django.core.exceptions import PermissionDenied

    from tests.workflow.issuing_fixtures import user

    with pytest.raises(PermissionDenied):
        documents_archival.document_archival_upgrade(
            version=issued, actor=user("chuyenvien.stc")
        )
    assert not FileVersion.objects.filter(facts__step="archived").exists()
    archived = documents_archival.document_archival_upgrade(
        version=issued, actor=user("luutru.stc")
    )
    assert archived.created_by == user("luutru.stc")


def test_service_refuses_a_version_that_is_not_sealed(draft):
    from django.core.exceptions import ValidationError

    version = FileVersion.objects.filter(file__document=draft).get()
    with pytest.raises(ValidationError):
        documents_archival.document_archival_upgrade(version=version)


def test_daily_task_upgrades_once_and_goes_on_after_a_failure(issued, settings):
    """The sweep upgrades the sealed version, skips it on the next run (already
    B-LTA, not due), and a broken file among the candidates is logged while the
    others are still upgraded."""
    import io

    from documents.services import file_version_store

    # A second issued document whose "sealed" file is not signed at all.
    other_file = issued.file.document.files.create(
        role="attachment", title="Phụ lục hỏng", position=9
    )
    file_version_store(
        file=other_file,
        stream=io.BytesIO(_unsigned_pdf()),
        kind=FileVersion.Kind.SIGNED,
        filename="hong.pdf",
        page_count=1,
        facts={"step": "sealed"},
        created_by=issued.created_by,
    )
    settings.VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = 0
    counts = documents_tasks.archival_sweep.apply().get()
    assert counts == {"upgraded": 1, "renewed": 0, "skipped": 0, "failed": 1}
    counts = documents_tasks.archival_sweep.apply().get()
    assert counts == {"upgraded": 0, "renewed": 0, "skipped": 1, "failed": 1}
    assert FileVersion.objects.filter(facts__step="archived").count() == 1
