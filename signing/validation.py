"""Validation of any PDF's signatures (kiểm tra chữ ký số).

`validate_pdf(pdf)` reads every signature and document timestamp of a file and
reports for each: signer and organisation, certificate chain, signing time (as the
signer claims it) and timestamp time (as the TSA attests it), integrity, trust
against the configured roots (signing.trust), revocation (OCSP/CRL, fetched or
embedded, under the configured policy: hard-fail by default), what the signature
covers and what changed in the file after it (pyHanko's difference analysis:
NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER), and for a certification
signature whether those changes are allowed. A signature is `ok` when it is intact,
trusted, not revoked and nothing after it breaks its DocMDP permissions; the
report's verdict is "valid" when every signature is ok, "invalid" when one is not,
"unsigned" without any signature, "unreadable" when the file cannot be parsed.

The report is plain data (`as_dict()` for JSON), built for the command
`manage.py validate_pdf`, the verification page and incoming registration alike.
A tampered file makes pyHanko's difference analysis log tracebacks at ERROR; they
are expected, so that logger is quietened to CRITICAL around the analysis.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from asn1crypto import x509
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

VERDICT_VALID = "valid"
VERDICT_INVALID = "invalid"
VERDICT_UNSIGNED = "unsigned"
VERDICT_UNREADABLE = "unreadable"


@dataclass
class CertificateInfo:
    common_name: str
    subject: str
    organisation: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    fingerprint: str


@dataclass
class SignatureReport:
    field_name: str
    kind: str  # "signature" or "timestamp" (document timestamp)
    signer_name: str = ""
    organisation: str = ""
    chain: list[CertificateInfo] = field(default_factory=list)
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    timestamp_ok: bool | None = None  # None: no signature timestamp
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    revoked: bool = False
    revocation_date: datetime | None = None
    certified: bool = False
    docmdp_permission: str = ""  # NO_CHANGES, FILL_FORMS, ANNOTATE
    coverage: str = ""  # ENTIRE_FILE, ENTIRE_REVISION, ...
    modification_level: str = ""  # NONE, LTA_UPDATES, FORM_FILLING, ...
    docmdp_ok: bool | None = None
    summary: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.trusted
            and not self.revoked
            and self.docmdp_ok is not False
            and self.timestamp_ok is not False
        )


@dataclass
class PdfReport:
    signatures: list[SignatureReport] = field(default_factory=list)
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error:
            return VERDICT_UNREADABLE
        if not self.signatures:
            return VERDICT_UNSIGNED
        return VERDICT_VALID if all(s.ok for s in self.signatures) else VERDICT_INVALID

    @property
    def ok(self) -> bool:
        return self.verdict == VERDICT_VALID

    def as_dict(self) -> dict:
        data = asdict(self)
        data["verdict"] = self.verdict
        data["ok"] = self.ok
        for sig, report in zip(data["signatures"], self.signatures, strict=True):
            sig["ok"] = report.ok
        return data


def _name_values(name: x509.Name, key: str) -> list[str]:
    values = []
    for rdn in name.chosen:
        for attr in rdn:
            if attr["type"].native == key:
                values.append(str(attr["value"].native))
    return values


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    subject = cert.subject
    return CertificateInfo(
        common_name=", ".join(_name_values(subject, "common_name")),
        subject=subject.human_friendly,
        organisation=organisation_of(cert),
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        fingerprint=cert.sha256.hex(),
    )


def organisation_of(cert: x509.Certificate) -> str:
    """The organisation a certificate names: its OU values, then its O values."""
    subject = cert.subject
    return ", ".join(
        _name_values(subject, "organizational_unit_name")
        + _name_values(subject, "organization_name")
    )


@contextlib.contextmanager
def _quiet_diff_analysis():
    target = logging.getLogger("pyhanko.sign.diff_analysis")
    previous = target.level
    target.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        target.setLevel(previous)


def _chain(status) -> list[CertificateInfo]:
    path = getattr(status, "validation_path", None)
    if path is not None:
        certs = list(path.iter_certs(include_root=True))
        # Leaf first.
        return [certificate_info(c) for c in reversed(certs)]
    return [certificate_info(status.signing_cert)]


def _problems(report: SignatureReport) -> list[str]:
    # Shallow: asdict() would deep-copy the whole report for five flags.
    return problems_of(vars(report))


def problems_of(sig: dict) -> list[str]:
    """The problems of a signature from its flags (a SignatureReport as a dict),
    in the active language: the pages say them again in the reader's language."""
    problems = []
    if not sig.get("intact"):
        problems.append(
            _("The signed content was changed: the signature no longer matches it.")
        )
    elif not sig.get("valid"):
        problems.append(_("The signature value is not valid."))
    if sig.get("revoked"):
        problems.append(_("The signer's certificate has been revoked."))
    elif not sig.get("trusted"):
        problems.append(
            _(
                "The certificate does not chain to a trusted root, or its "
                "revocation status cannot be established."
            )
        )
    if sig.get("docmdp_ok") is False or sig.get("modification_level") == "OTHER":
        problems.append(
            _("The document was changed after signing in a way that is not allowed.")
        )
    if sig.get("timestamp_ok") is False:
        problems.append(_("The signature's timestamp is not valid."))
    return problems


async def _validate_signature(sig, vc) -> SignatureReport:
    from pyhanko.sign.validation import (
        async_validate_pdf_signature,
        async_validate_pdf_timestamp,
    )

    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    report = SignatureReport(
        field_name=sig.field_name,
        kind="timestamp" if is_timestamp else "signature",
    )
    try:
        with _quiet_diff_analysis():
            if is_timestamp:
                status = await async_validate_pdf_timestamp(sig, validation_context=vc)
            else:
                status = await async_validate_pdf_signature(sig, vc)
    except Exception as exc:  # noqa: BLE001 - a malformed signature is reported
        logger.info("signature %s cannot be validated: %s", sig.field_name, exc)
        report.problems.append(
            _("The signature cannot be read: %(error)s") % {"error": exc}
        )
        return report
    cert = status.signing_cert
    report.signer_name = ", ".join(_name_values(cert.subject, "common_name"))
    report.organisation = organisation_of(cert)
    report.chain = _chain(status)
    report.intact = bool(status.intact)
    report.valid = bool(status.valid)
    report.trusted = bool(status.trusted)
    report.revoked = bool(status.revoked)
    details = getattr(status, "revocation_details", None)
    if details is not None:
        report.revocation_date = details.revocation_date
    if is_timestamp:
        report.timestamp_time = status.timestamp
    else:
        report.signing_time = status.signer_reported_dt
        tst = status.timestamp_validity
        if tst is not None:
            report.timestamp_time = tst.timestamp
            report.timestamp_ok = bool(tst.intact and tst.valid and tst.trusted)
        perm = sig.docmdp_level
        report.certified = perm is not None
        report.docmdp_permission = perm.name if perm is not None else ""
    report.coverage = status.coverage.name if status.coverage is not None else ""
    level = status.modification_level
    report.modification_level = level.name if level is not None else ""
    report.docmdp_ok = status.docmdp_ok
    report.summary = status.summary()
    report.problems = _problems(report)
    return report


async def async_validate_pdf(pdf: bytes, *, validation_context=None) -> PdfReport:
    """Validate every signature of `pdf`. Without a validation context, a new one
    from the trust configuration (signing.trust) is made and closed here."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from .trust import validation_context as make_context

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - any parse failure: unreadable
        return PdfReport(
            error=_("The file cannot be read as a PDF: %(error)s") % {"error": exc}
        )
    if reader.encrypted:
        return PdfReport(error=_("The PDF is encrypted."))
    from .trust import TrustConfigurationError

    own = validation_context is None
    trust_problem = ""
    if own:
        try:
            vc = make_context()
        except TrustConfigurationError as exc:
            # No trust anchor at all: every signature is reported untrusted, and
            # why, rather than the page failing.
            trust_problem = str(exc)
            vc = make_context(roots=[])
    else:
        vc = validation_context
    try:
        report = PdfReport()
        for sig in signatures:
            result = await _validate_signature(sig, vc)
            if trust_problem and not result.trusted:
                result.problems.append(trust_problem)
            report.signatures.append(result)
        return report
    finally:
        if own:
            await vc.aclose()


def validate_pdf(pdf: bytes, *, validation_context=None) -> PdfReport:
    """Synchronous `async_validate_pdf`. A validation context passed in is closed
    afterwards: its HTTP session belonged to the event loop that ends here."""

    async def run():
        try:
            return await async_validate_pdf(pdf, validation_context=validation_context)
        finally:
            if validation_context is not None:
                await validation_context.aclose()

    return asyncio.run(run())


def _fmt_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    from django.utils import timezone

    return timezone.localtime(value).isoformat(timespec="seconds")


VERDICT_LABELS = {
    VERDICT_VALID: "HỢP LỆ",
    VERDICT_INVALID: "KHÔNG HỢP LỆ",
    VERDICT_UNSIGNED: "KHÔNG CÓ CHỮ KÝ SỐ",
    VERDICT_UNREADABLE: "KHÔNG ĐỌC ĐƯỢC TỆP",
}


def _yes(value: bool | None) -> str:
    return "—" if value is None else ("có" if value else "không")


def render_text(report: PdfReport, *, name: str = "") -> str:
    """A readable report with Vietnamese labels, for the command line."""
    lines = []
    if name:
        lines.append(f"Tệp: {name}")
    if report.error:
        lines.append(f"Lỗi: {report.error}")
    lines.append(f"Số chữ ký: {len(report.signatures)}")
    for index, sig in enumerate(report.signatures, 1):
        kind = "Dấu thời gian tài liệu" if sig.kind == "timestamp" else "Chữ ký"
        lines.append("")
        lines.append(f"{kind} #{index} — trường “{sig.field_name}”")
        lines.append(f"  Người ký:              {sig.signer_name or '—'}")
        lines.append(f"  Cơ quan, tổ chức:      {sig.organisation or '—'}")
        for depth, cert in enumerate(sig.chain):
            label = "Chuỗi chứng thư:" if depth == 0 else ""
            lines.append(
                f"  {label:<22} {'  ' * depth}{cert.common_name} "
                f"(số hiệu {cert.serial}, hiệu lực đến {_fmt_time(cert.not_after)})"
            )
        lines.append(f"  Thời gian ký (khai):   {_fmt_time(sig.signing_time)}")
        lines.append(f"  Thời gian đóng dấu TG: {_fmt_time(sig.timestamp_time)}")
        lines.append(f"  Toàn vẹn:              {_yes(sig.intact)}")
        lines.append(f"  Tin cậy:               {_yes(sig.trusted)}")
        lines.append(f"  Bị thu hồi:            {_yes(sig.revoked)}")
        if sig.certified:
            lines.append(f"  Chữ ký chứng thực:     có ({sig.docmdp_permission})")
        lines.append(f"  Phạm vi ký:            {sig.coverage or '—'}")
        lines.append(f"  Thay đổi sau khi ký:   {sig.modification_level or '—'}")
        lines.append(f"  pyHanko:               {sig.summary or '—'}")
        for problem in sig.problems:
            lines.append(f"  ! {problem}")
        lines.append(
            f"  Kết luận:              {'HỢP LỆ' if sig.ok else 'KHÔNG HỢP LỆ'}"
        )
    lines.append("")
    lines.append(f"KẾT LUẬN: {VERDICT_LABELS[report.verdict]}")
    return "\n".join(lines)
