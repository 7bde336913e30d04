"""`manage.py validate_pdf PATH [--json]`: validate every signature of a PDF.

Prints a readable report (Vietnamese labels), or JSON with --json. Exit status:
0 when the file has at least one signature and every signature is intact,
trusted, not revoked and not invalidated by later changes; 1 otherwise —
including a PDF with no signature at all, which vouches for nothing; 2 when the
file cannot be read."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from signing.validation import VERDICT_UNREADABLE, render_text, validate_pdf


class Command(BaseCommand):
    help = "Validate the digital signatures of a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The PDF file to check.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, path, json: bool = False, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        report = validate_pdf(data)
        if json:
            self.stdout.write(_dumps(report.as_dict() | {"file": path}))
        else:
            self.stdout.write(render_text(report, name=path))
        if report.verdict == VERDICT_UNREADABLE:
            raise SystemExit(2)
        if not report.ok:
            raise SystemExit(1)


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)
