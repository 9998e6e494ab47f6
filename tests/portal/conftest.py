"""The portal's browser tests use the shared fixtures of tests/browser.py (see tests/conftest.py)."""
