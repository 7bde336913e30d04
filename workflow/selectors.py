"""Reads of the work queues, always from the point of view of the signed-in person.

A person sees the items assigned to them in the queues of their roles and, while
they act for someone under a delegation in force (ủy quyền), that person's queues
too. The delegation is checked inside the same queries, so a stale or forged
`acting_for` yields nothing."""

import operator
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from directory.models import RoleAssignment, User
from directory.selectors import delegation_principals_for

from .models import Queue, WorkItem
from .queues import queues_for_roles


@dataclass(frozen=True)
class QueueCount:
    """One queue on the home page: how many items wait and how many are late."""

    queue: Queue
    open: int = 0
    late: int = 0

    @property
    def label(self) -> str:
        return self.queue.label


@dataclass
class QueueSection:
    """The queues of one person: the signed-in user, or the principal they act for."""

    person: User
    is_principal: bool
    queues: list[QueueCount] = field(default_factory=list)

    @property
    def open(self) -> int:
        return sum(q.open for q in self.queues)

    @property
    def late(self) -> int:
        return sum(q.late for q in self.queues)


def _principal_in_force(*, user: User, principal: User, at: datetime) -> Q:
    """Rows of `principal` while a delegation from them to `user` is in force."""
    return Q(pk=principal.pk) & Q(
        pk__in=delegation_principals_for(user=user, at=at).values("pk")
    )


def queue_summary(
    *, user: User, acting_for: User | None = None, at: datetime | None = None
) -> list[QueueSection]:
    """The home page's queues: for the user (and, when acting for a principal, for
    the principal) every queue of their roles with its open and late counts.

    Two queries whatever the number of queues and items: the roles of both people,
    then one aggregate over their open work items."""
    if not user.is_authenticated:
        return []
    at = at or timezone.now()
    people = [user] if acting_for is None else [user, acting_for]

    role_filter = Q(user_id=user.pk, organisation_id=user.organisation_id)
    if acting_for is not None:
        role_filter |= Q(
            user__in=User.objects.filter(
                _principal_in_force(user=user, principal=acting_for, at=at)
            ),
            organisation_id=acting_for.organisation_id,
        )
    roles: dict[int, set[str]] = {person.pk: set() for person in people}
    for user_id, role in RoleAssignment.objects.filter(role_filter).values_list(
        "user_id", "role"
    ):
        roles[user_id].add(role)
    queues = {person.pk: queues_for_roles(roles[person.pk]) for person in people}

    counts: dict[tuple[int, str], dict] = {}
    wanted = [
        Q(assignee_id=pk, queue__in=person_queues)
        for pk, person_queues in queues.items()
        if person_queues
    ]
    if wanted:
        rows = (
            WorkItem.objects.filter(reduce(operator.or_, wanted))
            .filter(state=WorkItem.State.OPEN)
            .values("assignee_id", "queue")
            .annotate(open=Count("pk"), late=Count("pk", filter=Q(due_at__lt=at)))
            .order_by()
        )
        counts = {(row["assignee_id"], row["queue"]): row for row in rows}

    return [
        QueueSection(
            person=person,
            is_principal=person is not user,
            queues=[
                QueueCount(
                    queue,
                    open=counts.get((person.pk, queue), {}).get("open", 0),
                    late=counts.get((person.pk, queue), {}).get("late", 0),
                )
                for queue in queues[person.pk]
            ],
        )
        for person in people
    ]


def queue_items(
    *,
    user: User,
    queue: str,
    limit: int | None = 20,
    acting_for: User | None = None,
    at: datetime | None = None,
) -> QuerySet[WorkItem]:
    """Open items of one queue, most urgent first (hỏa tốc before thượng khẩn before
    khẩn), then by deadline (none last), then oldest first. With `acting_for`, the
    principal's items, only while the delegation is in force. Each item carries
    `is_late`."""
    at = at or timezone.now()
    if not user.is_authenticated:
        return WorkItem.objects.none()
    if acting_for is None:
        owner = Q(assignee=user)
    else:
        owner = Q(
            assignee__in=User.objects.filter(
                _principal_in_force(user=user, principal=acting_for, at=at)
            )
        )
    items = (
        WorkItem.objects.filter(owner, queue=queue, state=WorkItem.State.OPEN)
        .annotate(
            is_late=ExpressionWrapper(Q(due_at__lt=at), output_field=BooleanField())
        )
        .order_by(
            F("urgency").desc(),
            F("due_at").asc(nulls_last=True),
            "created_at",
            "pk",
        )
    )
    return items[:limit] if limit is not None else items
