"""Indexing end to end over the real broker: a service publishes an outbox event,
the relay sends it to RabbitMQ, the Celery worker process runs search's consumer,
which sends the indexing task, which the worker runs against the index on disk;
this process then finds the document. Deletion the same way."""

import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from guardian.shortcuts import assign_perm

from core.outbox import outbox_publish
from directory.models import Organisation, Role, User
from directory.permissions import role_group_name
from documents.models import Document, DocumentType
from documents.permissions import VIEW_DOCUMENT_CODENAME
from search.backends import get_backend, reset_backends
from search.services import search
from tests.core.conftest import (  # noqa: F401 - fixtures used by name
    broker,
    celery_queue,
    celery_worker,
    rabbitmq_proxy,
    wait_for,
)

pytestmark = [
    pytest.mark.broker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker_index(settings):
    """This process reads the index the worker writes (VANTHU_SEARCH_PATH)."""
    settings.VANTHU_SEARCH = {
        "BACKEND": "search.backends.tantivy.TantivyBackend",
        "OPTIONS": {"path": os.environ["VANTHU_SEARCH_PATH"], "lock_timeout": 30},
        "TEXT_CACHE": "",
    }
    reset_backends()
    get_backend().clear()
    yield get_backend()
    reset_backends()


def test_published_event_reaches_the_index_through_the_worker(broker, worker_index):
    call_command("seed_demo", quiet_logins=True)
    stc = Organisation.objects.get(code="000.00.02.H99")
    clerk = User.objects.get(username="vanthu.stc")
    with transaction.atomic():
        document = Document.objects.create(
            organisation=stc,
            direction="den",
            state="registered",
            document_type=DocumentType.objects.get(code="cong_van"),
            code_number="88",
            code_notation="UBND-XD",
            organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
            subject="V/v cấp giấy phép xây dựng trạm biến áp",
            created_by=clerk,
        )
        group = Group.objects.get(name=role_group_name(stc.code, Role.VAN_THU))
        assign_perm(VIEW_DOCUMENT_CODENAME, group, document)
        outbox_publish(
            topic="documents.incoming_registered",
            payload={"document_id": document.pk, "organisation_id": stc.pk},
        )
    # Published after the commit; the worker indexes it within seconds.
    found = wait_for(
        lambda: search(user=clerk, query="giay phep xay dung tram bien ap").hits,
        timeout=60,
    )
    assert [h.id for h in found] == [document.pk]
    assert search(user=clerk, query="88/UBND-XD").hits[0].id == document.pk
    # Someone else in the organisation without the grant does not find it.
    other = User.objects.get(username="chuyenvien.stc")
    assert search(user=other, query="88/UBND-XD").total == 0

    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(state="recalled")
        outbox_publish(topic="documents.recalled", payload={"document_id": document.pk})
    wait_for(lambda: search(user=clerk, query="88/UBND-XD").total == 0, timeout=60)
