"""Celery tasks of the workflow. Thin: the work is in workflow.batch and
workflow.deadlines."""

from celery import shared_task

from . import deadlines
from .batch import batch_item_sign, batch_sweep


@shared_task(name="workflow.tasks.sign_batch_item")
def sign_batch_item(item_id: int, key: str) -> None:
    """Sign one document of a signing batch (ký số hàng loạt). `key` opens the
    batch's sealed passphrase; it is never logged (argsrepr hides it)."""
    batch_item_sign(item_id=item_id, key=key)


@shared_task(name="workflow.tasks.signing_batch_sweep")
def signing_batch_sweep() -> int:
    """Beat: end batches that outlived their secret and wipe it."""
    return batch_sweep()


@shared_task(name="workflow.tasks.deadline_scan")
def deadline_scan() -> dict:
    """Beat (every VANTHU_DEADLINE_SCAN_SECONDS): remind, mark late, escalate."""
    return deadlines.deadline_scan()
