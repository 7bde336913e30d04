"""Search engines behind one interface (search.backends.base.SearchBackend), chosen
in settings like Django's cache backends:

    VANTHU_SEARCH = {
        "BACKEND": "search.backends.tantivy.TantivyBackend",
        "OPTIONS": {"path": "/srv/vanthu/var/search"},
    }

`get_backend()` returns one instance per process and settings (a Tantivy reader
keeps its index open; reopening it per request would cost milliseconds)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .base import SearchBackend

_lock = threading.Lock()
_instances: dict[tuple, SearchBackend] = {}


def _key(config: dict) -> tuple:
    options = config.get("OPTIONS") or {}
    return (config["BACKEND"], tuple(sorted((k, str(v)) for k, v in options.items())))


def backend_from_config(config: dict) -> SearchBackend:
    """A new backend instance from a VANTHU_SEARCH-shaped dict."""
    cls = import_string(config["BACKEND"])
    return cls(**(config.get("OPTIONS") or {}))


def get_backend() -> SearchBackend:
    """The configured backend of this process."""
    config = settings.VANTHU_SEARCH
    key = _key(config)
    with _lock:
        backend = _instances.get(key)
        if backend is None:
            backend = _instances[key] = backend_from_config(config)
        return backend


def reset_backends(**_kwargs) -> None:
    """Forget the instances (settings changed; tests)."""
    with _lock:
        for backend in _instances.values():
            close = getattr(backend, "close", None)
            if close:
                close()
        _instances.clear()


def _on_setting_changed(*, setting, **kwargs):
    if setting == "VANTHU_SEARCH":
        reset_backends()


setting_changed.connect(_on_setting_changed)
