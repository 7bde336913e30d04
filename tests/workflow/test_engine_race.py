"""Two people acting on the same document at the same moment, on two database
connections: the row lock serialises them, one wins, the other gets the clear
message of ConcurrentChange and changes nothing. A module of its own: it needs
committed data (transaction=True), not the shared demo savepoint."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from directory.models import Role, User
from directory.services import role_assign
from documents.models import Document, DocumentType
from workflow import engine
from workflow.models import Process, Transition

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_clerks_racing_on_one_document_one_wins():
    call_command("seed_demo", quiet_logins=True)
    clerk = User.objects.get(username="vanthu.stc")
    second = User.objects.get(username="luutru.stc")
    role_assign(person=second, role=Role.VAN_THU, actor=None)
    document = Document.objects.create(
        organisation=clerk.organisation,
        direction=Document.Direction.INCOMING,
        state=Document.State.REGISTERED,
        document_type=DocumentType.objects.get(code="cong_van"),
        organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
        subject="V/v rà soát thủ tục hành chính",
        created_by=clerk,
        arrival_date=timezone.now(),
    )
    process = engine.process_for(document)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(username: str, action: str) -> None:
        try:
            person = User.objects.get(username=username)
            start.wait(timeout=10)
            with translation.override("en"), transaction.atomic():
                engine.transition(
                    process=Process.objects.get(pk=process.pk),
                    action=action,
                    actor=person,
                    revision=0,
                )
            outcomes[username] = "won"
        except ValidationError as refused:
            outcomes[username] = " ".join(refused.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("vanthu.stc", "submit")),
        threading.Thread(target=act, args=("luutru.stc", "return")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["luutru.stc", "vanthu.stc"]
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(name for name in outcomes if name not in winners)
    assert "Someone else has acted on this document" in outcomes[loser]
    process.refresh_from_db()
    assert process.revision == 1
    assert process.state == ("submitted" if winners == ["vanthu.stc"] else "returned")
    assert Transition.objects.filter(process=process).count() == 1
