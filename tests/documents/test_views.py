"""The document pages through Django's test client: each page in Vietnamese for the
roles it serves, 403 for the roles it does not, 404 for another organisation's
documents and files, and registration and drafting through the forms, where bad
input gets a Vietnamese error and changes nothing."""

import io
import re

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Blob
from directory.models import Organisation, User
from documents import staging
from documents.constants import Urgency
from documents.models import (
    Document,
    DraftComment,
    DraftVersion,
    FileVersion,
    Register,
)
from documents.services import (
    document_assign_number,
    document_register_incoming,
    draft_create,
)
from documents.views import XLSX
from tests.documents.pdf_samples import (
    SIGNER_NAME,
    SIGNER_ORGANISATION,
    append_update,
    signed_pdf,
)

# Clients signed in as demo people (the demo province fixtures are in
# tests/conftest.py).

STC = "000.00.02.H99"
SNV = "000.00.03.H99"


@pytest.fixture(autouse=True)
def _staging_root(settings, tmp_path):
    """Uploads waiting between the two registration steps go to the test's folder."""
    settings.VANTHU_UPLOAD_STAGING = str(tmp_path / "uploads")


def make_pdf(text: str = "Cong van so 12/STC-VP", pages: int = 1) -> bytes:
    """A tiny valid PDF. Two calls give different files (qpdf puts the time in the
    /ID) unless made in the same second: reuse the bytes for the same file."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
        )
    )
    for i in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(
            f"BT /F1 12 Tf 72 760 Td ({text} {i + 1}) Tj ET".encode()
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_upload(data: bytes, name: str = "cong-van.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def metadata(**overrides) -> dict:
    data = {
        "document_type": "cong_van",
        "organ_name": "Sở Nội vụ tỉnh Lạc Hồng",
        "organ_id": "",
        "code_number": "12",
        "code_notation": "SNV-VP",
        "issued_date": "",
        "subject": "V/v hướng dẫn lập dự toán ngân sách năm 2027",
        "signer_full_name": "Trần Văn Bình",
        "signer_position": "Giám đốc",
        "urgency": "0",
        "secrecy": "0",
        "due_date": "",
        "to_places": "Phòng Quản lý ngân sách",
        "description": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, ...]:
    return (
        Document.objects.count(),
        FileVersion.objects.count(),
        Blob.objects.count(),
        AuditEntry.objects.count(),
    )


def upload_step(client, data: bytes, name="cong-van.pdf", attachments=()):
    return client.post(
        reverse("documents:incoming_upload"),
        {
            "main_file": pdf_upload(data, name),
            "attachments": [
                pdf_upload(a, f"phu-luc-{i}.pdf") for i, a in enumerate(attachments)
            ],
        },
    )


def register_through_pages(client, data: bytes, **fields):
    """Upload, then confirm: the response of the confirmation step."""
    response = upload_step(client, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post(response["Location"], metadata(**fields))


def text(response) -> str:
    return response.content.decode()


def register_directly(username: str, data: bytes, **fields) -> Document:
    clerk = User.objects.get(username=username)
    return document_register_incoming(
        organisation=clerk.organisation,
        main_file=pdf_upload(data),
        metadata=metadata(**fields),
        actor=clerk,
    )


def draft_content(**overrides) -> dict:
    data = {
        "document_type": "cong_van",
        "subject": "V/v báo cáo tình hình thực hiện dự toán quý IV",
        "recipients": "Ủy ban nhân dân tỉnh Lạc Hồng",
        "body": "Sở Tài chính báo cáo như sau.\n\nĐề nghị Ủy ban xem xét.",
        "signer_capacity": "KT.",
        "signer_capacity_of": "GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "Lê Minh Cường",
        "copies_to": "Như trên;\nGiám đốc (để b/c);",
        "unit": "",
        "urgency": "0",
        "secrecy": "0",
    }
    data.update(overrides)
    return data


# --- pages per role -----------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "url_name", "heading"),
    [
        ("vanthu.stc", "documents:incoming", "Văn bản đến"),
        ("lanhdao.stc", "documents:incoming", "Văn bản đến"),
        ("luutru.stc", "documents:incoming", "Văn bản đến"),
        ("vanthu.stc", "documents:incoming_upload", "Tiếp nhận văn bản đến"),
        ("vanthu.stc", "documents:registers", "Sổ đăng ký"),
        ("lanhdao.stc", "documents:registers", "Sổ đăng ký"),
        ("luutru.stc", "documents:registers", "Sổ đăng ký"),
        ("chuyenvien.stc", "documents:drafts", "Dự thảo"),
        ("truongphong.stc", "documents:drafts", "Dự thảo"),
        ("lanhdao.stc", "documents:drafts", "Dự thảo"),
        ("chuyenvien.stc", "documents:draft_new", "Soạn dự thảo"),
        ("chuyenvien.stc", "documents:draft_upload", "Tải lên dự thảo (PDF)"),
    ],
)
def test_each_page_opens_in_vietnamese_for_its_roles(
    client_for, username, url_name, heading
):
    response = client_for(username).get(reverse(url_name))
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in text(response)
    assert 'lang="vi"' in text(response)


@pytest.mark.parametrize(
    ("username", "entries", "absent"),
    [
        ("vanthu.stc", ["Văn bản đến", "Sổ đăng ký", "Dự thảo"], []),
        ("lanhdao.stc", ["Văn bản đến", "Sổ đăng ký", "Dự thảo"], []),
        ("truongphong.stc", ["Văn bản đến", "Dự thảo"], ["Sổ đăng ký"]),
        ("chuyenvien.stc", ["Dự thảo"], ["Văn bản đến", "Sổ đăng ký"]),
        ("luutru.stc", ["Văn bản đến", "Sổ đăng ký"], ["Dự thảo"]),
        ("quantri.stc", [], ["Văn bản đến", "Sổ đăng ký", "Dự thảo"]),
    ],
)
def test_the_navigation_offers_the_document_pages_by_role(
    client_for, username, entries, absent
):
    page = text(client_for(username).get(reverse("home")))
    nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    for entry in entries:
        assert f">{entry}</a>" in nav
    for entry in absent:
        assert f">{entry}</a>" not in nav


@pytest.mark.parametrize(
    ("username", "url_name"),
    [
        ("chuyenvien.stc", "documents:incoming_upload"),
        ("lanhdao.stc", "documents:incoming_upload"),
        ("luutru.stc", "documents:incoming_upload"),
        ("chuyenvien.stc", "documents:registers"),
        ("quantri.stc", "documents:registers"),
        ("luutru.stc", "documents:draft_new"),
        ("quantri.stc", "documents:draft_upload"),
    ],
)
def test_a_person_without_the_role_gets_403(client_for, username, url_name):
    response = client_for(username).get(reverse(url_name))
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này" in text(response)


def test_registering_is_refused_to_a_specialist_even_by_post(client_for):
    before = counts()
    response = upload_step(client_for("chuyenvien.stc"), make_pdf())
    assert response.status_code == 403
    assert "Chỉ văn thư" in text(response)
    assert counts() == before


def test_the_pages_need_a_sign_in(client, demo):
    response = client.get(reverse("documents:incoming"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- registering an incoming document ----------------------------------------


def test_registering_through_the_pages_gives_arrival_numbers_1_then_2(client_for):
    clerk = client_for("vanthu.stc")
    first = register_through_pages(clerk, make_pdf("mot"))
    assert first.status_code == 302
    document = Document.objects.get(subject__startswith="V/v hướng dẫn")
    assert first["Location"] == reverse("documents:detail", args=[document.pk])
    assert document.register_number == 1
    page = clerk.get(first["Location"])
    assert "Đã vào sổ: số đến 1." in text(page)
    assert "Sở Nội vụ tỉnh Lạc Hồng" in text(page)

    second = register_through_pages(
        clerk,
        make_pdf("hai"),
        code_number="13",
        subject="V/v mời họp giao ban",
        urgency=str(Urgency.THUONG_KHAN),
    )
    assert second.status_code == 302
    assert Document.objects.get(subject="V/v mời họp giao ban").register_number == 2
    assert "Đã vào sổ: số đến 2." in text(clerk.get(second["Location"]))

    # Urgent documents jump the queue: the second, thượng khẩn, is listed first.
    listing = text(clerk.get(reverse("documents:incoming")))
    assert listing.index("V/v mời họp giao ban") < listing.index("V/v hướng dẫn")
    assert "Thượng khẩn" in listing


def test_the_check_step_shows_the_file_and_registers_nothing(client_for):
    clerk = client_for("vanthu.stc")
    before = counts()
    response = upload_step(clerk, make_pdf(pages=3), attachments=[make_pdf("phu luc")])
    assert response.status_code == 302
    assert counts() == before
    page = clerk.get(response["Location"])
    body = text(page)
    assert page.status_code == 200
    assert "<h1>Kiểm tra và vào sổ</h1>" in body
    assert "cong-van.pdf" in body and "phu-luc-0.pdf" in body
    assert "Tệp không có chữ ký số." in body
    assert re.search(r"Số trang</dt><dd>3</dd>", body)
    token = response["Location"].rstrip("/").split("/")[-1]
    preview = clerk.get(reverse("documents:incoming_staged_file", args=[token, 0]))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert b"".join(preview.streaming_content).startswith(b"%PDF")
    assert counts() == before


def test_the_check_step_shows_the_signatures_and_prefills_from_them(client_for):
    clerk = client_for("vanthu.stc")
    response = upload_step(clerk, signed_pdf())
    body = text(clerk.get(response["Location"]))
    assert "Tệp có 1 chữ ký số" in body
    assert SIGNER_NAME in body and SIGNER_ORGANISATION in body
    assert "còn nguyên vẹn" in body
    assert "ký toàn bộ tệp" in body
    assert f'value="{SIGNER_ORGANISATION}"' in body  # cơ quan ban hành
    assert f'value="{SIGNER_NAME}"' in body  # người ký


def test_a_file_changed_after_signing_says_so(client_for):
    clerk = client_for("vanthu.stc")
    response = upload_step(clerk, append_update(signed_pdf()))
    body = text(clerk.get(response["Location"]))
    assert "còn nguyên vẹn" in body
    assert "có nội dung bổ sung sau khi ký" in body
    assert "ký toàn bộ tệp" not in body


def test_the_staged_files_belong_to_the_session_that_uploaded_them(client_for):
    response = upload_step(client_for("vanthu.stc"), make_pdf())
    other_session = client_for("vanthu.stc")
    assert other_session.get(response["Location"]).status_code == 302
    token = response["Location"].rstrip("/").split("/")[-1]
    assert (
        other_session.get(
            reverse("documents:incoming_staged_file", args=[token, 0])
        ).status_code
        == 404
    )


def test_a_file_that_is_not_a_pdf_gets_a_vietnamese_error_and_changes_nothing(
    client_for, settings
):
    clerk = client_for("vanthu.stc")
    before = counts()
    response = clerk.post(
        reverse("documents:incoming_upload"),
        {"main_file": SimpleUploadedFile("bao-cao.docx", b"PK\x03\x04 not a pdf")},
    )
    assert response.status_code == 400
    body = text(response)
    assert "Chưa lưu được" in body
    assert "bao-cao.docx" in body
    assert "PDF" in body
    assert counts() == before
    assert not any(staging.staging_root().glob("*/*"))


def test_a_duplicate_gets_a_warning_and_registers_only_when_confirmed(client_for):
    clerk = client_for("vanthu.stc")
    register_through_pages(clerk, make_pdf("goc"))
    before = counts()

    # The same number, notation and issuer in another file: the warning.
    response = upload_step(clerk, make_pdf("ban khac"))
    confirm = response["Location"]
    refused = clerk.post(confirm, metadata())
    assert refused.status_code == 400
    body = text(refused)
    assert "Văn bản này có vẻ đã được vào sổ" in body
    assert "số đến 1" in body
    assert "Vẫn đăng ký" in body
    assert counts() == before

    accepted = clerk.post(confirm, metadata(allow_duplicate="on"))
    assert accepted.status_code == 302
    assert "Đã vào sổ: số đến 2." in text(clerk.get(accepted["Location"]))


def test_the_same_file_again_is_announced_before_the_metadata(client_for):
    clerk = client_for("vanthu.stc")
    data = make_pdf("mot tep")
    register_through_pages(clerk, data)
    response = upload_step(clerk, data)
    page = text(clerk.get(response["Location"]))
    assert "Văn bản này có vẻ đã được vào sổ" in page
    assert "số đến 1" in page


def test_a_secret_document_goes_to_the_secret_register(client_for):
    clerk = client_for("vanthu.stc")
    response = register_through_pages(clerk, make_pdf("mat"), secrecy="1")
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.register.kind == Register.Kind.SECRET_INCOMING
    assert "Mật" in text(clerk.get(response["Location"]))
    # The archivist has no clearance: neither the document nor its register entry.
    archivist = client_for("luutru.stc")
    assert (
        archivist.get(reverse("documents:detail", args=[document.pk])).status_code
        == 404
    )
    entries = archivist.get(reverse("documents:register", args=[document.register_id]))
    assert document.subject not in text(entries)


def test_a_service_refusal_is_shown_on_the_field(client_for):
    clerk = client_for("vanthu.stc")
    response = upload_step(clerk, make_pdf())
    before = counts()
    refused = clerk.post(response["Location"], metadata(code_number="12a"))
    assert refused.status_code == 400
    assert "Số chỉ gồm chữ số" in text(refused) or "chữ số" in text(refused)
    assert counts() == before


# --- the document page and its files -------------------------------------------


def test_the_document_page_shows_metadata_files_and_preview(client_for):
    document = register_directly("vanthu.stc", make_pdf())
    version = FileVersion.objects.get(file__document=document)
    response = client_for("lanhdao.stc").get(
        reverse("documents:detail", args=[document.pk])
    )
    body = text(response)
    assert response.status_code == 200
    for label in ["Số đến", "Cơ quan ban hành", "Trích yếu", "Tệp", "Phiên bản"]:
        assert label in body
    assert "12/SNV-VP" in body
    assert version.blob_id[:12] in body
    download = reverse("documents:file_download", args=[document.pk, version.pk])
    assert f'src="{download}?inline=1"' in body


def test_a_file_downloads_with_its_name_and_inline_for_the_preview(client_for):
    data = make_pdf()
    document = register_directly("vanthu.stc", data)
    version = FileVersion.objects.get(file__document=document)
    url = reverse("documents:file_download", args=[document.pk, version.pk])
    client = client_for("luutru.stc")

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="cong-van.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == data

    inline = client.get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"


def test_another_organisations_document_and_file_are_404(client_for):
    document = register_directly("vanthu.stc", make_pdf())
    version = FileVersion.objects.get(file__document=document)
    outsider = client_for("vanthu.snv")
    assert (
        outsider.get(reverse("documents:detail", args=[document.pk])).status_code == 404
    )
    assert (
        outsider.get(
            reverse("documents:file_download", args=[document.pk, version.pk])
        ).status_code
        == 404
    )
    assert document.subject not in text(outsider.get(reverse("documents:incoming")))


def test_a_version_of_another_document_is_404(client_for):
    first = register_directly("vanthu.stc", make_pdf("a"))
    second = register_directly("vanthu.stc", make_pdf("b"), code_number="99")
    other_version = FileVersion.objects.get(file__document=second)
    response = client_for("vanthu.stc").get(
        reverse("documents:file_download", args=[first.pk, other_version.pk])
    )
    assert response.status_code == 404


def test_a_specialist_does_not_see_the_incoming_documents(client_for):
    document = register_directly("vanthu.stc", make_pdf())
    client = client_for("chuyenvien.stc")
    assert (
        client.get(reverse("documents:detail", args=[document.pk])).status_code == 404
    )
    assert document.subject not in text(client.get(reverse("documents:incoming")))


# --- the incoming list ----------------------------------------------------------


def test_the_incoming_list_filters_by_text_and_urgency(client_for):
    register_directly("vanthu.stc", make_pdf("x"), subject="V/v ngân sách xã")
    register_directly(
        "vanthu.stc",
        make_pdf("y"),
        code_number="40",
        code_notation="QĐ-UBND",
        subject="Quyết định phê duyệt kế hoạch",
        urgency=str(Urgency.HOA_TOC),
    )
    client = client_for("vanthu.stc")
    url = reverse("documents:incoming")

    by_text = text(client.get(url, {"q": "ngân sách"}))
    assert "V/v ngân sách xã" in by_text
    assert "Quyết định phê duyệt" not in by_text

    by_number = text(client.get(url, {"q": "40/QĐ-UBND"}))
    assert "Quyết định phê duyệt" in by_number
    assert "V/v ngân sách xã" not in by_number

    by_urgency = text(client.get(url, {"urgency": str(Urgency.HOA_TOC)}))
    assert "Quyết định phê duyệt" in by_urgency
    assert "V/v ngân sách xã" not in by_urgency
    assert "Hỏa tốc" in by_urgency


def test_the_incoming_list_pages_by_fifty(client_for):
    clerk = User.objects.get(username="vanthu.stc")
    for i in range(51):
        register_directly(clerk.username, make_pdf(f"so {i}"), code_number=str(100 + i))
    client = client_for("vanthu.stc")
    first = text(client.get(reverse("documents:incoming")))
    assert "Trang 1 / 2" in first
    second = text(client.get(reverse("documents:incoming"), {"page": 2}))
    assert "Trang 2 / 2" in second
    assert second.count('class="table__subject"') == 1


# --- registers ------------------------------------------------------------------


def test_the_register_page_lists_its_entries_with_the_annex_iv_columns(client_for):
    register_directly("vanthu.stc", make_pdf())
    register = Register.objects.get(organisation__code=STC, kind=Register.Kind.INCOMING)
    client = client_for("vanthu.stc")
    listing = text(client.get(reverse("documents:registers")))
    assert register.name in listing
    page = client.get(reverse("documents:register", args=[register.pk]))
    body = text(page)
    assert page.status_code == 200
    for column in [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu",
        "Ngày tháng",
        "Tên loại và trích yếu",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]:
        assert column in body
    assert "12/SNV-VP" in body
    assert "In sổ (PDF)" in body and "Xuất Excel (XLSX)" in body


def test_the_register_prints_to_pdf_and_exports_to_xlsx(client_for):
    register_directly("vanthu.stc", make_pdf())
    register = Register.objects.get(organisation__code=STC)
    client = client_for("lanhdao.stc")
    year = timezone.localdate().year
    period = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}

    printed = client.get(reverse("documents:register_print", args=[register.pk]))
    assert printed.status_code == 200
    assert printed["Content-Type"] == "application/pdf"
    assert printed["Content-Disposition"].startswith("inline;")
    assert printed.content.startswith(b"%PDF")

    exported = client.get(
        reverse("documents:register_export", args=[register.pk]), period
    )
    assert exported.status_code == 200
    assert exported["Content-Type"] == XLSX
    assert exported["Content-Disposition"].startswith("attachment;")
    assert (
        f'filename="so-dang-ky-van-ban-den-{year}-{year}0101-{year}1231.xlsx"'
        in exported["Content-Disposition"]
    )
    assert exported.content.startswith(b"PK")


def test_the_outgoing_register_has_its_own_columns(client_for):
    author = User.objects.get(username="chuyenvien.stc")
    draft = draft_create(
        organisation=author.organisation,
        content={**draft_content(), "unit": None},
        actor=author,
    )
    document_assign_number(
        document=draft, actor=User.objects.get(username="vanthu.stc")
    )
    register = Register.objects.get(organisation__code=STC, kind=Register.Kind.OUTGOING)
    body = text(
        client_for("vanthu.stc").get(reverse("documents:register", args=[register.pk]))
    )
    for column in [
        "Người ký",
        "Nơi nhận",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
    ]:
        assert column in body
    assert "01/STC" in body
    assert "Ủy ban nhân dân tỉnh Lạc Hồng" in body


def test_another_organisations_register_is_404(client_for):
    register_directly("vanthu.stc", make_pdf())
    register = Register.objects.get(organisation__code=STC)
    client = client_for("vanthu.snv")
    for name in ("documents:register", "documents:register_print"):
        assert client.get(reverse(name, args=[register.pk])).status_code == 404


def test_a_reversed_period_is_refused_on_the_register_page(client_for):
    register_directly("vanthu.stc", make_pdf())
    register = Register.objects.get(organisation__code=STC)
    response = client_for("vanthu.stc").get(
        reverse("documents:register", args=[register.pk]),
        {"date_from": "2026-12-31", "date_to": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "trước" in text(response)


# --- drafts ---------------------------------------------------------------------


def test_a_draft_created_through_the_form_shows_its_pdf(client_for):
    client = client_for("chuyenvien.stc")
    response = client.post(reverse("documents:draft_new"), draft_content())
    assert response.status_code == 302, text(response)[:3000]
    document = Document.objects.get(subject__startswith="V/v báo cáo tình hình")
    assert document.state == Document.State.DRAFT
    page = client.get(response["Location"])
    body = text(page)
    assert "Đã lưu dự thảo, phiên bản 1." in body
    version = DraftVersion.objects.get(document=document).file_version
    download = reverse("documents:file_download", args=[document.pk, version.pk])
    assert f'src="{download}?inline=1"' in body
    pdf = client.get(download + "?inline=1")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "Phiên bản 1" in body

    listing = text(client.get(reverse("documents:drafts")))
    assert "V/v báo cáo tình hình" in listing


def test_a_draft_form_with_a_missing_signer_is_refused(client_for):
    before = counts()
    response = client_for("chuyenvien.stc").post(
        reverse("documents:draft_new"), draft_content(signer_name="")
    )
    assert response.status_code == 400
    assert "Chưa lưu được" in text(response)
    assert counts() == before


def test_a_draft_above_the_writers_clearance_is_refused_on_the_form(client_for):
    before = counts()
    response = client_for("chuyenvien.stc").post(
        reverse("documents:draft_new"), draft_content(secrecy="1")
    )
    assert response.status_code == 403
    body = text(response)
    assert "Chưa lưu được" in body
    assert "độ mật" in body
    assert "V/v báo cáo tình hình thực hiện dự toán quý IV" in body  # kept as typed
    assert counts() == before


def test_a_capacity_without_whom_is_refused_by_the_service(client_for):
    response = client_for("chuyenvien.stc").post(
        reverse("documents:draft_new"), draft_content(signer_capacity_of="")
    )
    assert response.status_code == 400
    assert "GIÁM ĐỐC" in text(response)


def test_a_leader_comments_on_a_version_and_the_author_revises(client_for):
    author = User.objects.get(username="chuyenvien.stc")
    document = draft_create(
        organisation=author.organisation,
        content={**draft_content(), "unit": None},
        actor=author,
    )
    leader = client_for("lanhdao.stc")
    url = reverse("documents:draft_comment", args=[document.pk])
    empty = leader.post(url, {"version": "1", "text": ""})
    assert empty.status_code == 400
    assert DraftComment.objects.count() == 0

    response = leader.post(url, {"version": "1", "text": "Bổ sung số liệu quý III."})
    assert response.status_code == 302
    page = text(leader.get(response["Location"]))
    assert "Bổ sung số liệu quý III." in page
    assert "Đã lưu góp ý của bạn cho phiên bản 1." in page

    client = client_for("chuyenvien.stc")
    revise_url = reverse("documents:draft_revise", args=[document.pk])
    form = text(client.get(revise_url))
    assert "Đề nghị Ủy ban xem xét." in form
    revised = client.post(
        revise_url, draft_content(body="Báo cáo đã bổ sung số liệu quý III.")
    )
    assert revised.status_code == 302
    page = text(client.get(revised["Location"]))
    assert "Đã lưu phiên bản 2 của dự thảo." in page
    assert "Phiên bản 2" in page and "Phiên bản 1" in page
    assert "Bổ sung số liệu quý III." in page

    # The leader may comment but not change someone else's draft.
    assert leader.get(revise_url).status_code == 403


def test_a_draft_of_another_organisation_is_404_even_to_comment(client_for):
    author = User.objects.get(username="chuyenvien.stc")
    document = draft_create(
        organisation=author.organisation,
        content={**draft_content(), "unit": None},
        actor=author,
    )
    outsider = client_for("lanhdao.snv")
    assert (
        outsider.get(reverse("documents:detail", args=[document.pk])).status_code == 404
    )
    response = outsider.post(
        reverse("documents:draft_comment", args=[document.pk]),
        {"version": "1", "text": "Xin góp ý"},
    )
    assert response.status_code == 404
    assert DraftComment.objects.count() == 0


def test_uploading_a_draft_pdf(client_for):
    client = client_for("chuyenvien.stc")
    response = client.post(
        reverse("documents:draft_upload"),
        {
            "file": pdf_upload(make_pdf("du thao"), "du-thao-to-trinh.pdf"),
            "document_type": "to_trinh",
            "subject": "Tờ trình phê duyệt dự toán",
            "urgency": "0",
            "secrecy": "0",
        },
    )
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "Tờ trình phê duyệt dự toán" in page
    assert "du-thao-to-trinh.pdf" in page


def test_uploading_a_draft_that_is_not_a_pdf_changes_nothing(client_for):
    before = counts()
    response = client_for("chuyenvien.stc").post(
        reverse("documents:draft_upload"),
        {
            "file": SimpleUploadedFile("du-thao.docx", b"PK\x03\x04 word"),
            "document_type": "to_trinh",
            "subject": "Tờ trình",
            "urgency": "0",
            "secrecy": "0",
        },
    )
    assert response.status_code == 400
    assert "du-thao.docx" in text(response)
    assert counts() == before


def test_the_organisation_codes_of_the_demo(demo):
    """The two agencies these tests use exist in the demo province."""
    assert Organisation.objects.filter(code__in=[STC, SNV]).count() == 2


# --- Django's admin -----------------------------------------------------------


@pytest.fixture
def superuser_client(demo):
    client = Client()
    client.force_login(
        User.objects.create_superuser(
            username="root", email="root@example.invalid", password="x" * 12
        )
    )
    return client


def test_the_admin_shows_documents_read_only(superuser_client):
    document = register_directly("vanthu.stc", make_pdf())
    for model in [
        "documenttype",
        "register",
        "document",
        "documentfile",
        "fileversion",
        "draftcomment",
    ]:
        assert superuser_client.get(f"/admin/documents/{model}/").status_code == 200
    page = superuser_client.get(
        reverse("admin:documents_document_change", args=[document.pk])
    )
    assert page.status_code == 200
    assert 'name="subject"' not in page.content.decode()
    assert (
        superuser_client.get(reverse("admin:documents_document_add")).status_code == 403
    )
