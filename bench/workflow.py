"""Benchmark of the workflow pages on a large agency: the home page's queues, the
leaders' dashboard of late items and the processing report (Phụ lục VI).

    .venv/bin/python bench/workflow.py [--rounds 10] [--people 20] [--reseed]
                                       [--explain]

Seeds, once, its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/vanthu_bench_workflow) with 200,000 documents
and about 2,000 people: four agencies (sở) of 500 people each, in units of 20
(a unit head and specialists), three leaders and two records clerks each. Half the
documents are incoming, half outgoing, spread over the last two years, with their
processes, lead / co-handler assignments (often passed on by the unit head),
approval tasks, transitions, replies, and open and closed work items (about 8% of
the older documents are still open and late: the backlog a real agency carries).
Rows go in with COPY; a second run finds the seeded database and reuses it
(`--reseed` starts again).

Then, in this process, with Django's test client and DEBUG off (like the web
anchor, /work/shared/reference/web-queue-anchor.md), it measures the server time
of each page: the home page of the `--people` people with the biggest queues, the
dashboard of every agency leader and of some unit heads, and the report of the
current month and of the whole year for an agency leader, `--rounds` times each
after a warm-up. It prints the median and p95 per page and the SQL queries each
page runs (CaptureQueriesContext) with their total time; `--explain` prints
EXPLAIN ANALYZE of each page's slowest query. The last line is the headline.
Never a test: it is a measurement."""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
os.environ.setdefault("VANTHU_LOG_LEVEL", "WARNING")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vanthu_bench_workflow"
)

DOCUMENTS = 200_000
ORGANISATIONS = 4
PEOPLE_PER_ORGANISATION = 500
UNIT_SIZE = 20
LEADERS = 3
CLERKS = 2
DAYS = 730
SEED_MARK = "bench-workflow-v1"

SUBJECT_HEADS = [
    "Về việc triển khai",
    "Về việc báo cáo kết quả thực hiện",
    "Về việc góp ý dự thảo",
    "Về việc đề nghị phối hợp thực hiện",
    "Về việc hướng dẫn thực hiện",
    "Về việc đôn đốc thực hiện",
    "Về việc cung cấp thông tin",
    "Về việc phê duyệt kế hoạch",
]
SUBJECT_TAILS = [
    "kế hoạch chuyển đổi số năm 2026",
    "dự toán ngân sách nhà nước năm 2027",
    "chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "công tác cải cách hành chính quý III",
    "quy chế quản lý tài sản công tại cơ quan",
    "đề án sắp xếp đơn vị hành chính cấp xã",
    "công tác phòng, chống thiên tai và tìm kiếm cứu nạn",
    "chế độ báo cáo thống kê ngành tài chính",
]
URGENCY_WEIGHTS = [70, 20, 7, 3]


def setup_django():
    import django

    django.setup()


def database_name() -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[1]


def already_seeded() -> bool:
    import psycopg

    name = database_name()
    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if not exists:
        return False
    try:
        with psycopg.connect(
            os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
        ) as conn:
            row = conn.execute(
                "SELECT count(*) FROM directory_organisation WHERE short_name = %s",
                [SEED_MARK],
            ).fetchone()
            return bool(row and row[0])
    except psycopg.Error:
        return False


def recreate_database() -> None:
    import psycopg

    name = database_name()
    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


# ---------------------------------------------------------------------------
# Seeding


class Ids:
    """Explicit primary keys for the COPY'd tables."""

    def __init__(self):
        self.next = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


def seed(rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from directory.models import Organisation, Role, RoleAssignment, Unit, User
    from directory.services import organisation_create
    from documents.models import DocumentType

    now = timezone.now()
    started = time.perf_counter()
    password = make_password("bench-password")
    doc_type = DocumentType.objects.get(code="cong_van")

    with transaction.atomic():
        province = organisation_create(
            code="000.00.00.H98",
            name="Ủy ban nhân dân tỉnh Thử Nghiệm",
            short_name=SEED_MARK,
            kind=Organisation.Kind.PEOPLES_COMMITTEE,
            place_name="Thử Nghiệm",
            actor=None,
        )
        agencies = []
        for n in range(1, ORGANISATIONS + 1):
            org = organisation_create(
                code=f"000.00.{n:02d}.H98",
                name=f"Sở thử nghiệm số {n}",
                short_name=f"S{n}",
                kind=Organisation.Kind.DEPARTMENT,
                place_name="Thử Nghiệm",
                parent=province,
                actor=None,
            )
            agencies.append(org)

        people_of = {}
        for index, org in enumerate(agencies, start=1):
            staff = PEOPLE_PER_ORGANISATION - LEADERS - CLERKS
            unit_count = -(-staff // UNIT_SIZE)
            units = Unit.objects.bulk_create(
                [
                    Unit(
                        organisation=org,
                        name=f"Phòng nghiệp vụ {u + 1:02d}",
                        short_name=f"P{u + 1}",
                    )
                    for u in range(unit_count)
                ]
            )
            users, roles = [], []

            def person(login, unit, role, name, org=org, index=index, users=users):
                user = User(
                    username=f"{login}.s{index}",
                    full_name=name,
                    organisation=org,
                    unit=unit,
                    password=password,
                    email=f"{login}.s{index}@bench.vanthu.invalid",
                )
                users.append((user, role))
                return user

            leaders = [
                person(
                    f"lanhdao{k}",
                    None,
                    Role.LANH_DAO_CO_QUAN,
                    f"Lãnh đạo {k} Sở {index}",
                )
                for k in range(LEADERS)
            ]
            clerks = [
                person(f"vanthu{k}", units[0], Role.VAN_THU, f"Văn thư {k} Sở {index}")
                for k in range(CLERKS)
            ]
            heads, members = [], []
            for p in range(staff):
                unit = units[p // UNIT_SIZE]
                if p % UNIT_SIZE == 0:
                    heads.append(
                        person(
                            f"truongphong{p // UNIT_SIZE}",
                            unit,
                            Role.LANH_DAO_DON_VI,
                            f"Trưởng {unit.name} Sở {index}",
                        )
                    )
                else:
                    members.append(
                        person(
                            f"chuyenvien{p}",
                            unit,
                            Role.CHUYEN_VIEN,
                            f"Chuyên viên {p} Sở {index}",
                        )
                    )
            User.objects.bulk_create([u for u, _r in users])
            roles = [RoleAssignment(user=u, organisation=org, role=r) for u, r in users]
            RoleAssignment.objects.bulk_create(roles)
            people_of[org.pk] = {
                "leaders": leaders,
                "clerks": clerks,
                "heads": heads,
                "members": members,
                "units": units,
            }
    print(
        f"people: {User.objects.filter(organisation__in=agencies).count()} in "
        f"{len(agencies)} agencies, "
        f"{Unit.objects.filter(organisation__in=agencies).count()} units"
    )

    ids = Ids()
    tables = {
        "documents_document": """
            id, organisation_id, direction, state, document_type_id, copy_form,
            code_number, code_notation, issued_date, organ_id, organ_name, subject,
            language, description, signer_capacity, signer_position,
            signer_full_name, urgency, secrecy, due_date, arrival_date, to_places,
            created_by_id, created_at, updated_at""",
        "workflow_process": """
            id, document_id, organisation_id, kind, state, revision, urgency, due_at,
            started_at, completed_at, leader_id, lead_unit_id, drafter_id, signer_id,
            round, current_group, updated_at""",
        "workflow_assignment": """
            id, process_id, organisation_id, role, assignee_id, unit_id, parent_id,
            assigned_by_id, directive, due_at, state, progress, result, created_at,
            completed_at""",
        "workflow_workitem": """
            id, organisation_id, assignee_id, queue, state, urgency, title, due_at,
            object_id, document_id, process_id, assignment_id, approval_task_id,
            completed_by_id, created_at, completed_at""",
        "workflow_transition": """
            id, process_id, action, from_state, to_state, actor_id, note, details,
            created_at""",
        "workflow_approvaltask": """
            id, process_id, round, "group", is_signer, label, approver_id, state,
            comment, acted_by_id, created_at, acted_at""",
        "documents_documentrelation": """
            id, source_id, target_id, kind, reason, created_by_id, created_at""",
    }
    rows = {table: [] for table in tables}

    def document(org, direction, state, creator, t, urgency, **extra):
        pk = ids.take("documents_document")
        subject = f"{rng.choice(SUBJECT_HEADS)} {rng.choice(SUBJECT_TAILS)} (số {pk})"
        rows["documents_document"].append(
            (
                pk,
                org.pk,
                direction,
                state,
                doc_type.pk,
                "",
                str(pk % 9999) if extra.get("issued") else "",
                "CV-STN" if extra.get("issued") else "",
                extra.get("issued"),
                "",
                org.name,
                subject,
                "Tiếng Việt",
                "",
                "",
                "",
                "",
                urgency,
                0,
                extra.get("due_date"),
                t if direction == "den" else None,
                "",
                creator.pk,
                t,
                t,
            )
        )
        return pk, subject

    def process(doc, org, kind, state, urgency, t, **f):
        pk = ids.take("workflow_process")
        rows["workflow_process"].append(
            (
                pk,
                doc,
                org.pk,
                kind,
                state,
                1,
                urgency,
                f.get("due"),
                t,
                f.get("completed"),
                f.get("leader"),
                f.get("unit"),
                f.get("drafter"),
                f.get("signer"),
                f.get("round", 0),
                0,
                f.get("updated", t),
            )
        )
        return pk

    def assignment(
        proc, org, role, who, unit, by, t, due, state, done=None, parent=None
    ):
        pk = ids.take("workflow_assignment")
        rows["workflow_assignment"].append(
            (
                pk,
                proc,
                org.pk,
                role,
                who.pk,
                unit.pk if unit else None,
                parent,
                by.pk,
                "Đề nghị nghiên cứu, tham mưu xử lý.",
                due,
                state,
                100 if done else 0,
                "",
                t,
                done,
            )
        )
        return pk

    def item(
        org,
        who,
        queue,
        urgency,
        title,
        due,
        doc,
        proc,
        t,
        done=None,
        assignment_id=None,
        task=None,
    ):
        pk = ids.take("workflow_workitem")
        rows["workflow_workitem"].append(
            (
                pk,
                org.pk,
                who.pk,
                queue,
                "done" if done else "open",
                urgency,
                title[:500],
                due,
                "",
                doc,
                proc,
                assignment_id,
                task,
                who.pk if done else None,
                t,
                done,
            )
        )

    def move(proc, action, a, b, who, t):
        rows["workflow_transition"].append(
            (ids.take("workflow_transition"), proc, action, a, b, who.pk, "", "{}", t)
        )

    def task(proc, rnd, group, signer, approver, state, t, acted=None):
        pk = ids.take("workflow_approvaltask")
        rows["workflow_approvaltask"].append(
            (
                pk,
                proc,
                rnd,
                group,
                signer,
                "",
                approver.pk,
                state,
                "",
                approver.pk if acted else None,
                t,
                acted,
            )
        )
        return pk

    incoming_of = {org.pk: [] for org in agencies}
    per_org = DOCUMENTS // len(agencies)
    for org in agencies:
        crew = people_of[org.pk]
        leaders, clerks, heads, members, units = (
            crew["leaders"],
            crew["clerks"],
            crew["heads"],
            crew["members"],
            crew["units"],
        )
        members_of = {}
        for m in members:
            members_of.setdefault(m.unit_id, []).append(m)
        for n in range(per_org):
            age = rng.random() ** 1.3 * DAYS  # more recent documents than old ones
            t = now - timedelta(days=age)
            urgency = rng.choices(range(4), URGENCY_WEIGHTS)[0]
            handling = timedelta(days={0: 10, 1: 5, 2: 3, 3: 1}[urgency])
            unit_index = min(int(rng.expovariate(1 / 6)), len(units) - 1)
            unit = units[unit_index]
            head = heads[unit_index]
            specialist = rng.choice(members_of.get(unit.pk) or [head])
            leader = leaders[0] if rng.random() < 0.6 else rng.choice(leaders)
            clerk = clerks[0] if rng.random() < 0.7 else clerks[1]
            stale = age > 60 and rng.random() < 0.08
            if n % 2 == 0:
                # Incoming: registered → submitted → assigned → completed.
                if age < 3:
                    state = rng.choices(
                        ["registered", "submitted", "assigned"], [4, 3, 3]
                    )[0]
                elif stale:
                    state = rng.choices(
                        ["registered", "submitted", "assigned"], [1, 2, 5]
                    )[0]
                elif age < 60:
                    state = rng.choice(["assigned", "completed"])
                else:
                    state = "completed"
                due = t + handling
                doc, subject = document(
                    org,
                    "den",
                    "completed" if state == "completed" else "registered",
                    clerk,
                    t,
                    urgency,
                    due_date=due.date(),
                )
                incoming_of[org.pk].append((doc, due))
                completed = None
                if state == "completed":
                    completed = t + timedelta(
                        days=rng.uniform(1, 14) if urgency == 0 else rng.uniform(0.2, 4)
                    )
                proc = process(
                    doc,
                    org,
                    "den",
                    state,
                    urgency,
                    t,
                    due=due,
                    completed=completed,
                    leader=leader.pk if state != "registered" else None,
                    unit=unit.pk if state in ("assigned", "completed") else None,
                    updated=completed or t,
                )
                item(
                    org,
                    clerk,
                    "receive",
                    urgency,
                    subject,
                    t + timedelta(hours=8),
                    doc,
                    proc,
                    t,
                    done=None if state == "registered" else t + timedelta(hours=2),
                )
                if state == "registered":
                    continue
                move(
                    proc,
                    "submit",
                    "registered",
                    "submitted",
                    clerk,
                    t + timedelta(hours=2),
                )
                item(
                    org,
                    leader,
                    "assign",
                    urgency,
                    subject,
                    t + timedelta(days=1),
                    doc,
                    proc,
                    t + timedelta(hours=2),
                    done=None if state == "submitted" else t + timedelta(hours=6),
                )
                if state == "submitted":
                    continue
                move(
                    proc,
                    "assign",
                    "submitted",
                    "assigned",
                    leader,
                    t + timedelta(hours=6),
                )
                open_state = "done" if completed else "open"
                if rng.random() < 0.6:
                    first = assignment(
                        proc,
                        org,
                        "lead",
                        head,
                        unit,
                        leader,
                        t + timedelta(hours=6),
                        due,
                        "delegated",
                    )
                    item(
                        org,
                        head,
                        "assign",
                        urgency,
                        subject,
                        due,
                        doc,
                        proc,
                        t + timedelta(hours=6),
                        done=t + timedelta(hours=20),
                        assignment_id=first,
                    )
                    move(
                        proc,
                        "pass_on",
                        "assigned",
                        "assigned",
                        head,
                        t + timedelta(hours=20),
                    )
                    lead_id = assignment(
                        proc,
                        org,
                        "lead",
                        specialist,
                        unit,
                        head,
                        t + timedelta(hours=20),
                        due,
                        open_state,
                        done=completed,
                        parent=first,
                    )
                else:
                    lead_id = assignment(
                        proc,
                        org,
                        "lead",
                        specialist,
                        unit,
                        leader,
                        t + timedelta(hours=6),
                        due,
                        open_state,
                        done=completed,
                    )
                item(
                    org,
                    specialist,
                    "handle",
                    urgency,
                    subject,
                    due,
                    doc,
                    proc,
                    t + timedelta(hours=20),
                    done=completed,
                    assignment_id=lead_id,
                )
                if rng.random() < 0.3:
                    other = rng.randrange(len(units))
                    helper = rng.choice(
                        members_of.get(units[other].pk) or [heads[other]]
                    )
                    co_id = assignment(
                        proc,
                        org,
                        "co",
                        helper,
                        units[other],
                        leader,
                        t + timedelta(hours=6),
                        due,
                        open_state,
                        done=completed and completed - timedelta(hours=4),
                    )
                    item(
                        org,
                        helper,
                        "handle",
                        urgency,
                        subject,
                        due,
                        doc,
                        proc,
                        t + timedelta(hours=6),
                        done=completed and completed - timedelta(hours=4),
                        assignment_id=co_id,
                    )
                if completed:
                    move(
                        proc, "complete", "assigned", "completed", specialist, completed
                    )
            else:
                # Outgoing: drafting → approval → signature → signed → issued.
                if age < 10:
                    state = rng.choices(
                        [
                            "drafting",
                            "in_approval",
                            "awaiting_signature",
                            "signed",
                            "dispatched",
                        ],
                        [3, 4, 2, 1, 3],
                    )[0]
                elif stale:
                    state = rng.choices(
                        ["in_approval", "awaiting_signature", "signed"], [6, 3, 1]
                    )[0]
                else:
                    state = "dispatched"
                signer = leader
                issued = (
                    (t + timedelta(days=rng.uniform(1, 6)))
                    if state == "dispatched"
                    else None
                )
                reply_to = None
                if incoming_of[org.pk] and rng.random() < 0.3:
                    reply_to = rng.choice(incoming_of[org.pk][-2000:])
                doc, subject = document(
                    org,
                    "di",
                    "issued" if issued else "draft",
                    specialist,
                    t,
                    urgency,
                    issued=issued.date() if issued else None,
                )
                returned = rng.random() < 0.1 and state != "drafting"
                proc = process(
                    doc,
                    org,
                    "di",
                    state,
                    urgency,
                    t,
                    drafter=specialist.pk,
                    signer=signer.pk,
                    round=0 if state == "drafting" else (2 if returned else 1),
                    due=reply_to[1] if reply_to else None,
                    completed=issued,
                    updated=issued or t + timedelta(days=1),
                )
                if reply_to:
                    rows["documents_documentrelation"].append(
                        (
                            ids.take("documents_documentrelation"),
                            doc,
                            reply_to[0],
                            "reply_to",
                            "",
                            specialist.pk,
                            t,
                        )
                    )
                if state == "drafting":
                    continue
                s = t + timedelta(hours=3)
                move(proc, "submit", "drafting", "in_approval", specialist, s)
                if returned:
                    task(
                        proc,
                        1,
                        1,
                        False,
                        head,
                        "returned",
                        s,
                        acted=s + timedelta(hours=5),
                    )
                    move(
                        proc,
                        "return",
                        "in_approval",
                        "drafting",
                        head,
                        s + timedelta(hours=5),
                    )
                    item(
                        org,
                        head,
                        "approve",
                        urgency,
                        subject,
                        s + timedelta(days=2),
                        doc,
                        proc,
                        s,
                        done=s + timedelta(hours=5),
                    )
                    s = s + timedelta(days=1)
                    move(proc, "submit", "drafting", "in_approval", specialist, s)
                rnd = 2 if returned else 1
                waiting_head = state == "in_approval" and rng.random() < 0.5
                head_task = task(
                    proc,
                    rnd,
                    1,
                    False,
                    head,
                    "pending" if waiting_head else "approved",
                    s,
                    acted=None if waiting_head else s + timedelta(hours=6),
                )
                item(
                    org,
                    head,
                    "approve",
                    urgency,
                    subject,
                    s + timedelta(days=2),
                    doc,
                    proc,
                    s,
                    done=None if waiting_head else s + timedelta(hours=6),
                    task=head_task,
                )
                if waiting_head:
                    continue
                move(
                    proc,
                    "approve",
                    "in_approval",
                    "in_approval",
                    head,
                    s + timedelta(hours=6),
                )
                if state == "in_approval":
                    leader_task = task(
                        proc, rnd, 2, False, leader, "pending", s + timedelta(hours=6)
                    )
                    item(
                        org,
                        leader,
                        "approve",
                        urgency,
                        subject,
                        s + timedelta(days=3),
                        doc,
                        proc,
                        s + timedelta(hours=6),
                        task=leader_task,
                    )
                    continue
                sign_task = task(
                    proc,
                    rnd,
                    2,
                    True,
                    signer,
                    "pending" if state == "awaiting_signature" else "approved",
                    s + timedelta(hours=6),
                    acted=None
                    if state == "awaiting_signature"
                    else s + timedelta(hours=20),
                )
                move(
                    proc,
                    "approve",
                    "in_approval",
                    "awaiting_signature",
                    signer,
                    s + timedelta(hours=20),
                )
                item(
                    org,
                    signer,
                    "sign",
                    urgency,
                    subject,
                    s + timedelta(days=3),
                    doc,
                    proc,
                    s + timedelta(hours=6),
                    done=None
                    if state == "awaiting_signature"
                    else s + timedelta(hours=20),
                    task=sign_task,
                )
                if state == "awaiting_signature":
                    continue
                move(
                    proc,
                    "sign",
                    "awaiting_signature",
                    "signed",
                    signer,
                    s + timedelta(hours=20),
                )
                item(
                    org,
                    clerk,
                    "number_seal",
                    urgency,
                    subject,
                    s + timedelta(days=4),
                    doc,
                    proc,
                    s + timedelta(hours=20),
                    done=issued,
                )
                if state == "signed":
                    continue
                move(proc, "issue", "signed", "issued", clerk, issued)
                item(
                    org,
                    clerk,
                    "dispatch",
                    urgency,
                    subject,
                    issued + timedelta(days=1),
                    doc,
                    proc,
                    issued,
                    done=issued + timedelta(hours=1),
                )
                move(
                    proc,
                    "dispatch",
                    "issued",
                    "dispatched",
                    clerk,
                    issued + timedelta(hours=1),
                )
    print(
        f"generated in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{table} {len(r):,}" for table, r in rows.items())
    )

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for table, columns in tables.items():
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row(row)
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s")


# ---------------------------------------------------------------------------
# Measuring


def percentile(values, q):
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def measure(name, requests, rounds, explain=False):
    """Each request is (client, url, label); returns median and p95 in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client, url, _label in requests:  # warm-up, and the query count
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    query_counts = []
    sql_ms = []
    slowest = (0.0, "")
    for client, url, _label in requests:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_counts.append(len(queries))
        sql_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        for q in queries.captured_queries:
            if float(q["time"]) * 1000 > slowest[0]:
                slowest = (float(q["time"]) * 1000, q["sql"])
    timings, cpu = [], []
    for _ in range(rounds):
        for client, url, _label in requests:
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    median = statistics.median(timings)
    p95 = percentile(timings, 0.95)
    print(
        f"{name:<30} n={len(timings):<4} median {median:6.1f} ms  p95 {p95:6.1f} ms  "
        f"max {max(timings):6.1f} ms  Python CPU {statistics.median(cpu):5.1f} ms  "
        f"queries {min(query_counts)}-{max(query_counts)}  "
        f"SQL {statistics.median(sql_ms):5.1f} ms (slowest {slowest[0]:.1f} ms)"
    )
    if explain and slowest[1]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1])
            print("    " + "\n    ".join(row[0] for row in cursor.fetchall()))
    return median, p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    if args.reseed or not already_seeded():
        recreate_database()
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        seed(random.Random(20260301))
    else:
        setup_django()
        print(f"reusing the seeded database {database_name()}")

    from django.conf import settings
    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from directory.models import Organisation, Role, User
    from documents.models import Document
    from workflow.models import WorkItem

    assert not settings.DEBUG
    settings.ALLOWED_HOSTS = ["*"]
    agencies = list(
        Organisation.objects.filter(code__endswith=".H98").exclude(code="000.00.00.H98")
    )
    now = timezone.now()
    print(
        f"documents {Document.objects.filter(organisation__in=agencies).count():,}, "
        f"people {User.objects.filter(organisation__in=agencies).count():,}, "
        f"work items {WorkItem.objects.count():,} "
        f"({WorkItem.objects.filter(state='open').count():,} open, "
        f"{WorkItem.objects.filter(state='open', due_at__lt=now).count():,} late)"
    )

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    busiest = list(
        User.objects.filter(organisation__in=agencies)
        .annotate(open=Count("work_items", filter=Q(work_items__state="open")))
        .order_by("-open")[: args.people]
    )
    print(
        "home sample: open items per person " + ", ".join(str(u.open) for u in busiest)
    )
    results = {}
    results["home"] = measure(
        "home page (busiest queues)",
        [(client_for(u), reverse("home"), u.username) for u in busiest],
        args.rounds,
        args.explain,
    )
    leaders = list(
        User.objects.filter(
            organisation__in=agencies,
            roles__role=Role.LANH_DAO_CO_QUAN,
            username__startswith="lanhdao0",
        )
    )
    heads = list(
        User.objects.filter(
            organisation__in=agencies, roles__role=Role.LANH_DAO_DON_VI
        ).order_by("unit__short_name")[:8]
    )
    leader_clients = [(client_for(u), u.username) for u in leaders]
    results["dashboard"] = measure(
        "dashboard, agency leader",
        [(c, reverse("workflow:dashboard"), n) for c, n in leader_clients],
        args.rounds * 3,
        args.explain,
    )
    results["dashboard_unit"] = measure(
        "dashboard, unit head",
        [(client_for(u), reverse("workflow:dashboard"), u.username) for u in heads],
        args.rounds * 2,
        args.explain,
    )
    today = timezone.localdate()
    month = f"?kind=month&year={today.year}&month={today.month}"
    year = f"?kind=year&year={today.year}"
    results["report_month"] = measure(
        "report, month, agency leader",
        [(c, reverse("workflow:reports") + month, n) for c, n in leader_clients],
        args.rounds * 2,
        args.explain,
    )
    results["report_year"] = measure(
        "report, year, agency leader",
        [(c, reverse("workflow:reports") + year, n) for c, n in leader_clients],
        args.rounds,
        args.explain,
    )
    try:
        late_url = reverse("workflow:late")
    except Exception:  # noqa: BLE001 - the late queue is another helper's page
        late_url = None
    if late_url:
        results["late"] = measure(
            "late queue, busiest people",
            [(client_for(u), late_url, u.username) for u in busiest[:10]],
            args.rounds,
            args.explain,
        )
    print(
        "load average during the run (1, 5, 15 min): "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg())
        + f" on {os.cpu_count()} CPUs"
    )
    worst = max(p95 for _median, p95 in results.values())
    home_median, home_p95 = results["home"]
    dash_median, dash_p95 = results["dashboard"]
    print(
        f"HEADLINE 200k documents, {len(busiest)} busiest people: home p50 "
        f"{home_median:.0f} ms p95 {home_p95:.0f} ms; leader dashboard p50 "
        f"{dash_median:.0f} ms p95 {dash_p95:.0f} ms; report (month) p95 "
        f"{results['report_month'][1]:.0f} ms; worst p95 of all pages {worst:.0f} ms "
        "(aim < 150 ms)"
    )


if __name__ == "__main__":
    main()
