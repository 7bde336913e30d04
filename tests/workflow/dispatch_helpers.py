"""Helpers of the dispatch, recall and replacement tests: an STC draft with mixed
recipients taken through approval, the leader's real signature and the văn
thư's real seal (tests.workflow.issuing_fixtures)."""

from directory.models import Organisation
from documents.models import Document
from documents.services import draft_create
from tests.workflow.issuing_fixtures import (
    STC,
    approve_for_signing,
    draft_content,
    leader_sign,
    number_and_seal,
    user,
)

# Kính gửi and nơi nhận lines of a draft with every kind of recipient.
MIXED_RECIPIENTS = ["Sở Nội vụ tỉnh Lạc Hồng", "UBND tỉnh Bình Thuận"]
MIXED_COPIES = [
    "Như trên;",
    "UBND tỉnh Lạc Hồng (để b/c);",
    "Sở Xây dựng;",
    "Phòng Tài chính doanh nghiệp;",
    "Báo Lạc Hồng;",
    "Lưu: VT, KHTC.",
]


def mixed_draft(*, relation=None, actor="chuyenvien.stc", **changes) -> Document:
    content = draft_content()
    content.update(recipients=MIXED_RECIPIENTS, copies_to=MIXED_COPIES)
    content.update(changes)
    return draft_create(
        organisation=Organisation.objects.get(code=STC),
        content=content,
        actor=user(actor),
        relation=relation,
    )


def issue(document: Document, certs) -> Document:
    """Approve, sign (lanhdao.stc) and number and seal (vanthu.stc)."""
    approve_for_signing(document)
    leader_sign(document, certs)
    number_and_seal(document, certs)
    document.refresh_from_db()
    return document
