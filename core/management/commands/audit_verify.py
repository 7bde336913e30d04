"""`manage.py audit_verify`: check the whole audit chain; exit 1 when it is broken."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain: every entry's hash, the links between entries, "
        "their numbering 1..N and the chain head. Exits 1 at the first broken entry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="Entries fetched from the database at a time (default 2000).",
        )

    def handle(self, *args, chunk_size: int, **options) -> None:
        result = audit_verify(chunk_size=chunk_size)
        if not result.ok:
            # CommandError: printed on stderr, exit status 1.
            raise CommandError(
                f"audit chain BROKEN at entry #{result.seq}: {result.problem}: "
                f"{result.message} ({result.entries} entries verified before it)"
            )
        self.stdout.write(f"audit chain OK: {result.entries} entries")
