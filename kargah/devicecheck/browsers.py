"""Which browsers BigBlueButton's client supports, and the verdict on a User-Agent."""

from __future__ import annotations

from dataclasses import dataclass

import ua_parser

# The oldest version of each browser BigBlueButton's HTML5 client still serves (older ones
# get its "unsupported browser" page). Source: bigbluebutton/bigbluebutton,
# bigbluebutton-html5/private/config/settings.yml, `private.minBrowserVersions` (the 2.7
# line; 3.0 keeps the same list). Keys are ua-parser's family names for those browsers.
# Chrome on iOS is WebKit underneath, hence its own, later floor. Revisit with each BBB
# upgrade: the list is data, the code below does not change.
MIN_VERSIONS: dict[str, tuple[int, ...]] = {
    "Chrome": (72,),
    "Chrome Mobile": (72,),
    # The same engine under another name: Chromium builds, and the headless Chromium the
    # browser tests drive.
    "Chromium": (72,),
    "HeadlessChrome": (72,),
    "Chrome Mobile iOS": (94,),
    "Firefox": (68,),
    "Firefox Mobile": (68,),
    "Edge": (79,),
    "Edge Mobile": (79,),
    "Safari": (12, 1),
    "Mobile Safari": (12, 1),
    "Opera": (50,),
    "Samsung Internet": (10,),
    "Yandex Browser": (19,),
}


@dataclass(frozen=True)
class BrowserVerdict:
    name: str
    version: str
    os_name: str
    supported: bool


def _number(part: str | None) -> int:
    return int(part) if part and part.isdigit() else 0


def browser_verdict(user_agent: str) -> BrowserVerdict:
    """The browser named by the User-Agent header and whether BBB supports its version; an
    unknown or missing one is not supported (the page says which browsers are)."""
    result = ua_parser.parse(user_agent[:512])
    agent, os = result.user_agent, result.os
    name = agent.family if agent else ""
    version = ".".join(p for p in (agent.major, agent.minor) if p) if agent else ""
    minimum = MIN_VERSIONS.get(name)
    supported = False
    if agent is not None and minimum is not None and agent.major:
        have = (_number(agent.major), _number(agent.minor))
        supported = have[: len(minimum)] >= minimum
    return BrowserVerdict(
        name=name or "", version=version, os_name=os.family if os else "", supported=supported
    )
