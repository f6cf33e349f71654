"""Fixtures of the device check's tests: a guardian with a child, and the User-Agents used."""

from __future__ import annotations

import pytest

from kargah.accounts.models import Learner, LearnerLink, LinkStatus, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36"
)
OLD_SAFARI_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/12.0 Mobile/15E148 Safari/604.1"
)
IE11 = "Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko"


@pytest.fixture
def guardian() -> User:
    return GuardianFactory.create()


@pytest.fixture
def learner(guardian: User) -> Learner:
    return LearnerFactory.create(family=guardian.family)


def link(learner: Learner, *, status: str = LinkStatus.APPROVED) -> User:
    """A second guardian linked to the child (docs/learner-links.md)."""
    other = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=learner, family=other.family, status=status, requested_by=other
    )
    return other


GOOD = {
    "camera_ok": True,
    "microphone_ok": True,
    "speaker_ok": True,
    "rtt_ms": 80,
    "download_kbps": 4000,
}
