"""Celery tasks of search: the indexing worker's side of the outbox consumers.

Each task reads the document afresh from the database (the source of truth), so
tasks are idempotent and their order does not matter: the last one run leaves the
index as the database is. Tantivy allows one writer; a task that finds the writer
lock held (another task, `manage.py reindex`) retries later, so nothing is lost."""

import logging

from celery import shared_task

from search.backends.base import IndexLocked
from search.ocr import OcrError

logger = logging.getLogger(__name__)


@shared_task(
    name="search.tasks.index_document",
    autoretry_for=(IndexLocked,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
    acks_late=True,
)
def index_document(document_id: int) -> bool:
    """Write or remove one document in the index, from the database."""
    from search.services import index_document as index

    return index(document_id=int(document_id))


@shared_task(
    name="search.tasks.remove_document",
    autoretry_for=(IndexLocked,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
    acks_late=True,
)
def remove_document(document_id: int) -> None:
    from search.services import remove_document as remove

    remove(document_id=int(document_id))


@shared_task(
    name="search.tasks.reconcile", autoretry_for=(IndexLocked,), retry_backoff=5
)
def reconcile() -> dict:
    """Beat's daily check that the index holds exactly the searchable documents."""
    from search.services import reconcile as run

    counts = run()
    if any(counts.values()):
        logger.warning("search: reconciled the index with the database: %s", counts)
    return counts


@shared_task(
    name="search.tasks.ocr_document",
    autoretry_for=(OcrError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
    acks_late=True,
    # Below RabbitMQ's 30 min consumer_timeout, which would redeliver a task still
    # running; the soft limit interrupts the OCR before anything is stored.
    soft_time_limit=25 * 60,
    time_limit=26 * 60,
)
def ocr_document(document_id: int) -> list[int]:
    """OCR the scanned PDF versions of one document into derived copies (search.ocr).
    A failed page stores nothing and the task is retried three times, then logged
    by Celery; a version already OCR'd is skipped. About 3 s a dense page here:
    the page cap (VANTHU_OCR_MAX_PAGES, 200) keeps a document within the limit."""
    from search.ocr import ocr_document as run

    return run(document_id=int(document_id))
