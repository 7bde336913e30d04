"""Organisation administration (quản trị) through the web pages: what an
administrator may do, the Vietnamese refusal of bad input that changes nothing, and
the 403/404 for everyone and everything outside their organisations."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directory.models import Delegation, Organisation, Role, RoleAssignment, Unit, User

STC = "000.00.02.H99"
SNV = "000.00.03.H99"
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        RoleAssignment.objects.count(),
        Unit.objects.count(),
        Delegation.objects.count(),
        AuditEntry.objects.count(),
    )


def person_data(**overrides) -> dict:
    data = {
        "username": "nguyen.thi.hoa",
        "full_name": "Nguyễn Thị Hoa",
        "unit": Unit.objects.get(organisation__code=STC, short_name="NS").pk,
        "position": "",
        "email": "hoa@stc.lachong.gov.vn",
        "phone": "0912 345 678",
        "roles": [Role.CHUYEN_VIEN, Role.VAN_THU],
        "password": "Hoa-mat-khau-2026",
        "password_confirm": "Hoa-mat-khau-2026",
    }
    data.update(overrides)
    return data


def delegation_data(principal, delegate, *, starts=None, ends=None) -> dict:
    starts = starts or timezone.localtime()
    ends = ends or starts + timedelta(days=3)
    return {
        "principal": principal.pk,
        "delegate": delegate.pk,
        "starts_at": starts.strftime(LOCAL_INPUT),
        "ends_at": ends.strftime(LOCAL_INPUT),
        "reason": "Nghỉ phép",
    }


def test_an_administrator_sees_only_the_organisations_they_manage(client_for):
    page = client_for("quantri.stc").get(reverse("directory:organisations"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sở Tài chính tỉnh Lạc Hồng (demo)" in text
    assert "Sở Nội vụ" not in text

    text = client_for("quantri.tinh").get(reverse("directory:organisations"))
    text = text.content.decode()
    for name in ["Ủy ban nhân dân tỉnh Lạc Hồng", "Sở Tài chính", "Sở Nội vụ"]:
        assert name in text


def test_the_organisation_page_lists_units_people_and_delegations(client_for):
    response = client_for("quantri.stc").get(
        reverse("directory:organisation", args=[org(STC).pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Phòng Quản lý ngân sách" in page
    assert "chuyenvien.stc" in page
    assert "Lãnh đạo cơ quan" in page
    assert "đang hiệu lực" in page  # the demo delegation
    assert "vanthu.snv" not in page


def test_an_administrator_creates_a_person_with_roles(client_for, person):
    response = client_for("quantri.stc").post(
        reverse("directory:person_add", args=[org(STC).pk]), person_data()
    )
    assert response.status_code == 302
    created = User.objects.get(username="nguyen.thi.hoa")
    assert created.organisation == org(STC)
    assert created.unit.short_name == "NS"
    assert created.check_password("Hoa-mat-khau-2026")
    assert set(created.roles.values_list("role", flat=True)) == {
        Role.CHUYEN_VIEN,
        Role.VAN_THU,
    }
    assert AuditEntry.objects.filter(
        action="person.create",
        object_id=str(created.pk),
        actor=person("quantri.stc"),
    ).exists()


@pytest.mark.parametrize(
    ("username", "overrides", "message"),
    [
        (
            "quantri.stc",
            {"username": "vanthu.stc"},
            "Tên đăng nhập “vanthu.stc” đã được sử dụng.",
        ),
        (
            "quantri.stc",
            {"unit": "snv"},
            "Hãy chọn một lựa chọn hợp lệ.",
        ),
        (
            "quantri.tinh",
            {"unit": "snv"},
            "Đơn vị “Văn phòng Sở” thuộc Sở Nội vụ tỉnh Lạc Hồng (demo), "
            "không thuộc Sở Tài chính tỉnh Lạc Hồng (demo).",
        ),
        (
            "quantri.stc",
            {"password_confirm": "khac-han-2026"},
            "Hai mật khẩu không khớp nhau.",
        ),
        ("quantri.stc", {"full_name": ""}, "Trường này là bắt buộc."),
    ],
)
def test_bad_person_input_is_refused_in_vietnamese_and_changes_nothing(
    client_for, username, overrides, message
):
    if overrides.get("unit") == "snv":
        overrides["unit"] = Unit.objects.get(organisation__code=SNV, short_name="VP").pk
    before = counts()
    response = client_for(username).post(
        reverse("directory:person_add", args=[org(STC).pk]), person_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Chưa lưu được" in response.content.decode()
    assert counts() == before


def test_the_unit_list_offers_only_the_organisations_units(client_for):
    page = client_for("quantri.tinh").get(
        reverse("directory:person_add", args=[org(STC).pk])
    )
    text = page.content.decode()
    assert "Phòng Quản lý ngân sách" in text
    assert "Phòng Tổ chức biên chế" not in text


def test_an_administrator_creates_a_unit_and_a_duplicate_is_refused(client_for):
    client = client_for("quantri.stc")
    url = reverse("directory:unit_add", args=[org(STC).pk])
    response = client.post(url, {"name": "Phòng Thanh tra", "short_name": "TTr"})
    assert response.status_code == 302
    assert Unit.objects.filter(organisation=org(STC), short_name="TTr").exists()

    before = counts()
    response = client.post(url, {"name": "Phòng Tin học", "short_name": "TTr"})
    assert response.status_code == 400
    assert "Chữ viết tắt TTr đã được dùng trong Sở Tài chính" in (
        response.content.decode()
    )
    assert counts() == before


def test_an_administrator_edits_a_person_and_their_roles(client_for, person):
    specialist = person("chuyenvien.stc")
    response = client_for("quantri.stc").post(
        reverse("directory:person_edit", args=[specialist.pk]),
        {
            "full_name": specialist.full_name,
            "unit": Unit.objects.get(organisation__code=STC, short_name="TCDN").pk,
            "position": specialist.position_id,
            "email": "",
            "phone": "0243 000 111",
            "roles": [Role.LANH_DAO_DON_VI],
            "is_active": "",
        },
    )
    assert response.status_code == 302
    specialist.refresh_from_db()
    assert specialist.unit.short_name == "TCDN"
    assert specialist.phone == "0243 000 111"
    assert not specialist.is_active
    assert list(specialist.roles.values_list("role", flat=True)) == [
        Role.LANH_DAO_DON_VI
    ]


def test_an_administrator_cannot_disable_themself_and_nothing_changes(
    client_for, person
):
    admin = person("quantri.stc")
    before = counts()
    response = client_for("quantri.stc").post(
        reverse("directory:person_edit", args=[admin.pk]),
        {
            "full_name": "Tên mới",
            "unit": admin.unit_id,
            "position": admin.position_id,
            "roles": [Role.QUAN_TRI, Role.VAN_THU],
            "is_active": "",
        },
    )
    assert response.status_code == 400
    assert "Bạn không thể tự khóa tài khoản của chính mình." in (
        response.content.decode()
    )
    admin.refresh_from_db()
    assert admin.full_name != "Tên mới" and admin.is_active
    assert counts() == before


def test_the_province_administrator_manages_the_departments_people(client_for, person):
    clerk = person("vanthu.stc")
    client = client_for("quantri.tinh")
    assert (
        client.get(reverse("directory:organisation", args=[org(STC).pk])).status_code
        == 200
    )
    response = client.post(
        reverse("directory:person_edit", args=[clerk.pk]),
        {
            "full_name": clerk.full_name,
            "unit": clerk.unit_id,
            "position": clerk.position_id,
            "roles": [Role.VAN_THU, Role.LUU_TRU_VIEN],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert set(clerk.roles.values_list("role", flat=True)) == {
        Role.VAN_THU,
        Role.LUU_TRU_VIEN,
    }
    response = client.post(
        reverse("directory:person_add", args=[org(STC).pk]), person_data()
    )
    assert response.status_code == 302


def test_another_organisations_objects_are_not_found(client_for, person):
    client = client_for("quantri.stc")
    snv = org(SNV)
    for url in [
        reverse("directory:person_edit", args=[person("vanthu.snv").pk]),
        reverse("directory:organisation", args=[snv.pk]),
        reverse("directory:unit_add", args=[snv.pk]),
        reverse("directory:person_add", args=[snv.pk]),
        reverse("directory:delegation_add", args=[snv.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    before = counts()
    response = client.post(
        reverse("directory:person_add", args=[snv.pk]), person_data()
    )
    assert response.status_code == 404
    assert counts() == before


@pytest.mark.parametrize(
    "username", ["chuyenvien.stc", "vanthu.stc", "lanhdao.stc", "luutru.stc"]
)
def test_people_who_administer_nothing_are_refused(client_for, username):
    client = client_for(username)
    response = client.get(reverse("directory:organisations"))
    assert response.status_code == 403
    assert "Mục này dành cho quản trị của cơ quan." in response.content.decode()
    stc = org(STC)
    for url in [
        reverse("directory:organisation", args=[stc.pk]),
        reverse("directory:person_add", args=[stc.pk]),
    ]:
        assert client.get(url).status_code == 403
    before = counts()
    assert (
        client.post(
            reverse("directory:person_add", args=[stc.pk]), person_data()
        ).status_code
        == 403
    )
    assert counts() == before


def test_the_administration_needs_signing_in(demo, client):
    response = client.get(reverse("directory:organisations"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_administrator_records_and_revokes_a_delegation(client_for, person):
    client = client_for("quantri.stc")
    principal, delegate = person("truongphong.stc"), person("chuyenvien.stc")
    response = client.post(
        reverse("directory:delegation_add", args=[org(STC).pk]),
        delegation_data(principal, delegate),
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get(principal=principal, delegate=delegate)
    assert delegation.reason == "Nghỉ phép"
    assert delegation.created_by == person("quantri.stc")

    response = client.post(reverse("directory:delegation_end", args=[delegation.pk]))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "Không thể ủy quyền cho chính mình."),
        ("backwards", "Thời điểm kết thúc phải sau thời điểm bắt đầu."),
        ("past", "Thời điểm kết thúc ủy quyền đã qua."),
        ("other organisation", "Người được ủy quyền phải cùng cơ quan."),
    ],
)
def test_bad_delegations_are_refused_in_vietnamese_and_change_nothing(
    client_for, person, case, message
):
    principal = person("lanhdao.stc")
    delegate = person("chuyenvien.stc")
    now = timezone.localtime()
    data = {
        "self": delegation_data(principal, principal),
        "backwards": delegation_data(
            principal, delegate, starts=now + timedelta(days=2), ends=now
        ),
        "past": delegation_data(
            principal,
            delegate,
            starts=now - timedelta(days=5),
            ends=now - timedelta(days=1),
        ),
        "other organisation": delegation_data(principal, person("vanthu.snv")),
    }[case]
    before = counts()
    # The province administrator may see both organisations' people, so the
    # refusal of a delegate of another organisation comes from the service.
    response = client_for("quantri.tinh").post(
        reverse("directory:delegation_add", args=[org(STC).pk]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_delegate_cannot_revoke_the_delegation_they_received(client_for, person):
    delegation = Delegation.objects.get(
        principal=person("lanhdao.stc"), delegate=person("pholanhdao.stc")
    )
    response = client_for("pholanhdao.stc").post(
        reverse("directory:delegation_end", args=[delegation.pk])
    )
    assert response.status_code == 403
    delegation.refresh_from_db()
    assert delegation.revoked_at is None
    # The principal themself may.
    response = client_for("lanhdao.stc").post(
        reverse("directory:delegation_end", args=[delegation.pk])
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
