"""Two approvers of a parallel step approving the same draft at the same moment,
each on their own database connection, from pages drawn at the same revision: the
process row lock serialises them, one wins, the other gets ConcurrentChange's
message and changes nothing. A module of its own: it needs committed data
(transaction=True), not the shared demo savepoint."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from directory.models import Organisation, User
from documents.models import Document, DocumentType
from workflow import approval
from workflow.approval import StepSpec
from workflow.models import ApprovalStep, ApprovalTask, Process, Transition

pytestmark = pytest.mark.django_db(transaction=True)

STC = "000.00.02.H99"


def test_two_approvers_racing_on_one_draft_one_wins():
    call_command("seed_demo", quiet_logins=True)
    stc = Organisation.objects.get(code=STC)
    drafter = User.objects.get(username="chuyenvien.stc")
    approval.circuit_create(
        organisation=stc,
        name="Song song",
        document_type=None,
        steps=[
            StepSpec(group=1, kind=ApprovalStep.Kind.UNIT_HEAD),
            StepSpec(
                group=1,
                kind=ApprovalStep.Kind.PERSON,
                person=User.objects.get(username="vanthu.stc"),
            ),
        ],
        actor=User.objects.get(username="quantri.stc"),
    )
    document = Document.objects.create(
        organisation=stc,
        direction=Document.Direction.OUTGOING,
        state=Document.State.DRAFT,
        document_type=DocumentType.objects.get(code="cong_van"),
        organ_name=stc.name,
        subject="V/v báo cáo tình hình thực hiện dự toán quý IV",
        created_by=drafter,
    )
    process = approval.draft_submit(
        document=document,
        signer=User.objects.get(username="lanhdao.stc"),
        actor=drafter,
    )
    drawn = process.revision
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(username: str) -> None:
        try:
            person = User.objects.get(username=username)
            start.wait(timeout=10)
            with translation.override("vi"):
                approval.approval_approve(
                    process=Process.objects.get(pk=process.pk),
                    actor=person,
                    revision=drawn,
                )
            outcomes[username] = "won"
        except ValidationError as refused:
            outcomes[username] = " ".join(refused.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(name,))
        for name in ("truongphong.stc", "vanthu.stc")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values())[-1] == "won", outcomes
    (winner,) = [name for name, outcome in outcomes.items() if outcome == "won"]
    (loser,) = [name for name, outcome in outcomes.items() if outcome != "won"]
    assert "Hãy tải lại trang" in outcomes[loser]
    process.refresh_from_db()
    assert (process.state, process.revision) == ("in_approval", drawn + 1)
    assert Transition.objects.filter(process=process, action="approve").count() == 1
    states = dict(
        ApprovalTask.objects.filter(process=process, group=1).values_list(
            "approver__username", "state"
        )
    )
    assert states == {
        winner: ApprovalTask.State.APPROVED,
        loser: ApprovalTask.State.PENDING,
    }
