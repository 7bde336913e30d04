"""Documents services: incoming registration, drafts, outgoing numbering. Bad
input gets a clear Vietnamese error and stores nothing."""

import io
from datetime import timedelta

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.blobstore import get_blob_store
from core.models import AuditEntry, Blob, OutboxEvent
from directory.models import Organisation, Role, User
from directory.services import person_create
from documents.models import (
    Document,
    DocumentFile,
    DraftComment,
    DraftVersion,
    FileVersion,
    Register,
)
from documents.selectors import document_list_visible
from documents.services import (
    DuplicateDocument,
    document_assign_number,
    document_file_open,
    document_register_incoming,
    draft_comment_add,
    draft_create,
    draft_revise,
    draft_upload,
)


def make_pdf(text: str = "Van ban thu", pages: int = 1) -> bytes:
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


def upload(data: bytes, name: str = "van-ban.pdf") -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


@pytest.fixture
def stc(demo):
    return Organisation.objects.get(code="000.00.02.H99")


@pytest.fixture
def clerk(demo):
    return User.objects.get(username="vanthu.stc")


def metadata(**overrides):
    data = {
        "document_type": "cong_van",
        "organ_name": "Sở Nội vụ tỉnh Lạc Hồng",
        "organ_id": "000.00.03.H99",
        "code_number": "125",
        "code_notation": "SNV-TCBC",
        "issued_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "subject": "V/v rà soát biên chế công chức năm 2026",
        "signer_full_name": "Trần Văn Bình",
        "signer_position": "Giám đốc",
        "urgency": 0,
        "secrecy": 0,
    }
    data.update(overrides)
    return data


def counts():
    return {
        m.__name__: m.objects.count()
        for m in (Document, DocumentFile, FileVersion, Blob, AuditEntry, OutboxEvent)
    }


def refused(call, text, exc_type=ValidationError):
    before = counts()
    with translation.override("vi"), pytest.raises(exc_type) as exc:
        call()
    messages = (
        exc.value.messages
        if isinstance(exc.value, ValidationError)
        else [str(exc.value)]
    )
    assert any(text in m for m in messages), messages
    assert counts() == before
    return exc.value


class TestIncomingRegistration:
    def test_registration_gives_arrival_numbers_and_keeps_the_original(
        self, stc, clerk
    ):
        data = make_pdf("Cong van 125")
        first = document_register_incoming(
            organisation=stc,
            main_file=upload(data),
            attachments=[upload(make_pdf("Phu luc"), "phu-luc.pdf")],
            metadata=metadata(),
            actor=clerk,
        )
        second = document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf("Khac")),
            metadata=metadata(code_number="126"),
            actor=clerk,
        )
        assert (first.register_number, second.register_number) == (1, 2)
        assert first.register.kind == Register.Kind.INCOMING
        assert first.register.year == timezone.localdate().year
        assert first.state == Document.State.REGISTERED
        assert first.arrival_date is not None
        main, annex = first.files.order_by("position")
        assert (main.role, annex.role) == ("main", "attachment")
        version = main.versions.get()
        assert version.kind == FileVersion.Kind.RECEIVED_ORIGINAL
        with get_blob_store().open(version.blob_id) as stored:
            assert stored.read() == data
        assert first.page_amount == 1
        assert AuditEntry.objects.filter(
            action="document.register_incoming", object_id=str(first.pk), actor=clerk
        ).exists()
        assert (
            OutboxEvent.objects.filter(topic="documents.incoming_registered").count()
            == 2
        )

    def test_opening_a_file_is_logged_with_both_people(self, stc, clerk):
        data = make_pdf("Nhat ky truy cap")
        document = document_register_incoming(
            organisation=stc, main_file=upload(data), metadata=metadata(), actor=clerk
        )
        version = FileVersion.objects.get(file__document=document)
        deputy = User.objects.get(username="pholanhdao.stc")
        director = User.objects.get(username="lanhdao.stc")
        with document_file_open(
            version=version, actor=deputy, on_behalf_of=director
        ) as stream:
            assert stream.read() == data
        entry = AuditEntry.objects.get(action="document.file_open")
        assert (entry.actor, entry.on_behalf_of) == (deputy, director)
        assert entry.details["sha256"] == version.blob_id

    def test_who_sees_the_registered_document(self, stc, clerk):
        document = document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf()),
            metadata=metadata(),
            actor=clerk,
        )
        for username, sees in [
            ("vanthu.stc", True),
            ("lanhdao.stc", True),
            ("luutru.stc", True),
            ("chuyenvien.stc", False),
            ("vanthu.snv", False),
            ("lanhdao.snv", False),
        ]:
            user = User.objects.get(username=username)
            assert (document in document_list_visible(user=user)) is sees, username

    def test_secret_document_has_its_own_sequence_and_needs_clearance(self, stc, clerk):
        document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf()),
            metadata=metadata(),
            actor=clerk,
        )
        secret = document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf("Mat")),
            metadata=metadata(code_number="7", secrecy=3),
            actor=clerk,
        )
        assert secret.register.kind == Register.Kind.SECRET_INCOMING
        assert secret.register_number == 1
        director = User.objects.get(username="lanhdao.stc")  # clearance 3
        deputy = User.objects.get(username="pholanhdao.stc")  # clearance 2
        assert secret in document_list_visible(user=director)
        assert secret not in document_list_visible(user=deputy)

    def test_clerk_without_clearance_cannot_register_a_secret_document(self, stc):
        junior = person_create(
            username="vanthu2.stc",
            full_name="Lê Thị Mai",
            organisation=stc,
            roles=[Role.VAN_THU],
            actor=None,
        )
        refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(make_pdf()),
                metadata=metadata(secrecy=1),
                actor=junior,
            ),
            "độ mật",
            exc_type=PermissionDenied,
        )

    def test_only_a_clerk_of_the_organisation_registers(self, stc):
        for username in ("chuyenvien.stc", "vanthu.snv"):
            refused(
                lambda u=username: document_register_incoming(
                    organisation=stc,
                    main_file=upload(make_pdf()),
                    metadata=metadata(),
                    actor=User.objects.get(username=u),
                ),
                "không cho phép",
                exc_type=PermissionDenied,
            )

    @pytest.mark.parametrize(
        ("data", "name"),
        [
            (b"", "rong.pdf"),
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "anh.pdf"),
            (b"%PDF-1.7\n1 0 obj <<", "hong.pdf"),
        ],
    )
    def test_bad_files_are_refused_and_nothing_is_stored(self, stc, clerk, data, name):
        refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(data, name),
                metadata=metadata(),
                actor=clerk,
            ),
            name,
        )

    def test_a_bad_attachment_refuses_the_whole_registration(self, stc, clerk):
        refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(make_pdf()),
                attachments=[upload(b"not a pdf at all", "phu-luc.docx")],
                metadata=metadata(),
                actor=clerk,
            ),
            "phu-luc.docx",
        )

    @pytest.mark.parametrize(
        ("overrides", "text"),
        [
            ({"document_type": "cong_van_moi"}, "Loại văn bản không xác định"),
            ({"subject": "  "}, "Trích yếu"),
            ({"organ_name": ""}, "Cơ quan ban hành"),
            ({"code_number": "12a"}, "chỉ gồm chữ số"),
            ({"issued_date": "2099-01-01"}, "tương lai"),
            ({"issued_date": "05/01/2026"}, "không phải ngày hợp lệ"),
            ({"urgency": 7}, "Giá trị không xác định"),
            ({"subject": "x" * 501}, "tối đa 500"),
        ],
    )
    def test_bad_metadata_is_refused(self, stc, clerk, overrides, text):
        refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(make_pdf()),
                metadata=metadata(**overrides),
                actor=clerk,
            ),
            text,
        )

    def test_duplicate_number_notation_issuer_is_flagged(self, stc, clerk):
        document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf("A")),
            metadata=metadata(),
            actor=clerk,
        )
        error = refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(make_pdf("B")),
                metadata=metadata(),
                actor=clerk,
            ),
            "số đến 1",
            exc_type=DuplicateDocument,
        )
        assert [d.register_number for d in error.duplicates] == [1]
        again = document_register_incoming(
            organisation=stc,
            main_file=upload(make_pdf("B")),
            metadata=metadata(),
            actor=clerk,
            allow_duplicate=True,
        )
        assert again.register_number == 2

    def test_the_same_file_twice_is_flagged(self, stc, clerk):
        data = make_pdf("Cung mot tep")
        document_register_incoming(
            organisation=stc, main_file=upload(data), metadata=metadata(), actor=clerk
        )
        refused(
            lambda: document_register_incoming(
                organisation=stc,
                main_file=upload(data),
                metadata=metadata(code_number="999", code_notation="KHAC"),
                actor=clerk,
            ),
            "đã được vào sổ",
            exc_type=DuplicateDocument,
        )


def draft_content(**overrides):
    data = {
        "document_type": "quyet_dinh",
        "subject": "Về việc phê duyệt dự toán ngân sách năm 2026",
        "body": (
            "Điều 1. Phê duyệt dự toán.\n\n"
            "Điều 2. Quyết định có hiệu lực kể từ ngày ký."
        ),
        "signer_capacity": "KT.",
        "signer_capacity_of": "GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "Lê Quốc Tuấn",
        "copies_to": ["Như Điều 2;", "UBND tỉnh (để b/c);"],
        "urgency": 0,
        "secrecy": 0,
    }
    data.update(overrides)
    return data


class TestDrafts:
    def test_draft_is_rendered_versioned_and_commented(self, stc):
        author = User.objects.get(username="chuyenvien.stc")
        draft = draft_create(organisation=stc, content=draft_content(), actor=author)
        assert draft.state == Document.State.DRAFT
        first = draft.draft_versions.get()
        assert first.file_version.kind == FileVersion.Kind.RENDERED
        with get_blob_store().open(first.file_version.blob_id) as stored:
            assert stored.read(5) == b"%PDF-"
        assert set(first.file_version.facts["fields"]) >= {
            "chu_ky_lanh_dao",
            "chu_ky_co_quan",
        }
        leader = User.objects.get(username="lanhdao.stc")
        draft_comment_add(
            version=first, text="Đề nghị bổ sung căn cứ pháp lý.", actor=leader
        )
        second = draft_revise(
            document=draft,
            content=draft_content(
                body="Căn cứ Luật Ngân sách nhà nước.\n\nĐiều 1. ..."
            ),
            actor=author,
        )
        assert second.number == 2
        assert DraftVersion.objects.filter(document=draft).count() == 2
        assert DraftComment.objects.get().version == first
        assert first.file_version_id != second.file_version_id
        # Another organisation's people cannot comment.
        with pytest.raises(PermissionDenied):
            draft_comment_add(
                version=second, text="x", actor=User.objects.get(username="lanhdao.snv")
            )

    def test_heading_names_the_agency_without_repeating_the_province(self, stc):
        from documents.services import draft_layout

        layout = draft_layout(stc, {**draft_content(), "unit_abbr": "NS"})
        assert layout.parent_agency_name == "ỦY BAN NHÂN DÂN TỈNH LẠC HỒNG"
        assert layout.agency_name == "SỞ TÀI CHÍNH"
        commune = Organisation.objects.get(code="000.00.21.H99")
        assert draft_layout(commune, draft_content()).agency_name == (
            "ỦY BAN NHÂN DÂN XÃ AN PHÚ"
        )

    def test_secret_draft_to_a_unit_without_clearance_is_refused(self, stc):
        author = User.objects.get(username="lanhdao.stc")
        unit = stc.units.get(short_name="NS")  # not cleared for secrets
        refused(
            lambda: draft_create(
                organisation=stc,
                content=draft_content(secrecy=1, recipient_units=[unit.pk]),
                actor=author,
            ),
            "không được phép nhận",
        )

    def test_uploaded_draft_must_be_a_pdf(self, stc):
        author = User.objects.get(username="chuyenvien.stc")
        refused(
            lambda: draft_upload(
                organisation=stc,
                file=upload(b"PK\x03\x04 docx", "du-thao.docx"),
                metadata={"document_type": "cong_van", "subject": "V/v thử"},
                actor=author,
            ),
            "du-thao.docx",
        )
        draft = draft_upload(
            organisation=stc,
            file=upload(make_pdf("Du thao")),
            metadata={"document_type": "cong_van", "subject": "V/v thử"},
            actor=author,
        )
        assert draft.draft_versions.get().file_version.kind == FileVersion.Kind.UPLOADED


class TestOutgoingNumbers:
    def test_numbers_and_notations(self, stc, clerk):
        author = User.objects.get(username="chuyenvien.stc")  # unit NS
        decision = draft_create(organisation=stc, content=draft_content(), actor=author)
        letter = draft_create(
            organisation=stc,
            content=draft_content(document_type="cong_van", subject="V/v báo cáo"),
            actor=author,
        )
        secret = draft_create(
            organisation=stc,
            content=draft_content(secrecy=1),
            actor=User.objects.get(username="lanhdao.stc"),
        )
        document_assign_number(document=decision, actor=clerk)
        document_assign_number(document=letter, actor=clerk)
        document_assign_number(document=secret, actor=clerk)
        decision.refresh_from_db()
        letter.refresh_from_db()
        secret.refresh_from_db()
        assert decision.number_notation == "01/QĐ-STC"
        assert letter.number_notation == "02/STC-NS"
        assert secret.number_notation == "01/QĐ-STC"
        assert secret.register.kind == Register.Kind.SECRET_OUTGOING
        assert decision.issued_date == timezone.localdate()

    def test_a_number_is_given_once_and_only_by_the_clerk(self, stc, clerk):
        author = User.objects.get(username="chuyenvien.stc")
        decision = draft_create(organisation=stc, content=draft_content(), actor=author)
        refused(
            lambda: document_assign_number(document=decision, actor=author),
            "không cho phép",
            exc_type=PermissionDenied,
        )
        document_assign_number(document=decision, actor=clerk)
        refused(
            lambda: document_assign_number(document=decision, actor=clerk),
            "đã có số",
        )
