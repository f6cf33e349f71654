"""What the browser tests share: a signed-in phone, a watch on failed requests, the width check."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, Response

from kargah.accounts.models import User


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


def watch(page: Page) -> list[str]:
    """A list that fills with every 4xx/5xx answer, failed request and script error."""
    failures: list[str] = []

    def check_response(response: Response) -> None:
        if response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("response", check_response)
    page.on("requestfailed", lambda request: failures.append(f"failed {request.url}"))
    page.on("pageerror", lambda error: failures.append(f"script error {error}"))
    return failures


def assert_no_sideways_scroll(page: Page) -> dict[str, int]:
    """Nothing on the page is wider than the screen; returns the widths measured."""
    widths: dict[str, int] = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"
    return widths
