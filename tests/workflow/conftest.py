"""The workflow tests use the demo province fixtures of tests/conftest.py."""
