"""The approval panel of the document page (Trình duyệt) and its POST views, through
the Django client: each person sees the actions allowed to them now, the forms
carry the process's revision, refusals come back as Vietnamese messages with
nothing changed, and the leader's sign form appears only once the draft waits
for his signature."""

import pytest
from django.urls import reverse

from documents.services import draft_create
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    draft_content,
    pki_server,
    user,
)
from workflow import approval
from workflow.models import ApprovalTask, Process, Transition

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def draft():
    drafter = user("chuyenvien.stc")
    return draft_create(
        organisation=drafter.organisation, content=draft_content(), actor=drafter
    )


def page(client, document) -> str:
    response = client.get(reverse("documents:detail", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(client, name, document, data) -> str:
    response = client.post(
        reverse(f"workflow:{name}", args=[document.pk]), data, follow=True
    )
    assert response.redirect_chain[0][0] == (
        reverse("documents:detail", args=[document.pk]) + "#approval"
    )
    return response.content.decode()


def process_of(document) -> Process:
    return Process.objects.get(document=document)


def test_submit_approve_and_then_the_sign_form(draft, certs, client_for):
    drafter = client_for("chuyenvien.stc")
    html = page(drafter, draft)
    assert 'id="approval"' in html and "Chưa trình duyệt." in html
    assert reverse("workflow:approval_submit", args=[draft.pk]) in html
    assert user("lanhdao.stc").full_name in html
    assert user("pholanhdao.stc").full_name in html
    assert "Lãnh đạo đơn vị của anh/chị" in html
    assert 'name="revision" value="0"' in html

    leader = client_for("lanhdao.stc")
    html = page(leader, draft)
    assert reverse("workflow:approval_submit", args=[draft.pk]) not in html
    assert "Dự thảo được ký sau khi hoàn tất quy trình duyệt." in html
    assert reverse("workflow:issuing_sign", args=[draft.pk]) not in html

    html = post(
        drafter,
        "approval_submit",
        draft,
        {"signer": user("lanhdao.stc").pk, "note": "Kính trình", "revision": 0},
    )
    assert "Đã trình duyệt dự thảo." in html
    assert "Lượt trình 1" in html and "Chờ duyệt" in html
    assert reverse("workflow:approval_withdraw", args=[draft.pk]) in html
    assert process_of(draft).state == "in_approval"

    head = client_for("truongphong.stc")
    html = page(head, draft)
    for name in ("approval_approve", "approval_return", "approval_forward"):
        assert reverse(f"workflow:{name}", args=[draft.pk]) in html
    assert 'name="revision" value="1"' in html
    html = post(head, "approval_approve", draft, {"comment": "Đồng ý", "revision": 1})
    assert "Anh/chị đã duyệt dự thảo." in html and "Đồng ý" in html
    assert process_of(draft).state == "awaiting_signature"

    html = page(leader, draft)
    assert reverse("workflow:issuing_sign", args=[draft.pk]) in html
    assert "Việc ký số văn bản là ý kiến duyệt của anh/chị" in html
    # The deputy, not the chosen signer, is told whose signature it waits for.
    html = page(client_for("pholanhdao.stc"), draft)
    assert reverse("workflow:issuing_sign", args=[draft.pk]) not in html
    assert f"Đã duyệt: chờ {user('lanhdao.stc').full_name} ký." in html


def test_return_with_comments_shows_them_and_the_drafter_submits_again(
    draft, client_for
):
    approval.draft_submit(
        document=draft, signer=user("lanhdao.stc"), actor=user("chuyenvien.stc")
    )
    head = client_for("truongphong.stc")
    html = post(head, "approval_return", draft, {"comment": "  ", "revision": 1})
    assert "Hãy ghi ý kiến để người soạn thảo chỉnh sửa." in html
    assert process_of(draft).state == "in_approval"
    html = post(
        head,
        "approval_return",
        draft,
        {"comment": "Bổ sung căn cứ pháp lý.", "revision": 1},
    )
    assert "Đã trả lại dự thảo cho người soạn thảo" in html
    drafter = client_for("chuyenvien.stc")
    html = page(drafter, draft)
    assert "Trả lại kèm ý kiến" in html
    assert html.count("Bổ sung căn cứ pháp lý.") >= 2  # the panel and the comments
    assert reverse("workflow:approval_submit", args=[draft.pk]) in html
    post(
        drafter,
        "approval_submit",
        draft,
        {"signer": user("lanhdao.stc").pk, "revision": process_of(draft).revision},
    )
    html = page(drafter, draft)
    assert "Lượt trình 2" in html and "Lượt trình 1" in html
    assert process_of(draft).round == 2


def test_a_stale_page_and_a_step_that_is_not_yours_are_refused(draft, client_for):
    approval.draft_submit(
        document=draft, signer=user("lanhdao.stc"), actor=user("chuyenvien.stc")
    )
    # Someone else's page shows no form, and posting anyway is refused.
    other = client_for("vanthu.stc")
    html = page(other, draft)
    assert 'id="approval"' in html
    assert reverse("workflow:approval_approve", args=[draft.pk]) not in html
    html = post(other, "approval_approve", draft, {"revision": 1})
    assert "Dự thảo này không chờ anh/chị duyệt." in html
    # The unit head's page was drawn before the drafter withdrew it.
    approval.draft_withdraw(process=process_of(draft), actor=user("chuyenvien.stc"))
    moves = Transition.objects.count()
    html = post(
        client_for("truongphong.stc"), "approval_approve", draft, {"revision": 1}
    )
    assert "Hãy tải lại trang" in html
    assert Transition.objects.count() == moves
    assert process_of(draft).state == "drafting"
    # A signer who is not an agency leader is refused at submission.
    html = post(
        client_for("chuyenvien.stc"),
        "approval_submit",
        draft,
        {"signer": user("truongphong.stc").pk, "revision": 2},
    )
    assert "Người ký phải là lãnh đạo cơ quan" in html
    assert process_of(draft).state == "drafting"


def test_the_deputy_acting_for_the_director_returns_and_both_are_shown(
    draft, client_for
):
    drafter = user("chuyenvien2.stc")  # no unit head: straight to the signer
    document = draft_create(
        organisation=drafter.organisation, content=draft_content(), actor=drafter
    )
    approval.draft_submit(document=document, signer=user("lanhdao.stc"), actor=drafter)
    deputy = client_for("pholanhdao.stc")
    assert reverse("workflow:approval_return", args=[document.pk]) not in page(
        deputy, document
    )
    deputy.post(
        reverse("directory:acting_for_begin"), {"principal": user("lanhdao.stc").pk}
    )
    html = page(deputy, document)
    assert "đang xử lý thay" in html
    assert reverse("workflow:approval_return", args=[document.pk]) in html
    assert reverse("workflow:approval_forward", args=[document.pk]) in html
    html = post(
        deputy,
        "approval_return",
        document,
        {"comment": "Đề nghị rà soát số liệu.", "revision": 1},
    )
    task = ApprovalTask.objects.get(process__document=document)
    assert task.state == ApprovalTask.State.RETURNED
    assert (task.acted_by.username, task.on_behalf_of.username) == (
        "pholanhdao.stc",
        "lanhdao.stc",
    )
    names = (
        f"{user('pholanhdao.stc').full_name} thay mặt {user('lanhdao.stc').full_name}"
    )
    assert names in html


def test_the_panel_reads_a_fixed_number_of_queries_whatever_the_rounds(
    draft, client_for
):
    """No N+1: a draft returned and submitted again three times (more rounds,
    tasks, comments and approvers) is drawn with as many queries as after one
    submission."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    drafter, head = user("chuyenvien.stc"), user("truongphong.stc")
    client = client_for("lanhdao.stc")
    url = reverse("documents:detail", args=[draft.pk])

    def queries() -> int:
        client.get(url)  # warm caches (session, permissions)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    approval.draft_submit(document=draft, signer=user("lanhdao.stc"), actor=drafter)
    one_round = queries()
    for n in range(3):
        approval.approval_return(
            process=process_of(draft), actor=head, comment=f"Sửa lần {n + 1}."
        )
        approval.draft_submit(document=draft, signer=user("lanhdao.stc"), actor=drafter)
    assert process_of(draft).round == 4
    assert queries() <= one_round + 1  # the comments of the draft section
