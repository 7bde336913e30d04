"""The Decree 30 issuing order through workflow.issuing: a chuyên viên drafts, the
agency leader signs (level T, certification allowing form filling), the văn thư
numbers and seals (level LT), over the demo PKI served on 127.0.0.1."""

import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.blobstore import blob_put
from core.models import AuditEntry, OutboxEvent
from directory.models import Organisation
from documents.models import Document, FileVersion, Register
from documents.rendering import FIELD_LEADER, FIELD_SEAL
from signing.images import StampImageMissing
from signing.signers import TimestampUnavailable, WrongPassphrase
from signing.trust import validation_context
from signing.validation import validate_pdf
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft,
    keep_pdf_and_first_page,
    pdfsig,
    pki_server,
)
from tests.workflow.issuing_fixtures import file_bytes as _bytes
from tests.workflow.issuing_fixtures import leader_sign as _sign
from tests.workflow.issuing_fixtures import number_and_seal as _seal
from tests.workflow.issuing_fixtures import user as _user
from workflow import issuing

pytestmark = pytest.mark.usefixtures("demo")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "issuing"
SNV = "000.00.03.H99"


def _versions(document) -> int:
    return FileVersion.objects.filter(file__document=document).count()


def _tool(*args: str, data: bytes, tmp_path: Path, after: tuple = ()):
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [*args, str(path), *after],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _last_numbers(organisation_code=STC) -> dict:
    return dict(
        Register.objects.filter(organisation__code=organisation_code).values_list(
            "pk", "last_number"
        )
    )


def test_draft_signed_by_the_leader_then_numbered_and_sealed(draft, certs, tmp_path):
    approve_for_signing(draft)
    assert issuing.issuing_step(document=draft) == "draft"
    signed = _sign(draft, certs)
    assert signed.kind == FileVersion.Kind.SIGNED
    assert signed.facts["step"] == "leader_signed"
    assert issuing.issuing_step(document=draft) == "leader_signed"
    report = validate_pdf(_bytes(signed), validation_context=validation_context())
    (leader,) = report.signatures
    assert leader.ok and leader.certified and leader.docmdp_permission == "FILL_FORMS"
    assert leader.timestamp_ok

    issued = _seal(draft, certs)
    draft.refresh_from_db()
    assert draft.state == Document.State.ISSUED
    assert draft.number_notation == "01/QĐ-STC"
    assert issued.facts["step"] == "sealed" and issued.number == signed.number + 1
    assert issuing.issuing_step(document=draft) == "sealed"
    assert (
        AuditEntry.objects.filter(
            action__in=["document.sign_leader", "document.seal"]
        ).count()
        == 2
    )
    assert (
        OutboxEvent.objects.filter(
            topic__in=["workflow.leader_signed", "workflow.issued"]
        ).count()
        == 2
    )

    pdf = _bytes(issued)
    report = validate_pdf(pdf, validation_context=validation_context())
    assert report.ok, report.as_dict()
    first, second = report.signatures
    assert first.field_name == FIELD_LEADER and second.field_name == FIELD_SEAL
    assert first.certified and first.modification_level == "FORM_FILLING"
    assert second.ok and second.timestamp_ok
    assert _user("lanhdao.stc").full_name in first.signer_name, first.signer_name
    stc = Organisation.objects.get(code=STC)
    assert stc.name in second.signer_name, second.signer_name

    sig = _tool("pdfsig", "-nocert", data=pdf, tmp_path=tmp_path)
    assert sig.stdout.count("Signature is Valid") == 2, sig.stdout
    check = _tool("qpdf", "--check", data=pdf, tmp_path=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    text = _tool(
        "pdftotext",
        "-layout",
        "-f",
        "1",
        "-l",
        "1",
        data=pdf,
        tmp_path=tmp_path,
        after=("-",),
    )
    assert "01/QĐ-STC" in text.stdout.replace(" ", ""), text.stdout

    keep_pdf_and_first_page(pdf, ARTIFACTS, "issued")

    with pytest.raises(ValidationError):
        _seal(draft, certs)  # issued already


def test_sealing_before_the_leader_signed_is_refused(draft, certs):
    before = _last_numbers()
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        _seal(draft, certs)
    assert "chưa ký" in str(info.value)
    assert _last_numbers() == before
    assert _versions(draft) == 1


def test_a_pdf_changed_after_the_leader_signed_is_not_sealed(draft, certs):
    from pyhanko.pdf_utils.generic import StreamObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    approve_for_signing(draft)

    signed = _sign(draft, certs)
    # A red line drawn over page 1, appended as an incremental update.
    writer = IncrementalPdfFileWriter(io.BytesIO(_bytes(signed)), strict=False)
    line = writer.add_object(
        StreamObject(stream_data=b"q 1 0 0 RG 5 w 50 50 m 500 700 l S Q")
    )
    writer.add_stream_to_page(0, line)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    blob = blob_put(stream=io.BytesIO(data))
    FileVersion.objects.create(
        file=signed.file,
        number=signed.number + 1,
        kind=FileVersion.Kind.SIGNED,
        blob=blob,
        filename="changed.pdf",
        size=len(data),
        page_count=signed.page_count,
        facts={**signed.facts, "sha256": blob.sha256, "size": len(data)},
        created_by=_user("lanhdao.stc"),
    )
    before = _last_numbers()
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        _seal(draft, certs)
    assert "không thể đóng dấu" in str(info.value)
    assert _last_numbers() == before
    assert _versions(draft) == 3
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT and draft.register_id is None


def test_a_chuyen_vien_may_not_sign(draft, certs):
    approve_for_signing(draft)
    with translation.override("vi"), pytest.raises(PermissionDenied) as info:
        issuing.document_sign_as_leader(
            document=draft,
            certificate=certs["leader"],
            secret=PASSPHRASE,
            actor=_user("chuyenvien.stc"),
        )
    assert "lãnh đạo" in str(info.value)
    assert _versions(draft) == 1


def test_a_leader_of_another_organisation_may_not_sign(draft, certs):
    approve_for_signing(draft)
    with pytest.raises(PermissionDenied):
        issuing.document_sign_as_leader(
            document=draft,
            certificate=certs["other_leader"],
            secret=PASSPHRASE,
            actor=_user("lanhdao.snv"),
        )
    # Nor with someone else's certificate.
    with pytest.raises(PermissionDenied):
        issuing.document_sign_as_leader(
            document=draft,
            certificate=certs["seal"],
            secret=PASSPHRASE,
            actor=_user("lanhdao.stc"),
        )
    assert _versions(draft) == 1


def test_a_wrong_passphrase_stores_nothing_and_takes_no_number(draft, certs):
    approve_for_signing(draft)
    with pytest.raises(WrongPassphrase):
        issuing.document_sign_as_leader(
            document=draft,
            certificate=certs["leader"],
            secret="wrong",  # noqa: S106
            actor=_user("lanhdao.stc"),
        )
    assert _versions(draft) == 1
    assert issuing.issuing_step(document=draft) == "draft"

    _sign(draft, certs)
    with pytest.raises(ValidationError):
        _sign(draft, certs)  # signed already
    before = _last_numbers()
    with pytest.raises(WrongPassphrase):
        _seal(draft, certs, secret="wrong")  # noqa: S106
    assert _last_numbers() == before
    assert _versions(draft) == 2
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT and draft.register_id is None


def test_a_seal_that_cannot_be_timestamped_gives_the_number_back(
    draft, certs, settings
):
    approve_for_signing(draft)
    _sign(draft, certs)
    before = _last_numbers()
    settings.VANTHU_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens there
    with pytest.raises(TimestampUnavailable):
        _seal(draft, certs)
    assert _last_numbers() == before
    assert _versions(draft) == 2
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT and draft.register_id is None
    assert issuing.issuing_step(document=draft) == "leader_signed"
    assert not AuditEntry.objects.filter(action="document.assign_number").exists()


def _png(size, rgba):
    from PIL import Image

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    for x in range(20, size[0] - 20):
        for y in (size[1] // 2, size[1] // 2 + 1):
            image.putpixel((x, y), rgba)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def _image_sizes(pdf: bytes) -> set[tuple[int, int]]:
    import pikepdf

    sizes = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                sizes.add((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


def test_the_stored_signature_and_seal_images_are_stamped(draft, certs):
    approve_for_signing(draft)
    from directory.services import (
        organisation_seal_image_set,
        person_signature_image_set,
    )

    leader = _user("lanhdao.stc")
    person_signature_image_set(
        person=leader, data=_png((517, 203), (20, 40, 200, 255)), actor=leader
    )
    organisation_seal_image_set(
        organisation=draft.organisation,
        data=_png((431, 431), (220, 20, 20, 255)),
        size_mm=30,
        actor=None,
    )
    signed = _bytes(_sign(draft, certs))
    assert (517, 203) in _image_sizes(signed)
    sealed_version = _seal(draft, certs)
    sealed = _bytes(sealed_version)
    assert {(517, 203), (431, 431)} <= _image_sizes(sealed)
    # The issued version's facts name its own signatures, not the draft's.
    assert [s["field_name"] for s in sealed_version.facts["signatures"]] == [
        "chu_ky_lanh_dao",
        "chu_ky_co_quan",
    ]
    assert validate_pdf(sealed).ok


def test_an_organisation_without_images_may_not_sign_nor_seal(draft, certs):
    approve_for_signing(draft)
    Organisation.objects.filter(pk=draft.organisation_id).update(is_demo=False)
    before = _versions(draft)
    with translation.override("vi"), pytest.raises(StampImageMissing) as info:
        _sign(draft, certs)
    assert "Chưa có hình ảnh chữ ký của" in str(info.value)
    assert _versions(draft) == before
    Organisation.objects.filter(pk=draft.organisation_id).update(is_demo=True)
    _sign(draft, certs)
    Organisation.objects.filter(pk=draft.organisation_id).update(is_demo=False)
    numbers = _last_numbers()
    with translation.override("vi"), pytest.raises(StampImageMissing) as info:
        _seal(draft, certs)
    assert "Chưa có hình ảnh con dấu của" in str(info.value)
    assert _last_numbers() == numbers
    assert issuing.issuing_step(document=draft) == "leader_signed"


def test_a_derived_copy_is_never_what_is_signed(draft, certs):
    """An OCR copy (kind DERIVED) stored after the rendered draft does not hide
    it: the leader signs the draft itself."""
    approve_for_signing(draft)
    rendered = FileVersion.objects.get(file__document=draft)
    FileVersion.objects.create(
        file=rendered.file,
        number=rendered.number + 1,
        kind=FileVersion.Kind.DERIVED,
        blob=rendered.blob,
        filename="ocr.pdf",
        size=rendered.size,
        facts={"derived_from": rendered.pk},
        created_by=rendered.created_by,
    )
    assert issuing.issuing_step(document=draft) == "draft"
    signed = _sign(draft, certs)
    assert signed.number == rendered.number + 2
    assert validate_pdf(_bytes(signed)).ok
