"""Outbox consumers of search: every event that changes what a document says or who
may see it re-indexes that document, through the indexing worker (search.tasks).

Consumers run once per event (core.events records them); the task they send
reads the database afresh, so a redelivered or reordered event does no harm. The
task is sent inside the consumer's transaction: if the broker refuses it the
consumer fails and the event is delivered again; if the transaction fails after
the send, re-indexing from the database is harmless.

Topics that change a document's text, metadata, state or permissions are listed in
REINDEX_TOPICS; a service that adds such a change publishes one of them (or a new
topic added here) in its transaction."""

from core.events import consumer
from core.models import OutboxEvent

REINDEX_TOPICS = (
    "documents.incoming_registered",
    "documents.draft_created",
    "documents.draft_revised",
    "documents.numbered",
    "documents.archived",
    "documents.renewed",
    "documents.permissions_changed",
    "documents.secrecy_changed",
    "documents.updated",
    "documents.recalled",
    "documents.deleted",
    "documents.ocr_done",
    "workflow.leader_signed",
    "workflow.issued",
    # Every move of a process changes the document's state (and who handles it).
    "workflow.transition",
)


def reindex(event: OutboxEvent) -> None:
    """Send the document of the event to the indexing worker."""
    from search.tasks import index_document

    document_id = (event.payload or {}).get("document_id")
    if document_id is None:
        return
    index_document.delay(int(document_id))


for _topic in REINDEX_TOPICS:
    consumer(_topic)(reindex)


# Events that may bring a new PDF version (a registered scan, an uploaded draft).
OCR_TOPICS = (
    "documents.incoming_registered",
    "documents.draft_created",
    "documents.draft_revised",
)


def ocr_scans(event: OutboxEvent) -> None:
    """Send a document with scanned PDF versions (no text layer, no derived copy
    yet) to the OCR worker; its derived copy then comes back as documents.ocr_done."""
    from search.ocr import versions_needing_ocr
    from search.tasks import ocr_document

    document_id = (event.payload or {}).get("document_id")
    if document_id is None or not versions_needing_ocr(int(document_id)):
        return
    ocr_document.delay(int(document_id))


for _topic in OCR_TOPICS:
    consumer(_topic)(ocr_scans)
