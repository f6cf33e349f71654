"""End-to-end tests: a real Chromium drives the live server (pytest -m browser)."""
