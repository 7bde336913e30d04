"""Signature checks of stored and uploaded files (kiểm tra chữ ký số): the cached
validation report of a file by its SHA-256, and the forms the pages use.

`signature_report` validates a file through `validation.validate_pdf` (hard-fail
revocation through signing.trust) and keeps the report in `SignatureCheck`, reused
while it is younger than VANTHU_REVOCATION_CACHE_SECONDS; a report naming a revoked
signer is final (a revocation is never undone). A validator that cannot reach the
OCSP responder or the CRL says "not trusted: revocation cannot be established" —
that is what the report shows, not a guess. An unreadable file is reported but not
kept.

The report is stored as JSON (`report_json`: `PdfReport.as_dict()` with ISO
datetimes); `report_view` turns it back into what a template shows (datetimes,
verdict and modification level in words), and `validation_summary` is the short
form kept in the facts of a received file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .models import SignatureCheck
from .validation import (
    VERDICT_INVALID,
    VERDICT_UNREADABLE,
    VERDICT_UNSIGNED,
    VERDICT_VALID,
    PdfReport,
    problems_of,
    validate_pdf,
)

VERDICT_WORDS = {
    VERDICT_VALID: _("Valid: every signature is intact, trusted and not revoked"),
    VERDICT_INVALID: _("Not valid: at least one signature fails the check"),
    VERDICT_UNSIGNED: _("The file carries no digital signature"),
    VERDICT_UNREADABLE: _("The file cannot be read as a PDF"),
}
MODIFICATION_WORDS = {
    "NONE": _("none"),
    "LTA_UPDATES": _("only validation data and archival timestamps added"),
    "FORM_FILLING": _("form filling only (number, issue date)"),
    "ANNOTATIONS": _("annotations added"),
    "OTHER": _("other changes (content changed after signing)"),
}
COVERAGE_WORDS = {
    "ENTIRE_FILE": _("the whole file"),
    "ENTIRE_REVISION": _("the whole revision it signed (later revisions added)"),
    "CONTIGUOUS_BLOCK_FROM_START": _("only part of the file"),
}
DOCMDP_WORDS = {
    "NO_CHANGES": _("no change allowed"),
    "FILL_FORMS": _("form filling allowed"),
    "ANNOTATE": _("form filling and annotations allowed"),
}
_TIME_KEYS = ("signing_time", "timestamp_time", "revocation_date")
_CERT_TIME_KEYS = ("not_before", "not_after")


def report_json(report: PdfReport) -> dict:
    """`report.as_dict()` as plain JSON (datetimes as ISO 8601 text)."""
    return json.loads(json.dumps(report.as_dict(), cls=DjangoJSONEncoder))


def _cache_age() -> timedelta:
    return timedelta(seconds=settings.VANTHU_REVOCATION_CACHE_SECONDS)


def _has_revoked(report: dict) -> bool:
    return any(s.get("revoked") for s in report.get("signatures") or ())


def signature_report(
    *, sha256: str, read_pdf: Callable[[], bytes], force: bool = False
) -> SignatureCheck:
    """The validation report of the file whose SHA-256 is `sha256`: the kept one
    while fresh (or naming a revoked signer), else `read_pdf()` validated again and
    kept. `force` validates again in any case ("Kiểm tra lại")."""
    kept = SignatureCheck.objects.filter(sha256=sha256).first()
    fresh = kept is not None and (
        _has_revoked(kept.report) or timezone.now() - kept.checked_at < _cache_age()
    )
    if fresh and not force:
        return kept
    # Kept for every reader: in Vietnamese (the pages say the problems again in
    # the reader's language, report_view).
    with override("vi"):
        report = validate_pdf(read_pdf())
        data = report_json(report)
    now = timezone.now()
    if report.verdict == VERDICT_UNREADABLE:
        # Not kept: nothing about the file is worth remembering.
        return SignatureCheck(
            sha256=sha256, report=data, verdict=report.verdict, checked_at=now
        )
    values = {"report": data, "verdict": report.verdict, "checked_at": now}
    try:
        with transaction.atomic():
            check, _created = SignatureCheck.objects.update_or_create(
                sha256=sha256, defaults=values
            )
    except IntegrityError:
        # Another request stored the same file at the same moment: take ours.
        SignatureCheck.objects.filter(sha256=sha256).update(**values)
        check = SignatureCheck.objects.get(sha256=sha256)
    return check


def _parse(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def signature_problems(sig: dict) -> list[str]:
    """The problems of a stored signature in the active language: the standard
    ones from its flags, then any other kept with it (a signature that cannot
    be read, no trust anchor configured), as stored."""
    stored = list(sig.get("problems") or ())
    if not (sig.get("chain") or sig.get("readable")):
        return stored  # the signature could not be read at all: as kept
    standard = set()
    for code, _name in settings.LANGUAGES:
        with override(code):
            standard.update(problems_of(sig))
    return problems_of(sig) + [p for p in stored if p not in standard]


def report_view(report: dict) -> dict:
    """A copy of a stored report for templates: datetimes parsed, the verdict,
    coverage, DocMDP permission and modification level in words."""
    view = {**report}
    signatures = []
    for raw in report.get("signatures") or ():
        sig = {**raw}
        for key in _TIME_KEYS:
            sig[key] = _parse(raw.get(key))
        sig["chain"] = [
            {**cert, **{k: _parse(cert.get(k)) for k in _CERT_TIME_KEYS}}
            for cert in raw.get("chain") or ()
        ]
        level = raw.get("modification_level") or ""
        sig["modification_words"] = MODIFICATION_WORDS.get(level, level)
        coverage = raw.get("coverage") or ""
        sig["coverage_words"] = COVERAGE_WORDS.get(coverage, coverage)
        sig["problems"] = signature_problems(raw)
        permission = raw.get("docmdp_permission") or ""
        sig["docmdp_words"] = DOCMDP_WORDS.get(permission, permission)
        signatures.append(sig)
    view["signatures"] = signatures
    verdict = report.get("verdict") or ""
    view["verdict_words"] = VERDICT_WORDS.get(verdict, verdict)
    view["ok_count"] = sum(1 for s in signatures if s.get("ok"))
    return view


def validation_summary(report: dict, *, checked_at: datetime) -> dict:
    """What a received file keeps of its check: the verdict and, per signature,
    who signed and what is wrong."""
    return {
        "verdict": report.get("verdict") or "",
        "checked_at": checked_at.isoformat(),
        "error": report.get("error") or "",
        "signatures": [
            {
                "field_name": s.get("field_name") or "",
                "kind": s.get("kind") or "signature",
                "signer_name": s.get("signer_name") or "",
                "ok": bool(s.get("ok")),
                "intact": bool(s.get("intact")),
                "trusted": bool(s.get("trusted")),
                "revoked": bool(s.get("revoked")),
                "problems": list(s.get("problems") or ()),
                # What signature_problems needs to say them in another language.
                "readable": bool(s.get("chain")),
                "valid": bool(s.get("valid")),
                "docmdp_ok": s.get("docmdp_ok"),
                "modification_level": s.get("modification_level") or "",
                "timestamp_ok": s.get("timestamp_ok"),
            }
            for s in report.get("signatures") or ()
        ],
    }
