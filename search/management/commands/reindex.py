"""`manage.py reindex`: rebuild the search index from the database without
downtime (built aside, then switched), with a progress bar."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends import get_backend
from search.backends.base import SearchBackendError
from search.services import iter_index_documents, searchable_count


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from the database: the new index is "
        "built aside while searches use the old one, then switched in one step."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args, no_progress: bool, **options) -> None:
        backend = get_backend()
        total = searchable_count()
        started = time.monotonic()
        bar = tqdm(
            total=total,
            unit="doc",
            desc="reindex",
            disable=no_progress,
            file=self.stderr._out,
        )
        try:
            n = backend.rebuild(iter_index_documents(), progress=bar.update)
        except SearchBackendError as exc:
            raise CommandError(
                f"reindex failed, the old index stays in service: {exc}"
            ) from exc
        finally:
            bar.close()
        seconds = time.monotonic() - started
        rate = n / seconds if seconds else 0
        self.stdout.write(
            f"indexed {n} document(s) in {seconds:.1f} s ({rate:.0f} documents/s) "
            f"into {backend.name}"
        )
