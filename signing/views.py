"""HTTP endpoints of the signing app.

`verify` / `verify_report`: the verification page (xác thực chữ ký số) where any
signed-in person uploads a PDF and reads its validation report, and the PDF of that
report. The file goes to a temporary file and is forgotten; only the report, the
file's name and SHA-256 stay in the session, under a random token.

`demo_pki_service`: the demo PKI's OCSP responder, CRLs, TSA and CA certificates
over real HTTP under /demo-pki/ (signing.pki.DemoPki.respond), so that `make run`
signs B-T/B-LT and checks revocation without the internet. It answers only where
demo data is allowed and a demo PKI exists; production has no such endpoint (its
CA runs these services)."""

import hashlib
import secrets
import tempfile
import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .checks import report_view, signature_report
from .forms import VerifyForm
from .pki import get_demo_pki
from .reports import report_filename, report_pdf
from .validation import VERDICT_UNREADABLE


@csrf_exempt
@require_http_methods(["GET", "POST"])
def demo_pki_service(request, path: str):
    pki = get_demo_pki()
    if pki is None:
        raise Http404
    status, content_type, body = pki.respond(request.method, "/" + path, request.body)
    if status == 404:
        raise Http404
    return HttpResponse(body, status=status, content_type=content_type)


# ---------------------------------------------------------------------------
# Verification page (xác thực chữ ký số)

SESSION_KEY = "signing.verifications"
MAX_PER_SESSION = 10
CHUNK = 1024 * 1024
INVALID = 400


class _Refused(Exception):
    """An uploaded file that cannot be checked; str() is the message."""


def _spool(upload, limit: int):
    """The upload copied to a temporary file (never the blob store), with its
    SHA-256; refused past `limit` bytes or when it does not start as a PDF."""
    if upload.size is not None and upload.size > limit:
        raise _Refused(_too_big(limit))
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _Refused(_too_big(limit))
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        head = spool.read(1024)
        if b"%PDF-" not in head:
            raise _Refused(_("The file is not a PDF."))
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, digest.hexdigest()


def _too_big(limit: int) -> str:
    return _("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}


def _keep(request, *, report: dict, file_name: str, sha256: str, checked_at) -> str:
    """Keep the report (not the file) in this session under a random token."""
    token = secrets.token_urlsafe(18)
    kept = dict(request.session.get(SESSION_KEY) or {})
    kept[token] = {
        "report": report,
        "file_name": file_name,
        "sha256": sha256,
        "checked_at": checked_at.isoformat(),
        "kept": time.time(),
    }
    for old in sorted(kept, key=lambda t: kept[t]["kept"])[:-MAX_PER_SESSION]:
        del kept[old]
    request.session[SESSION_KEY] = kept
    return token


@login_required
def verify(request):
    """Xác thực chữ ký số: any signed-in person uploads a PDF and reads the
    validation report of every signature in it."""
    posted = request.method == "POST"
    form = VerifyForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    context = {"form": form}
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = (upload.name or "tep.pdf")[-255:]
            try:
                spool, sha256 = _spool(upload, settings.VANTHU_UPLOAD_MAX_BYTES)
            except _Refused as exc:
                form.add_error("file", str(exc))
            else:
                with spool:
                    check = signature_report(sha256=sha256, read_pdf=spool.read)
                if check.verdict == VERDICT_UNREADABLE:
                    form.add_error(
                        "file",
                        _("The file cannot be read as a PDF: %(error)s")
                        % {"error": _short(check.report.get("error") or "")},
                    )
                else:
                    token = _keep(
                        request,
                        report=check.report,
                        file_name=name,
                        sha256=sha256,
                        checked_at=check.checked_at,
                    )
                    status = 200
                    context.update(
                        report=report_view(check.report),
                        file_name=name,
                        sha256=sha256,
                        checked_at=check.checked_at,
                        report_url=reverse("signing:verify_report", args=[token]),
                    )
    return render(request, "signing/verify.html", context, status=status)


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


@login_required
def verify_report(request, token: str):
    """The PDF report of a check made in this session."""
    kept = (request.session.get(SESSION_KEY) or {}).get(token)
    if kept is None:
        raise Http404
    return report_response(
        kept["report"],
        file_name=kept["file_name"],
        sha256=kept["sha256"],
        checked_at=datetime.fromisoformat(kept["checked_at"]),
    )


def report_response(report: dict, *, file_name: str, sha256: str, checked_at):
    """The PDF report as a download (also used by the document page)."""
    data = report_pdf(report, file_name=file_name, sha256=sha256, checked_at=checked_at)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{report_filename(file_name)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
