"""The dispatch panel, the dispatch page, recall and the replacing draft through
the Django client, in Vietnamese (workflow.views_dispatch, documents.views)."""

import re

import pytest
from django.urls import reverse

from documents.models import Document, DocumentRelation
from tests.workflow.dispatch_helpers import issue, mixed_draft
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    pki_server,
    user,
)
from workflow import engine
from workflow.models import Dispatch

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def issued(certs):
    return issue(mixed_draft(), certs)


def _detail(document) -> str:
    return reverse("documents:detail", args=[document.pk])


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_clerk_sees_the_dispatch_list_and_the_dispatch_button(issued, client_for):
    page = client_for("vanthu.stc").get(_detail(issued)).content.decode()
    assert 'id="dispatch"' in page
    assert "Phát hành" in page
    assert reverse("workflow:dispatch", args=[issued.pk]) in page
    assert reverse("workflow:dispatch_page", args=[issued.pk]) in page
    for name in ("Sở Nội vụ tỉnh Lạc Hồng", "UBND tỉnh Bình Thuận", "Báo Lạc Hồng"):
        assert name in page
    assert "Liên thông điện tử" in page or "liên thông" in page
    # The leader and the clerk may recall and start a replacement.
    assert reverse("workflow:recall", args=[issued.pk]) in page
    assert f"?replaces={issued.pk}" in page
    assert f"?amends={issued.pk}" in page


def test_an_internal_recipient_sees_the_list_without_actions(issued, client_for):
    response = client_for("chuyenvien2.stc").get(_detail(issued))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="dispatch"' in page
    assert reverse("workflow:dispatch", args=[issued.pk]) not in page
    assert reverse("workflow:recall", args=[issued.pk]) not in page
    assert f"?replaces={issued.pk}" not in page


def test_the_clerk_corrects_the_list_on_the_dispatch_page(issued, client_for):
    client = client_for("vanthu.stc")
    url = reverse("workflow:dispatch_page", args=[issued.pk])
    page = client.get(url).content.decode()
    rows = {d.name: d for d in Dispatch.objects.filter(document=issued)}
    # The exchange rows name their agency in a select; internal rows are fixed.
    index = re.search(
        rf'name="row-(\d+)-id" value="{rows["Báo Lạc Hồng"].pk}"', page
    ).group(1)
    assert f'name="row-{index}-organisation"' in page
    internal = rows["Phòng Tài chính doanh nghiệp"]
    assert f'value="{internal.pk}"' not in page
    snv = rows["Sở Nội vụ tỉnh Lạc Hồng"].organisation
    response = client.post(
        url,
        {
            f"row-{index}-id": rows["Báo Lạc Hồng"].pk,
            f"row-{index}-name": "Báo Lạc Hồng điện tử",
            f"row-{index}-channel": "exchange",
            f"row-{index}-organisation": snv.pk,
            "row-90-name": "Công an tỉnh Lạc Hồng",
            "row-90-channel": "post",
            "row-90-organisation": "",
        },
    )
    assert response.status_code == 302
    rows = {d.name: d for d in Dispatch.objects.filter(document=issued)}
    assert rows["Báo Lạc Hồng điện tử"].organisation == snv
    assert rows["Công an tỉnh Lạc Hồng"].channel == Dispatch.Channel.POST
    # A unit of the agency, chosen in the same select.
    unit = user("truongphong.stc").unit
    page = client.get(url).content.decode()
    assert f'value="unit:{unit.pk}"' in page
    row = rows["Công an tỉnh Lạc Hồng"]
    response = client.post(
        url,
        {
            "row-0-id": row.pk,
            "row-0-name": "",
            "row-0-channel": "internal",
            "row-0-organisation": f"unit:{unit.pk}",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.channel, row.unit, row.name) == ("internal", unit, unit.name)


def test_a_refused_change_shows_its_message_and_stores_nothing(issued, client_for):
    client = client_for("vanthu.stc")
    url = reverse("workflow:dispatch_page", args=[issued.pk])
    row = Dispatch.objects.get(document=issued, name="Báo Lạc Hồng")
    response = client.post(
        url,
        {
            "row-0-id": row.pk,
            "row-0-name": row.name,
            "row-0-channel": "exchange",
            "row-0-organisation": issued.organisation_id,
        },
    )
    assert response.status_code == 400
    assert 'class="alert alert--error"' in response.content.decode()
    row.refresh_from_db()
    assert row.channel == Dispatch.Channel.POST


def test_only_the_clerk_edits_the_list(issued, client_for):
    url = reverse("workflow:dispatch_page", args=[issued.pk])
    client = client_for("chuyenvien2.stc")
    page = client.get(url).content.decode()
    assert "<select" not in page
    response = client.post(url, {"row-0-name": "X", "row-0-channel": "post"})
    assert response.status_code == 403
    # Someone who may not open the document does not learn it exists.
    assert client_for("vanthu.snv").get(url).status_code == 404


def test_dispatch_then_a_second_click_gets_a_clear_message(issued, client_for):
    client = client_for("vanthu.stc")
    revision = engine.process_for(issued).revision
    url = reverse("workflow:dispatch", args=[issued.pk])
    response = client.post(url, {"revision": revision}, follow=True)
    assert response.status_code == 200
    assert engine.process_for(issued).state == "dispatched"
    assert "liên thông" in _messages(response)
    page = response.content.decode()
    assert url not in page  # the button is gone
    response = client.post(url, {"revision": revision}, follow=True)
    assert "Someone else" not in _messages(response)
    assert _messages(response)  # the refusal, in Vietnamese
    assert engine.process_for(issued).state == "dispatched"


def test_recall_through_the_page(issued, client_for):
    client = client_for("lanhdao.stc")
    url = reverse("workflow:recall", args=[issued.pk])
    revision = engine.process_for(issued).revision
    response = client.post(url, {"reason": "  ", "revision": revision}, follow=True)
    issued.refresh_from_db()
    assert issued.state == Document.State.ISSUED
    assert _messages(response)
    response = client.post(
        url, {"reason": "Sai thẩm quyền ban hành.", "revision": revision}, follow=True
    )
    issued.refresh_from_db()
    assert issued.state == Document.State.RECALLED
    page = response.content.decode()
    assert "Sai thẩm quyền ban hành." in page
    assert url not in page
    # A specialist cannot recall (the guard's message, nothing changes).
    assert client_for("chuyenvien.stc").post(url, {"reason": "x"}).status_code == 302


def test_a_replacing_draft_from_the_page(issued, client_for):
    """?replaces= starts from the issued document's content and asks the
    reason; both pages then show the link."""
    client = client_for("chuyenvien.stc")
    url = reverse("documents:draft_new") + f"?replaces={issued.pk}"
    page = client.get(url).content.decode()
    assert 'name="relation_reason"' in page
    assert issued.subject in page  # the form starts from the old content
    latest = issued.draft_versions.order_by("-number").first().content
    data = {
        "document_type": latest["document_type"],
        "subject": "Về việc phê duyệt dự toán (thay thế)",
        "recipients": "Sở Nội vụ tỉnh Lạc Hồng",
        "body": latest["body"],
        "signer_title": latest["signer_title"],
        "signer_name": latest["signer_name"],
        "copies_to": "Như trên;",
        "urgency": "0",
        "secrecy": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert not DocumentRelation.objects.exists()
    response = client.post(url, {**data, "relation_reason": "Sai số liệu Điều 1."})
    assert response.status_code == 302
    link = DocumentRelation.objects.get(target=issued)
    assert link.kind == DocumentRelation.Kind.REPLACES
    new_page = client.get(_detail(link.source)).content.decode()
    assert _detail(issued) in new_page
    assert "Văn bản liên quan" in new_page  # a draft: links, no dispatch list
    assert reverse("workflow:dispatch", args=[link.source.pk]) not in new_page
    old_page = client_for("vanthu.stc").get(_detail(issued)).content.decode()
    assert _detail(link.source) in old_page
    assert "Sai số liệu Điều 1." in old_page


def test_a_replacing_draft_of_a_document_one_cannot_open_is_404(issued, client_for):
    url = reverse("documents:draft_new") + f"?replaces={issued.pk}"
    assert client_for("chuyenvien.snv").get(url).status_code == 404
    url = reverse("documents:draft_new") + "?amends=abc"
    assert client_for("chuyenvien.stc").get(url).status_code == 404
