"""Long-term preservation of signed PDFs: the archival upgrade B-LT → B-LTA and
the renewal of the archival timestamp chain (signing-stack.md §4).

A document kept for decades (lưu trữ) outlives the certificates that signed it,
their CA's OCSP responder and the hash algorithms of the day. PAdES B-LTA keeps it
verifiable: the validation data of every signature (certificates, OCSP responses,
CRLs, in the Document Security Store) is embedded, then a document timestamp
(RFC 3161, /DocTimeStamp) covers the whole file, vouching that this data existed
at that time. Before the TSA certificate of the last document timestamp expires,
its own validation data is added and a new document timestamp laid over
everything: the chain is renewed, each link proving the previous one.

* `archival_upgrade(pdf)` — every signature whose validation data is not in the
  DSS yet (no VRI entry for it: typically the leader's B-T signature) gets it
  (`dss.async_add_validation_info`, one incremental revision each), then one
  document timestamp (`PdfTimeStamper.async_timestamp_pdf`, with the TSA's own
  validation data). Refused on a PDF that has a document timestamp already: that
  one is renewed instead.
* `archival_renew(pdf)` — `PdfTimeStamper.async_update_archival_timestamp_chain`:
  the last document timestamp's validation data, then a new document timestamp.
* `archival_status(pdf)` — the last document timestamp's time, its TSA
  certificate's expiry and whether renewal is due (none yet, or the TSA
  certificate expires within `VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS`, default 365).

Every revision added is an incremental update of the kind PAdES allows after a
certification signature (DSS and document timestamps: pyHanko's LTA_UPDATES), so
the leader's certification with form filling stays intact and allowed. Errors are
`signing.signers.SigningError`s with a Vietnamese message; nothing is returned
half-done.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers as pyhanko_signers
from pyhanko.sign.timestamps import TimestampRequestError

from .signers import (
    CertificateUntrusted,
    InvalidPdf,
    SigningError,
    TimestampUnavailable,
    async_add_document_timestamp,
    async_add_validation_info,
)

DEFAULT_RENEW_BEFORE_DAYS = 365


class NotSigned(SigningError):
    def default_message(self) -> str:
        return _("The file has no signature to preserve.")


class AlreadyArchival(SigningError):
    def default_message(self) -> str:
        return _(
            "The file has an archival timestamp already: renew its timestamp "
            "chain instead."
        )


class NotArchival(SigningError):
    def default_message(self) -> str:
        return _("The file has no archival timestamp to renew.")


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            raise InvalidPdf()
        # Reading the signatures parses every field: a broken file fails here.
        list(reader.embedded_signatures)
    except SigningError:
        raise
    except Exception:  # noqa: BLE001 - any parse failure: not a usable PDF
        raise InvalidPdf() from None
    return reader


def _is_doc_timestamp(sig) -> bool:
    return sig.sig_object_type == "/DocTimeStamp"


def _vri_keys(reader: PdfFileReader) -> set[str]:
    try:
        vri = reader.root["/DSS"]["/VRI"]
    except KeyError:
        return set()
    return {str(key).lstrip("/").upper() for key in vri}


def _vri_key(sig) -> str:
    # As pyHanko's DocumentSecurityStore.sig_content_identifier computes it
    # from the hex of the signature's contents.
    return hashlib.sha1(sig.pkcs7_content.hex().encode("ascii")).hexdigest().upper()  # noqa: S324 - the VRI key is SHA-1 by the PAdES standard


def _defaults(timestamper, vc):
    from .trust import get_timestamper, validation_context

    return (
        timestamper or get_timestamper(),
        vc if vc is not None else validation_context(),
    )


async def async_archival_upgrade(
    pdf: bytes, *, timestamper=None, validation_context=None
) -> bytes:
    """B-LT → B-LTA: validation data for every signature not yet covered, then a
    document timestamp. See the module docstring."""
    reader = _reader(pdf)
    signatures = list(reader.embedded_signatures)
    if not any(not _is_doc_timestamp(s) for s in signatures):
        raise NotSigned()
    if any(_is_doc_timestamp(s) for s in signatures):
        raise AlreadyArchival()
    data = pdf
    for field_name in [s.field_name for s in signatures]:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sig = next(s for s in reader.embedded_signatures if s.field_name == field_name)
        if _vri_key(sig) in _vri_keys(reader):
            continue
        data = await async_add_validation_info(sig, validation_context)
    return await async_add_document_timestamp(
        data, timestamper=timestamper, validation_context=validation_context
    )


async def async_archival_renew(
    pdf: bytes, *, timestamper=None, validation_context=None
) -> bytes:
    """Renew the archival timestamp chain: the last document timestamp's
    validation data, then a new document timestamp over everything."""
    reader = _reader(pdf)
    if not any(_is_doc_timestamp(s) for s in reader.embedded_signatures):
        raise NotArchival()
    try:
        out = await pyhanko_signers.PdfTimeStamper(
            timestamper
        ).async_update_archival_timestamp_chain(
            reader, validation_context, in_place=False, output=io.BytesIO()
        )
    except TimestampRequestError:
        raise TimestampUnavailable() from None
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - validation data not establishable
        raise CertificateUntrusted() from exc
    return out.getvalue()


async def _closing(func, pdf, timestamper, vc):
    timestamper, vc = _defaults(timestamper, vc)
    try:
        return await func(pdf, timestamper=timestamper, validation_context=vc)
    finally:
        await vc.aclose()


def archival_upgrade(pdf: bytes, *, timestamper=None, validation_context=None) -> bytes:
    """Synchronous `async_archival_upgrade`; by default with the configured TSA
    and a new validation context. The validation context is closed afterwards
    (as signing.signers.sign_pdf does): give a new one to every call."""
    return asyncio.run(
        _closing(async_archival_upgrade, pdf, timestamper, validation_context)
    )


def archival_renew(pdf: bytes, *, timestamper=None, validation_context=None) -> bytes:
    """Synchronous `async_archival_renew`, with the same defaults."""
    return asyncio.run(
        _closing(async_archival_renew, pdf, timestamper, validation_context)
    )


def renew_before() -> timedelta:
    days = getattr(
        settings, "VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS", DEFAULT_RENEW_BEFORE_DAYS
    )
    return timedelta(days=int(days))


def archival_status(pdf: bytes, *, at: datetime | None = None) -> dict:
    """What the archival state of `pdf` is:

    * `signatures`: the number of signatures (document timestamps excluded);
    * `document_timestamps`: how many document timestamps the chain holds;
    * `last_timestamp`: the time of the last one (aware, UTC) or None;
    * `tsa_expires`: when the certificate of its TSA expires, or None;
    * `archival`: whether there is a document timestamp (B-LTA);
    * `renewal_due`: no document timestamp yet, or its TSA certificate expires
      within VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS of `at` (default now)."""
    at = at or datetime.now(UTC)
    reader = _reader(pdf)
    signatures = list(reader.embedded_signatures)
    stamps = [s for s in signatures if _is_doc_timestamp(s)]
    last_time = expires = None
    if stamps:
        last = stamps[-1]
        tst_info = last.signed_data["encap_content_info"]["content"].parsed
        last_time = tst_info["gen_time"].native
        cert = last.signer_cert
        expires = cert["tbs_certificate"]["validity"]["not_after"].native
    return {
        "signatures": len(signatures) - len(stamps),
        "document_timestamps": len(stamps),
        "last_timestamp": last_time,
        "tsa_expires": expires,
        "archival": bool(stamps),
        "renewal_due": expires is None or expires - at <= renew_before(),
    }
