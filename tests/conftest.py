"""Fixtures shared by every test.

App-specific fixtures live in tests/<app>/conftest.py."""

import pytest


@pytest.fixture(autouse=True)
def _blob_root(settings, tmp_path):
    """Each test writes blobs to its own folder, never to var/."""
    settings.VANTHU_BLOBSTORE = {
        "BACKEND": settings.VANTHU_BLOBSTORE["BACKEND"],
        "OPTIONS": {"root": str(tmp_path / "blobs")},
    }
