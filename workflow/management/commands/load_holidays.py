"""`manage.py load_holidays`: add Vietnam's national public holidays
(workflow.holidays_vn) to the holiday calendar. Idempotent: run by `make run`'s
setup and by `seed_demo`; it adds the missing days and changes nothing else."""

from django.core.management.base import BaseCommand

from workflow.holidays_vn import national_holidays_load


class Command(BaseCommand):
    help = "Add Vietnam's national public holidays to the calendar (idempotent)."

    def handle(self, *args, **options):
        added = national_holidays_load()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"National holidays: {added} day(s) added.")
            )
