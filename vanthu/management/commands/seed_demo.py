"""`manage.py seed_demo`: the demo province with people in every role.

Idempotent. The demo password is made at random once per installation and kept in
var/demo_password (or taken from VANTHU_DEMO_PASSWORD); it is never in code. Refused
unless the settings allow demo data (VANTHU_ALLOW_DEMO)."""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from directory.demo import seed_demo_directory
from documents.types import ensure_document_types


def demo_password() -> str:
    configured = getattr(settings, "VANTHU_DEMO_PASSWORD", "")
    if configured:
        return configured
    path = Path(settings.VAR_DIR) / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


class Command(BaseCommand):
    help = "Create the demo province, its organisations and people (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the logins."
        )

    def handle(self, *args, quiet_logins=False, **options):
        if not getattr(settings, "VANTHU_ALLOW_DEMO", False):
            raise CommandError(
                "Demo data is disabled in these settings (VANTHU_ALLOW_DEMO is off)."
            )
        password = demo_password()
        ensure_document_types()
        logins = seed_demo_directory(password=password)
        # Deadlines in working days need the year's public holidays.
        call_command("load_holidays", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(f"Demo province ready: {len(logins)} demo people.")
        )
        if quiet_logins:
            return
        self.stdout.write("")
        self.stdout.write(
            "Demo logins (DEMO ONLY — tỉnh Lạc Hồng is not a real agency):"
        )
        self.stdout.write(f"  password for every demo person: {password}")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(
                f"  {login.username.ljust(width)}  {login.role_label:<17} "
                f"{login.organisation}"
            )
