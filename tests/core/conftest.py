"""Fixtures of the core tests: the real RabbitMQ broker behind a loopback proxy the
tests can take down, and a real Celery worker process on the test database."""

import contextlib
import socket
import threading
import time
import uuid

import kombu.pools
import pytest

from tests.worker import QUEUE_EXPIRES, RABBITMQ, queue_deleted_after, worker_running
from vanthu.celery import app as celery_app


class TcpProxy:
    """A loopback TCP proxy in front of RabbitMQ. stop() closes the listening socket
    and every proxied connection, so clients see their connection drop and new ones
    refused, as when the broker is down; start() serves the same port again."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        # accept() in a thread is not woken by close(); it polls a flag instead.
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._server is not server:
                    _close(client)
                    _close(upstream)
                    return
                self._sockets.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, target), daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture(scope="session")
def rabbitmq_proxy():
    proxy = TcpProxy(RABBITMQ)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def celery_queue():
    """A queue of this test session's own, deleted at the end."""
    with queue_deleted_after(f"vanthu-test-{uuid.uuid4().hex[:12]}") as name:
        yield name


def _queue_config(name: str) -> dict:
    # As vanthu/settings/base.py builds it from VANTHU_TASK_QUEUE(_EXPIRES): the test
    # process and the worker must declare the queue with the same arguments.
    return {name: {"expires": QUEUE_EXPIRES}}


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, celery_queue, tmp_path_factory):
    """`celery -A vanthu worker` consuming the session's queue, on the test database.

    Session-scoped: started once (a few seconds), stopped before the test database
    is dropped (it depends on django_db_setup, so it is torn down first)."""
    log = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    with worker_running(queue=celery_queue, log=log) as worker:
        yield worker


def use_broker(**conf) -> None:
    """Apply Celery settings to the running app.

    The app copied Django's CELERY_* settings when it first read them, and keeps a
    connection pool and queue declarations built from them: overriding the Django
    settings alone would change nothing, so the app's own config is updated and its
    pool and queue declarations are rebuilt from it."""
    celery_app.conf.update(conf)
    # kombu keeps connection and producer pools in module-level registries keyed
    # by broker URL; reset() closes and forgets them all.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def broker(settings, rabbitmq_proxy, celery_worker, celery_queue):
    """This test publishes through the proxy to the session's queue, which the
    worker consumes. Yields the proxy, so the test can take the broker down."""
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "task_default_queue", "task_queues")
    }
    settings.CELERY_BROKER_URL = rabbitmq_proxy.url
    settings.CELERY_TASK_DEFAULT_QUEUE = celery_queue
    settings.CELERY_TASK_QUEUES = _queue_config(celery_queue)
    use_broker(
        broker_url=settings.CELERY_BROKER_URL,
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        task_queues=settings.CELERY_TASK_QUEUES,
    )
    yield rabbitmq_proxy
    if not rabbitmq_proxy.running:
        rabbitmq_proxy.start()
    use_broker(**saved)


@pytest.fixture
def broker_down(settings):
    """This test publishes to a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    saved = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{port}//"
    use_broker(broker_url=settings.CELERY_BROKER_URL)
    yield
    use_broker(broker_url=saved)


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {predicate}")
        time.sleep(interval)
