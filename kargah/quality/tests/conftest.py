"""Fixtures of the quality desk's tests: the SLA tests' hand-built history of 1403/02 and its
levels (kargah/sla/tests/conftest.py)."""

from kargah.sla.tests.conftest import history, make_level

__all__ = ["history", "make_level"]
