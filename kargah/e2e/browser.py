"""What the browser tests share: a signed-in phone, watches on failures, widths and money."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, Request, Response

from kargah.accounts.models import User
from kargah.core.persian import money_in_toman


def sign_in(phone: BrowserContext, live_server_url: str, user: User) -> None:
    """The phone's browser carries a session of this user (the sign-in by SMS code has its
    own browser test); any earlier session is dropped."""
    client = Client()
    client.force_login(user)
    phone.clear_cookies()
    phone.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server_url,
            }
        ]
    )


# axe-core from the npm registry (package.json), injected from node_modules: no CDN.
AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"


def serious_axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["html"][:160] for node in violation["nodes"][:5]],
        }
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def watch(page: Page) -> list[str]:
    """A list that fills with every 4xx/5xx answer, failed request and script error."""
    failures: list[str] = []

    def check_response(response: Response) -> None:
        if response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    def check_failed(request: Request) -> None:
        # Going to the next page aborts what the last one still fetched (its favicon, say):
        # the browser's own doing, not the server's.
        if request.failure != "net::ERR_ABORTED":
            failures.append(f"failed {request.url} {request.failure}")

    page.on("response", check_response)
    page.on("requestfailed", check_failed)
    page.on("pageerror", lambda error: failures.append(f"script error {error}"))
    return failures


def assert_no_sideways_scroll(page: Page) -> dict[str, int]:
    """Nothing on the page is wider than the screen; returns the widths measured."""
    widths: dict[str, int] = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"
    return widths


# Run in every document the browser loads, and again after each part htmx swaps in: the
# text a person reads and the page's widths, sent to the test through a binding (issue 9:
# "the walk finds no page in the other money unit and no horizontal overflow").
_REPORT_EVERY_PAGE = """
(() => {
  if (window.top !== window) return;
  const report = (when) => {
    const root = document.documentElement;
    window.kargahPageSeen({
      url: location.href,
      when: when,
      text: document.body ? document.body.innerText : "",
      scrollWidth: root.scrollWidth,
      clientWidth: root.clientWidth,
      innerWidth: window.innerWidth,
    });
  };
  window.addEventListener("load", () => {
    report("load");
    // Measured again once the web fonts are in: a wider font may push a long name out.
    if (document.fonts.status !== "loaded") document.fonts.ready.then(() => report("fonts"));
  });
  document.addEventListener("htmx:afterSettle", () => report("htmx"));
})();
"""

# Direction controls and ZWNJ around amounts would hide a unit or a fraction from a search.
_INVISIBLE = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200e\u200f\u200c\u061c")
_DIGIT = "0-9\u06f0-\u06f9\u0660-\u0669"
TOMAN, RIAL = "تومان", "ریال"
# A fraction of an amount: «۲۲۹٬۹۹۹٫۵ تومان» (the Arabic decimal separator or a point).
FRACTIONAL_AMOUNT = re.compile(
    rf"[{_DIGIT}\u066c,]*[{_DIGIT}][\u066b.][{_DIGIT}]+\s*(?:{TOMAN}|{RIAL})"
)


def money_problems(text: str) -> list[str]:
    """What a page's visible text says wrong about money: an amount in the other unit, or a
    fraction of one (issue 9, item 2; the unit is the KARGAH_MONEY_DISPLAY setting)."""
    text = text.translate(_INVISIBLE)
    shown, other = (TOMAN, RIAL) if money_in_toman() else (RIAL, TOMAN)
    problems = [f"a fraction: «{match}»" for match in FRACTIONAL_AMOUNT.findall(text)]
    if other in text:
        problems.append(f"«{other}» on a site that shows money in «{shown}»")
    return problems


@dataclass
class PageWatch:
    """Every page a browser context shows, checked as it loads (and after each htmx swap):
    its money in one unit without fractions, and nothing wider than the screen."""

    width: int
    seen: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def record(self, source: Any, report: dict[str, Any]) -> None:
        self.seen.append(report)
        where = f"{urlsplit(report['url']).path} ({report['when']})"
        self.problems += [f"{where}: {problem}" for problem in money_problems(report["text"])]
        if report["scrollWidth"] > report["clientWidth"]:
            self.problems.append(
                f"{where} scrolls sideways: {report['scrollWidth']} > {report['clientWidth']}"
            )
        if report["innerWidth"] != self.width:
            # A mobile browser widens its layout (and zooms out) for content that does not fit.
            self.problems.append(f"{where} is laid out {report['innerWidth']} px wide")

    def paths(self) -> set[str]:
        return {urlsplit(report["url"]).path for report in self.seen}

    def texts(self, path: str) -> list[str]:
        return [report["text"] for report in self.seen if urlsplit(report["url"]).path == path]


def watch_every_page(context: BrowserContext, *, width: int) -> PageWatch:
    """Checks every page this context (a phone `width` CSS px wide) shows from now on; read
    `problems` at the end of the walk, and `paths()` for the pages it saw."""
    page_watch = PageWatch(width=width)
    context.expose_binding("kargahPageSeen", page_watch.record)
    context.add_init_script(_REPORT_EVERY_PAGE)
    return page_watch
