"""The project's layout and settings hold what DESIGN.md promises."""

from django.conf import settings


def test_vietnamese_is_the_default_language_and_time_zone_is_vietnam():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True


def test_celery_delivery_is_at_least_once():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
