"""Fixtures shared by every test.

App-specific fixtures live in tests/<app>/conftest.py."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from directory.models import User


@pytest.fixture(autouse=True)
def _blob_root(settings, tmp_path):
    """Each test writes blobs to its own folder, never to var/."""
    settings.VANTHU_BLOBSTORE = {
        "BACKEND": settings.VANTHU_BLOBSTORE["BACKEND"],
        "OPTIONS": {"root": str(tmp_path / "blobs")},
    }


@pytest.fixture(scope="module")
def _demo_for_module(django_db_setup, django_db_blocker):
    """Seed the demo province once per module inside a transaction that is rolled
    back after the module; each test runs in a savepoint within it (pytest-django's
    `db`), so tests still see a fresh province and seeding costs one run per file.
    Once seeded, every test of the module sees the province: a test that needs an
    empty database lives in a module of its own."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", quiet_logins=True)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_for_module, db):
    """The demo province of `manage.py seed_demo` (tỉnh Lạc Hồng)."""


@pytest.fixture
def person(demo):
    """A demo person by login, e.g. person("vanthu.stc")."""

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_for(demo):
    """A test client signed in as a demo person, in Vietnamese (the default)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make
