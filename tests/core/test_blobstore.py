"""The content-addressed blob store on the local filesystem."""

import hashlib
import io
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from core.blobstore import (
    CHUNK_SIZE,
    BlobIntegrityError,
    BlobNotFound,
    BlobTooLarge,
    FileSystemBlobStore,
    InvalidBlobHash,
    blob_put,
    get_blob_store,
)
from core.models import Blob

DATA = "Quyết định số 12/QĐ-UBND".encode() * 1000


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class GeneratedStream(io.RawIOBase):
    """`size` bytes of deterministic content, made as they are read: a large file
    that never exists in memory as a whole."""

    def __init__(self, size: int):
        self.remaining = size
        self.counter = 0
        self.block = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.remaining:
            return 0
        if not self.block:
            self.block = hashlib.sha256(str(self.counter).encode()).digest() * 2048
            self.counter += 1
        n = min(len(buffer), len(self.block), self.remaining)
        buffer[:n] = self.block[:n]
        self.block = self.block[n:]
        self.remaining -= n
        return n


class ReadOnlyStream:
    """A stream with read() only, like some upload wrappers."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)


@pytest.fixture
def store(tmp_path) -> FileSystemBlobStore:
    return FileSystemBlobStore(tmp_path / "store")


def test_round_trip(store):
    info = store.put(io.BytesIO(DATA))

    sha256 = hashlib.sha256(DATA).hexdigest()
    assert (info.sha256, info.size, info.created) == (sha256, len(DATA), True)
    assert store.exists(sha256)
    assert store.size(sha256) == len(DATA)
    with store.open(sha256) as stream:
        assert stream.read() == DATA
    path = store.root / sha256[:2] / sha256[2:4] / sha256
    assert _files(store.root) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_stream_without_readinto_and_empty_content(store):
    assert store.put(ReadOnlyStream(DATA)).sha256 == hashlib.sha256(DATA).hexdigest()
    empty = store.put(io.BytesIO(b""))
    assert (empty.sha256, empty.size) == (hashlib.sha256(b"").hexdigest(), 0)
    with store.open(empty.sha256) as stream:
        assert stream.read() == b""


def test_same_content_twice_is_stored_once(store):
    first = store.put(io.BytesIO(DATA))
    path = _files(store.root)[0]
    inode = path.stat().st_ino

    second = store.put(io.BytesIO(DATA))

    assert second.sha256 == first.sha256
    assert second.created is False
    assert _files(store.root) == [path]
    assert path.stat().st_ino == inode  # the first file, not overwritten


def test_flipped_byte_on_disk_is_detected_when_read(store):
    sha256 = store.put(io.BytesIO(DATA)).sha256
    path = _files(store.root)[0]
    path.chmod(0o644)
    damaged = bytearray(path.read_bytes())
    damaged[1234] ^= 0x01
    path.write_bytes(damaged)

    with store.open(sha256) as stream, pytest.raises(BlobIntegrityError):
        stream.read()
    with store.open(sha256) as stream, pytest.raises(BlobIntegrityError):
        while stream.read(1000):
            pass


def test_truncated_file_on_disk_is_detected_when_read(store):
    sha256 = store.put(io.BytesIO(DATA)).sha256
    path = _files(store.root)[0]
    path.chmod(0o644)
    path.write_bytes(DATA[:-1])

    with store.open(sha256) as stream, pytest.raises(BlobIntegrityError):
        stream.read()


def test_large_file_is_stored_and_read_with_bounded_memory(store):
    size = 50 * 1024 * 1024
    expected = hashlib.sha256()
    source = GeneratedStream(size)
    while chunk := source.read(CHUNK_SIZE):
        expected.update(chunk)

    tracemalloc.start()
    try:
        info = store.put(GeneratedStream(size))
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = hashlib.sha256()
        with store.open(info.sha256) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                read.update(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (info.sha256, info.size) == (expected.hexdigest(), size)
    assert read.hexdigest() == info.sha256
    assert put_peak < 4 * CHUNK_SIZE, f"put peaked at {put_peak} bytes"
    assert read_peak < 4 * CHUNK_SIZE, f"read peaked at {read_peak} bytes"


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "g" * 64,
        "/" + "a" * 63,
        "a" * 63 + "\n",
        None,
    ],
)
def test_malformed_hashes_are_refused(store, bad):
    for call in (store.open, store.exists, store.size):
        with pytest.raises(InvalidBlobHash):
            call(bad)


def test_missing_blob(store):
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(BlobNotFound):
        store.open(missing)
    with pytest.raises(BlobNotFound):
        store.size(missing)


def test_size_limit_refuses_before_filling_the_disk_and_leaves_nothing(tmp_path):
    store = FileSystemBlobStore(tmp_path / "store", max_size=3 * CHUNK_SIZE)
    stream = GeneratedStream(100 * CHUNK_SIZE)

    with pytest.raises(BlobTooLarge) as refused:
        store.put(stream)

    assert "3145728" in str(refused.value)
    assert stream.remaining >= 96 * CHUNK_SIZE  # stopped reading early
    assert _files(store.root) == []


def test_content_of_exactly_the_size_limit_is_stored(tmp_path):
    store = FileSystemBlobStore(tmp_path / "store", max_size=len(DATA))
    assert store.put(io.BytesIO(DATA)).size == len(DATA)


def test_failed_put_leaves_no_temporary_file(store):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError("upload interrupted")

    with pytest.raises(OSError, match="upload interrupted"):
        store.put(Broken())
    assert _files(store.root) == []


def test_get_blob_store_follows_the_setting(settings, tmp_path):
    store = get_blob_store()
    assert isinstance(store, FileSystemBlobStore)
    assert store.root == tmp_path / "blobs"  # tests/conftest.py points it here
    assert get_blob_store() is store

    settings.VANTHU_BLOBSTORE = {
        "BACKEND": "core.blobstore.FileSystemBlobStore",
        "OPTIONS": {"root": str(tmp_path / "other"), "max_size": 10},
    }
    other = get_blob_store()
    assert other is not store
    assert (other.root, other.max_size) == (tmp_path / "other", 10)


@pytest.mark.django_db
def test_blob_put_records_one_row_per_content(tmp_path):
    first = blob_put(stream=io.BytesIO(DATA))
    second = blob_put(stream=io.BytesIO(DATA))

    assert first.pk == second.pk == hashlib.sha256(DATA).hexdigest()
    assert Blob.objects.get().size == len(DATA)
    assert get_blob_store().exists(first.sha256)
    assert os.path.isdir(tmp_path / "blobs")
