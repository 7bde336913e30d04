"""Approval circuits configured per document type and organisation
(workflow.approval circuit_* services and the Quy trình duyệt pages): who may
configure them, the checks with their messages, one circuit in use per type and
one default, editing and retiring."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import AuditEntry
from directory.models import Organisation, Role
from documents.models import DocumentType
from workflow import approval
from workflow.approval import StepSpec
from workflow.models import ApprovalCircuit, ApprovalStep

pytestmark = pytest.mark.usefixtures("demo")

STC = "000.00.02.H99"
Kind = ApprovalStep.Kind


def stc() -> Organisation:
    return Organisation.objects.get(code=STC)


def quyet_dinh() -> DocumentType:
    return DocumentType.objects.get(code="quyet_dinh")


def create(person, steps, *, actor="quantri.stc", name="Quyết định", type_=True):
    return approval.circuit_create(
        organisation=stc(),
        name=name,
        document_type=quyet_dinh() if type_ else None,
        steps=steps,
        actor=person(actor),
    )


def messages_of(error) -> str:
    return " ".join(error.messages)


def test_the_administrator_and_a_leader_configure_others_may_not(person):
    made = create(
        person,
        [
            StepSpec(group=1, kind=Kind.UNIT_HEAD, label="Lãnh đạo phòng"),
            StepSpec(
                group=2,
                kind=Kind.PERSON,
                person=person("vanthu.stc"),
                label="Kiểm tra thể thức",
            ),
            StepSpec(group=2, kind=Kind.ROLE, role=Role.LANH_DAO_DON_VI),
        ],
    )
    assert made.is_active and made.organisation == stc()
    assert [(s.group, s.kind, s.label) for s in made.steps.all()] == [
        (1, Kind.UNIT_HEAD, "Lãnh đạo phòng"),
        (2, Kind.PERSON, "Kiểm tra thể thức"),
        (2, Kind.ROLE, ""),
    ]
    entry = AuditEntry.objects.get(action="workflow.circuit_create")
    assert entry.details["steps"][1]["person"] == person("vanthu.stc").pk
    # The agency leader may configure his own organisation's circuits too.
    create(person, [], actor="lanhdao.stc", name="Mặc định", type_=False)
    for username in ("chuyenvien.stc", "truongphong.stc", "vanthu.stc", "quantri.snv"):
        with pytest.raises(PermissionDenied):
            create(person, [], actor=username, name="Khác", type_=False)
    assert ApprovalCircuit.objects.count() == 2


def test_bad_steps_are_refused_with_clear_messages(person):
    cases = [
        (
            [StepSpec(group=1, kind=Kind.PERSON, person=person("chuyenvien.snv"))],
            "không phải là cán bộ của Sở Tài chính",
        ),
        ([StepSpec(group=1, kind=Kind.PERSON)], "hãy chọn người duyệt cụ thể"),
        ([StepSpec(group=1, kind="", label="Kiểm tra")], "hãy chọn người duyệt"),
        ([StepSpec(group=1, kind=Kind.ROLE, role="")], "hãy chọn vai trò duyệt"),
        ([StepSpec(group=0, kind=Kind.UNIT_HEAD)], "thứ tự là một số"),
    ]
    for steps, message in cases:
        with pytest.raises(ValidationError) as refused:
            create(person, steps)
        assert message in messages_of(refused.value), steps
    with pytest.raises(ValidationError) as refused:
        create(person, [], name="   ")
    assert "Hãy đặt tên" in messages_of(refused.value)
    # Several bad steps: every one is named.
    with pytest.raises(ValidationError) as refused:
        create(
            person,
            [StepSpec(group=1, kind=Kind.PERSON), StepSpec(group=2, kind="")],
        )
    assert "Bước 1" in messages_of(refused.value)
    assert "Bước 2" in messages_of(refused.value)
    assert not ApprovalCircuit.objects.exists()
    assert not ApprovalStep.objects.exists()


def test_one_circuit_in_use_per_type_and_one_default(person):
    first = create(person, [StepSpec(group=1, kind=Kind.UNIT_HEAD)])
    with pytest.raises(ValidationError) as refused:
        create(person, [], name="Quyết định (mới)")
    assert "Quyết định" in messages_of(refused.value)
    assert "ngừng áp dụng" in messages_of(refused.value)
    create(person, [], name="Mặc định", type_=False)
    with pytest.raises(ValidationError) as refused:
        create(person, [], name="Mặc định 2", type_=False)
    assert "quy trình mặc định" in messages_of(refused.value)
    # Retired, it makes room for a new one; a retired circuit is not retired twice.
    approval.circuit_retire(circuit=first, actor=person("quantri.stc"))
    second = create(person, [], name="Quyết định (mới)")
    assert approval.circuit_for(stc(), quyet_dinh()) == second
    with pytest.raises(ValidationError):
        approval.circuit_retire(circuit=first, actor=person("quantri.stc"))
    # Another organisation's circuits are its own.
    approval.circuit_create(
        organisation=Organisation.objects.get(code="000.00.03.H99"),
        name="Quyết định",
        document_type=quyet_dinh(),
        steps=[],
        actor=person("quantri.snv"),
    )


def test_editing_replaces_the_steps_and_keeps_the_checks(person):
    made = create(person, [StepSpec(group=1, kind=Kind.UNIT_HEAD)])
    approval.circuit_create(
        organisation=stc(),
        name="Công văn",
        document_type=DocumentType.objects.get(code="cong_van"),
        steps=[],
        actor=person("quantri.stc"),
    )
    approval.circuit_update(
        circuit=made,
        name="Quyết định — hai bước",
        document_type=quyet_dinh(),
        steps=[
            StepSpec(group=1, kind=Kind.UNIT_HEAD),
            StepSpec(group=2, kind=Kind.PERSON, person=person("vanthu.stc")),
        ],
        actor=person("lanhdao.stc"),
    )
    made.refresh_from_db()
    assert made.name == "Quyết định — hai bước"
    assert made.steps.count() == 2
    # Moving it onto a type that has its own circuit is refused.
    with pytest.raises(ValidationError):
        approval.circuit_update(
            circuit=made,
            name=made.name,
            document_type=DocumentType.objects.get(code="cong_van"),
            steps=[],
            actor=person("lanhdao.stc"),
        )
    with pytest.raises(PermissionDenied):
        approval.circuit_update(
            circuit=made,
            name="x",
            document_type=None,
            steps=[],
            actor=person("chuyenvien.stc"),
        )
    assert made.steps.count() == 2


# ---------------------------------------------------------------------------
# Pages


def test_the_page_lists_and_creates_circuits(person, client_for):
    client = client_for("quantri.stc")
    page = client.get(reverse("workflow:circuits")).content.decode()
    assert "Quy trình duyệt" in page and "Chưa có quy trình" in page
    form = client.get(reverse("workflow:circuit_new")).content.decode()
    assert "Thêm quy trình duyệt" in form and "Kiểm tra thể thức" in form
    response = client.post(
        reverse("workflow:circuit_new"),
        {
            "organisation": stc().pk,
            "name": "Quyết định của Sở",
            "document_type": quyet_dinh().pk,
            "step-0-group": "1",
            "step-0-kind": Kind.UNIT_HEAD,
            "step-0-person": "",
            "step-0-role": "",
            "step-0-label": "Lãnh đạo phòng",
            "step-1-group": "2",
            "step-1-kind": Kind.PERSON,
            "step-1-person": str(person("vanthu.stc").pk),
            "step-1-role": "",
            "step-1-label": "Kiểm tra thể thức",
            "step-2-group": "",
            "step-2-kind": "",
            "step-2-person": "",
            "step-2-role": "",
            "step-2-label": "",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Đã lưu quy trình “Quyết định của Sở”." in page
    assert "Kiểm tra thể thức" in page and person("vanthu.stc").full_name in page
    circuit = ApprovalCircuit.objects.get(name="Quyết định của Sở")
    assert circuit.steps.count() == 2

    # Edit: the form shows the steps; a bad person comes back with the message.
    edit = reverse("workflow:circuit_edit", args=[circuit.pk])
    assert "Lãnh đạo phòng" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "name": "Quyết định của Sở",
            "document_type": quyet_dinh().pk,
            "step-0-group": "1",
            "step-0-kind": Kind.PERSON,
            "step-0-person": str(person("chuyenvien.snv").pk),
            "step-0-role": "",
            "step-0-label": "",
        },
    )
    assert response.status_code == 400
    assert "không phải là cán bộ của" in response.content.decode()
    assert circuit.steps.count() == 2

    response = client.post(
        reverse("workflow:circuit_retire", args=[circuit.pk]), follow=True
    )
    assert "đã ngừng áp dụng" in response.content.decode()
    circuit.refresh_from_db()
    assert not circuit.is_active


def test_a_duplicate_from_the_page_is_refused(client_for):
    client = client_for("lanhdao.stc")
    data = {"organisation": stc().pk, "name": "Mặc định", "document_type": ""}
    client.post(reverse("workflow:circuit_new"), data)
    response = client.post(reverse("workflow:circuit_new"), data)
    assert response.status_code == 400
    assert "đã có quy trình mặc định" in response.content.decode()
    assert ApprovalCircuit.objects.count() == 1


def test_people_who_may_not_configure_get_403_or_404(person, client_for):
    made = create(person, [])
    client = client_for("chuyenvien.stc")
    assert client.get(reverse("workflow:circuits")).status_code == 403
    assert client.get(reverse("workflow:circuit_new")).status_code == 403
    other = client_for("quantri.snv")
    assert other.get(reverse("workflow:circuits")).status_code == 200
    edit = reverse("workflow:circuit_edit", args=[made.pk])
    assert other.get(edit).status_code == 404
    retire = reverse("workflow:circuit_retire", args=[made.pk])
    assert other.post(retire).status_code == 404
    new = reverse("workflow:circuit_new") + f"?organisation={stc().pk}"
    assert other.get(new).status_code == 404
    made.refresh_from_db()
    assert made.is_active
