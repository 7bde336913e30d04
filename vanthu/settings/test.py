"""`make test`: PostgreSQL and the real RabbitMQ broker on loopback."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

# Test-only key: the test settings never serve real users.
SECRET_KEY = "vanthu-test-settings-only-not-a-secret"  # noqa: S105
DEBUG = False
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/vanthu"
    )
}
# pytest-xdist workers each get their own database; the worker process started by
# the broker tests is pointed at that database through this variable.
if os.environ.get("VANTHU_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["VANTHU_TEST_DB_NAME"]
# pytest-django empties the tables after each transaction=True test with TRUNCATE,
# which the audit chain's trigger refuses unless the session allows it (core 0003).
# Only test databases ever set this.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    "-c vanthu.allow_audit_truncate=on"
)

CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//"
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
# Tests publish to a throwaway queue that RabbitMQ deletes after ten idle minutes,
# never to a production-named queue; the broker tests use one per session.
CELERY_TASK_DEFAULT_QUEUE = env("VANTHU_TASK_QUEUE", default="vanthu-test")
CELERY_TASK_QUEUES = {
    CELERY_TASK_DEFAULT_QUEUE: {
        "expires": env.float("VANTHU_TASK_QUEUE_EXPIRES", default=600.0)
    }
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.outbox_probe"]
VANTHU_ALLOW_DEMO = True
VANTHU_DEMO_PASSWORD = "demo-test-password"  # noqa: S105 - test settings only

# pytest-django's live_server serves static files itself; WhiteNoise would only
# warn that nothing was collected.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405

# --- Signing: tests serve the demo PKI on loopback (tests/signing/conftest.py);
# a request that gets no answer fails fast.
VANTHU_SIGNING_HTTP_TIMEOUT = 5

# --- Search: tests point VANTHU_SEARCH at their own folder (tests/search/conftest.py);
# anything else indexes into a throwaway folder, never var/search.
VANTHU_SEARCH = {
    "BACKEND": "search.backends.tantivy.TantivyBackend",
    "OPTIONS": {
        "path": env(
            "VANTHU_SEARCH_PATH",
            default=os.path.join(tempfile.gettempdir(), f"vanthu-search-{os.getpid()}"),
        )
    },
    "TEXT_CACHE": "",
}

# Tests read the e-mails Django's locmem backend keeps in django.core.mail.outbox;
# a test against a real worker sets its own backend.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
