"""The browser verdict: BBB's supported list read against real User-Agents."""

from __future__ import annotations

import pytest

from kargah.devicecheck.browsers import MIN_VERSIONS, browser_verdict
from kargah.devicecheck.tests.conftest import CHROME_ANDROID, IE11, OLD_SAFARI_IOS


@pytest.mark.parametrize(
    ("user_agent", "name", "supported"),
    [
        (CHROME_ANDROID, "Chrome Mobile", True),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            True,
        ),
        (OLD_SAFARI_IOS, "Mobile Safari", False),  # 12.0 < 12.1: the minor version counts
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 12_2 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            True,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
            "Edge",
            True,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox",
            True,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:60.0) Gecko/20100101 Firefox/60.0",
            "Firefox",
            False,
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/49.0.2623.112 Safari/537.36",
            "Chrome",
            False,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/93.0.4577.78 Mobile/15E148 Safari/604.1",
            "Chrome Mobile iOS",
            False,  # Chrome on iOS needs 94 (WebKit underneath)
        ),
        (IE11, "IE", False),
    ],
)
def test_the_verdict_follows_bbbs_list(user_agent: str, name: str, supported: bool) -> None:
    verdict = browser_verdict(user_agent)
    assert (verdict.name, verdict.supported) == (name, supported)


@pytest.mark.parametrize("user_agent", ["", "curl/8.0", "x" * 5000, "\x00\u202e", "Chrome/abc"])
def test_an_unknown_or_hostile_user_agent_is_not_supported(user_agent: str) -> None:
    assert browser_verdict(user_agent).supported is False


def test_the_list_is_data_with_a_floor_for_each_browser() -> None:
    assert {"Chrome", "Chrome Mobile", "Firefox", "Edge", "Safari", "Mobile Safari"} <= set(
        MIN_VERSIONS
    )
    assert all(
        version and all(isinstance(n, int) for n in version) for version in MIN_VERSIONS.values()
    )
