"""The workflow tests use the demo province of the web tests."""

from tests.web.conftest import _demo_for_module, client_for, demo, person  # noqa: F401
