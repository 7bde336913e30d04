"""Fixtures of the web tests: the demo province, signed-in clients per demo login,
and what the browser tests need (Playwright's sync API in the test process)."""

import os

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from directory.models import User

# Playwright's sync API runs an event loop in the test's thread; Django refuses
# database access from a thread with a running loop unless this is set. Only the
# browser tests use it, and they reach the live server over real HTTP.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "demo-test-password"  # noqa: S105 - VANTHU_DEMO_PASSWORD of test settings


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
