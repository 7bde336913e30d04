"""The demo province (tỉnh Lạc Hồng) for `make run` and the tests: one People's
Committee, its office, three departments with units, two communes, and people in
every role. Everything made here is marked as demo (Organisation.is_demo; names say
"(demo)" where people read them). Idempotent: running it again adds what is missing
and changes nothing else."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Organisation, Position, Role, Unit, User
from .services import (
    delegation_create,
    organisation_create,
    person_create,
    position_create,
    role_assign,
    unit_create,
)

PROVINCE_CODE = "000.00.00.H99"

# (code, name, short name, kind, place, parent code or None, units)
ORGANISATIONS = [
    (
        PROVINCE_CODE,
        "Ủy ban nhân dân tỉnh Lạc Hồng (demo)",
        "UBND",
        Organisation.Kind.PEOPLES_COMMITTEE,
        "Lạc Hồng",
        None,
        [
            ("Phòng Kinh tế", "KT"),
            ("Phòng Văn hóa - Xã hội", "VX"),
            ("Phòng Tổng hợp", "TH"),
        ],
    ),
    (
        "000.00.01.H99",
        "Văn phòng Ủy ban nhân dân tỉnh Lạc Hồng (demo)",
        "VPUBND",
        Organisation.Kind.OFFICE,
        "Lạc Hồng",
        PROVINCE_CODE,
        [
            ("Phòng Hành chính - Tổ chức", "HCTC"),
            ("Trung tâm Phục vụ hành chính công", "TTPVHCC"),
            ("Phòng Kinh tế - Tổng hợp", "KTTH"),
        ],
    ),
    (
        "000.00.02.H99",
        "Sở Tài chính tỉnh Lạc Hồng (demo)",
        "STC",
        Organisation.Kind.DEPARTMENT,
        "Lạc Hồng",
        PROVINCE_CODE,
        [
            ("Văn phòng Sở", "VP"),
            ("Phòng Quản lý ngân sách", "NS"),
            ("Phòng Tài chính doanh nghiệp", "TCDN"),
        ],
    ),
    (
        "000.00.03.H99",
        "Sở Nội vụ tỉnh Lạc Hồng (demo)",
        "SNV",
        Organisation.Kind.DEPARTMENT,
        "Lạc Hồng",
        PROVINCE_CODE,
        [
            ("Văn phòng Sở", "VP"),
            ("Phòng Tổ chức biên chế", "TCBC"),
            ("Phòng Cải cách hành chính", "CCHC"),
        ],
    ),
    (
        "000.00.04.H99",
        "Sở Xây dựng tỉnh Lạc Hồng (demo)",
        "SXD",
        Organisation.Kind.DEPARTMENT,
        "Lạc Hồng",
        PROVINCE_CODE,
        [
            ("Văn phòng Sở", "VP"),
            ("Phòng Quản lý xây dựng", "QLXD"),
            ("Phòng Quy hoạch - Kiến trúc", "QHKT"),
        ],
    ),
    (
        "000.00.21.H99",
        "Ủy ban nhân dân xã An Phú (demo)",
        "UBND",
        Organisation.Kind.COMMUNE,
        "An Phú",
        PROVINCE_CODE,
        [
            ("Văn phòng HĐND và UBND", "VP"),
            ("Phòng Kinh tế", "KT"),
            ("Phòng Văn hóa - Xã hội", "VHXH"),
        ],
    ),
    (
        "000.00.22.H99",
        "Ủy ban nhân dân phường Hòa Bình (demo)",
        "UBND",
        Organisation.Kind.COMMUNE,
        "Hòa Bình",
        PROVINCE_CODE,
        [
            ("Văn phòng HĐND và UBND", "VP"),
            ("Phòng Kinh tế - Hạ tầng - Đô thị", "KTHTDT"),
            ("Phòng Văn hóa - Xã hội", "VHXH"),
        ],
    ),
]

# Login prefix of each organisation's people.
SLUGS = {
    PROVINCE_CODE: "tinh",
    "000.00.01.H99": "vpubnd",
    "000.00.02.H99": "stc",
    "000.00.03.H99": "snv",
    "000.00.04.H99": "sxd",
    "000.00.21.H99": "anphu",
    "000.00.22.H99": "hoabinh",
}

POSITIONS = [
    ("Chủ tịch", True, 1),
    ("Phó Chủ tịch", True, 2),
    ("Chánh Văn phòng", True, 3),
    ("Giám đốc", True, 3),
    ("Phó Giám đốc", True, 4),
    ("Trưởng phòng", True, 5),
    ("Phó Trưởng phòng", True, 6),
    ("Chuyên viên", False, 10),
    ("Văn thư", False, 11),
    ("Lưu trữ viên", False, 12),
    ("Quản trị hệ thống", False, 13),
]

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Đức", "Ngọc", "Quốc", "Thu", "Hữu", "Hoài"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hương",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
    "Đạt",
    "Ánh",
    "Uyên",
]


@dataclass(frozen=True)
class DemoPerson:
    login: str  # "<login>.<slug>"
    role_label: str
    roles: tuple[str, ...]
    position: str
    unit_index: int | None  # index into the organisation's units
    clearance: int = 0  # secrecy clearance (0 none .. 3 tuyệt mật)


LEADERS = {
    Organisation.Kind.PEOPLES_COMMITTEE: ("Chủ tịch", "Phó Chủ tịch"),
    Organisation.Kind.COMMUNE: ("Chủ tịch", "Phó Chủ tịch"),
    Organisation.Kind.OFFICE: ("Chánh Văn phòng", "Trưởng phòng"),
    Organisation.Kind.DEPARTMENT: ("Giám đốc", "Phó Giám đốc"),
}


def _people_for(kind: str) -> list[DemoPerson]:
    top, deputy = LEADERS[kind]
    return [
        DemoPerson(
            "lanhdao", "lãnh đạo cơ quan", (Role.LANH_DAO_CO_QUAN,), top, None, 3
        ),
        DemoPerson(
            "pholanhdao", "lãnh đạo cơ quan", (Role.LANH_DAO_CO_QUAN,), deputy, None, 2
        ),
        DemoPerson(
            "truongphong", "lãnh đạo đơn vị", (Role.LANH_DAO_DON_VI,), "Trưởng phòng", 1
        ),
        DemoPerson("chuyenvien", "chuyên viên", (Role.CHUYEN_VIEN,), "Chuyên viên", 1),
        DemoPerson("chuyenvien2", "chuyên viên", (Role.CHUYEN_VIEN,), "Chuyên viên", 2),
        DemoPerson("vanthu", "văn thư", (Role.VAN_THU,), "Văn thư", 0, 3),
        DemoPerson("luutru", "lưu trữ viên", (Role.LUU_TRU_VIEN,), "Lưu trữ viên", 0),
        DemoPerson("quantri", "quản trị", (Role.QUAN_TRI,), "Quản trị hệ thống", 0),
    ]


def _name(i: int) -> str:
    family = FAMILY[i % len(FAMILY)]
    middle = MIDDLE[(i * 7) % len(MIDDLE)]
    given = GIVEN[(i * 5) % len(GIVEN)]
    return f"{family} {middle} {given}"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    organisation: str
    role_label: str


@transaction.atomic
def seed_demo_directory(*, password: str) -> list[DemoLogin]:
    """Create (or complete) the demo province and return every demo login."""
    positions = {p.name: p for p in Position.objects.all()}
    for name, is_leader, rank in POSITIONS:
        if name not in positions:
            positions[name] = position_create(
                name=name, is_leader=is_leader, rank=rank, actor=None
            )

    logins: list[DemoLogin] = []
    person_index = 0
    for code, name, short, kind, place, parent_code, units in ORGANISATIONS:
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            parent = Organisation.objects.get(code=parent_code) if parent_code else None
            org = organisation_create(
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                place_name=place,
                parent=parent,
                is_demo=True,
                actor=None,
            )
        unit_objs = []
        for unit_name, unit_short in units:
            unit = Unit.objects.filter(organisation=org, short_name=unit_short).first()
            unit_objs.append(
                unit
                or unit_create(
                    organisation=org,
                    name=unit_name,
                    short_name=unit_short,
                    # The office (first unit) keeps secret documents.
                    clearance=2 if not unit_objs else 0,
                    actor=None,
                )
            )
        for spec in _people_for(kind):
            person_index += 1
            username = f"{spec.login}.{SLUGS[code]}"
            person = User.objects.filter(username=username).first()
            if person is None:
                person = person_create(
                    username=username,
                    full_name=_name(person_index),
                    organisation=org,
                    unit=unit_objs[spec.unit_index]
                    if spec.unit_index is not None
                    else None,
                    position=positions[spec.position],
                    email=f"{username}@demo.vanthu.invalid",
                    password=password,
                    roles=spec.roles,
                    clearance=spec.clearance,
                    actor=None,
                )
            else:
                for role in spec.roles:
                    role_assign(person=person, role=role, actor=None)
            logins.append(
                DemoLogin(username, person.full_name, org.name, spec.role_label)
            )

    _seed_demo_delegation()
    return logins


def _seed_demo_delegation() -> None:
    """The Sở Tài chính director is away: the deputy acts for them for a month."""
    principal = User.objects.get(username="lanhdao.stc")
    delegate = User.objects.get(username="pholanhdao.stc")
    now = timezone.now()
    if not principal.delegations_given.filter(
        delegate=delegate, revoked_at__isnull=True, ends_at__gt=now
    ).exists():
        delegation_create(
            principal=principal,
            delegate=delegate,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=30),
            reason="Đi công tác (demo)",
            actor=None,
        )
