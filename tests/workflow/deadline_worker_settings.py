"""Settings of the Celery worker the deadline broker test starts: the test
settings, with e-mails written as files into VANTHU_TEST_MAIL_DIR so that the
test process can count what the worker sent."""

import os

from vanthu.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["VANTHU_TEST_MAIL_DIR"]
