"""Content-addressed, write-once blob store (kho tệp): files are stored under their
SHA-256 and never modified (DESIGN.md "Originals are immutable").

`BlobStore` is the interface; it names blobs by hash only, never by path, so an
S3-compatible backend can implement it. `FileSystemBlobStore` is the local backend.
`get_blob_store()` builds the backend named by settings.VANTHU_BLOBSTORE, like
Django's cache backends; `blob_put` stores a stream and records its Blob row.
"""

import errno
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core.models import Blob

CHUNK_SIZE = 1024 * 1024
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class BlobStoreError(Exception):
    """Base of the blob store's errors."""


class BlobNotFound(BlobStoreError, KeyError):
    def __init__(self, sha256: str):
        super().__init__(sha256)
        self.sha256 = sha256

    def __str__(self) -> str:
        return str(
            _("No stored file has the SHA-256 %(sha256)s.") % {"sha256": self.sha256}
        )


class InvalidBlobHash(BlobStoreError, ValueError):
    """Not a SHA-256 in lowercase hex: refused before it can reach a path."""


class BlobIntegrityError(BlobStoreError):
    """A stored file no longer matches its SHA-256: it was damaged or tampered with."""


class BlobTooLarge(BlobStoreError):
    """The stream is longer than the store accepts; nothing was stored."""


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    # False when the same content was stored already (write-once: nothing written).
    created: bool


class BlobStore(ABC):
    """Interface of blob backends. Blobs are named by their SHA-256 (64 lowercase
    hex digits) and written once."""

    @abstractmethod
    def put(self, stream: BinaryIO) -> BlobInfo:
        """Store the content read from `stream` and return its hash and size."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A readable stream of the blob. Reading it to the end raises
        BlobIntegrityError if the content does not match `sha256`."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The blob's size in bytes; BlobNotFound if it is not stored."""


def validate_sha256(sha256: str) -> str:
    """Return `sha256` if it is 64 lowercase hex digits, else raise InvalidBlobHash."""
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise InvalidBlobHash(
            _("Not a SHA-256 in lowercase hexadecimal: %(value)s")
            % {"value": repr(sha256)[:100]}
        )
    return sha256


class VerifyingReader(io.RawIOBase):
    """Reads a blob while hashing it; at the end of the data compares the hash and
    the size with the expected ones and raises BlobIntegrityError on a mismatch.

    Not seekable: the check holds only for a read from start to end."""

    def __init__(self, raw: BinaryIO, sha256: str):
        self._raw = raw
        self._expected = sha256
        self._hash = hashlib.sha256()
        self._verified = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])
        elif not self._verified:
            self._verified = True
            if self._hash.hexdigest() != self._expected:
                raise BlobIntegrityError(
                    _(
                        "The stored file %(sha256)s is damaged: its content no "
                        "longer matches its SHA-256."
                    )
                    % {"sha256": self._expected}
                )
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class FileSystemBlobStore(BlobStore):
    """Blobs as read-only files root/ab/cd/<sha256>.

    A put streams into a temporary file under root/tmp (the same filesystem, so the
    final move is atomic), fsyncs it and links it into place only if no blob of that
    hash exists: an existing file is never overwritten. `max_size` (bytes) refuses
    longer streams before they fill the disk."""

    def __init__(self, root: str | os.PathLike, max_size: int | None = None):
        self.root = Path(root)
        self.max_size = max_size
        self._tmp = self.root / "tmp"

    def _path(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO) -> BlobInfo:
        self._tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                for chunk in _chunks(stream):
                    size += len(chunk)
                    if self.max_size is not None and size > self.max_size:
                        raise BlobTooLarge(
                            _(
                                "The file is too large: at most %(limit)s bytes "
                                "can be stored."
                            )
                            % {"limit": self.max_size}
                        )
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, 0o444)
            sha256 = digest.hexdigest()
            target = self._path(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            created = _link_once(tmp_name, target)
            if created:
                _fsync_dir(target.parent)
        finally:
            # Linked or not, the temporary name goes: the blob lives under its hash.
            Path(tmp_name).unlink(missing_ok=True)
        return BlobInfo(sha256=sha256, size=size, created=created)

    def open(self, sha256: str) -> BinaryIO:
        path = self._path(sha256)
        try:
            raw = open(path, "rb", buffering=0)  # noqa: SIM115 -- returned to caller
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        return VerifyingReader(raw, sha256)

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None


def _chunks(stream: BinaryIO):
    """The stream's content in chunks of at most CHUNK_SIZE, reusing one buffer when
    the stream can read into it (memory stays at one chunk however large the file).

    Yields views of the buffer: each is consumed before the next read overwrites it."""
    readinto = getattr(stream, "readinto", None)
    if readinto is None:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk
        return
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    while n := readinto(view):
        yield view[:n]


def _link_once(source: str, target: Path) -> bool:
    """Give `source` the name `target` unless it exists; True if it was created.

    os.link fails when the target exists, so two writers of the same content can
    never overwrite each other (a rename would replace silently)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        # A filesystem without hard links (some network and FUSE mounts): check,
        # then rename. A writer racing in between can only replace the file with
        # the very same bytes, since both are named by their hash.
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        if target.exists():
            return False
        os.replace(source, target)
    return True


def _fsync_dir(path: Path) -> None:
    # The new directory entry must survive a crash too, not only the file's data.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_store_lock = threading.Lock()
_store_cache: tuple[str, BlobStore] | None = None


def get_blob_store() -> BlobStore:
    """The backend configured in settings.VANTHU_BLOBSTORE {"BACKEND", "OPTIONS"}.

    Built once per configuration: a changed setting (tests point each test at its
    own folder) builds a new one."""
    global _store_cache
    config = settings.VANTHU_BLOBSTORE
    key = json.dumps(config, sort_keys=True, default=str)
    cached = _store_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    with _store_lock:
        backend = import_string(config["BACKEND"])
        store = backend(**config.get("OPTIONS", {}))
        _store_cache = (key, store)
    return store


@transaction.atomic
def blob_put(*, stream: BinaryIO) -> Blob:
    """Store the stream's content in the blob store and record its Blob row.

    The file is written before the transaction commits; if it rolls back the file
    stays without a row, harmless under its hash, and the next put of the same
    content finds it."""
    info = get_blob_store().put(stream)
    blob, _created = Blob.objects.get_or_create(
        sha256=info.sha256, defaults={"size": info.size}
    )
    return blob
