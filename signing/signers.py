"""Signers and PAdES signing into a draft's existing signature fields.

One interface, `Signer`, for every kind of key Vanthu signs with:

* `Pkcs12Signer` — an encrypted PKCS#12 file (the demo PKI's, or one a person
  uploaded). The key is decrypted once per process and passphrase
  (`Pkcs12Signer.load` caches it, keyed by the file's SHA-256 and an HMAC of the
  passphrase under a per-process secret, so a wrong passphrase never finds a cached
  key) and signs through `CachedKeySigner`, which keeps the parsed key instead of
  re-parsing it for every raw signature as pyHanko's SimpleSigner does
  (signing-stack.md §10.2: 88 → 23 ms per B-B signature).
* `Pkcs11Signer` — a key in a PKCS#11 token or HSM (SoftHSM2 in the tests). One
  session per process and key; EC keys use the raw mechanism (SoftHSM2 lacks
  CKM_ECDSA_SHA256).
* `TwoPhaseSigner` — a key Vanthu never sees (a USB token on the leader's
  computer, a remote-signing service). `two_phase_prepare` writes the signature
  placeholder and returns the SHA-256 of the CMS signed attributes, the only thing
  that leaves the server; `two_phase_finish` embeds the signature value that comes
  back later, in another request or process. `PreparedSignature.to_state()` is the
  JSON-safe state kept in between (signing.services persists it).

`sign_pdf` signs with an immediate signer (PKCS#12, PKCS#11) into an existing empty
signature field: level B (B-B), T (B-T, timestamped), LT (B-LT, validation data
embedded) or LTA (B-LTA, plus a document timestamp); optionally as a certification
signature (DocMDP, default: form filling allowed). Everything is checked before any
byte is written — the field, the certificate's validity period, and with a
validation context its chain and revocation status — and a failure of the TSA
raises `TimestampUnavailable`: the caller gets signed bytes or an exception, never
a half-signed document, so the step can simply be retried.

Errors are `SigningError` subclasses with a Vietnamese message (str(exc)).
Secrets (passphrases, PINs) are never logged nor put in an exception.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import logging
import os
import secrets
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import ClassVar, Literal

from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers as pyhanko_signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

logger = logging.getLogger(__name__)

Level = Literal["B", "T", "LT", "LTA"]
LEVELS: tuple[str, ...] = ("B", "T", "LT", "LTA")
FILL_FORMS = MDPPerm.FILL_FORMS
MD_ALGORITHM = "sha256"


# --- Errors ---------------------------------------------------------------------


class SigningError(Exception):
    """A signature could not be made; nothing was produced. str() is the message
    for the person signing, in the active language."""

    def __init__(self, message: str = ""):
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("The document could not be signed.")


class WrongPassphrase(SigningError):
    def default_message(self) -> str:
        return _("Wrong passphrase for the key file, or the file is damaged.")


class WrongPin(SigningError):
    def default_message(self) -> str:
        return _("Wrong PIN for the token.")


class SignerUnavailable(SigningError):
    def default_message(self) -> str:
        return _("The token or key to sign with cannot be reached.")


class KeyMismatch(SigningError):
    def default_message(self) -> str:
        return _("The private key does not match the certificate.")


class CertificateExpired(SigningError):
    def default_message(self) -> str:
        return _("The certificate has expired.")


class CertificateNotYetValid(SigningError):
    def default_message(self) -> str:
        return _("The certificate is not valid yet.")


class CertificateRevoked(SigningError):
    def default_message(self) -> str:
        return _("The certificate has been revoked.")


class CertificateUntrusted(SigningError):
    def default_message(self) -> str:
        return _(
            "The certificate cannot be verified: it does not chain to a trusted "
            "root, or its revocation status cannot be established."
        )


class TimestampUnavailable(SigningError):
    def default_message(self) -> str:
        return _(
            "The timestamp service cannot be reached; the document was not "
            "signed. Try again later."
        )


class FieldNotFound(SigningError):
    pass


class FieldAlreadySigned(SigningError):
    pass


class InvalidPdf(SigningError):
    def default_message(self) -> str:
        return _("The file is not a PDF that can be signed.")


class InvalidSignatureValue(SigningError):
    def default_message(self) -> str:
        return _(
            "The signature value returned by the signing device does not match "
            "the certificate and the prepared document."
        )


# --- The interface -----------------------------------------------------------------


class Signer(ABC):
    """A key and its certificate, as Vanthu signs with them."""

    kind: ClassVar[str]
    # False for signers whose signature value arrives later (two-phase).
    immediate: ClassVar[bool] = True

    @property
    @abstractmethod
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""

    @property
    @abstractmethod
    def ca_chain(self) -> list[x509.Certificate]:
        """Intermediate (and root) certificates embedded with the signature."""

    @abstractmethod
    def pyhanko_signer(self) -> pyhanko_signers.Signer:
        """The pyHanko signer doing the cryptography."""


def _public_key_der(cert: x509.Certificate) -> bytes:
    return cert.public_key.dump()


def _pyca_public_key(cert: x509.Certificate):
    return serialization.load_der_public_key(_public_key_der(cert))


def _verify_raw(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    """Whether `signature` over `data` (SHA-256, PKCS#1 v1.5 or ECDSA) verifies
    with the certificate's public key."""
    key = _pyca_public_key(cert)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _signature_size(cert: x509.Certificate) -> int:
    key = _pyca_public_key(cert)
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    if isinstance(key, ec.EllipticCurvePublicKey):
        return 2 * ((key.curve.key_size + 7) // 8) + 9
    return 512


class CachedKeySigner(pyhanko_signers.SimpleSigner):
    """pyHanko's SimpleSigner keeping the parsed private key (signing-stack.md
    §10.2) instead of loading it again for every raw signature."""

    @cached_property
    def _key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), None)

    def sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        h = get_pyca_cryptography_hash(digest_algorithm)
        if algo == "rsassa_pkcs1v15":
            return self._key.sign(data, padding.PKCS1v15(), h)
        if algo == "ecdsa":
            return self._key.sign(data, ec.ECDSA(h))
        return super().sign_raw(data, digest_algorithm, dry_run=dry_run)

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run=False
    ) -> bytes:
        return self.sign_raw(data, digest_algorithm, dry_run=dry_run)


_PROCESS_SECRET = secrets.token_bytes(32)
_CACHE_SIZE = 64


def _secret_tag(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(_PROCESS_SECRET, secret, hashlib.sha256).digest()


class _SignerCache:
    """A small LRU of loaded signers, per process (forked children start empty)."""

    def __init__(self):
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(self, key):
        with self._lock:
            if self._pid != os.getpid():
                self._items.clear()
                self._pid = os.getpid()
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > _CACHE_SIZE:
                _key, old = self._items.popitem(last=False)
                close = getattr(old, "close", None)
                if close is not None:
                    close()

    def clear(self):
        with self._lock:
            for item in self._items.values():
                close = getattr(item, "close", None)
                if close is not None:
                    close()
            self._items.clear()


_pkcs12_cache = _SignerCache()
_pkcs11_cache = _SignerCache()


class Pkcs12Signer(Signer):
    """A key and certificate from an encrypted PKCS#12 file."""

    kind = "pkcs12"

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        chain: Sequence[x509.Certificate],
    ):
        self._certificate = certificate
        self._chain = list(chain)
        key_der = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        from asn1crypto import keys

        self._signer = CachedKeySigner(
            signing_cert=certificate,
            signing_key=keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(self._chain),
        )
        # The parsed key, so the first signature does not parse it again.
        self._signer.__dict__["_key"] = private_key

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def ca_chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self) -> pyhanko_signers.Signer:
        return self._signer

    @classmethod
    def load(
        cls,
        data: bytes,
        passphrase: str | bytes,
        *,
        extra_certs: Sequence[x509.Certificate] = (),
        cache: bool = True,
    ) -> Pkcs12Signer:
        """Open a PKCS#12 file. Raises WrongPassphrase, KeyMismatch (the key is not
        the certificate's) or InvalidPdf-free SigningError for a file without a key
        or certificate. Cached per process and passphrase."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode()
        key = (hashlib.sha256(data).digest(), _secret_tag(passphrase))
        if cache and (found := _pkcs12_cache.get(key)) is not None:
            return found
        try:
            private_key, cert, others = pkcs12.load_key_and_certificates(
                data, passphrase or None
            )
        except (ValueError, TypeError):
            raise WrongPassphrase() from None
        if private_key is None:
            raise SigningError(_("The PKCS#12 file holds no private key."))
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        if cert is None:
            # Files from some tools do not mark the key's own certificate: take
            # the one whose public key is the key's.
            cert = next(
                (
                    c
                    for c in others
                    if c.public_key().public_bytes(
                        serialization.Encoding.DER,
                        serialization.PublicFormat.SubjectPublicKeyInfo,
                    )
                    == public_der
                ),
                None,
            )
            if cert is None:
                raise KeyMismatch()
            others = [c for c in others if c is not cert]
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError(_("Only RSA and ECDSA keys are supported."))
        certificate = x509.Certificate.load(
            cert.public_bytes(serialization.Encoding.DER)
        )
        if public_der != _public_key_der(certificate):
            raise KeyMismatch()
        chain = [
            x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in others
        ] + list(extra_certs)
        signer = cls(certificate, private_key, chain)
        if cache:
            _pkcs12_cache.put(key, signer)
        return signer


class Pkcs11Signer(Signer):
    """A key in a PKCS#11 token or HSM; the certificate comes from the registry
    (tokens do not always hold it)."""

    kind = "pkcs11"

    def __init__(self, session, signer, certificate, chain):
        self._session = session
        self._signer = signer
        self._certificate = certificate
        self._chain = list(chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def ca_chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self) -> pyhanko_signers.Signer:
        return self._signer

    def close(self) -> None:
        try:
            self._session.close()
        except Exception:  # noqa: BLE001 - a dead session is closed already
            logger.debug("PKCS#11 session already closed")

    @classmethod
    def open(
        cls,
        *,
        module: str,
        token_label: str,
        pin: str,
        key_id: bytes | None = None,
        key_label: str | None = None,
        certificate: x509.Certificate,
        ca_chain: Sequence[x509.Certificate] = (),
        cache: bool = True,
    ) -> Pkcs11Signer:
        """Log in to the token and find the key (by id or label). Raises WrongPin,
        SignerUnavailable (no module, token or key) or KeyMismatch. One session per
        process, key and PIN."""
        from pkcs11 import exceptions as p11_exc
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as pyhanko_p11

        if not key_id and not key_label:
            raise SignerUnavailable()
        cache_key = (
            module,
            token_label,
            key_id,
            key_label,
            certificate.sha256,
            _secret_tag(pin),
        )
        if cache and (found := _pkcs11_cache.get(cache_key)) is not None:
            return found
        try:
            session = pyhanko_p11.open_pkcs11_session(
                module, token_criteria=TokenCriteria(label=token_label), user_pin=pin
            )
        except p11_exc.PinIncorrect:
            raise WrongPin() from None
        except (RuntimeError, OSError):
            # pkcs11.PKCS11Error (and pyHanko's, which derives from it) are
            # RuntimeErrors: no such module, token or slot, a locked PIN.
            raise SignerUnavailable() from None
        is_ec = isinstance(_pyca_public_key(certificate), ec.EllipticCurvePublicKey)
        signer = pyhanko_p11.PKCS11Signer(
            session,
            key_id=key_id,
            key_label=key_label,
            signing_cert=certificate,
            ca_chain=list(ca_chain),
            use_raw_mechanism=is_ec,
        )
        result = cls(session, signer, certificate, ca_chain)
        try:
            challenge = secrets.token_bytes(32)
            value = asyncio.run(signer.async_sign_raw(challenge, MD_ALGORITHM))
        except (RuntimeError, PyHankoSigningError):
            # No key with that id or label in the token, or the token went away.
            result.close()
            raise SignerUnavailable() from None
        if not _verify_raw(certificate, value, challenge):
            result.close()
            raise KeyMismatch()
        if cache:
            _pkcs11_cache.put(cache_key, result)
        return result


class TwoPhaseSigner(Signer):
    """A signer whose private key is elsewhere: only its certificate is here."""

    kind = "remote"
    immediate = False

    def __init__(
        self, certificate: x509.Certificate, ca_chain: Sequence[x509.Certificate] = ()
    ):
        self._certificate = certificate
        self._chain = list(ca_chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def ca_chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self, signature_value: bytes | None = None):
        return pyhanko_signers.ExternalSigner(
            self._certificate,
            SimpleCertificateStore.from_certs(self._chain),
            signature_value=signature_value or _signature_size(self._certificate),
        )


def clear_signer_caches() -> None:
    """Forget every loaded key and close every token session of this process."""
    _pkcs12_cache.clear()
    _pkcs11_cache.clear()
    _reserve_cache.clear()


# --- Checks done before signing ------------------------------------------------------


def check_validity_period(cert: x509.Certificate, at: datetime | None = None) -> None:
    at = at or datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    if at < validity["not_before"].native:
        raise CertificateNotYetValid()
    if at > validity["not_after"].native:
        raise CertificateExpired()


async def async_check_certificate(
    cert: x509.Certificate, chain: Sequence[x509.Certificate], validation_context
) -> None:
    """Validate the signer's certificate for signing: chain to a trusted root and
    revocation status per the context's policy."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator import errors as cv_errors

    validator = CertificateValidator(
        cert, intermediate_certs=list(chain), validation_context=validation_context
    )
    try:
        await validator.async_validate_usage({"non_repudiation"})
    except cv_errors.RevokedError:
        raise CertificateRevoked() from None
    except cv_errors.ExpiredError:
        raise CertificateExpired() from None
    except cv_errors.NotYetValidError:
        raise CertificateNotYetValid() from None
    except cv_errors.InvalidCertificateError:
        raise SigningError(
            _("The certificate may not be used for digital signatures.")
        ) from None
    except (cv_errors.PathBuildingError, cv_errors.PathValidationError, ValueError):
        raise CertificateUntrusted() from None


def _check_field(pdf: bytes, field_name: str) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        found = list(sig_fields.enumerate_sig_fields(reader, with_name=field_name))
    except Exception:  # noqa: BLE001 - any parse failure means "not signable"
        raise InvalidPdf() from None
    if reader.encrypted:
        raise InvalidPdf()
    if not found:
        raise FieldNotFound(
            _("The document has no signature field “%(name)s”.") % {"name": field_name}
        )
    _name, value, _ref = found[0]
    if value is not None:
        raise FieldAlreadySigned(
            _("The signature field “%(name)s” is already signed.")
            % {"name": field_name}
        )


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def _keep_appearance():
    """No stamp asked for: keep the field's own appearance (the draft's fields
    carry a blank one), instead of pyHanko's default stamp in a Latin-only font."""
    from pyhanko.stamp import NoOpStampStyle

    return NoOpStampStyle()


def _metadata(*, field_name, level, certify, docmdp, validation_context):
    return pyhanko_signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=MD_ALGORITHM,
        subfilter=SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=docmdp,
        embed_validation_info=level in ("LT", "LTA"),
        use_pades_lta=level == "LTA",
        validation_context=validation_context if level in ("LT", "LTA") else None,
    )


# --- Signing --------------------------------------------------------------------------


async def async_sign_pdf(
    *,
    pdf: bytes,
    signer: Signer | pyhanko_signers.Signer,
    field_name: str,
    level: Level = "B",
    certify: bool = False,
    docmdp: MDPPerm = FILL_FORMS,
    appearance=None,
    appearance_params: dict | None = None,
    timestamper=None,
    validation_context=None,
) -> bytes:
    """Sign `pdf` into its existing empty signature field `field_name` and return
    the signed file (an incremental update of `pdf`).

    `signer` is a Vanthu Signer (or a bare pyHanko signer); `appearance` a
    pyHanko stamp style (None: the field's own appearance is kept);
    `timestamper` is needed from level T on; `validation_context`
    (signing.trust.validation_context) is needed for LT and LTA and, when
    given, the signer's certificate is validated (trust and revocation) before
    signing. Raises a SigningError and produces nothing on any failure."""
    _check_level(level)
    if isinstance(signer, Signer):
        if not signer.immediate:
            raise TypeError("two-phase signers sign through two_phase_prepare")
        cert, chain, backend = (
            signer.certificate,
            signer.ca_chain,
            signer.pyhanko_signer(),
        )
    else:
        backend = signer
        cert = signer.signing_cert
        chain = list(signer.cert_registry) if signer.cert_registry else []
    if level != "B" and timestamper is None:
        raise ValueError(f"level {level} needs a timestamper")
    if level in ("LT", "LTA") and validation_context is None:
        raise ValueError(f"level {level} needs a validation context")
    _check_field(pdf, field_name)
    check_validity_period(cert)
    if validation_context is not None:
        await async_check_certificate(cert, chain, validation_context)
    pdf_signer = pyhanko_signers.PdfSigner(
        _metadata(
            field_name=field_name,
            level=level,
            certify=certify,
            docmdp=docmdp,
            validation_context=validation_context,
        ),
        signer=backend,
        timestamper=timestamper if level != "B" else None,
        stamp_style=appearance or _keep_appearance(),
    )
    reserve_key = _reserve_key(cert, chain, level, timestamper)
    reserve = _reserve_cache.get(reserve_key)
    try:
        try:
            out = await pdf_signer.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                existing_fields_only=True,
                bytes_reserved=reserve,
                appearance_text_params=appearance_params or {},
            )
        except PyHankoSigningError as exc:
            if reserve is None or "larger than expected" not in str(exc):
                raise
            # A timestamp token grew past the remembered room: estimate anew.
            _reserve_cache.pop(reserve_key, None)
            reserve = None
            out = await pdf_signer.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                existing_fields_only=True,
                appearance_text_params=appearance_params or {},
            )
        if reserve is None:
            _remember_reserve(reserve_key, out.getvalue(), field_name)
    except TimestampRequestError:
        raise TimestampUnavailable() from None
    except PyHankoSigningError as exc:
        if "could not be validated" in str(exc):
            raise CertificateUntrusted() from None
        raise SigningError() from exc
    return out.getvalue()


# The room pyHanko reserves for a signature container is found by building a whole
# dummy signature first (about a fifth of the time of a signature). It depends only
# on the certificates, the level and the timestamping authority, so the room found
# for the first signature of a kind is remembered for the next ones in the process
# (plus a margin for a timestamp token that grows by a few bytes).
_reserve_cache: dict[tuple, int] = {}
RESERVE_MARGIN = 512


def _reserve_key(cert, chain, level: str, timestamper) -> tuple:
    return (
        cert.sha256,
        tuple(c.sha256 for c in chain),
        level,
        id(timestamper) if level != "B" else None,
    )


def _remember_reserve(key: tuple, signed: bytes, field_name: str) -> None:
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    for embedded in reader.embedded_signatures:
        if embedded.field_name == field_name:
            contents = embedded.sig_object.get("/Contents")
            if contents is not None:
                # pyHanko counts the room in hex digits: two per byte.
                _reserve_cache[key] = 2 * (len(bytes(contents)) + RESERVE_MARGIN)
            return


def sign_pdf(**kwargs) -> bytes:
    """The synchronous form of `async_sign_pdf` (same keyword arguments), for
    workers and synchronous views; not for code already in an event loop."""
    return asyncio.run(_closing(async_sign_pdf(**kwargs), kwargs))


async def _closing(coro, kwargs):
    try:
        return await coro
    finally:
        vc = kwargs.get("validation_context")
        if vc is not None:
            await vc.aclose()


# --- Two-phase signing ---------------------------------------------------------

_RESERVE_FOR_TIMESTAMP = 12_000


@dataclass(frozen=True)
class PreparedSignature:
    """What two-phase signing keeps between prepare and finish. `prepared_pdf` is
    the document with its placeholder (store it in the blob store); `to_state()`
    the rest, JSON-safe; `hash_to_sign` (SHA-256 of the DER signed attributes) is
    what the remote signer signs (PKCS#1 v1.5 or ECDSA over a prehashed SHA-256)."""

    prepared_pdf: bytes
    field_name: str
    level: str
    signed_attrs: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    certificate: bytes
    chain: tuple[bytes, ...]

    @property
    def hash_to_sign(self) -> bytes:
        return hashlib.sha256(self.signed_attrs).digest()

    def to_state(self) -> dict:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode()

        return {
            "field_name": self.field_name,
            "level": self.level,
            "md_algorithm": MD_ALGORITHM,
            "signed_attrs": b64(self.signed_attrs),
            "document_digest": b64(self.document_digest),
            "reserved_start": self.reserved_start,
            "reserved_end": self.reserved_end,
            "certificate": b64(self.certificate),
            "chain": [b64(c) for c in self.chain],
        }

    @classmethod
    def from_state(cls, state: dict, prepared_pdf: bytes) -> PreparedSignature:
        def unb64(text: str) -> bytes:
            return base64.b64decode(text.encode(), validate=True)

        if state.get("md_algorithm") != MD_ALGORITHM:
            raise ValueError("unknown digest algorithm in a pending signature")
        return cls(
            prepared_pdf=prepared_pdf,
            field_name=state["field_name"],
            level=state["level"],
            signed_attrs=unb64(state["signed_attrs"]),
            document_digest=unb64(state["document_digest"]),
            reserved_start=int(state["reserved_start"]),
            reserved_end=int(state["reserved_end"]),
            certificate=unb64(state["certificate"]),
            chain=tuple(unb64(c) for c in state["chain"]),
        )


async def async_two_phase_prepare(
    *,
    pdf: bytes,
    signer: TwoPhaseSigner,
    field_name: str,
    level: Level = "T",
    certify: bool = False,
    docmdp: MDPPerm = FILL_FORMS,
    appearance=None,
    appearance_params: dict | None = None,
    validation_context=None,
) -> PreparedSignature:
    """Phase 1: write the placeholder of `field_name` and compute the signed
    attributes. The certificate is checked now (validity, and trust and
    revocation with a validation context); the timestamp and validation data are
    added at finish."""
    _check_level(level)
    cert, chain = signer.certificate, signer.ca_chain
    _check_field(pdf, field_name)
    check_validity_period(cert)
    if validation_context is not None:
        await async_check_certificate(cert, chain, validation_context)
    external = signer.pyhanko_signer()
    size = sum(len(c.dump()) for c in [cert, *chain]) + _signature_size(cert)
    reserved = 2 * (size + 4096 + (_RESERVE_FOR_TIMESTAMP if level != "B" else 0))
    reserved = (reserved + 1023) // 1024 * 1024
    pdf_signer = pyhanko_signers.PdfSigner(
        _metadata(
            field_name=field_name,
            level="B",
            certify=certify,
            docmdp=docmdp,
            validation_context=None,
        ),
        signer=external,
        stamp_style=appearance or _keep_appearance(),
    )
    prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        existing_fields_only=True,
        bytes_reserved=reserved,
        appearance_text_params=appearance_params or {},
    )
    attrs = await external.signed_attrs(
        prepared.document_digest, MD_ALGORITHM, use_pades=True
    )
    return PreparedSignature(
        prepared_pdf=output.getvalue(),
        field_name=field_name,
        level=level,
        signed_attrs=attrs.dump(),
        document_digest=prepared.document_digest,
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        certificate=cert.dump(),
        chain=tuple(c.dump() for c in chain),
    )


async def async_two_phase_finish(
    *,
    prepared: PreparedSignature,
    signature_value: bytes,
    timestamper=None,
    validation_context=None,
) -> bytes:
    """Phase 3: check `signature_value` against the certificate and the signed
    attributes, embed it (with a timestamp from level T on), and for LT/LTA add
    the validation data (and a document timestamp for LTA). Raises
    InvalidSignatureValue for a wrong value, TimestampUnavailable when the TSA
    cannot be reached; nothing is produced then and finish can be retried."""
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    level = prepared.level
    if level != "B" and timestamper is None:
        raise ValueError(f"level {level} needs a timestamper")
    if level in ("LT", "LTA") and validation_context is None:
        raise ValueError(f"level {level} needs a validation context")
    cert = x509.Certificate.load(prepared.certificate)
    chain = [x509.Certificate.load(c) for c in prepared.chain]
    if not _verify_raw(cert, signature_value, prepared.signed_attrs):
        raise InvalidSignatureValue()
    external = TwoPhaseSigner(cert, chain).pyhanko_signer(signature_value)
    try:
        signed_cms = await external.async_sign_prescribed_attributes(
            MD_ALGORITHM,
            signed_attrs=cms.CMSAttributes.load(prepared.signed_attrs),
            timestamper=timestamper if level != "B" else None,
        )
    except TimestampRequestError:
        raise TimestampUnavailable() from None
    out = io.BytesIO(prepared.prepared_pdf)
    try:
        await PdfTBSDocument.async_finish_signing(
            out,
            PreparedByteRangeDigest(
                prepared.document_digest,
                prepared.reserved_start,
                prepared.reserved_end,
            ),
            signed_cms,
        )
    except PyHankoSigningError as exc:
        raise SigningError() from exc
    data = out.getvalue()
    if level in ("LT", "LTA"):
        data = await _async_add_long_term(
            data,
            field_name=prepared.field_name,
            archival=level == "LTA",
            timestamper=timestamper,
            validation_context=validation_context,
        )
    return data


async def _async_add_long_term(
    data: bytes, *, field_name, archival, timestamper, validation_context
) -> bytes:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    sig = next(s for s in reader.embedded_signatures if s.field_name == field_name)
    data = await async_add_validation_info(sig, validation_context)
    if archival:
        data = await async_add_document_timestamp(
            data, timestamper=timestamper, validation_context=validation_context
        )
    return data


async def async_add_validation_info(sig, validation_context) -> bytes:
    """The PDF of the embedded signature `sig` with its validation data (chain,
    OCSP responses, CRLs) appended in a DSS revision; CertificateUntrusted
    when they cannot be established."""
    from pyhanko.sign.validation import dss

    try:
        out = await dss.async_add_validation_info(
            sig, validation_context, output=io.BytesIO()
        )
    except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds here
        raise CertificateUntrusted() from exc
    return out.getvalue()


async def async_add_document_timestamp(
    data: bytes, *, timestamper, validation_context
) -> bytes:
    """`data` with a document timestamp (the B-LTA step) over all of it appended;
    TimestampUnavailable when the TSA cannot be reached."""
    try:
        out = await pyhanko_signers.PdfTimeStamper(timestamper).async_timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
            MD_ALGORITHM,
            validation_context,
        )
    except TimestampRequestError:
        raise TimestampUnavailable() from None
    return out.getvalue()


def two_phase_prepare(**kwargs) -> PreparedSignature:
    """Synchronous `async_two_phase_prepare`."""
    return asyncio.run(_closing(async_two_phase_prepare(**kwargs), kwargs))


def two_phase_finish(**kwargs) -> bytes:
    """Synchronous `async_two_phase_finish`."""
    return asyncio.run(_closing(async_two_phase_finish(**kwargs), kwargs))


def sign_hash(private_key, hash_to_sign: bytes) -> bytes:
    """What the remote side of two-phase signing does with its key: sign a
    prehashed SHA-256 (PKCS#1 v1.5 for RSA, ECDSA with DER output). Vanthu never
    holds such a key; the tests and the demo device use this."""
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(
            hash_to_sign, padding.PKCS1v15(), Prehashed(hashes.SHA256())
        )
    return private_key.sign(hash_to_sign, ec.ECDSA(Prehashed(hashes.SHA256())))
