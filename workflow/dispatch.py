"""After the seal: phát hành (dispatch), thu hồi (recall), thay thế (replacement)
and sửa đổi, bổ sung (amendment) of an issued outgoing document (NĐ 30/2020
Đ16–19, Phụ lục VI).

When the văn thư numbers and seals a document (workflow.issuing.
document_number_and_seal) the process moves "signed" → "issued" and
`dispatch_prepare` builds the dispatch list (Dispatch rows) from the document's
recipients: the kính gửi lines (DocumentRecipient) and the nơi nhận lines of the
latest draft version. Each line is matched against the organisation directory,
accent- and case-insensitively (search.text.fold, "UBND" read as "Ủy ban nhân
dân"):

- a unit of the own organisation → channel internal: its people (cleared for the
  document's secrecy) get view permission and a notification at once, the row is
  delivered;
- another agency of the directory → channel exchange (liên thông);
- "Lưu: VT, …" (the archive copies) and "Như trên", "Như Điều 2" (the kính gửi
  lines again) → no row;
- anything else → channel post (paper).

The văn thư then checks the list on the dispatch page (edits names, channels,
the agency of each exchange row, adds or removes rows) and confirms "Phát hành"
(`document_dispatch`): post rows are sent, exchange rows handed to the exchange
queue, the process moves to "dispatched". A secret document never goes to the
exchange axis: it goes by post.

Outbox events of this module (payloads are JSON):

- ``workflow.dispatch_requested`` ``{"document_id": int, "dispatch_ids": [int]}``:
  the văn thư confirmed the dispatch; the listed Dispatch rows are channel
  exchange, state handed_off, with `organisation` and `organ_id` set. The
  exchange (issue #7) packages the document's sealed version for each and sets
  each row delivered or failed. Emitted once per dispatch, only when there are
  exchange rows.
- ``workflow.recalled`` ``{"document_id": int, "reason": str, "dispatch_ids":
  [int]}``: the document was recalled; `dispatch_ids` are its exchange rows that
  had been handed off or delivered (the exchange sends them a recall, edXML
  BussinessDocType 1). Always emitted on a recall.
- ``workflow.replaced`` ``{"document_id": int, "replaced_by": int}``: an issued
  document was replaced by the newly issued `replaced_by`.
- ``documents.permissions_changed`` ``{"document_id": int}``: internal recipients
  were given, or lost, view permission (search re-indexes the ACL).

Who was given view permission by an internal dispatch is kept in the details of
the process's "issue" transition, and of its "dispatch" transition for internal
rows the văn thư added to the list (`internal_grants`: {dispatch id: [person
ids]}), so that a recall takes it back from exactly those people (the models
have no other place for it)."""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from core.audit import audit_record
from core.outbox import outbox_publish
from directory.models import Organisation, Role, Unit, User
from directory.selectors import organisation_directory, roles_of
from documents.models import Document, DocumentRelation
from documents.permissions import REGISTRARS, VIEW_DOCUMENT_CODENAME
from documents.selectors import document_list_visible
from search.text import fold

from . import engine
from .calendar import deadline_for
from .models import Dispatch, Queue, Transition
from .notifications import notify

# ---------------------------------------------------------------------------
# Reading the recipient lines


_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tp": "thanh pho",
    "tw": "trung uong",
}
_NOTE = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_AS_ABOVE = re.compile(r"^nhu (tren|dieu|khoan|muc|diem|kinh gui|noi nhan)\b")
_ARCHIVE = re.compile(r"^luu\b")


def recipient_text(line: str) -> str:
    """A recipient line as shown: NFC, without the list dash and the final ; or ."""
    text = unicodedata.normalize("NFC", line or "").strip()
    return text.lstrip("-–•+ ").rstrip(";.,: ").strip()


def recipient_key(name: str) -> str:
    """The matching key of a recipient or agency name: folded, notes in
    parentheses ("(để b/c)", "(demo)") dropped, abbreviations written out."""
    folded = _NOTE.sub(" ", fold(recipient_text(name)))
    words = _NON_WORD.sub(" ", folded).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _short_keys(key: str) -> list[str]:
    """Also "so tai chinh" for "so tai chinh tinh lac hong": a department is
    often named without its province."""
    for level in (" tinh ", " thanh pho "):
        head, sep, _tail = key.partition(level)
        if sep and len(head.split()) >= 2 and head != "uy ban nhan dan":
            return [head]
    return []


@dataclass(frozen=True)
class _Directory:
    agencies: dict[str, Organisation]
    units: dict[str, Unit]


def _directory_for(organisation: Organisation) -> _Directory:
    """The keys of the directory's agencies (other than `organisation`) and of
    `organisation`'s active units; a key two agencies share matches neither."""
    agencies: dict[str, Organisation | None] = {}
    short: dict[str, Organisation | None] = {}
    for agency in organisation_directory().exclude(pk=organisation.pk):
        key = recipient_key(agency.name)
        agencies[key] = None if key in agencies else agency
        for short_key in _short_keys(key):
            short[short_key] = None if short_key in short else agency
    for key, agency in short.items():
        agencies.setdefault(key, agency)
    units: dict[str, Unit] = {}
    for unit in Unit.objects.filter(organisation=organisation, is_active=True):
        for key in (
            recipient_key(unit.name),
            recipient_key(unit.short_name),
            recipient_key(f"Phòng {unit.short_name}"),
        ):
            units.setdefault(key, unit)
    return _Directory(
        agencies={k: v for k, v in agencies.items() if v is not None}, units=units
    )


@dataclass
class RecipientMatch:
    """What a recipient line is: `channel` None when it is not dispatched (the
    archive copies, "Như trên")."""

    name: str
    channel: str | None
    organisation: Organisation | None = None
    unit: Unit | None = None


def recipient_match(line: str, directory: _Directory) -> RecipientMatch:
    name = recipient_text(line)
    key = recipient_key(line)
    if not key or _ARCHIVE.match(key) or _AS_ABOVE.match(key):
        return RecipientMatch(name=name, channel=None)
    if key in directory.units:
        return RecipientMatch(
            name=name, channel=Dispatch.Channel.INTERNAL, unit=directory.units[key]
        )
    if key in directory.agencies:
        return RecipientMatch(
            name=name,
            channel=Dispatch.Channel.EXCHANGE,
            organisation=directory.agencies[key],
        )
    return RecipientMatch(name=name, channel=Dispatch.Channel.POST)


def _recipient_lines(document: Document):
    """(line, organisation, unit) of the kính gửi rows, then the nơi nhận lines
    and the internal units of the latest draft version."""
    for row in document.recipients.select_related("organisation", "unit"):
        yield row.organ_name, row.organisation, row.unit
    latest = document.draft_versions.order_by("-number").first()
    content = latest.content if latest else {}
    for line in content.get("copies_to") or ():
        yield line, None, None
    units = Unit.objects.filter(
        pk__in=[pk for pk in content.get("recipient_units") or () if pk],
        organisation=document.organisation,
    )
    for unit in units:
        yield unit.name, None, unit


def recipient_matches(document: Document) -> list[RecipientMatch]:
    """The dispatch list the recipients of `document` make, each recipient
    once."""
    directory = _directory_for(document.organisation)
    matches, seen = [], set()
    for line, organisation, unit in _recipient_lines(document):
        if unit is not None and unit.organisation_id == document.organisation_id:
            match = RecipientMatch(
                recipient_text(line) or unit.name,
                Dispatch.Channel.INTERNAL,
                unit=unit,
            )
        elif organisation is not None and organisation != document.organisation:
            match = RecipientMatch(
                recipient_text(line) or organisation.name,
                Dispatch.Channel.EXCHANGE,
                organisation=organisation,
            )
        else:
            match = recipient_match(line, directory)
        if match.channel is None:
            continue
        if match.channel == Dispatch.Channel.INTERNAL:
            identity = (match.channel, match.unit.pk)
        elif match.channel == Dispatch.Channel.EXCHANGE:
            identity = (match.channel, match.organisation.pk)
        else:
            identity = (match.channel, recipient_key(line))
        if identity in seen:
            continue
        seen.add(identity)
        matches.append(match)
    return matches


# ---------------------------------------------------------------------------
# Selectors


def dispatch_list(*, document: Document) -> QuerySet[Dispatch]:
    """The document's dispatch list (the caller has checked the user may see the
    document)."""
    return Dispatch.objects.filter(document=document).select_related(
        "organisation", "unit"
    )


def exchange_choices() -> QuerySet[Organisation]:
    """The agencies an exchange row may be addressed to."""
    return organisation_directory().order_by("name")


def is_clerk_of(user: User, document: Document) -> bool:
    return user.organisation_id == document.organisation_id and bool(
        set(REGISTRARS) & roles_of(user=user)
    )


def is_leader_or_clerk_of(
    user: User, document: Document, *, acting_for: User | None = None
) -> bool:
    """Whether the person (or the principal they act for) may recall the
    document or start its replacement: a leader or the văn thư of its
    organisation."""
    person = acting_for or user
    return person.organisation_id == document.organisation_id and bool(
        {Role.LANH_DAO_CO_QUAN, Role.VAN_THU} & roles_of(user=person)
    )


def relations_of(*, document: Document, user: User) -> dict[str, list]:
    """The document's replacement and amendment links both ways, limited to the
    documents `user` may see: {"replaces", "replaced_by", "amends",
    "amended_by"} → [(document, reason)]."""
    visible = document_list_visible(user=user)
    kinds = (DocumentRelation.Kind.REPLACES, DocumentRelation.Kind.AMENDS)
    outgoing = DocumentRelation.objects.filter(
        source=document, kind__in=kinds, target__in=visible
    ).select_related("target")
    incoming = DocumentRelation.objects.filter(
        target=document, kind__in=kinds, source__in=visible
    ).select_related("source")
    links: dict[str, list] = {
        "replaces": [],
        "replaced_by": [],
        "amends": [],
        "amended_by": [],
    }
    for link in outgoing:
        links[link.kind].append((link.target, link.reason))
    for link in incoming:
        name = (
            "replaced_by"
            if link.kind == DocumentRelation.Kind.REPLACES
            else ("amended_by")
        )
        links[name].append((link.source, link.reason))
    return links


# ---------------------------------------------------------------------------
# Internal delivery


def _title(document: Document) -> str:
    number = document.number_notation
    return f"{number} — {document.subject}" if number else document.subject


def _permissions_changed(document: Document) -> None:
    outbox_publish(
        topic="documents.permissions_changed", payload={"document_id": document.pk}
    )


def _deliver_internal(dispatch: Dispatch, document: Document) -> list[int]:
    """Give the unit's people (cleared for the document) view permission and a
    notification. Returns the ids of the people given permission by this
    delivery (those who had it in their own name already are left out, so a
    recall does not take it from them)."""
    people = list(
        User.objects.filter(
            unit=dispatch.unit, is_active=True, clearance__gte=document.secrecy
        )
    )
    had = set(
        get_users_with_perms(
            document,
            only_with_perms_in=[VIEW_DOCUMENT_CODENAME],
            with_group_users=False,
        ).values_list("pk", flat=True)
    )
    granted = []
    for person in people:
        if person.pk not in had:
            assign_perm(VIEW_DOCUMENT_CODENAME, person, document)
            granted.append(person.pk)
        notify(
            recipient=person,
            kind="dispatch",
            title=_("New issued document: %(title)s") % {"title": _title(document)},
            body=_("Sent to %(unit)s.") % {"unit": dispatch.unit.name},
            url=engine.document_url(document),
            document=document,
            key=f"dispatch:{dispatch.pk}:{person.pk}",
        )
    return granted


def _internal_grants(process) -> dict[str, list[int]]:
    """Who internal dispatch gave view permission: at the seal (the "issue"
    transition) and at "Phát hành" for internal rows the văn thư added."""
    grants: dict[str, list[int]] = {}
    moves = Transition.objects.filter(process=process, action__in=("issue", "dispatch"))
    for move in moves:
        grants.update((move.details or {}).get("internal_grants", {}))
    return grants


# ---------------------------------------------------------------------------
# Services


def dispatch_prepare(*, document: Document, actor: User) -> dict[str, list[int]]:
    """Build the dispatch list of a document just issued (called by
    document_number_and_seal in its transaction), deliver it to the internal
    recipients at once and open the DISPATCH item of the sealing văn thư.
    Returns {dispatch id: [person ids given view permission]}."""
    if Dispatch.objects.filter(document=document).exists():
        raise ValidationError(_("This document has a dispatch list already."))
    grants: dict[str, list[int]] = {}
    now = timezone.now()
    for match in recipient_matches(document):
        cleared = match.unit is None or match.unit.clearance >= document.secrecy
        dispatch = Dispatch.objects.create(
            document=document,
            channel=match.channel,
            organisation=match.organisation,
            unit=match.unit,
            organ_id=match.organisation.code if match.organisation else "",
            name=match.name[:200],
            created_by=actor,
            created_at=now,
        )
        if match.channel == Dispatch.Channel.INTERNAL and cleared:
            grants[str(dispatch.pk)] = _deliver_internal(dispatch, document)
            dispatch.state = Dispatch.State.DELIVERED
            dispatch.sent_at = now
            dispatch.save(update_fields=["state", "sent_at"])
    if any(grants.values()):
        _permissions_changed(document)
    process = engine.process_for(document)
    engine.work_item_open(
        process=process,
        assignee=actor,
        queue=Queue.DISPATCH,
        due_at=deadline_for(
            start=now,
            urgency=document.urgency,
            days=1,
            organisation_id=document.organisation_id,
        ),
    )
    return grants


def _require_clerk(document: Document, actor: User) -> None:
    if not is_clerk_of(actor, document):
        raise PermissionDenied(
            _("Only a records clerk of the document's organisation may do this.")
        )


def _require_editable(document: Document) -> None:
    process = engine.process_for(document)
    if document.state != Document.State.ISSUED or process.state != "issued":
        raise ValidationError(
            _("The dispatch list can only be changed before the document is sent.")
        )


def _exchange_agency(document: Document, organisation) -> Organisation | None:
    if organisation in (None, ""):
        return None
    if not isinstance(organisation, Organisation):
        organisation = (
            organisation_directory().filter(pk=organisation).first()
            if str(organisation).isdigit()
            else None
        )
        if organisation is None:
            raise ValidationError(_("Unknown agency."))
    if organisation.pk == document.organisation_id:
        raise ValidationError(
            _("The own agency is not an exchange recipient: send it inside.")
        )
    return organisation


def _internal_unit(document: Document, unit) -> Unit | None:
    if unit in (None, ""):
        return None
    if not isinstance(unit, Unit):
        unit = (
            Unit.objects.filter(
                pk=unit, organisation_id=document.organisation_id, is_active=True
            ).first()
            if str(unit).isdigit()
            else None
        )
    if unit is None or unit.organisation_id != document.organisation_id:
        raise ValidationError(_("Unknown unit."))
    return unit


@dataclass
class DispatchChange:
    """One row of the dispatch form: `pk` None for a new row."""

    pk: int | None
    name: str
    channel: str
    organisation: object = None
    remove: bool = False
    unit: object = None


@transaction.atomic
def dispatch_update(
    *, document: Document, changes: list[DispatchChange], actor: User
) -> list[Dispatch]:
    """The văn thư corrects the dispatch list before sending: the name, channel
    (exchange, post, or a unit inside the agency) and agency or unit of each row
    not yet sent, new rows, rows removed. Rows delivered at the seal stay as
    they are; an internal row added or changed here is delivered at
    "Phát hành"."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_clerk(document, actor)
    _require_editable(document)
    rows = {d.pk: d for d in dispatch_list(document=document)}
    changed = []
    for change in changes:
        row = rows.get(change.pk) if change.pk is not None else None
        if change.pk is not None and row is None:
            raise ValidationError(_("This recipient is not on the dispatch list."))
        if row is not None and row.state != Dispatch.State.PENDING:
            raise ValidationError(_("“%(name)s” is sent already.") % {"name": row.name})
        if change.remove:
            if row is not None:
                row.delete()
            continue
        unit = (
            _internal_unit(document, change.unit)
            if change.channel == Dispatch.Channel.INTERNAL
            else None
        )
        name = recipient_text(change.name) or (unit.name if unit else "")
        if not name:
            if row is None:
                continue  # an empty new row of the form
            raise ValidationError(_("Every recipient needs a name."))
        if len(name) > 200:
            raise ValidationError(
                _("A recipient's name is longer than 200 characters.")
            )
        if change.channel not in Dispatch.Channel.values:
            raise ValidationError(
                _("Choose exchange or post for “%(name)s”.") % {"name": name}
            )
        if change.channel == Dispatch.Channel.INTERNAL and unit is None:
            raise ValidationError(
                _("Choose the unit of “%(name)s” inside the agency.") % {"name": name}
            )
        agency = (
            _exchange_agency(document, change.organisation)
            if change.channel == Dispatch.Channel.EXCHANGE
            else None
        )
        if row is None:
            row = Dispatch(document=document, created_by=actor)
        row.name = name
        row.channel = change.channel
        row.organisation = agency
        row.organ_id = agency.code if agency else ""
        row.unit = unit
        row.save()
        changed.append(row)
    audit_record(
        actor=actor,
        action="document.dispatch_list",
        obj=document,
        details={
            "rows": [
                {"id": d.pk, "channel": d.channel, "organ_id": d.organ_id}
                for d in dispatch_list(document=document)
            ]
        },
    )
    return changed


@transaction.atomic
def document_dispatch(
    *,
    document: Document,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> list[Dispatch]:
    """Phát hành: the văn thư confirms the dispatch list. Post rows are sent
    (sent_at), exchange rows handed off to the exchange queue with one outbox
    event `workflow.dispatch_requested`, the process moves to "dispatched" and
    the DISPATCH item is closed.

    Refused (nothing changes): not a văn thư of the organisation, a document
    dispatched already, an exchange row without its agency, a secret document
    to the exchange, an internal unit not cleared for the secrecy level."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_clerk(document, on_behalf_of or actor)
    process = engine.process_for(document)
    if process.state == "dispatched":
        raise ValidationError(_("This document has been dispatched already."))
    if document.state != Document.State.ISSUED:
        raise ValidationError(_("Only an issued document can be dispatched."))
    rows = list(dispatch_list(document=document).select_for_update(of=("self",)))
    pending = [d for d in rows if d.state == Dispatch.State.PENDING]
    exchange = [d for d in pending if d.channel == Dispatch.Channel.EXCHANGE]
    post = [d for d in pending if d.channel == Dispatch.Channel.POST]
    for row in exchange:
        if row.organisation_id is None:
            raise ValidationError(
                _(
                    "Choose the agency of “%(name)s” in the directory, or send "
                    "it by post."
                )
                % {"name": row.name}
            )
    if exchange and document.secrecy > 0:
        raise ValidationError(
            _(
                "A secret document never goes through the electronic exchange: "
                "send it to “%(name)s” by post."
            )
            % {"name": exchange[0].name}
        )
    internal = [d for d in pending if d.channel == Dispatch.Channel.INTERNAL]
    for row in internal:
        if row.unit is None or row.unit.clearance < document.secrecy:
            raise ValidationError(
                _(
                    "The unit “%(name)s” is not authorised for documents of this "
                    "secrecy level: remove it from the list."
                )
                % {"name": row.name}
            )
    now = timezone.now()
    grants = {}
    for row in internal:
        grants[str(row.pk)] = _deliver_internal(row, document)
    if any(grants.values()):
        _permissions_changed(document)
    for row in post + internal:
        row.state = Dispatch.State.DELIVERED
        row.sent_at = now
        row.save(update_fields=["state", "sent_at"])
    for row in exchange:
        row.state = Dispatch.State.HANDED_OFF
        row.save(update_fields=["state"])
    engine.transition(
        process=process,
        action="dispatch",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        details={
            "exchange": [d.pk for d in exchange],
            "post": [d.pk for d in post],
            "internal_grants": grants,
        },
        at=now,
    )
    if exchange:
        outbox_publish(
            topic="workflow.dispatch_requested",
            payload={
                "document_id": document.pk,
                "dispatch_ids": [d.pk for d in exchange],
            },
        )
    engine.work_items_close(process=process, by=actor, queue=Queue.DISPATCH, at=now)
    return post + exchange + internal


def _internal_readers(document: Document, unit_ids) -> QuerySet[User]:
    """The people of the units a document was delivered to, cleared for it."""
    return User.objects.filter(
        unit__in=list(unit_ids), is_active=True, clearance__gte=document.secrecy
    )


def _delivered_units(document: Document) -> set[int]:
    return set(
        Dispatch.objects.filter(
            document=document,
            channel=Dispatch.Channel.INTERNAL,
            state=Dispatch.State.DELIVERED,
            unit__isnull=False,
        ).values_list("unit", flat=True)
    )


def _revoke_internal(
    document: Document, process, *, units: set[int], reason: str, title: str
) -> None:
    """Take back the view permission internal dispatch gave, and tell the
    people of the units it was delivered to (NĐ 30 Đ18.4: the recipient
    deletes a recalled document)."""
    grants = _internal_grants(process)
    granted = {int(pk) for ids in grants.values() for pk in ids}
    people = User.objects.filter(
        Q(pk__in=granted) | Q(pk__in=_internal_readers(document, units).values("pk"))
    ).filter(is_active=True)
    for person in people:
        if person.pk in granted:
            remove_perm(VIEW_DOCUMENT_CODENAME, person, document)
        notify(
            recipient=person,
            kind="recall",
            title=title,
            body=reason,
            url="" if person.pk in granted else engine.document_url(document),
            document=document,
            key=f"recall:{document.pk}:{person.pk}",
        )
    if granted:
        _permissions_changed(document)


@transaction.atomic
def document_recall(
    *,
    document: Document,
    reason: str,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Document:
    """Thu hồi: a leader or the văn thư recalls an issued (or dispatched)
    document, with the reason. The document is RECALLED and frozen, its dispatch
    rows recalled, the exchange told (`workflow.recalled`), the internal
    recipients notified and their view permission taken back."""
    reason = unicodedata.normalize("NFC", reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the recall."))
    if len(reason) > 500:
        raise ValidationError(_("The reason is longer than 500 characters."))
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.state != Document.State.ISSUED:
        raise ValidationError(_("Only an issued document can be recalled."))
    process = engine.process_for(document)
    rows = list(dispatch_list(document=document).select_for_update(of=("self",)))
    delivered_units = _delivered_units(document)
    exchange_ids = [
        d.pk
        for d in rows
        if d.channel == Dispatch.Channel.EXCHANGE
        and d.state in (Dispatch.State.HANDED_OFF, Dispatch.State.DELIVERED)
    ]
    now = timezone.now()
    engine.transition(
        process=process,
        action="recall",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=reason,
        details={"dispatch_ids": [d.pk for d in rows]},
        at=now,
    )
    document.state = Document.State.RECALLED
    document.updated_at = now
    document.save(update_fields=["state", "updated_at"])
    Dispatch.objects.filter(pk__in=[d.pk for d in rows]).update(
        state=Dispatch.State.RECALLED
    )
    engine.work_items_close(process=process, by=actor, cancelled=True, at=now)
    _revoke_internal(
        document,
        process,
        units=delivered_units,
        reason=reason,
        title=_("Recalled: %(title)s") % {"title": _title(document)},
    )
    audit_record(
        actor=actor,
        on_behalf_of=on_behalf_of,
        action="document.recall",
        obj=document,
        details={"reason": reason, "dispatches": [d.pk for d in rows]},
    )
    outbox_publish(
        topic="workflow.recalled",
        payload={
            "document_id": document.pk,
            "reason": reason,
            "dispatch_ids": exchange_ids,
        },
    )
    return document


def replacements_on_issue(*, document: Document, actor: User) -> list[Document]:
    """Called by document_number_and_seal in its transaction: the issued
    documents that `document` replaces become REPLACED (process transition
    "replace") and their internal recipients are told. A target recalled or
    replaced in the meantime keeps its state (the link stays). An amendment
    changes nothing: the pages show the link both ways."""
    replaced = []
    links = DocumentRelation.objects.filter(
        source=document, kind=DocumentRelation.Kind.REPLACES
    ).select_related("target")
    for link in links:
        target = Document.objects.select_for_update().get(pk=link.target_id)
        if target.state != Document.State.ISSUED:
            continue
        process = engine.process_for(target)
        if process.state not in ("issued", "dispatched"):
            continue
        engine.transition(
            process=process,
            action="replace",
            actor=actor,
            note=link.reason,
            details={"replaced_by": document.pk},
        )
        target.state = Document.State.REPLACED
        target.updated_at = timezone.now()
        target.save(update_fields=["state", "updated_at"])
        engine.work_items_close(process=process, by=actor, cancelled=True)
        title = _("Replaced: %(old)s by %(new)s") % {
            "old": _title(target),
            "new": document.number_notation,
        }
        for person in _internal_readers(target, _delivered_units(target)):
            notify(
                recipient=person,
                kind="replaced",
                title=title,
                body=link.reason,
                url=engine.document_url(target),
                document=target,
                key=f"replaced:{target.pk}:{person.pk}",
            )
        audit_record(
            actor=actor,
            action="document.replaced",
            obj=target,
            details={"replaced_by": document.pk, "reason": link.reason},
        )
        outbox_publish(
            topic="workflow.replaced",
            payload={"document_id": target.pk, "replaced_by": document.pk},
        )
        replaced.append(target)
    return replaced
