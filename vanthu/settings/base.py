"""Settings shared by every environment. Everything that differs is read from the
environment (django-environ); no secret lives in code."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

VAR_DIR = Path(env("VANTHU_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "guardian",
    "axes",
    "core",
    "directory",
    "signing",
    "documents",
    "archive",
    "exchange",
    "search",
    "workflow",
    "vanthu",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vanthu.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "directory.middleware.ActingForMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vanthu.urls"
WSGI_APPLICATION = "vanthu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "directory.context_processors.person",
                "workflow.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="sqlite:///" + str(VAR_DIR / "vanthu.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "directory.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; anonymous visitors get nothing.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock a username out after repeated failures.
AXES_FAILURE_LIMIT = env.int("VANTHU_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.int("VANTHU_LOGIN_COOLOFF_MINUTES", default=15)
)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Agencies reach Vanthu from behind one NAT address each: locking by IP address
# would lock a whole agency out after one person's typos, so the lockout is per
# username (axes.W006 warns about exactly this choice).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-addressed blob store (core.blobstore); an S3 backend implements the same
# interface later.
VANTHU_BLOBSTORE = {
    "BACKEND": env(
        "VANTHU_BLOBSTORE_BACKEND", default="core.blobstore.FileSystemBlobStore"
    ),
    "OPTIONS": {"root": env("VANTHU_BLOB_ROOT", default=str(VAR_DIR / "blobs"))},
}

# Celery. Delivery is at least once: late acks, redelivery when a worker dies, and
# idempotent consumers (core.events). Tasks never return results.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//"
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("VANTHU_TASK_QUEUE", default="vanthu")
# Throwaway queues of test and benchmark runs: with VANTHU_TASK_QUEUE_EXPIRES set,
# RabbitMQ deletes the queue once it has had no consumer for that many seconds, so
# queues of killed runs do not pile up. Every process on such a queue must set the
# same value (a queue's arguments cannot change once it is declared).
if env("VANTHU_TASK_QUEUE_EXPIRES", default=""):
    CELERY_TASK_QUEUES = {
        CELERY_TASK_DEFAULT_QUEUE: {
            "expires": env.float("VANTHU_TASK_QUEUE_EXPIRES"),
        }
    }
# The relay publishes with a short retry budget: when the broker is down the event
# stays pending in the outbox and the next relay run sends it.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
}
# Celery's Django fixup closes the DB connection around every task unless this is
# set; reusing it is the biggest queue setting measured (web-queue-anchor.md).
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "core.tasks.outbox_relay_task",
        "schedule": env.float("VANTHU_OUTBOX_RELAY_SECONDS", default=5.0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("VANTHU_LOG_LEVEL", default="INFO")},
    # django-axes announces its configuration at every start.
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every page it lays out at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

# Demo data (seed_demo) and its password; on only for make run and the tests.
VANTHU_ALLOW_DEMO = env.bool("VANTHU_ALLOW_DEMO", default=False)
VANTHU_DEMO_PASSWORD = env("VANTHU_DEMO_PASSWORD", default="")

# The PDF gate of documents.pdfcheck: every uploaded or received file passes it
# before anything is stored.
VANTHU_UPLOAD_MAX_BYTES = env.int("VANTHU_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
VANTHU_PDF_MAX_PAGES = env.int("VANTHU_PDF_MAX_PAGES", default=2000)
VANTHU_PDF_MAX_OBJECTS = env.int("VANTHU_PDF_MAX_OBJECTS", default=500_000)
VANTHU_PDF_MAX_DECODED_BYTES = env.int("VANTHU_PDF_MAX_DECODED_BYTES", default=1 << 30)
VANTHU_PDF_MAX_STREAM_RATIO = env.int("VANTHU_PDF_MAX_STREAM_RATIO", default=1100)
# Django refuses request bodies above this before a view runs: room for the upload
# limit plus a few attachments' worth of form data.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Signing (signing app: keys, certificates, PAdES, validation) -----------------
# Trust roots: PEM/DER files of the CA roots that signatures must chain to (the Ban
# Cơ yếu Chính phủ roots in production). Empty with demo data allowed: the demo
# PKI's root. VANTHU_TSA_URL: the RFC 3161 timestamp service (empty: the demo TSA).
VANTHU_TRUST_ROOTS = env.list("VANTHU_TRUST_ROOTS", default=[])
VANTHU_TSA_URL = env("VANTHU_TSA_URL", default="")
# hard-fail: a signature whose certificate's revocation status cannot be
# established is not valid (never the soft-fail default for official decisions).
VANTHU_REVOCATION_MODE = env("VANTHU_REVOCATION_MODE", default="hard-fail")
# Seconds for one OCSP, CRL or TSA request.
VANTHU_SIGNING_HTTP_TIMEOUT = env.int("VANTHU_SIGNING_HTTP_TIMEOUT", default=10)
# A revocation status read from OCSP/CRL is reused for this many seconds.
VANTHU_REVOCATION_CACHE_SECONDS = env.int(
    "VANTHU_REVOCATION_CACHE_SECONDS", default=3600
)
# Certificates expiring within this many days are listed as expiring.
VANTHU_CERT_EXPIRY_WARNING_DAYS = env.int("VANTHU_CERT_EXPIRY_WARNING_DAYS", default=30)
# A two-phase (remote) signature must come back within this many seconds.
VANTHU_PENDING_SIGNATURE_SECONDS = env.int(
    "VANTHU_PENDING_SIGNATURE_SECONDS", default=900
)
# The PKCS#11 module of the HSM or tokens (e.g. /usr/lib/softhsm/libsofthsm2.so).
VANTHU_PKCS11_MODULE = env("VANTHU_PKCS11_MODULE", default="")
# The local signing agent on the leader's computer that two-phase signing pages
# ask for the signature value (USB token); without it the value is pasted.
VANTHU_SIGNING_AGENT_URL = env(
    "VANTHU_SIGNING_AGENT_URL", default="http://127.0.0.1:8765/sign"
)
# The demo PKI (make run and tests only, VANTHU_ALLOW_DEMO): where its keys and
# state live, and the address its OCSP responder, CRLs and TSA are served at (the
# certificates point there). Default: this server's /demo-pki/ on VANTHU_PORT.
VANTHU_PKI_DIR = Path(env("VANTHU_PKI_DIR", default=str(VAR_DIR / "pki")))
VANTHU_DEMO_PKI_URL = env(
    "VANTHU_DEMO_PKI_URL",
    default=f"http://127.0.0.1:{env('VANTHU_PORT', default='8000')}/demo-pki",
)
# Passphrase of the demo PKCS#12 files; empty: the demo people's password.
VANTHU_DEMO_PKI_PASSPHRASE = env("VANTHU_DEMO_PKI_PASSPHRASE", default="")
# pyHanko's revocation fetchers log every OCSP and CRL request at INFO.
LOGGING["loggers"]["pyhanko_certvalidator"] = {"level": "WARNING"}

# --- Batch signing (workflow.batch, ký số hàng loạt): beat ends signing batches that
# outlived VANTHU_PENDING_SIGNATURE_SECONDS and wipes their sealed passphrase.
CELERY_BEAT_SCHEDULE["signing-batch-sweep"] = {
    "task": "workflow.tasks.signing_batch_sweep",
    "schedule": env.float("VANTHU_SIGNING_BATCH_SWEEP_SECONDS", default=60.0),
}

# --- Archival upgrade (signing.archival, documents.tasks.archival_sweep): every day
# beat upgrades issued documents' sealed files to PAdES B-LTA and renews archival
# timestamp chains whose TSA certificate expires within this many days.
VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS = env.int(
    "VANTHU_ARCHIVAL_RENEW_BEFORE_DAYS", default=365
)
CELERY_BEAT_SCHEDULE["archival-sweep"] = {
    "task": "documents.tasks.archival_sweep",
    "schedule": env.float("VANTHU_ARCHIVAL_SWEEP_SECONDS", default=24 * 3600.0),
}

# --- Search (search.backends, docs/search.md): the engine, like Django's CACHES.
# Tantivy (embedded, default): an index directory on local disk written by the one
# indexing worker and read by every web process. TEXT_CACHE keeps the extracted
# text of file versions (immutable, by hash) so `manage.py reindex` reads each PDF
# once.
VANTHU_SEARCH = {
    "BACKEND": env(
        "VANTHU_SEARCH_BACKEND", default="search.backends.tantivy.TantivyBackend"
    ),
    "OPTIONS": {"path": env("VANTHU_SEARCH_PATH", default=str(VAR_DIR / "search"))},
    "TEXT_CACHE": env("VANTHU_SEARCH_TEXT_CACHE", default=str(VAR_DIR / "search-text")),
}
# Elasticsearch (scale-out): VANTHU_SEARCH_BACKEND=search.backends.elasticsearch.
# ElasticsearchBackend with the cluster's URLs (comma-separated) and the alias.
if VANTHU_SEARCH["BACKEND"].endswith("ElasticsearchBackend"):
    VANTHU_SEARCH["OPTIONS"] = {
        "hosts": env("VANTHU_SEARCH_URL", default="http://localhost:9200"),
        "index": env("VANTHU_SEARCH_INDEX", default="vanthu-documents"),
    }
# Beat checks every day that the index holds exactly the searchable documents.
CELERY_BEAT_SCHEDULE["search-reconcile"] = {
    "task": "search.tasks.reconcile",
    "schedule": env.float("VANTHU_SEARCH_RECONCILE_SECONDS", default=24 * 3600.0),
}
# OCR of scans (search.ocr): pages per file version, seconds per program run.
VANTHU_OCR_MAX_PAGES = env.int("VANTHU_OCR_MAX_PAGES", default=200)
VANTHU_OCR_PAGE_TIMEOUT = env.float("VANTHU_OCR_PAGE_TIMEOUT", default=120.0)

# --- Workflow (workflow.calendar, docs/workflow.md): working days and deadlines.
# Days off every week (Monday 0 .. Sunday 6); holidays are data (workflow.Holiday).
VANTHU_WEEKEND = tuple(int(d) for d in env.list("VANTHU_WEEKEND", default=["5", "6"]))
VANTHU_WORKDAY_END = env("VANTHU_WORKDAY_END", default="17:00")
# The handling deadline of a normal incoming document when the leader gives none.
VANTHU_DEFAULT_HANDLING_DAYS = env.int("VANTHU_DEFAULT_HANDLING_DAYS", default=10)
# The deadline scan: reminders, late marks and escalations (workflow.deadlines).
CELERY_BEAT_SCHEDULE["deadline-scan"] = {
    "task": "workflow.tasks.deadline_scan",
    "schedule": env.float("VANTHU_DEADLINE_SCAN_SECONDS", default=300.0),
}
# The address of the site, for the links in notification e-mails.
VANTHU_BASE_URL = env("VANTHU_BASE_URL", default="http://127.0.0.1:8000")
# E-mail of notifications: SMTP from the environment (EMAIL_URL, e.g.
# smtp+tls://user:password@mail.example.gov.vn:587); without it the messages are
# written to files under var/mail, where an operator can read them.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("VANTHU_FROM_EMAIL", default="vanthu@localhost")
