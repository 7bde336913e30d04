"""`manage.py demo_pki`: the demo PKI of `make run` (after seed_demo).

Makes the demo PKI in VANTHU_PKI_DIR once — root CA, issuing CA, OCSP responder,
TSA, a certificate for every demo leader and every demo organisation, all labelled
"DEMO — không có giá trị pháp lý" — and registers the leaders' and organisations'
certificates as PKCS#12 files protected by the demo password. Run again, it
reuses everything; when VANTHU_DEMO_PKI_URL changed (another VANTHU_PORT) the
certificates are issued again for the new address with the same keys. Refused
unless demo data is allowed (VANTHU_ALLOW_DEMO)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from signing.pki import demo_pki_ensure, demo_subjects_from_directory
from signing.services import demo_certificates_register


class Command(BaseCommand):
    help = "Create or complete the demo PKI and register its certificates (demo only)."

    def handle(self, *args, **options):
        if not getattr(settings, "VANTHU_ALLOW_DEMO", False):
            raise CommandError(
                "Demo data is disabled in these settings (VANTHU_ALLOW_DEMO is off)."
            )
        subjects = demo_subjects_from_directory()
        if not subjects:
            raise CommandError(
                "No demo organisations: run `manage.py seed_demo` first."
            )
        pki = demo_pki_ensure(
            directory=settings.VANTHU_PKI_DIR,
            base_url=settings.VANTHU_DEMO_PKI_URL,
            subjects=subjects,
        )
        created = demo_certificates_register(pki=pki)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo PKI ready in {pki.directory} "
                f"({len(created)} certificates registered now; "
                "DEMO — không có giá trị pháp lý)."
            )
        )
        self.stdout.write(f"  OCSP, CRLs and TSA served at {pki.base_url}/")
        self.stdout.write(f"  Demo root certificate: {pki.base_url}/root.crt")
        self.stdout.write(
            "  Passphrase of every demo key file: the demo people's password."
        )
