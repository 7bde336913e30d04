"""Trust configuration (cấu hình tin cậy): trust roots, the TSA, revocation policy.

Production names its roots and TSA in the settings: VANTHU_TRUST_ROOTS (PEM or DER
files of the Ban Cơ yếu Chính phủ roots, or any CA the province trusts) and
VANTHU_TSA_URL (the CA's RFC 3161 service). Where demo data is allowed and these
are empty, the demo PKI of signing.pki stands in (its root, its TSA), so `make run`
and the tests need no network. Revocation defaults to hard-fail
(VANTHU_REVOCATION_MODE): an official decision is never taken on a signature whose
revocation status could not be established.

A ValidationContext holds an HTTP session of its own and a cache of revocation
data: `validation_context()` makes a fresh one per operation, which the caller
closes (`await vc.aclose()`) in the event loop that used it. The RFC 3161 client,
on the other hand, is one per process (`get_timestamper`): it keeps the dummy token
that pyHanko uses to size the signature, saving one TSA request per signature.
"""

from __future__ import annotations

import threading
from pathlib import Path

from asn1crypto import pem, x509
from django.conf import settings
from django.utils.translation import gettext as _

REVOCATION_MODES = ("hard-fail", "require", "soft-fail")


class TrustConfigurationError(Exception):
    """The trust roots or the TSA are not configured or cannot be read."""


def _load_certs(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if pem.detect(data):
        return [
            x509.Certificate.load(der)
            for kind, _headers, der in pem.unarmor(data, multiple=True)
            if kind == "CERTIFICATE"
        ]
    return [x509.Certificate.load(data)]


def trust_roots() -> list[x509.Certificate]:
    """The configured trust anchors; the demo root where demo data is allowed and
    none is configured."""
    paths = list(getattr(settings, "VANTHU_TRUST_ROOTS", []) or [])
    roots: list[x509.Certificate] = []
    for name in paths:
        try:
            roots.extend(_load_certs(Path(name)))
        except (OSError, ValueError) as exc:
            raise TrustConfigurationError(
                _("Cannot read the trust root %(path)s: %(error)s")
                % {"path": name, "error": exc}
            ) from exc
    if roots:
        return roots
    from .pki import get_demo_pki

    pki = get_demo_pki()
    if pki is not None:
        return [pki.root_cert]
    raise TrustConfigurationError(
        _("No trust roots are configured (VANTHU_TRUST_ROOTS).")
    )


def tsa_url() -> str:
    """The RFC 3161 timestamp service; the demo TSA where demo data is allowed and
    none is configured."""
    url = getattr(settings, "VANTHU_TSA_URL", "")
    if url:
        return url
    from .pki import get_demo_pki

    pki = get_demo_pki()
    if pki is not None:
        return pki.tsa_url
    raise TrustConfigurationError(_("No timestamp service is configured."))


def revocation_mode() -> str:
    mode = getattr(settings, "VANTHU_REVOCATION_MODE", "hard-fail")
    if mode not in REVOCATION_MODES:
        raise TrustConfigurationError(
            _("Unknown revocation mode %(mode)s.") % {"mode": mode}
        )
    return mode


def validation_context(
    *,
    revocation: str | None = None,
    allow_fetching: bool = True,
    roots: list[x509.Certificate] | None = None,
    other_certs: list[x509.Certificate] = (),
):
    """A new pyHanko ValidationContext over the configured roots, fetching OCSP
    responses and CRLs over HTTP with the configured timeout. Close it with
    `await vc.aclose()` after use."""
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import (
        AIOHttpFetcherBackend,
    )
    from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend

    backend = None
    if allow_fetching:
        backend = OwnedFetcherBackend(
            AIOHttpFetcherBackend(
                per_request_timeout=settings.VANTHU_SIGNING_HTTP_TIMEOUT
            )
        )
    return ValidationContext(
        trust_roots=roots if roots is not None else trust_roots(),
        other_certs=list(other_certs),
        allow_fetching=allow_fetching,
        fetcher_backend=backend,
        revocation_mode=revocation or revocation_mode(),
    )


_timestampers: dict[str, object] = {}
_timestampers_lock = threading.Lock()


def get_timestamper(url: str | None = None):
    """The process's pyHanko HTTPTimeStamper for `url` (default: tsa_url())."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    url = url or tsa_url()
    with _timestampers_lock:
        stamper = _timestampers.get(url)
        if stamper is None:
            stamper = _timestampers[url] = HTTPTimeStamper(
                url, timeout=settings.VANTHU_SIGNING_HTTP_TIMEOUT
            )
        return stamper
