"""Two leaders assigning the same incoming document at the same moment, on two
database connections: the process row lock serialises them, one assignment is
made, the other leader gets ConcurrentChange's message and nothing of his is
written (no assignment, work item or notification). A module of its own: it
needs committed data (transaction=True), not the shared demo savepoint."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from directory.models import User
from documents.services import document_register_incoming
from tests.documents.pdf_samples import text_pdf
from workflow import incoming
from workflow.models import Assignment, Notification, Process, Transition, WorkItem

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_leaders_assigning_at_once_one_wins():
    call_command("seed_demo", quiet_logins=True)
    clerk = User.objects.get(username="vanthu.stc")
    upload = io.BytesIO(text_pdf(1))
    upload.name = "den.pdf"
    document = document_register_incoming(
        organisation=clerk.organisation,
        main_file=upload,
        metadata={
            "document_type": "cong_van",
            "organ_name": "Ủy ban nhân dân tỉnh Lạc Hồng",
            "subject": "V/v rà soát thủ tục hành chính",
            "issued_date": timezone.localdate().isoformat(),
        },
        actor=clerk,
    )
    incoming.incoming_submit(
        document=document,
        leader=User.objects.get(username="lanhdao.stc"),
        actor=clerk,
        revision=0,
    )
    process = Process.objects.get(document=document)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}
    leads = {"lanhdao.stc": "chuyenvien.stc", "pholanhdao.stc": "chuyenvien2.stc"}

    def assign(username: str) -> None:
        try:
            with translation.override("en"):
                leader = User.objects.get(username=username)
                lead = User.objects.get(username=leads[username])
                start.wait(timeout=10)
                incoming.incoming_assign(
                    process=Process.objects.get(pk=process.pk),
                    actor=leader,
                    revision=1,
                    lead=lead,
                    directive=f"Giao {lead.get_full_name()} chủ trì",
                )
            outcomes[username] = "won"
        except ValidationError as refused:
            outcomes[username] = " ".join(refused.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(u,)) for u in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == sorted(leads)
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(name for name in outcomes if name not in winners)
    assert "Someone else has acted on this document" in outcomes[loser]
    process.refresh_from_db()
    assert (process.state, process.revision) == ("assigned", 2)
    assert Transition.objects.filter(process=process, action="assign").count() == 1
    only = Assignment.objects.get(process=process)
    assert only.assignee.username == leads[winners[0]]
    assert not WorkItem.objects.filter(
        process=process, assignee__username=leads[loser]
    ).exists()
    assert not Notification.objects.filter(
        document=document, recipient__username=leads[loser]
    ).exists()
