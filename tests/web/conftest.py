"""Fixtures of the web tests: the demo province, signed-in clients per demo login,
and what the browser tests need (Playwright's sync API in the test process)."""

import os

# Playwright's sync API runs an event loop in the test's thread; Django refuses
# database access from a thread with a running loop unless this is set. Only the
# browser tests use it, and they reach the live server over real HTTP.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "demo-test-password"  # noqa: S105 - VANTHU_DEMO_PASSWORD of test settings
