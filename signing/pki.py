"""The demo PKI (hạ tầng khóa công khai thử nghiệm) of `make run` and the tests.

Made offline with certomancer from keys pregenerated here (RSA-2048, encrypted
PKCS#8 PEM under `<pki dir>/keys/`): a root CA, an issuing CA, an OCSP responder,
a TSA, one certificate for every demo leader (role lãnh đạo cơ quan), one agency
(seal) certificate per demo organisation, and for the tests a revoked and an
expired leader certificate. Every subject carries the organisation name
`DEMO_ORGANISATION` ("DEMO — không có giá trị pháp lý"): nothing issued here has
any legal value.

Everything that defines a certificate is kept in `<pki dir>/state.json` (subjects,
keys, serial numbers, validity, revocation) and the CA keys' password in
`<pki dir>/ca-key-password` (or VANTHU_PKI_KEY_PASSWORD), so loading the PKI again
gives byte-identical certificates; `demo_pki_ensure` only adds what is missing.
The certificates' CRL distribution points and OCSP addresses, and the TSA address,
live under `base_url` (settings.VANTHU_DEMO_PKI_URL): the services are served over
real HTTP by `DemoPki.respond`, mounted in Django under /demo-pki/ (signing.views)
and, for tests and benchmarks, by `LoopbackPkiServer` on 127.0.0.1. When the
configured URL changes (another VANTHU_PORT), the certificates are issued again
with the same keys and the new URL.

Production never uses this module: it trusts the Ban Cơ yếu Chính phủ roots
(VANTHU_TRUST_ROOTS) and uses the CA's TSA (VANTHU_TSA_URL); see docs/signing.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socketserver
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from asn1crypto import ocsp, pem, tsp, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARCH_LABEL = "vanthu-demo"
DEMO_ORGANISATION = "DEMO — không có giá trị pháp lý"
STATE_VERSION = 1
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"

# Fixed labels of the PKI's own entities.
ROOT = "root"
ISSUING_CA = "issuing-ca"
OCSP_RESPONDER = "ocsp-responder"
TSA = "tsa"
_CA_LABELS = (ROOT, ISSUING_CA, OCSP_RESPONDER, TSA)


class DemoPkiError(Exception):
    """The demo PKI is missing, damaged or asked for something it does not hold."""


@dataclass(frozen=True)
class DemoSubject:
    """Someone the demo PKI issues a certificate to: a person (a leader) or an
    organisation (its seal). Plain values, read from the directory by the caller."""

    kind: str  # "person" or "organisation"
    ref: str  # the person's username or the organisation's mã định danh
    common_name: str
    organisation_name: str
    organisation_code: str

    @property
    def label(self) -> str:
        return subject_label(self.kind, self.ref)


def subject_label(kind: str, ref: str) -> str:
    """The certomancer label of a subject: "person-lanhdao-stc", "org-000-00-02-H99"."""
    prefix = {"person": "person", "organisation": "org"}[kind]
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9]+", "-", ref).strip("-")


@dataclass
class _Entity:
    label: str
    kind: str  # ca | person | organisation | hsm
    ref: str
    common_name: str
    organisation_name: str = ""
    organisation_code: str = ""
    serial: int = 0
    valid_from: str = ""
    valid_to: str = ""
    key: str = ""  # key label (file keys/<key>.key.pem or .pub.pem)
    public_only: bool = False
    revoked_since: str = ""
    variant: str = ""  # "", "revoked" or "expired"


@dataclass
class _State:
    version: int
    created_at: str
    base_url: str
    ca_valid_from: str
    ca_valid_to: str
    entities: list[_Entity] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> _State:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise DemoPkiError(f"{path}: unknown demo PKI state version")
        entities = [_Entity(**e) for e in data.pop("entities")]
        return cls(**data, entities=entities)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        os.replace(tmp, path)

    def get(self, label: str) -> _Entity | None:
        return next((e for e in self.entities if e.label == label), None)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _parse(text: str) -> datetime:
    # Always written by _fmt, in UTC.
    return datetime.fromisoformat(text.replace("+0000", "+00:00"))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_password(directory: Path) -> bytes:
    """The password of the PKI's key files: VANTHU_PKI_KEY_PASSWORD, else a random
    one made once and kept beside the keys (0600)."""
    configured = os.environ.get("VANTHU_PKI_KEY_PASSWORD", "")
    if configured:
        return configured.encode()
    path = directory / "ca-key-password"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(24).encode())
    return path.read_bytes().strip()


def _new_serial() -> int:
    # Positive, at most 20 octets (RFC 5280 §4.1.2.2), unpredictable.
    return secrets.randbits(63) | (1 << 62)


_key_cache_installed = False


def _install_key_cache() -> None:
    """certomancer parses the private key again for every signature it makes
    (certificate, CRL, OCSP response, timestamp): ≈30 ms of OpenSSL key checks
    each for RSA-2048, the pitfall of signing-stack.md §10.2. Its crypto backend
    is a module global; this replaces it, once per process, with one that keeps
    the parsed keys. Only certomancer (the demo PKI) uses that backend."""
    global _key_cache_installed
    if _key_cache_installed:
        return
    from certomancer import crypto_utils
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    class CachingBackend(crypto_utils.PycaCryptographyBackend):
        def __init__(self):
            self._keys: dict[bytes, object] = {}
            self._lock = threading.Lock()

        def generic_sign(self, private_key, tbs_bytes, sd_algo):
            if sd_algo.signature_algo != "rsassa_pkcs1v15":
                return super().generic_sign(private_key, tbs_bytes, sd_algo)
            der = private_key.dump()
            with self._lock:
                key = self._keys.get(der)
                if key is None:
                    key = self._keys[der] = serialization.load_der_private_key(
                        der, password=None
                    )
            hash_algo = getattr(hashes, sd_algo.hash_algo.upper())()
            return key.sign(tbs_bytes, padding.PKCS1v15(), hash_algo)

    crypto_utils.CRYPTO_BACKEND = CachingBackend()
    _key_cache_installed = True


class DemoPki:
    """A demo PKI on disk, loaded for use. Build or complete one with
    `demo_pki_ensure`; load an existing one with `DemoPki(directory)`."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        state_path = self.directory / "state.json"
        if not state_path.exists():
            raise DemoPkiError(
                f"No demo PKI in {self.directory}: run `manage.py demo_pki`."
            )
        self._state = _State.load(state_path)
        self._password = _key_password(self.directory)
        self._lock = threading.RLock()

    # --- Configuration ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._state.base_url

    @property
    def created_at(self) -> datetime:
        return _parse(self._state.created_at)

    def _config(self) -> dict:
        state = self._state
        keys = {}
        entities = {}
        certs: dict[str, dict] = {}
        for e in state.entities:
            keys[e.key] = (
                {"path": f"{e.key}.pub.pem", "public-only": True}
                if e.public_only
                else {"path": f"{e.key}.key.pem"}
            )
            name = {"common-name": e.common_name}
            if e.kind == "person" or e.kind == "hsm":
                name["organizational-unit-name"] = e.organisation_name
            if e.kind == "organisation":
                name["organization-identifier"] = e.organisation_code
            entities[e.label] = name
        validity = {"valid-from": state.ca_valid_from, "valid-to": state.ca_valid_to}
        certs[ROOT] = {
            "subject": ROOT,
            "issuer": ROOT,
            "serial": state.get(ROOT).serial,
            "validity": validity,
            "profiles": [{"id": "simple-ca", "params": {"crl-repo": ROOT}}],
        }
        certs[ISSUING_CA] = {
            "subject": ISSUING_CA,
            "issuer": ROOT,
            "serial": state.get(ISSUING_CA).serial,
            "validity": validity,
            "profiles": [
                {
                    "id": "simple-ca",
                    "params": {
                        "max-path-len": 0,
                        "crl-repo": ISSUING_CA,
                        "ocsp-service": ISSUING_CA,
                    },
                }
            ],
        }
        certs[OCSP_RESPONDER] = {
            "subject": OCSP_RESPONDER,
            "issuer": ISSUING_CA,
            "serial": state.get(OCSP_RESPONDER).serial,
            "validity": validity,
            "profiles": ["ocsp-responder"],
        }
        certs[TSA] = {
            "subject": TSA,
            "issuer": ROOT,
            "serial": state.get(TSA).serial,
            "validity": validity,
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {
                        "schema": "key-usage",
                        "params": ["digital_signature"],
                    },
                },
                {
                    "id": "extended_key_usage",
                    "critical": True,
                    "value": ["time_stamping"],
                },
            ],
        }
        for e in state.entities:
            if e.kind == "ca":
                continue
            spec = {
                "subject": e.label,
                "subject-key": e.key,
                "issuer": ISSUING_CA,
                "serial": e.serial,
                "validity": {"valid-from": e.valid_from, "valid-to": e.valid_to},
                "profiles": ["digsig-commitment"],
            }
            if e.revoked_since:
                spec["revocation"] = {
                    "revoked-since": e.revoked_since,
                    "reason": "key_compromise",
                }
            certs[e.label] = spec
        return {
            "external-url-prefix": state.base_url,
            "keysets": {
                "demo": {
                    "path-prefix": str(self.directory / "keys"),
                    "default-password": self._password.decode(),
                    "keys": keys,
                }
            },
            "pki-architectures": {
                ARCH_LABEL: {
                    "keyset": "demo",
                    "entity-defaults": {
                        "country-name": "VN",
                        "organization-name": DEMO_ORGANISATION,
                    },
                    "entities": entities,
                    "certs": certs,
                    "services": {
                        "ocsp": {
                            ISSUING_CA: {
                                "for-issuer": ISSUING_CA,
                                "responder-cert": OCSP_RESPONDER,
                                "signing-key": OCSP_RESPONDER,
                            }
                        },
                        "crl-repo": {
                            ROOT: {
                                "for-issuer": ROOT,
                                "signing-key": ROOT,
                                "simulated-update-schedule": "P30D",
                            },
                            ISSUING_CA: {
                                "for-issuer": ISSUING_CA,
                                "signing-key": ISSUING_CA,
                                "simulated-update-schedule": "P1D",
                            },
                        },
                        "time-stamping": {
                            TSA: {"signing-key": TSA, "signing-cert": TSA}
                        },
                    },
                }
            },
        }

    @cached_property
    def arch(self):
        """certomancer's PKIArchitecture of this PKI."""
        from certomancer.registry import ArchLabel, CertomancerConfig

        _install_key_cache()
        config = CertomancerConfig(
            self._config(),
            key_search_dir=str(self.directory / "keys"),
            lazy_load_keys=True,
        )
        return config.get_pki_arch(ArchLabel(ARCH_LABEL))

    # --- Certificates ----------------------------------------------------------

    def cert(self, label: str) -> x509.Certificate:
        from certomancer.registry import CertLabel

        if self._state.get(label) is None:
            raise DemoPkiError(f"The demo PKI has no certificate {label!r}.")
        with self._lock:
            return self.arch.get_cert(CertLabel(label))

    @property
    def root_cert(self) -> x509.Certificate:
        return self.cert(ROOT)

    @property
    def issuing_ca_cert(self) -> x509.Certificate:
        return self.cert(ISSUING_CA)

    @property
    def tsa_cert(self) -> x509.Certificate:
        return self.cert(TSA)

    def offline_validation_context(self, *, at: datetime | None = None):
        """A ValidationContext that needs no server: the demo root as trust anchor
        and the current CRLs of both CAs, hard-fail revocation, no fetching."""
        from certomancer.registry import ServiceLabel
        from pyhanko_certvalidator import ValidationContext

        at = at or datetime.now(UTC)
        with self._lock:
            registry = self.arch.service_registry
            crls = [registry.get_crl(ServiceLabel(n), at) for n in (ROOT, ISSUING_CA)]
        return ValidationContext(
            trust_roots=[self.root_cert],
            crls=crls,
            allow_fetching=False,
            revocation_mode="hard-fail",
        )

    def root_pem(self) -> bytes:
        return pem.armor("CERTIFICATE", self.root_cert.dump())

    def pkcs12(self, label: str, passphrase: bytes) -> bytes:
        """The certificate `label` with its private key and chain, as a PKCS#12
        file encrypted with `passphrase`."""
        from certomancer.registry import CertLabel

        entity = self._state.get(label)
        if entity is None or entity.kind == "ca":
            raise DemoPkiError(f"The demo PKI holds no signing key {label!r}.")
        if entity.public_only:
            raise DemoPkiError(f"The key of {label!r} lives in a token, not here.")
        with self._lock:
            return self.arch.package_pkcs12(CertLabel(label), password=passphrase)

    def labels(self, *, kind: str | None = None, variant: str = "") -> list[str]:
        return [
            e.label
            for e in self._state.entities
            if (kind is None or e.kind == kind) and e.variant == variant
        ]

    def revoked_label(self) -> str:
        return next(e.label for e in self._state.entities if e.variant == "revoked")

    def expired_label(self) -> str:
        return next(e.label for e in self._state.entities if e.variant == "expired")

    def serial_of(self, label: str) -> int:
        """The serial number of certificate `label`, without issuing it."""
        entity = self._state.get(label)
        if entity is None:
            raise DemoPkiError(f"The demo PKI has no certificate {label!r}.")
        return entity.serial

    def subject_of(self, label: str) -> DemoSubject:
        e = self._state.get(label)
        if e is None or e.kind == "ca":
            raise DemoPkiError(f"The demo PKI has no subject {label!r}.")
        return DemoSubject(
            kind="organisation" if e.kind == "organisation" else "person",
            ref=e.ref,
            common_name=e.common_name,
            organisation_name=e.organisation_name,
            organisation_code=e.organisation_code,
        )

    # --- Services ----------------------------------------------------------------

    def _service_path(self, url: str) -> str:
        return urlsplit(url).path[len(urlsplit(self.base_url).path) :]

    @property
    def tsa_url(self) -> str:
        from certomancer.registry import ServiceLabel

        return self.arch.service_registry.get_tsa_info(ServiceLabel(TSA)).url

    @cached_property
    def _routes(self) -> dict[tuple[str, str], tuple[str, str]]:
        services = self.arch.service_registry
        routes = {}
        for info in services.list_ocsp_responders():
            routes["POST", self._service_path(info.url)] = ("ocsp", info.label)
        for info in services.list_time_stamping_services():
            routes["POST", self._service_path(info.url)] = ("tsa", info.label)
        for info in services.list_crl_repos():
            routes["GET", self._service_path(info.latest_external_url)] = (
                "crl",
                info.label,
            )
        for info in services.list_cert_repos():
            routes["GET", self._service_path(info.issuer_cert_external_url)] = (
                "cacert",
                info.label,
            )
        routes["GET", "/root.crt"] = ("root", ROOT)
        return routes

    def respond(
        self, method: str, path: str, body: bytes, at: datetime | None = None
    ) -> tuple[int, str, bytes]:
        """Answer one HTTP request for the PKI's services: OCSP (POST), RFC 3161
        timestamps (POST), CRLs (GET), CA certificates (GET). `path` is relative to
        base_url ("/vanthu-demo/tsa/tsa"). Returns (status, content type, body)."""
        at = at or datetime.now(UTC)
        route = self._routes.get((method.upper(), "/" + path.lstrip("/")))
        if route is None:
            return 404, "text/plain", b"not found"
        kind, label = route
        registry = self.arch.service_registry
        try:
            with self._lock:
                if kind == "ocsp":
                    request = ocsp.OCSPRequest.load(body)
                    responder = registry.summon_responder(label, at)
                    data = responder.build_ocsp_response(request).dump()
                    return 200, "application/ocsp-response", data
                if kind == "tsa":
                    request = tsp.TimeStampReq.load(body)
                    tsa = registry.summon_timestamper(label, at)
                    data = tsa.request_tsa_response(request).dump()
                    return 200, "application/timestamp-reply", data
                if kind == "crl":
                    return (
                        200,
                        "application/pkix-crl",
                        registry.get_crl(label, at).dump(),
                    )
                if kind == "cacert":
                    info = next(
                        i for i in registry.list_cert_repos() if i.label == label
                    )
                    return (
                        200,
                        "application/pkix-cert",
                        self.cert(info.for_issuer).dump(),
                    )
                return 200, "application/x-pem-file", self.root_pem()
        except (ValueError, TypeError, KeyError):
            return 400, "text/plain", b"bad request"

    def wsgi_app(self):
        """A WSGI application serving `respond` at the path of base_url."""
        prefix = urlsplit(self.base_url).path.rstrip("/")

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if not path.startswith(prefix + "/"):
                status, ctype, data = 404, "text/plain", b"not found"
            else:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                status, ctype, data = self.respond(
                    environ["REQUEST_METHOD"], path[len(prefix) :], body
                )
            reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
            start_response(
                f"{status} {reason}",
                [("Content-Type", ctype), ("Content-Length", str(len(data)))],
            )
            return [data]

        return app


# --- Building and completing a demo PKI ------------------------------------------


def _generate_key(path: Path, password: bytes) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_private(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        ),
    )


def demo_pki_ensure(
    *,
    directory: str | os.PathLike,
    base_url: str,
    subjects: Iterable[DemoSubject],
    now: datetime | None = None,
) -> DemoPki:
    """Make the demo PKI in `directory`, or complete it: a key and a certificate
    for each subject that has none, the revoked and the expired test certificates
    (of the first person subject), and `base_url` as the services' address.
    Existing keys and certificates are kept byte for byte when the URL is
    unchanged. Idempotent."""
    directory = Path(directory)
    keys_dir = directory / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    os.chmod(keys_dir, 0o700)
    password = _key_password(directory)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    base_url = base_url.rstrip("/")
    state_path = directory / "state.json"
    if state_path.exists():
        state = _State.load(state_path)
        state.base_url = base_url
    else:
        state = _State(
            version=STATE_VERSION,
            created_at=_fmt(now),
            base_url=base_url,
            ca_valid_from=_fmt(now - timedelta(days=1)),
            ca_valid_to=_fmt(now + timedelta(days=20 * 365)),
        )
        names = {
            ROOT: "DEMO Root CA Vanthu",
            ISSUING_CA: "DEMO Issuing CA Vanthu",
            OCSP_RESPONDER: "DEMO OCSP Responder Vanthu",
            TSA: "DEMO TSA Vanthu",
        }
        for label in _CA_LABELS:
            state.entities.append(
                _Entity(
                    label=label,
                    kind="ca",
                    ref=label,
                    common_name=names[label],
                    serial=_new_serial(),
                    key=label,
                )
            )
    leaf_from = _fmt(now - timedelta(days=1))
    leaf_to = _fmt(now + timedelta(days=3 * 365))
    first_person: DemoSubject | None = None
    for subject in subjects:
        if subject.kind == "person" and first_person is None:
            first_person = subject
        if state.get(subject.label) is None:
            state.entities.append(
                _Entity(
                    label=subject.label,
                    kind=subject.kind,
                    ref=subject.ref,
                    common_name=_nfc(subject.common_name),
                    organisation_name=_nfc(subject.organisation_name),
                    organisation_code=subject.organisation_code,
                    serial=_new_serial(),
                    valid_from=leaf_from,
                    valid_to=leaf_to,
                    key=subject.label,
                )
            )
    if first_person is not None and not any(
        e.variant for e in state.entities if e.kind == "person"
    ):
        created = _parse(state.created_at)
        base = state.get(first_person.label)
        for variant, valid_from, valid_to, revoked in (
            (
                "revoked",
                leaf_from,
                leaf_to,
                _fmt(created - timedelta(hours=1)),
            ),
            (
                "expired",
                _fmt(created - timedelta(days=2 * 365)),
                _fmt(created - timedelta(days=365)),
                "",
            ),
        ):
            state.entities.append(
                _Entity(
                    label=f"{base.label}-{variant}",
                    kind="person",
                    ref=base.ref,
                    common_name=base.common_name,
                    organisation_name=base.organisation_name,
                    organisation_code=base.organisation_code,
                    serial=_new_serial(),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    key=base.key,
                    revoked_since=revoked,
                    variant=variant,
                )
            )
    for e in state.entities:
        if e.public_only:
            continue
        path = keys_dir / f"{e.key}.key.pem"
        if not path.exists():
            _generate_key(path, password)
    state.save(state_path)
    return DemoPki(directory)


def demo_pki_issue_for_public_key(
    *,
    pki: DemoPki,
    label: str,
    public_key_der: bytes,
    subject: DemoSubject,
    now: datetime | None = None,
) -> x509.Certificate:
    """Issue a demo certificate for a key that lives elsewhere (a PKCS#11 token or
    HSM, a signer's own device): only its public key (SubjectPublicKeyInfo, DER)
    comes here. Returns the new certificate; the PKI is reloaded."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    directory = pki.directory
    state = _State.load(directory / "state.json")
    if state.get(label) is not None:
        raise DemoPkiError(f"The demo PKI already has {label!r}.")
    pem_data = pem.armor("PUBLIC KEY", public_key_der)
    (directory / "keys" / f"{label}.pub.pem").write_bytes(pem_data)
    state.entities.append(
        _Entity(
            label=label,
            kind="hsm",
            ref=subject.ref,
            common_name=_nfc(subject.common_name),
            organisation_name=_nfc(subject.organisation_name),
            organisation_code=subject.organisation_code,
            serial=_new_serial(),
            valid_from=_fmt(now - timedelta(days=1)),
            valid_to=_fmt(now + timedelta(days=3 * 365)),
            key=label,
            public_only=True,
        )
    )
    state.save(directory / "state.json")
    return DemoPki(directory).cert(label)


def demo_subjects_from_directory() -> list[DemoSubject]:
    """The demo leaders (role lãnh đạo cơ quan in a demo organisation) and the
    demo organisations, in a stable order."""
    from django.db.models import F

    from directory.models import Organisation, Role, RoleAssignment

    subjects = []
    leaders = (
        RoleAssignment.objects.filter(
            role=Role.LANH_DAO_CO_QUAN,
            organisation__is_demo=True,
            user__is_active=True,
            user__organisation_id=F("organisation_id"),
        )
        .select_related("user", "organisation")
        .order_by("organisation__code", "user__username")
    )
    for assignment in leaders:
        user, org = assignment.user, assignment.organisation
        subjects.append(
            DemoSubject(
                kind="person",
                ref=user.username,
                common_name=user.full_name or user.username,
                organisation_name=org.name,
                organisation_code=org.code,
            )
        )
    for org in Organisation.objects.filter(is_demo=True, is_active=True).order_by(
        "code"
    ):
        subjects.append(
            DemoSubject(
                kind="organisation",
                ref=org.code,
                common_name=org.name,
                organisation_name=org.name,
                organisation_code=org.code,
            )
        )
    return subjects


# --- Serving on loopback ----------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class LoopbackPkiServer:
    """A real HTTP server on 127.0.0.1 (a free port) serving a demo PKI's OCSP,
    CRLs and TSA from a thread: for tests and benchmarks, where no Django server
    runs. The port is known before the PKI exists (`base_url`), so the PKI's
    certificates can point at it; `serve(pki)` then answers with that PKI."""

    def __init__(self, prefix: str = "/demo-pki"):
        self.prefix = prefix
        self._pki: DemoPki | None = None
        self._server = make_server(
            "127.0.0.1",
            0,
            self._app,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-pki-http", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{self.prefix}"

    def serve(self, pki: DemoPki | None) -> None:
        self._pki = pki
        self._wsgi = pki.wsgi_app() if pki is not None else None

    def _app(self, environ, start_response):
        if self._pki is None:
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        return self._wsgi(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def loopback_pki_server(prefix: str = "/demo-pki") -> Iterator[LoopbackPkiServer]:
    server = LoopbackPkiServer(prefix)
    try:
        yield server
    finally:
        server.close()


# --- The PKI of this installation ---------------------------------------------------

_loaded: tuple[tuple[str, float], DemoPki] | None = None
_loaded_lock = threading.Lock()


def get_demo_pki() -> DemoPki | None:
    """The demo PKI of these settings (VANTHU_PKI_DIR), or None where demo data
    is off or no demo PKI was made. Loaded once per process and again when its
    state file changes."""
    global _loaded
    from django.conf import settings

    if not getattr(settings, "VANTHU_ALLOW_DEMO", False):
        return None
    directory = Path(settings.VANTHU_PKI_DIR)
    state_path = directory / "state.json"
    try:
        mtime = state_path.stat().st_mtime
    except FileNotFoundError:
        return None
    key = (str(directory), mtime)
    with _loaded_lock:
        if _loaded is None or _loaded[0] != key:
            _loaded = (key, DemoPki(directory))
        return _loaded[1]


def demo_pkcs12_passphrase() -> str:
    """The passphrase of every demo PKCS#12 file: VANTHU_DEMO_PKI_PASSPHRASE, else
    the demo people's password (VANTHU_DEMO_PASSWORD or var/demo_password, made by
    seed_demo), so a demo leader types what they already know."""
    from django.conf import settings

    for value in (
        getattr(settings, "VANTHU_DEMO_PKI_PASSPHRASE", ""),
        getattr(settings, "VANTHU_DEMO_PASSWORD", ""),
    ):
        if value:
            return value
    path = Path(settings.VAR_DIR) / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(9).encode())
    return path.read_text().strip()
