"""Writes of the signing app: registering certificates, checking their revocation,
and the persisted state of two-phase signatures. Every write is audited.

Who a certificate may belong to (`certificate_subject_matches`):

* a person's certificate: its subject's common name (CN) equals the person's full
  name (Unicode NFC, case and spacing ignored, diacritics kept: "Lê Văn An" is not
  "Lê Văn Ân"), AND the subject names the person's organisation: an O or OU value
  equal to the organisation's name, or an organizationIdentifier (2.5.4.97) equal
  to its mã định danh. The name alone is not enough: namesakes are common;
* an organisation's (seal) certificate: its organizationIdentifier equals the
  organisation's mã định danh, or its CN equals the organisation's name.

Who may register: the person themselves or an administrator of their organisation
for a personal certificate; the organisation's văn thư or an administrator of it
for a seal certificate; the system (actor None: the demo PKI).

A certificate is refused when it is expired or not yet valid, may not sign
(no digitalSignature/nonRepudiation key usage, or a CA certificate), is
registered already, is revoked or does not chain to a trusted root (checked
against the trust configuration, or the validation context passed in), or —
for a PKCS#12 file — when the passphrase is wrong or the key is not the
certificate's.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import timedelta

from asn1crypto import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.blobstore import blob_put, get_blob_store
from directory.models import Organisation, Role, User
from directory.selectors import can_manage_organisation, roles_of

from .models import Certificate, KeyBackend, PendingSignature, RevocationStatus
from .selectors import certificate_revocation_is_fresh
from .signers import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
    Pkcs11Signer,
    Pkcs12Signer,
    PreparedSignature,
    Signer,
    SigningError,
    TwoPhaseSigner,
    async_check_certificate,
    async_two_phase_finish,
    async_two_phase_prepare,
    check_validity_period,
)
from .validation import organisation_of


class CertificateRefused(SigningError):
    """The certificate cannot be registered; nothing was stored."""


class PendingSignatureError(SigningError):
    """The pending signature is unknown, finished, cancelled or expired."""


# --- Who a certificate belongs to ------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _name_values(cert: x509.Certificate, key: str) -> list[str]:
    values = []
    for rdn in cert.subject.chosen:
        for attr in rdn:
            if attr["type"].native == key:
                values.append(str(attr["value"].native))
    return values


def certificate_subject_matches(
    cert: x509.Certificate,
    *,
    person: User | None = None,
    organisation: Organisation | None = None,
) -> bool:
    """The rule of the module docstring."""
    org_ids = {_fold(v) for v in _name_values(cert, "organization_identifier")}
    if person is not None:
        org = person.organisation
        if org is None:
            return False
        names = {_fold(v) for v in _name_values(cert, "common_name")}
        if _fold(person.full_name) not in names:
            return False
        orgs = {
            _fold(v)
            for v in _name_values(cert, "organization_name")
            + _name_values(cert, "organizational_unit_name")
        }
        return _fold(org.name) in orgs or _fold(org.code) in org_ids
    if organisation is not None:
        names = {_fold(v) for v in _name_values(cert, "common_name")}
        return _fold(organisation.code) in org_ids or _fold(organisation.name) in names
    return False


def _may_register(
    actor: User | None, person: User | None, organisation: Organisation | None
) -> bool:
    if actor is None:
        return True
    if person is not None:
        if actor.pk == person.pk:
            return True
        return person.organisation is not None and can_manage_organisation(
            user=actor, organisation=person.organisation
        )
    if actor.organisation_id == organisation.pk and Role.VAN_THU in roles_of(
        user=actor
    ):
        return True
    return can_manage_organisation(user=actor, organisation=organisation)


def _may_sign(cert: x509.Certificate) -> bool:
    usage = cert.key_usage_value
    if cert.ca:
        return False
    if usage is None:
        return True
    return bool({"digital_signature", "non_repudiation"} & set(usage.native))


async def _async_check_trust(cert, chain, validation_context) -> None:
    from .trust import validation_context as make_context

    own = validation_context is None
    vc = make_context() if own else validation_context
    try:
        await async_check_certificate(cert, chain, vc)
    finally:
        if own:
            await vc.aclose()


def _check_registrable(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    person: User | None,
    organisation: Organisation | None,
    actor: User | None,
    validation_context,
) -> None:
    if (person is None) == (organisation is None):
        raise ValueError("a certificate belongs to a person or to an organisation")
    if not _may_register(actor, person, organisation):
        raise CertificateRefused(
            _("You may not register a certificate for this person or organisation.")
        )
    try:
        check_validity_period(cert)
    except CertificateExpired:
        raise CertificateRefused(_("The certificate has expired.")) from None
    except CertificateNotYetValid:
        raise CertificateRefused(_("The certificate is not valid yet.")) from None
    if not _may_sign(cert):
        raise CertificateRefused(_("The certificate may not be used for signing."))
    if not certificate_subject_matches(cert, person=person, organisation=organisation):
        if person is not None:
            message = _(
                "The certificate was issued to “%(subject)s”, not to %(name)s of "
                "%(organisation)s."
            ) % {
                "subject": cert.subject.human_friendly,
                "name": person.full_name,
                "organisation": person.organisation,
            }
        else:
            message = _(
                "The certificate was issued to “%(subject)s”, not to %(name)s."
            ) % {
                "subject": cert.subject.human_friendly,
                "name": organisation.name,
            }
        raise CertificateRefused(message)
    if Certificate.objects.filter(fingerprint=cert.sha256.hex()).exists():
        raise CertificateRefused(_("This certificate is registered already."))
    try:
        asyncio.run(_async_check_trust(cert, chain, validation_context))
    except CertificateRevoked:
        raise CertificateRefused(_("The certificate has been revoked.")) from None
    except CertificateUntrusted:
        raise CertificateRefused(
            _(
                "The certificate does not chain to a trusted root, or its "
                "revocation status cannot be established."
            )
        ) from None


def _certificate_row(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    person,
    organisation,
    actor,
    is_demo,
    **backend,
) -> Certificate:
    return Certificate.objects.create(
        person=person,
        organisation=organisation,
        subject=cert.subject.human_friendly[:1000],
        common_name=", ".join(_name_values(cert, "common_name"))[:255],
        issuer=cert.issuer.human_friendly[:1000],
        serial=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        fingerprint=cert.sha256.hex(),
        der=cert.dump(),
        chain_der=[base64.b64encode(c.dump()).decode() for c in chain],
        registered_by=actor,
        is_demo=is_demo,
        revocation_status=RevocationStatus.GOOD,
        revocation_checked_at=timezone.now(),
        **backend,
    )


def _audit_registered(row: Certificate, actor) -> None:
    audit_record(
        actor=actor,
        action="signing.certificate_registered",
        obj=row,
        details={
            "fingerprint": row.fingerprint,
            "serial": row.serial,
            "subject": row.subject,
            "issuer": row.issuer,
            "key_backend": row.key_backend,
            "holder": "person" if row.person_id else "organisation",
            "organisation": organisation_of(x509.Certificate.load(bytes(row.der))),
        },
    )


@transaction.atomic
def certificate_register_pkcs12(
    *,
    data: bytes,
    passphrase: str,
    person: User | None = None,
    organisation: Organisation | None = None,
    actor: User | None,
    is_demo: bool = False,
    validation_context=None,
) -> Certificate:
    """Register the certificate of a PKCS#12 file (its key stays in the file, in
    the blob store, encrypted with `passphrase`, which is not stored). Raises
    WrongPassphrase, KeyMismatch or CertificateRefused; nothing is stored then."""
    signer = Pkcs12Signer.load(data, passphrase, cache=False)
    cert, chain = signer.certificate, signer.ca_chain
    _check_registrable(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        validation_context=validation_context,
    )
    blob = blob_put(stream=io.BytesIO(data))
    row = _certificate_row(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        is_demo=is_demo,
        key_backend=KeyBackend.PKCS12,
        pkcs12_blob=blob,
    )
    _audit_registered(row, actor)
    return row


@transaction.atomic
def certificate_register_pkcs11(
    *,
    certificate_der: bytes,
    chain_der: Sequence[bytes] = (),
    token_label: str,
    key_id: bytes = b"",
    key_label: str = "",
    pin: str | None = None,
    person: User | None = None,
    organisation: Organisation | None = None,
    actor: User | None,
    is_demo: bool = False,
    validation_context=None,
) -> Certificate:
    """Register a certificate whose key is in a PKCS#11 token or HSM (module:
    settings.VANTHU_PKCS11_MODULE). With `pin`, the token is opened and the key
    proven to match the certificate before anything is stored."""
    cert = x509.Certificate.load(certificate_der)
    chain = [x509.Certificate.load(c) for c in chain_der]
    if not token_label or not (key_id or key_label):
        raise ValueError("a PKCS#11 key needs a token label and a key id or label")
    _check_registrable(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        validation_context=validation_context,
    )
    if pin is not None:
        Pkcs11Signer.open(
            module=settings.VANTHU_PKCS11_MODULE,
            token_label=token_label,
            pin=pin,
            key_id=key_id or None,
            key_label=key_label or None,
            certificate=cert,
            ca_chain=chain,
            cache=False,
        ).close()
    row = _certificate_row(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        is_demo=is_demo,
        key_backend=KeyBackend.PKCS11,
        pkcs11_token_label=token_label,
        pkcs11_key_id=key_id.hex(),
        pkcs11_key_label=key_label,
    )
    _audit_registered(row, actor)
    return row


@transaction.atomic
def certificate_register_remote(
    *,
    certificate_der: bytes,
    chain_der: Sequence[bytes] = (),
    person: User | None = None,
    organisation: Organisation | None = None,
    actor: User | None,
    is_demo: bool = False,
    validation_context=None,
) -> Certificate:
    """Register a certificate whose key stays on the signer's own device (USB
    token, remote-signing service): signatures are made in two phases."""
    cert = x509.Certificate.load(certificate_der)
    chain = [x509.Certificate.load(c) for c in chain_der]
    _check_registrable(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        validation_context=validation_context,
    )
    row = _certificate_row(
        cert,
        chain,
        person=person,
        organisation=organisation,
        actor=actor,
        is_demo=is_demo,
        key_backend=KeyBackend.REMOTE,
    )
    _audit_registered(row, actor)
    return row


@transaction.atomic
def certificate_deactivate(
    *, certificate: Certificate, actor: User | None, reason: str = ""
) -> Certificate:
    """Take a certificate out of use (replaced, key lost, person left)."""
    if not certificate.is_active:
        return certificate
    certificate.is_active = False
    certificate.deactivated_at = timezone.now()
    certificate.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        actor=actor,
        action="signing.certificate_deactivated",
        obj=certificate,
        details={"fingerprint": certificate.fingerprint, "reason": reason},
    )
    return certificate


def certificate_x509(certificate: Certificate) -> x509.Certificate:
    return x509.Certificate.load(bytes(certificate.der))


def certificate_chain(certificate: Certificate) -> list[x509.Certificate]:
    return [
        x509.Certificate.load(base64.b64decode(c)) for c in certificate.chain_der or []
    ]


async def _async_revocation(cert, chain, validation_context):
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator import errors as cv_errors

    from .trust import validation_context as make_context

    own = validation_context is None
    vc = make_context(revocation="hard-fail") if own else validation_context
    try:
        validator = CertificateValidator(
            cert, intermediate_certs=chain, validation_context=vc
        )
        try:
            await validator.async_validate_usage(set())
        except cv_errors.RevokedError as exc:
            return RevocationStatus.REVOKED, getattr(exc, "revocation_dt", None), ""
        except (cv_errors.PathValidationError, cv_errors.PathBuildingError) as exc:
            return RevocationStatus.UNDETERMINED, None, str(exc)[:500]
        return RevocationStatus.GOOD, None, ""
    finally:
        if own:
            await vc.aclose()


def certificate_check_revocation(
    *, certificate: Certificate, force: bool = False, validation_context=None
) -> Certificate:
    """The certificate's revocation status from OCSP/CRL (trust configuration),
    reused for VANTHU_REVOCATION_CACHE_SECONDS unless `force`. A status that
    changes is audited; a revoked certificate is never checked again."""
    if not force and certificate_revocation_is_fresh(certificate):
        return certificate
    status, revoked_at, detail = asyncio.run(
        _async_revocation(
            certificate_x509(certificate),
            certificate_chain(certificate),
            validation_context,
        )
    )
    with transaction.atomic():
        row = Certificate.objects.select_for_update().get(pk=certificate.pk)
        changed = row.revocation_status != status
        row.revocation_status = status
        row.revocation_checked_at = timezone.now()
        row.revocation_detail = detail
        if status == RevocationStatus.REVOKED:
            row.revoked_at = revoked_at or row.revoked_at or timezone.now()
        row.save(
            update_fields=[
                "revocation_status",
                "revocation_checked_at",
                "revocation_detail",
                "revoked_at",
            ]
        )
        if changed:
            audit_record(
                actor=None,
                action="signing.certificate_revocation_status",
                obj=row,
                details={"fingerprint": row.fingerprint, "status": status},
            )
    return row


# --- Signers from the registry -----------------------------------------------------


def _read_blob(sha256: str) -> bytes:
    with get_blob_store().open(sha256) as stream:
        return stream.read()


def signer_for(*, certificate: Certificate, secret: str | None = None) -> Signer:
    """The signer of a registered certificate: its PKCS#12 file opened with the
    passphrase `secret`, its PKCS#11 key with the PIN `secret`, or a two-phase
    signer for a remote key (no secret). Raises WrongPassphrase, WrongPin,
    SignerUnavailable, KeyMismatch; CertificateRefused for an inactive one."""
    if not certificate.is_active:
        raise CertificateRefused(_("This certificate is no longer in use."))
    cert = certificate_x509(certificate)
    chain = certificate_chain(certificate)
    if certificate.key_backend == KeyBackend.PKCS12:
        signer = Pkcs12Signer.load(
            _read_blob(certificate.pkcs12_blob_id), secret or "", extra_certs=chain
        )
        if signer.certificate.dump() != cert.dump():
            raise CertificateRefused(
                _("The key file does not hold the registered certificate.")
            )
        return signer
    if certificate.key_backend == KeyBackend.PKCS11:
        return Pkcs11Signer.open(
            module=settings.VANTHU_PKCS11_MODULE,
            token_label=certificate.pkcs11_token_label,
            pin=secret or "",
            key_id=bytes.fromhex(certificate.pkcs11_key_id) or None,
            key_label=certificate.pkcs11_key_label or None,
            certificate=cert,
            ca_chain=chain,
        )
    return TwoPhaseSigner(cert, chain)


# --- Two-phase signatures ------------------------------------------------------------


@transaction.atomic
def signature_prepare_remote(
    *,
    certificate: Certificate,
    pdf: bytes,
    field_name: str,
    level: str = "T",
    certify: bool = False,
    docmdp=None,
    appearance=None,
    appearance_params: dict | None = None,
    actor: User | None,
    validation_context=None,
    context: dict | None = None,
) -> PendingSignature:
    """Phase 1 of a two-phase signature: the placeholder is written, the prepared
    PDF stored in the blob store, and the state kept in a PendingSignature whose
    random `token` identifies it. The signer's device signs `hash_to_sign` (hex
    SHA-256 of the CMS signed attributes) and the value comes back through
    `signature_complete_remote`.

    `context` (JSON) is kept with the state for the caller that completes the
    signature: what is being signed and for whom (e.g. workflow's document and
    version); the signing app does not read it."""
    from .signers import FILL_FORMS

    if certificate.key_backend != KeyBackend.REMOTE:
        raise ValueError("two-phase signing is for certificates with a remote key")
    if not certificate.is_active:
        raise CertificateRefused(_("This certificate is no longer in use."))
    signer = TwoPhaseSigner(
        certificate_x509(certificate), certificate_chain(certificate)
    )

    async def prepare():
        from .trust import validation_context as make_context

        own = validation_context is None
        vc = make_context() if own else validation_context
        try:
            return await async_two_phase_prepare(
                pdf=pdf,
                signer=signer,
                field_name=field_name,
                level=level,
                certify=certify,
                docmdp=docmdp or FILL_FORMS,
                appearance=appearance,
                appearance_params=appearance_params,
                validation_context=vc,
            )
        finally:
            if own:
                await vc.aclose()

    prepared = asyncio.run(prepare())
    source = blob_put(stream=io.BytesIO(pdf))
    blob = blob_put(stream=io.BytesIO(prepared.prepared_pdf))
    now = timezone.now()
    pending = PendingSignature.objects.create(
        token=secrets.token_urlsafe(32),
        certificate=certificate,
        requested_by=actor,
        source_blob=source,
        prepared_blob=blob,
        field_name=field_name,
        level=level,
        state={**prepared.to_state(), "context": context or {}},
        hash_to_sign=prepared.hash_to_sign.hex(),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.VANTHU_PENDING_SIGNATURE_SECONDS),
    )
    audit_record(
        actor=actor,
        action="signing.remote_signature_prepared",
        obj=pending,
        details={
            "certificate": certificate.fingerprint,
            "field": field_name,
            "level": level,
            "source_sha256": source.sha256,
            "hash_to_sign": pending.hash_to_sign,
        },
    )
    return pending


def signature_complete_remote(
    *,
    token: str,
    signature_value: bytes,
    actor: User | None = None,
    timestamper=None,
    validation_context=None,
) -> tuple[PendingSignature, bytes]:
    """Phase 3: embed the returned signature value (checked against the
    certificate first), timestamp it from level T on, store the signed PDF and
    mark the pending signature completed. Raises PendingSignatureError,
    InvalidSignatureValue, TimestampUnavailable — the pending signature then stays
    pending and can be completed again."""
    from .trust import get_timestamper

    with transaction.atomic():
        pending = (
            PendingSignature.objects.select_for_update()
            .select_related("certificate")
            .filter(token=token)
            .first()
        )
        if pending is None:
            raise PendingSignatureError(_("No signature is waiting under this token."))
        if pending.status != PendingSignature.Status.PENDING:
            raise PendingSignatureError(
                _("This signature was completed or cancelled already.")
            )
        if pending.expires_at <= timezone.now():
            raise PendingSignatureError(
                _("The time to sign has run out; prepare the signature again.")
            )
        prepared = PreparedSignature.from_state(
            pending.state, _read_blob(pending.prepared_blob_id)
        )
        if (
            hashlib.sha256(prepared.prepared_pdf).hexdigest()
            != pending.prepared_blob_id
        ):
            raise PendingSignatureError(_("The prepared document is damaged."))
        stamper = timestamper
        if stamper is None and prepared.level != "B":
            stamper = get_timestamper()

        async def finish():
            from .trust import validation_context as make_context

            needs_vc = prepared.level in ("LT", "LTA")
            own = validation_context is None and needs_vc
            vc = make_context() if own else validation_context
            try:
                return await async_two_phase_finish(
                    prepared=prepared,
                    signature_value=signature_value,
                    timestamper=stamper,
                    validation_context=vc,
                )
            finally:
                if own:
                    await vc.aclose()

        signed = asyncio.run(finish())
        result = blob_put(stream=io.BytesIO(signed))
        pending.status = PendingSignature.Status.COMPLETED
        pending.completed_at = timezone.now()
        pending.result_blob = result
        pending.save(update_fields=["status", "completed_at", "result_blob"])
        audit_record(
            actor=actor,
            action="signing.remote_signature_completed",
            obj=pending,
            details={
                "certificate": pending.certificate.fingerprint,
                "field": pending.field_name,
                "level": pending.level,
                "result_sha256": result.sha256,
            },
        )
    return pending, signed


# --- The demo PKI's certificates ---------------------------------------------------


def _reactivate(certificate: Certificate) -> None:
    certificate.is_active = True
    certificate.deactivated_at = None
    certificate.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        actor=None,
        action="signing.certificate_reactivated",
        obj=certificate,
        details={"fingerprint": certificate.fingerprint},
    )


def demo_certificates_register(*, pki) -> list[Certificate]:
    """Register every demo leader's and demo organisation's certificate of `pki`
    (signing.pki.DemoPki) as a PKCS#12 file with the demo passphrase; a holder's
    older demo certificates (issued for another PKI address) are deactivated.
    Idempotent: returns the certificates registered now."""
    from .pki import demo_pkcs12_passphrase

    passphrase = demo_pkcs12_passphrase()
    vc = None  # made at the first registration: building CRLs loads every key
    created = []
    for label in pki.labels(kind="person") + pki.labels(kind="organisation"):
        subject = pki.subject_of(label)
        holder_q = (
            {"person__username": subject.ref}
            if subject.kind == "person"
            else {"organisation__code": subject.ref}
        )
        serial = format(pki.serial_of(label), "X")
        current = Certificate.objects.filter(
            is_demo=True, is_active=True, serial=serial, **holder_q
        )
        # Issuing a certificate costs key operations: skip the ones registered
        # already for the PKI's present address.
        if any(
            all(url.startswith(pki.base_url) for url in certificate_x509(row).ocsp_urls)
            for row in current
        ):
            continue
        if subject.kind == "person":
            holder = {"person": User.objects.filter(username=subject.ref).first()}
        else:
            holder = {
                "organisation": Organisation.objects.filter(code=subject.ref).first()
            }
        if next(iter(holder.values())) is None:
            continue
        cert = pki.cert(label)
        known = Certificate.objects.filter(fingerprint=cert.sha256.hex()).first()
        with transaction.atomic():
            for old in Certificate.objects.filter(
                is_demo=True, is_active=True, **holder
            ).exclude(pk=getattr(known, "pk", None)):
                certificate_deactivate(
                    certificate=old, actor=None, reason="demo PKI issued again"
                )
            if known is not None:
                # Issued before for this address (the port changed and back).
                if not known.is_active:
                    _reactivate(known)
                continue
            vc = vc or pki.offline_validation_context()
            created.append(
                certificate_register_pkcs12(
                    data=pki.pkcs12(label, passphrase.encode()),
                    passphrase=passphrase,
                    actor=None,
                    is_demo=True,
                    validation_context=vc,
                    **holder,
                )
            )
    return created
