"""DEBUG off by default, the demo over plain http, production's Secure cookies (issue 8,
finding 7): the settings as base.py builds them from the environment, and a sign-in through
a client that keeps cookies as a browser does on http://127.0.0.1."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from kargah.accounts.tests.support import code_in

pytestmark = pytest.mark.django_db

BASE_SETTINGS = Path(django_settings.BASE_DIR) / "config" / "settings" / "base.py"
PROCFILE = Path(django_settings.BASE_DIR) / "Procfile.demo"
SIGN_IN = "/accounts/sign-in/"
VERIFY = "/accounts/sign-in/code/"
FAMILY = "/accounts/family/"
SWITCHES = (
    "DJANGO_DEBUG",
    "KARGAH_DEMO",
    "DJANGO_SECURE_COOKIES",
    "KARGAH_ALLOW_SANDBOX_GATEWAY",
    "DJANGO_ALLOWED_HOSTS",
)


def _base_settings(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    """config/settings/base.py evaluated afresh with only `environ` of its switches set."""
    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_SETTINGS))


def test_production_defaults_debug_off_secure_cookies_no_sandbox(monkeypatch):
    production = _base_settings(monkeypatch)
    assert production["DEBUG"] is False
    assert production["KARGAH_DEMO"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["KARGAH_ALLOW_SANDBOX_GATEWAY"] is False
    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_the_demo_runs_with_debug_off_and_plain_http_cookies(monkeypatch):
    demo = _base_settings(monkeypatch, KARGAH_DEMO="true")
    assert demo["DEBUG"] is False
    assert demo["SESSION_COOKIE_SECURE"] is False
    assert demo["CSRF_COOKIE_SECURE"] is False
    assert demo["KARGAH_ALLOW_SANDBOX_GATEWAY"] is True
    assert {"127.0.0.1", "localhost"} <= set(demo["ALLOWED_HOSTS"])


def test_a_developer_turns_debug_on(monkeypatch):
    developer = _base_settings(monkeypatch, DJANGO_DEBUG="true")
    assert developer["DEBUG"] is True
    assert developer["SESSION_COOKIE_SECURE"] is False


def test_secure_cookies_can_be_forced_on_in_the_demo(monkeypatch):
    staged = _base_settings(monkeypatch, KARGAH_DEMO="true", DJANGO_SECURE_COOKIES="true")
    assert staged["SESSION_COOKIE_SECURE"] is True


def test_the_demo_web_process_is_gunicorn_in_demo_mode_without_debug():
    web = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))
    assert "KARGAH_DEMO=true" in web
    assert "gunicorn config.wsgi" in web
    assert "DJANGO_DEBUG" not in web


class HttpBrowser(Client):
    """Keeps cookies as a browser does on http://127.0.0.1: one marked Secure is dropped."""

    def __init__(self) -> None:
        super().__init__(enforce_csrf_checks=True)

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        for name, morsel in list(self.cookies.items()):
            if morsel["secure"]:
                del self.cookies[name]
        return response


def _csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def _sign_in(browser: HttpBrowser, sms: Any, capture: Any) -> Any:
    page = browser.get(SIGN_IN)
    assert page.status_code == 200
    with capture(execute=True):
        asked = browser.post(
            SIGN_IN,
            {"mobile": "09121234567", "csrfmiddlewaretoken": _csrf_token(page.content.decode())},
        )
    if asked.status_code != 302:
        return asked
    code_page = browser.get(asked["Location"])
    if code_page.status_code != 200:
        return code_page
    return browser.post(
        VERIFY,
        {
            "code": code_in(sms.sent[-1].body),
            "csrfmiddlewaretoken": _csrf_token(code_page.content.decode()),
        },
    )


def test_sign_in_works_in_the_demo_over_plain_http(
    settings, monkeypatch, sms, django_capture_on_commit_callbacks
):
    demo = _base_settings(monkeypatch, KARGAH_DEMO="true")
    for name in ("DEBUG", "KARGAH_DEMO", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        setattr(settings, name, demo[name])
    browser = HttpBrowser()
    signed_in = _sign_in(browser, sms, django_capture_on_commit_callbacks)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == FAMILY
    assert not signed_in.cookies["sessionid"]["secure"]
    family = browser.get(FAMILY)
    assert family.status_code == 200
    assert family.wsgi_request.user.is_authenticated
    assert family.wsgi_request.user.mobile == "+989121234567"


def test_production_cookies_are_secure_so_plain_http_cannot_sign_in(
    settings, monkeypatch, sms, django_capture_on_commit_callbacks
):
    production = _base_settings(monkeypatch)
    for name in ("DEBUG", "KARGAH_DEMO", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        setattr(settings, name, production[name])
    browser = HttpBrowser()
    page = browser.get(SIGN_IN)
    assert page.cookies["csrftoken"]["secure"]
    refused = _sign_in(browser, sms, django_capture_on_commit_callbacks)
    assert refused.status_code == 403  # the CSRF cookie never came back over http
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize(("demo_mode", "secure"), [(True, False), (False, True)])
def test_the_language_cookie_follows_the_session_cookies_secure_flag(
    client, settings, monkeypatch, demo_mode, secure
):
    built = _base_settings(monkeypatch, **({"KARGAH_DEMO": "true"} if demo_mode else {}))
    settings.SESSION_COOKIE_SECURE = built["SESSION_COOKIE_SECURE"]
    response = client.get("/language/en/", {"next": "/"})
    assert response.status_code == 302
    assert bool(response.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"]) is secure
