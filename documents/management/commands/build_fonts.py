"""`manage.py build_fonts`: make the Latin + Vietnamese subsets of the document
serif (documents.fonts) ahead of the first rendering."""

from django.core.management.base import BaseCommand, CommandError

from documents import fonts


class Command(BaseCommand):
    help = (
        "Build the Vanthu Serif subsets (Liberation Serif 2, Latin and Vietnamese, "
        "1000 units per em) used to render documents; prints their folder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Rebuild even if they exist."
        )

    def handle(self, *args, force: bool, **options) -> None:
        try:
            folder = fonts.build_fonts(force=force)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(folder))
