"""The handling panel of an incoming document on its page, through the Django
client: each person sees the forms of what they may do now, every form carries
the process's revision, each POST redirects back to the page with its outcome as
a message (Vietnamese), a refusal changes nothing, and a deputy acting for the
director is recorded with both names."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from directory.middleware import SESSION_KEY
from documents.models import DocumentRelation
from tests.workflow.test_incoming import assigned, draft_reply, register, submitted
from workflow import calendar, incoming
from workflow.models import Assignment, Process, Transition


def vi(msgid: str, **values) -> str:
    """The Vietnamese text of a message (which must be translated)."""
    with translation.override("vi"):
        text = translation.gettext(msgid)
    assert text != msgid, f"not translated: {msgid}"
    return text % values if values else text


def page(client, document):
    return client.get(reverse("documents:detail", args=[document.pk]))


def post(client, name, document, data):
    return client.post(
        reverse(f"workflow:{name}", args=[document.pk]), data, follow=False
    )


def outcome(client, response) -> list[tuple[str, str]]:
    """The messages the redirect carries (and the redirect itself checked)."""
    assert response.status_code == 302
    assert response["Location"].endswith("#incoming")
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    return [(m.level_tag, m.message) for m in get_messages(shown.wsgi_request)]


def date_in(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_the_clerk_submits_to_the_top_leader_by_default(person, client_for):
    document = register(person)
    clerk = client_for("vanthu.stc")
    html = page(clerk, document).content.decode()
    assert 'id="incoming"' in html
    assert 'name="revision" value="0"' in html
    director = person("lanhdao.stc")
    assert f'<option value="{director.pk}" selected>' in html
    assert reverse("workflow:incoming_return", args=[document.pk]) in html
    response = post(
        clerk,
        "incoming_submit",
        document,
        {"leader": director.pk, "note": "Kính trình", "revision": 0},
    )
    assert outcome(clerk, response) == [
        ("success", vi("The document is submitted to the leader."))
    ]
    process = Process.objects.get(document=document)
    assert (process.state, process.leader) == ("submitted", director)


def test_the_leader_assigns_from_the_page(person, client_for):
    process = submitted(person)
    document = process.document
    leader = client_for("lanhdao.stc")
    html = page(leader, document).content.decode()
    head = person("truongphong.stc")
    assert f'value="unit-{head.unit_id}"' in html
    assert f'value="person-{person("chuyenvien.stc").pk}"' in html
    assert 'name="co"' in html and 'name="info"' in html
    assert 'name="due_date"' in html
    response = post(
        leader,
        "incoming_assign",
        document,
        {
            "lead": f"unit-{head.unit_id}",
            "co": [person("chuyenvien2.stc").pk],
            "info": [person("luutru.stc").pk],
            "directive": "Giao Phòng chủ trì",
            "due_date": date_in(14),
            "revision": process.revision,
        },
    )
    assert outcome(leader, response) == [("success", vi("The document is assigned."))]
    lead = Assignment.objects.get(process=process, role="lead")
    assert (lead.assignee, lead.unit) == (head, head.unit)
    assert lead.due_at == calendar.deadline_on(
        timezone.localdate() + timedelta(days=14),
        organisation_id=process.organisation_id,
    )
    # The trace is on the page for the leader.
    html = page(leader, document).content.decode()
    assert "Giao Phòng chủ trì" in html and head.get_full_name() in html


def test_a_stale_page_gets_a_clear_message_and_changes_nothing(person, client_for):
    process = submitted(person)
    document = process.document
    leader = client_for("lanhdao.stc")
    data = {
        "lead": f"person-{person('chuyenvien.stc').pk}",
        "revision": process.revision,
    }
    outcome(leader, post(leader, "incoming_assign", document, data))
    deputy = client_for("pholanhdao.stc")
    data["lead"] = f"person-{person('chuyenvien2.stc').pk}"
    messages = outcome(deputy, post(deputy, "incoming_assign", document, data))
    assert messages[0][0] == "error"
    assert messages[0][1] == vi(
        "Someone else has acted on this document in the meantime (it is now "
        "“%(state)s”). Reload the page and check before you act.",
        state=vi("Being handled"),
    )
    assert Assignment.objects.filter(process=process).count() == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"due_date": "2020-01-01"},
            "The deadline is in the past: choose a later date.",
        ),
        ({"lead": ""}, "Choose the lead (chủ trì): one person or one unit."),
        ({"due_date": "ngày mai"}, "Enter the deadline as a date."),
    ],
)
def test_bad_assignments_are_refused_with_a_message(person, client_for, data, expected):
    process = submitted(person)
    leader = client_for("lanhdao.stc")
    form = {
        "lead": f"person-{person('chuyenvien.stc').pk}",
        "revision": process.revision,
        **data,
    }
    messages = outcome(leader, post(leader, "incoming_assign", process.document, form))
    assert messages == [("error", vi(expected))]
    process.refresh_from_db()
    assert process.state == "submitted"


def test_the_deputy_acting_for_the_director_is_recorded_with_both_names(
    person, client_for
):
    process = submitted(person)
    deputy = client_for("pholanhdao.stc")
    session = deputy.session
    session[SESSION_KEY] = person("lanhdao.stc").pk
    session.save()
    html = page(deputy, process.document).content.decode()
    assert (
        vi(
            "You act for %(name)s: the record keeps both your names.",
            name=person("lanhdao.stc").get_full_name(),
        )
        in html
    )
    response = post(
        deputy,
        "incoming_assign",
        process.document,
        {
            "lead": f"person-{person('chuyenvien.stc').pk}",
            "revision": process.revision,
        },
    )
    assert outcome(deputy, response)[0][0] == "success"
    move = Transition.objects.get(process=process, action="assign")
    assert move.actor.username == "pholanhdao.stc"
    assert move.on_behalf_of.username == "lanhdao.stc"
    html = page(client_for("lanhdao.stc"), process.document).content.decode()
    both = vi(
        "%(delegate)s acting for %(principal)s",
        delegate=person("pholanhdao.stc").get_full_name(),
        principal=person("lanhdao.stc").get_full_name(),
    )
    assert both in html


def test_the_unit_head_passes_on_and_the_specialist_completes_with_the_reply(
    person, client_for
):
    process = assigned(person, co=[])
    document = process.document
    head = client_for("truongphong.stc")
    lead = Assignment.objects.get(process=process, role="lead")
    html = page(head, document).content.decode()
    assert reverse("workflow:incoming_pass_on", args=[document.pk]) in html
    response = post(
        head,
        "incoming_pass_on",
        document,
        {
            "assignment": lead.pk,
            "to": person("chuyenvien.stc").pk,
            "directive": "Đồng chí dự thảo",
            "revision": process.revision,
        },
    )
    assert outcome(head, response) == [("success", vi("The handling is passed on."))]
    child = Assignment.objects.get(parent=lead)
    process.refresh_from_db()

    specialist = client_for("chuyenvien.stc")
    html = page(specialist, document).content.decode()
    reply_url = reverse("documents:draft_new") + f"?reply_to={document.pk}"
    assert reply_url in html
    form = specialist.get(reply_url).content.decode()
    assert "Trả lời văn bản số" in form
    response = post(
        specialist,
        "incoming_progress",
        document,
        {
            "assignment": child.pk,
            "kind": "progress",
            "percent": "60",
            "text": "Đã có số liệu",
            "revision": process.revision,
        },
    )
    assert outcome(specialist, response)[0][0] == "success"
    process.refresh_from_db()
    reply = draft_reply(person, document)
    html = page(specialist, document).content.decode()
    assert f'<option value="{reply.pk}">' in html
    response = post(
        specialist,
        "incoming_complete",
        document,
        {"result": "Đã trả lời", "reply": reply.pk, "revision": process.revision},
    )
    assert outcome(specialist, response) == [
        ("success", vi("The handling of the document is completed."))
    ]
    process.refresh_from_db()
    assert process.state == "completed"
    assert DocumentRelation.objects.filter(source=reply, target=document).exists()


def test_the_co_handler_contributes_and_the_lead_is_told_who_is_missing(
    person, client_for
):
    specialist = person("chuyenvien.stc")
    process = assigned(person, lead=specialist, co=[person("chuyenvien2.stc")])
    document = process.document
    lead_client = client_for("chuyenvien.stc")
    html = page(lead_client, document).content.decode()
    co_name = person("chuyenvien2.stc").get_full_name()
    assert co_name in html
    messages = outcome(
        lead_client,
        post(
            lead_client,
            "incoming_complete",
            document,
            {"result": "Xong", "revision": process.revision},
        ),
    )
    assert messages[0][0] == "error" and co_name in messages[0][1]
    co_client = client_for("chuyenvien2.stc")
    co_part = Assignment.objects.get(process=process, role="co")
    response = post(
        co_client,
        "incoming_contribute",
        document,
        {"assignment": co_part.pk, "text": "Thống nhất", "revision": process.revision},
    )
    assert outcome(co_client, response)[0][0] == "success"
    co_part.refresh_from_db()
    assert co_part.state == "done"


def test_the_clerk_returns_it_with_a_reason(person, client_for):
    document = register(person)
    clerk = client_for("vanthu.stc")
    messages = outcome(
        clerk, post(clerk, "incoming_return", document, {"reason": "", "revision": 0})
    )
    assert messages[0][0] == "error"
    messages = outcome(
        clerk,
        post(
            clerk,
            "incoming_return",
            document,
            {"reason": "Gửi nhầm nơi nhận", "revision": 0},
        ),
    )
    assert messages == [("success", vi("The document is returned to its sender."))]
    document.refresh_from_db()
    assert document.state == "returned"


def test_people_without_a_part_see_no_forms(person, client_for):
    process = assigned(person, lead=person("chuyenvien.stc"), co=[])
    html = page(client_for("vanthu.stc"), process.document).content.decode()
    assert 'id="incoming"' in html
    for name in ("incoming_assign", "incoming_complete", "incoming_progress"):
        assert reverse(f"workflow:{name}", args=[process.document.pk]) not in html
    # A specialist outside the handling does not even open the document.
    response = page(client_for("chuyenvien2.stc"), process.document)
    assert response.status_code == 404


def test_the_reply_drafted_from_the_page_is_linked_to_the_incoming_document(
    person, client_for
):
    """ "Soạn văn bản trả lời": the draft form with ?reply_to= names the document
    answered, and saving the draft links it (reply_to); a document the drafter
    may not open gives 404."""
    process = assigned(person, lead=person("chuyenvien.stc"), co=[])
    document = process.document
    client = client_for("chuyenvien.stc")
    url = reverse("documents:draft_new") + f"?reply_to={document.pk}"
    response = client.post(
        url,
        {
            "document_type": "cong_van",
            "subject": "V/v báo cáo kết quả triển khai dịch vụ công",
            "recipients": "Ủy ban nhân dân tỉnh Lạc Hồng",
            "body": "Sở Tài chính báo cáo như sau.",
            "signer_capacity": "",
            "signer_capacity_of": "",
            "signer_title": "GIÁM ĐỐC",
            "signer_name": person("lanhdao.stc").full_name,
            "copies_to": "Lưu: VT;",
            "unit": "",
            "urgency": "0",
            "secrecy": "0",
        },
    )
    assert response.status_code == 302
    relation = DocumentRelation.objects.get(target=document, kind="reply_to")
    assert relation.source.subject == "V/v báo cáo kết quả triển khai dịch vụ công"
    assert relation.created_by == person("chuyenvien.stc")
    # The reply is offered when completing, and listed on the incoming page.
    html = page(client, document).content.decode()
    assert f'<option value="{relation.source.pk}">' in html
    assert reverse("documents:detail", args=[relation.source.pk]) in html
    # Someone who may not open the incoming document cannot reply to it.
    other = register(person)
    stranger = client_for("chuyenvien2.stc")
    reply_url = reverse("documents:draft_new") + f"?reply_to={other.pk}"
    assert stranger.get(reply_url).status_code == 404


def test_the_panel_costs_the_same_queries_however_long_the_trace(person, client_for):
    """No query per assignment, note or history row on the document page."""

    def queries(process) -> int:
        client = client_for("lanhdao.stc")
        page(client, process.document)  # warm caches (session, permissions)
        with CaptureQueriesContext(connection) as captured:
            assert page(client, process.document).status_code == 200
        return len(captured)

    small = assigned(person, lead=person("chuyenvien.stc"), co=[])
    others = ["chuyenvien2.stc", "truongphong.stc", "luutru.stc", "vanthu.stc"]
    large = assigned(
        person,
        lead=person("chuyenvien.stc"),
        co=[person(u) for u in others[:2]],
        info=[person(u) for u in others[2:]],
    )
    for assignment in Assignment.objects.filter(process=large, role="co"):
        for n in range(3):
            large.refresh_from_db()
            incoming.progress_record(
                assignment=assignment,
                text=f"Ghi nhận {n}",
                percent=10 * n,
                actor=assignment.assignee,
            )
    assert queries(large) == queries(small)
