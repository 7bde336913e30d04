"""`manage.py import_documents DIR`: register a folder of PDFs with JSON metadata
as incoming documents (documents.importing; format in docs/import-format.md)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from documents.importing import ImportRefused, import_clerk, import_folder


class Command(BaseCommand):
    help = (
        "Register a folder of PDFs, each with a JSON metadata file beside it, as "
        "incoming documents of an organisation, on behalf of one of its records "
        "clerks. Resumable: run it again to go on. Exit status 1 when any file "
        "failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="the folder to import")
        parser.add_argument(
            "--organisation",
            metavar="CODE",
            help="identifier (mã định danh) of the receiving organisation; "
            "default: the clerk's",
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="login of the records clerk (văn thư) the documents are "
            "registered for; default: the organisation's only one",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every document, number nothing, store nothing",
        )
        parser.add_argument(
            "--limit",
            type=int,
            metavar="N",
            help="stop after N documents (the next run goes on from there)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar"
        )

    def handle(self, *args, folder, organisation, username, dry_run, limit, **options):
        if limit is not None and limit < 1:
            raise CommandError(_("--limit must be at least 1."))
        try:
            org, clerk = import_clerk(organisation_code=organisation, username=username)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc

        # tqdm writes carriage returns; it needs the stream itself, not Django's
        # line-ending wrapper.
        stream = getattr(self.stderr, "_out", sys.stderr)

        def progress(total: int):
            return tqdm(
                total=total,
                file=stream,
                unit=_("doc"),
                desc=_("Importing"),
                mininterval=0.5,
                disable=options["no_progress"],
            )

        try:
            report = import_folder(
                folder=folder,
                organisation=org,
                clerk=clerk,
                dry_run=dry_run,
                limit=limit,
                progress=progress,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc

        write = self.stdout.write
        if dry_run:
            write(_("Dry run: nothing was stored."))
        write(
            _(
                "%(org)s, on behalf of %(clerk)s: %(imported)d imported, "
                "%(skipped)d skipped as already imported, %(failed)d failed."
            )
            % {
                "org": org.name,
                "clerk": clerk.username,
                "imported": len(report.imported),
                "skipped": len(report.skipped),
                "failed": len(report.failed),
            }
        )
        if report.imported and not dry_run:
            first, last = (
                report.imported[0].arrival_number,
                report.imported[-1].arrival_number,
            )
            write(
                _("Arrival numbers %(first)s to %(last)s.")
                % {"first": first, "last": last}
            )
        for title, results in (
            (_("Skipped:"), report.skipped),
            (_("Failed:"), report.failed),
        ):
            if results:
                write(title)
                for result in results:
                    write(f"  {result.name}: {result.reason}")
        if report.not_started:
            write(
                _("%(n)d documents not started (--limit): run again to go on.")
                % {"n": report.not_started}
            )
        if report.failed:
            raise CommandError(
                _("%(n)d files failed; fix them and run again.")
                % {"n": len(report.failed)},
                returncode=1,
            )
