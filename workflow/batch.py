"""Ký số hàng loạt (batch signing): a leader selects many approved drafts and signs
them in one action. Each document is signed by its own Celery task
(workflow.tasks.sign_batch_item) through workflow.issuing.document_sign_as_leader,
so one failing document neither stops nor undoes the others; its item keeps the
reason in Vietnamese.

The passphrase/PIN reaches the workers without being stored in a usable form: a
random 256-bit key K is made per batch; the batch row keeps only AES-GCM(K,
passphrase) (`secret_sealed`), K travels only in the task messages, and the column
is wiped when the batch ends or expires (VANTHU_PENDING_SIGNATURE_SECONDS). A
worker unseals the passphrase, and the PKCS#12 key it opens stays cached in that
worker process (signing.signers), so the key is decrypted once per process.

Delivery: the tasks are published right after the batch commits. K exists only in
the web process at that moment, so a task message that cannot be published cannot
be re-sent later: its items are marked failed at once ("nothing was signed, try
again") rather than left waiting. Published messages are durable and acknowledged
late; a task that runs twice skips an item already signed or failed, and the
document's row lock in document_sign_as_leader prevents a double signature. The
beat task (batch_sweep) fails the items of batches that outlive the secret's
lifetime and wipes their secret."""

import base64
import functools
import logging
import os
from datetime import timedelta

from celery import current_app
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from directory.models import Role, User
from directory.selectors import delegation_active, roles_of
from documents.models import Document, DocumentFile, FileVersion
from documents.rendering import FIELD_LEADER
from documents.selectors import document_list_visible
from signing.models import Certificate
from signing.selectors import certificate_list_usable
from signing.services import signer_for
from signing.signers import SigningError

from .approval import signable_by
from .issuing import document_sign_as_leader
from .models import SigningBatch, SigningBatchItem

logger = logging.getLogger(__name__)

SIGN_TASK = "workflow.tasks.sign_batch_item"
# The most documents one batch takes: a larger selection is a mistake or abuse.
BATCH_MAX_DOCUMENTS = 500
FINAL_STATES = (SigningBatchItem.State.SIGNED, SigningBatchItem.State.FAILED)


# --- The sealed secret -----------------------------------------------------------


def _aad(batch_pk: int) -> bytes:
    # Binds the ciphertext to its batch: a sealed secret copied onto another batch
    # row does not open with that batch's key.
    return f"vanthu.signing-batch.{batch_pk}".encode()


def _seal(*, batch_pk: int, key: bytes, secret: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, secret.encode(), _aad(batch_pk))


def _unseal(*, batch: SigningBatch, key: str) -> str:
    sealed = bytes(batch.secret_sealed or b"")
    if not sealed:
        raise SigningError(
            _("The batch has ended or expired: select the document and sign again.")
        )
    try:
        raw = base64.urlsafe_b64decode(key.encode())
        plain = AESGCM(raw).decrypt(sealed[:12], sealed[12:], _aad(batch.pk))
    except (InvalidTag, ValueError, TypeError):
        raise SigningError(_("The batch's key is not valid.")) from None
    return plain.decode()


# --- Selectors -------------------------------------------------------------------


def batch_signable_drafts(*, user: User) -> QuerySet[Document]:
    """The drafts `user` may sign now as a leader (văn bản chờ ký): outgoing
    drafts of their organisation, visible to them, approved and waiting for the
    signature of `user` or of a leader `user` signs for under a delegation in
    force (workflow.approval.signable_by), whose main file's latest version is
    the rendered draft with the leader's empty signature field, and not already
    waiting in an unfinished batch. The signing service checks each one again."""
    if not user.is_authenticated or Role.LANH_DAO_CO_QUAN not in roles_of(user=user):
        return Document.objects.none()
    latest = (
        FileVersion.objects.filter(
            file__document=OuterRef("pk"), file__role=DocumentFile.Role.MAIN
        )
        .exclude(kind=FileVersion.Kind.DERIVED)
        .order_by("-number")
    )
    rendered = FileVersion.objects.filter(
        pk=OuterRef("latest_version_id"),
        kind=FileVersion.Kind.RENDERED,
        facts__fields__has_key=FIELD_LEADER,
    )
    waiting = SigningBatchItem.objects.filter(
        document=OuterRef("pk"),
        state__in=[SigningBatchItem.State.QUEUED, SigningBatchItem.State.SIGNING],
    )
    return (
        document_list_visible(user=user)
        .filter(
            organisation_id=user.organisation_id,
            direction=Document.Direction.OUTGOING,
            state=Document.State.DRAFT,
        )
        .filter(signable_by(user))
        .annotate(latest_version_id=Subquery(latest.values("pk")[:1]))
        .filter(Exists(rendered))
        .exclude(Exists(waiting))
        .order_by("-urgency", "pk")
    )


def batch_get_visible(*, user: User, pk: int) -> SigningBatch:
    """A batch its signer (or the leader it was signed for) may look at;
    SigningBatch.DoesNotExist otherwise."""
    if not user.is_authenticated:
        raise SigningBatch.DoesNotExist
    return SigningBatch.objects.filter(Q(actor=user) | Q(on_behalf_of=user)).get(pk=pk)


def batch_items(*, batch: SigningBatch) -> QuerySet[SigningBatchItem]:
    return batch.items.select_related("document").order_by("pk")


def batch_status(*, batch: SigningBatch) -> dict:
    """The progress of a batch as the progress page's JSON."""
    batch.refresh_from_db()
    return {
        "id": batch.pk,
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "total": batch.total,
        "signed": batch.signed_count,
        "failed": batch.failed_count,
        "finished": batch.finished_count,
        "items": [
            {
                "id": item.pk,
                "document": item.document_id,
                "state": item.state,
                "label": item.get_state_display(),
                "error": item.error,
            }
            for item in batch.items.order_by("pk")
        ],
    }


# --- Services --------------------------------------------------------------------


def _check_signer(
    *, actor: User, certificate: Certificate, on_behalf_of: User | None
) -> None:
    if Role.LANH_DAO_CO_QUAN not in roles_of(user=actor):
        raise PermissionDenied(_("Only an agency leader signs drafts in a batch."))
    usable = certificate_list_usable(user=actor).filter(pk=certificate.pk, person=actor)
    if not usable.exists():
        raise PermissionDenied(_("This is not a usable certificate of yours."))
    if on_behalf_of is not None and (
        on_behalf_of.organisation_id != actor.organisation_id
        or delegation_active(principal=on_behalf_of, delegate=actor) is None
    ):
        raise PermissionDenied(_("You have no authorisation to sign for this person."))


def batch_start(
    *,
    actor: User,
    documents,
    certificate: Certificate,
    secret: str | None,
    on_behalf_of: User | None = None,
) -> SigningBatch:
    """Start signing `documents` with `certificate`: one item and one task per
    document. The certificate must be the actor's usable one and `secret` must
    open it (checked here, before anything is created: a wrong passphrase raises
    WrongPassphrase and leaves no batch). Every document must be visible to the
    actor; whether each can still be signed is checked by its task."""
    wanted = list(dict.fromkeys(getattr(d, "pk", d) for d in documents))
    if not wanted:
        raise ValidationError(_("Select at least one document to sign."))
    if len(wanted) > BATCH_MAX_DOCUMENTS:
        raise ValidationError(
            _("A batch takes at most %(count)d documents.")
            % {"count": BATCH_MAX_DOCUMENTS}
        )
    _check_signer(actor=actor, certificate=certificate, on_behalf_of=on_behalf_of)
    visible = set(
        document_list_visible(user=actor)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    if len(visible) != len(wanted):
        raise PermissionDenied(
            _("Some of the selected documents are not yours to sign.")
        )
    # Opens the key (cached in this process afterwards): a wrong passphrase or PIN
    # stops here.
    signer_for(certificate=certificate, secret=secret)

    key = AESGCM.generate_key(bit_length=256)
    with transaction.atomic():
        batch = SigningBatch.objects.create(
            actor=actor,
            on_behalf_of=on_behalf_of,
            certificate=certificate,
            total=len(wanted),
        )
        batch.secret_sealed = _seal(batch_pk=batch.pk, key=key, secret=secret or "")
        batch.save(update_fields=["secret_sealed"])
        items = SigningBatchItem.objects.bulk_create(
            SigningBatchItem(batch=batch, document_id=pk) for pk in wanted
        )
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="signing_batch.start",
            obj=batch,
            details={
                "documents": wanted,
                "certificate": certificate.fingerprint,
            },
        )
        item_ids = [item.pk for item in items]
        encoded = base64.urlsafe_b64encode(key).decode()
        transaction.on_commit(functools.partial(_enqueue, batch.pk, item_ids, encoded))
    return batch


def _enqueue(batch_pk: int, item_ids: list[int], key: str) -> None:
    """Publish one task per item. Runs after the commit; an item whose message
    cannot be published is failed at once (its key is gone with this call)."""
    app = current_app
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            for item_id in item_ids:
                app.send_task(
                    SIGN_TASK,
                    args=[item_id, key],
                    # The key never appears in logs, events or monitoring tools.
                    argsrepr=f"({item_id}, '…')",
                    task_id=f"signing-batch-item-{item_id}",
                    producer=producer,
                )
                sent += 1
    except Exception:
        logger.exception(
            "signing batch %s: %d of %d task(s) could not be published",
            batch_pk,
            len(item_ids) - sent,
            len(item_ids),
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "The signing service is unavailable: this document was not signed. "
                "Please sign it again."
            )
        for item_id in item_ids[sent:]:
            _finish(item_id, state=SigningBatchItem.State.FAILED, error=message)


def _finish(
    item_id: int,
    *,
    state: str,
    error: str = "",
    version: FileVersion | None = None,
) -> bool:
    """Move an unfinished item to its final state and count it on its batch, in
    the caller's transaction or its own. False if it was final already."""
    with transaction.atomic():
        item = SigningBatchItem.objects.select_for_update().get(pk=item_id)
        if item.state in FINAL_STATES:
            return False
        now = timezone.now()
        item.state = state
        item.error = error
        item.version = version
        item.finished_at = now
        item.save(update_fields=["state", "error", "version", "finished_at"])
        counter = (
            "signed_count" if state == SigningBatchItem.State.SIGNED else "failed_count"
        )
        batch = SigningBatch.objects.filter(pk=item.batch_id)
        batch.update(**{counter: F(counter) + 1})
        # The last item ends the batch and wipes its sealed secret. PostgreSQL
        # re-checks the condition on the row the update above locked, so two
        # items finishing together cannot both miss it.
        batch.exclude(state=SigningBatch.State.DONE).filter(
            total__lte=F("signed_count") + F("failed_count")
        ).update(state=SigningBatch.State.DONE, finished_at=now, secret_sealed=b"")
        return True


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("The document could not be signed.")


def batch_item_sign(*, item_id: int, key: str) -> SigningBatchItem:
    """Sign one item of a batch (what the task does). Idempotent: an item already
    signed or failed is left alone. The signed version and the item's SIGNED
    state commit together, so a task interrupted before that commit signs again
    on redelivery and one interrupted after it finds the item signed."""
    with translation.override(settings.LANGUAGE_CODE):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # "Signing" only informs the progress page: should a crash lose
                # it, the item is still queued and its redelivered task signs
                # it. One disk flush per document saved.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            item = (
                SigningBatchItem.objects.select_for_update(of=("self",))
                .select_related(
                    "document",
                    "batch__certificate",
                    "batch__actor",
                    "batch__on_behalf_of",
                )
                .get(pk=item_id)
            )
            if item.state in FINAL_STATES:
                return item
            item.state = SigningBatchItem.State.SIGNING
            item.started_at = timezone.now()
            item.save(update_fields=["state", "started_at"])
            SigningBatch.objects.filter(
                pk=item.batch_id, state=SigningBatch.State.QUEUED
            ).update(state=SigningBatch.State.RUNNING)
        batch = item.batch
        try:
            secret = _unseal(batch=batch, key=key)
            with transaction.atomic():
                locked = SigningBatchItem.objects.select_for_update().get(pk=item_id)
                if locked.state in FINAL_STATES:
                    return locked
                version = document_sign_as_leader(
                    document=item.document,
                    certificate=batch.certificate,
                    secret=secret,
                    actor=batch.actor,
                    on_behalf_of=batch.on_behalf_of,
                )
                _finish(item_id, state=SigningBatchItem.State.SIGNED, version=version)
        except (SigningError, ValidationError, PermissionDenied) as exc:
            _finish(item_id, state=SigningBatchItem.State.FAILED, error=_message(exc))
        except Exception:
            logger.exception("signing batch item %s failed unexpectedly", item_id)
            _finish(
                item_id,
                state=SigningBatchItem.State.FAILED,
                error=_(
                    "An unexpected error stopped the signing of this document; "
                    "it was not signed. Please try again or tell the administrator."
                ),
            )
        item.refresh_from_db()
        return item


def batch_sweep(*, now=None) -> int:
    """Beat's clean-up: a batch older than VANTHU_PENDING_SIGNATURE_SECONDS that
    has not ended gets its sealed secret wiped and its unfinished items failed
    (their tasks could no longer open the key). Returns the items failed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.VANTHU_PENDING_SIGNATURE_SECONDS)
    failed = 0
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The batch expired before this document was signed: select it and sign "
            "again."
        )
        for batch_pk in (
            SigningBatch.objects.filter(created_at__lt=cutoff)
            .exclude(state=SigningBatch.State.DONE)
            .values_list("pk", flat=True)
        ):
            SigningBatch.objects.filter(pk=batch_pk).update(secret_sealed=b"")
            for item_id in (
                SigningBatchItem.objects.filter(batch_id=batch_pk)
                .exclude(state__in=FINAL_STATES)
                .values_list("pk", flat=True)
            ):
                failed += _finish(
                    item_id, state=SigningBatchItem.State.FAILED, error=message
                )
        # A batch that ended keeps no secret either (belt and braces).
        SigningBatch.objects.filter(
            state=SigningBatch.State.DONE, finished_at__lt=cutoff
        ).exclude(secret_sealed=b"").update(secret_sealed=b"")
    return failed
