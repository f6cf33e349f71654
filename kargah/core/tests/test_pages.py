"""The page shell: Persian and right-to-left, local assets only, Persian error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import get_resolver

from kargah.core import views

pytestmark = pytest.mark.django_db

VENDOR_ASSETS = [
    "vendor/bootstrap/css/bootstrap.rtl.min.css",
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/htmx/htmx.min.js",
    "css/kargah.css",
    "js/kargah.js",
    "fonts/vazirmatn-400.woff2",
    "root/favicon.svg",
    "root/favicon.ico",
]


class _Assets(HTMLParser):
    """Collects every href/src/action of a page, and the <html> attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.html_attrs: dict[str, str | None] = {}
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_attrs = found
        for name in ("href", "src", "action"):
            if found.get(name):
                self.urls.append(found[name] or "")
        if tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(found.get("href") or "")
        if tag == "script" and found.get("src"):
            self.scripts.append(found.get("src") or "")


def _parse(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def test_home_page_is_persian_rtl_with_local_assets(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    page = _parse(html)

    assert page.html_attrs["lang"] == "fa"
    assert page.html_attrs["dir"] == "rtl"
    assert "/static/vendor/bootstrap/css/bootstrap.rtl.min.css" in page.stylesheets
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" not in page.stylesheets
    # Issue 9, item 7: our CSS carries the subset fonts; one small script, no Bootstrap
    # bundle, and htmx only on the pages that use it.
    assert "/static/css/kargah.css" in page.stylesheets
    assert page.scripts == ["/static/js/kargah.js"]
    # Nothing is fetched from another site (CDNs are often blocked or slow in Iran).
    assert "http://" not in html
    assert "https://" not in html
    assert all(url.startswith("/") for url in page.urls), page.urls
    # The footer's Jalali date is written with Persian digits.
    footer_date = re.search(r'<footer.*<span class="ms-2 text-nowrap">([^<]*)</span>', html, re.S)
    assert footer_date
    assert re.search("[۰-۹]{4}", footer_date.group(1))
    assert not re.search("[0-9]", footer_date.group(1))


@pytest.mark.parametrize("asset", VENDOR_ASSETS)
def test_vendor_assets_resolve_through_the_static_finders(asset):
    found = finders.find(asset)
    assert found, f"{asset} not found; run npm ci"
    assert Path(str(found)).stat().st_size > 0


def test_every_font_our_css_names_is_there():
    css_path = Path(str(finders.find("css/kargah.css")))
    urls = re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", css_path.read_text())
    assert len(urls) == 4
    for url in urls:
        target = (css_path.parent / url.split("?")[0].split("#")[0]).resolve()
        assert target.is_file(), url
        assert target.is_relative_to((Path(settings.BASE_DIR) / "static" / "fonts").resolve())


def test_static_files_are_served_in_the_test_run(client, live_server):
    import httpx

    for asset in ("vendor/bootstrap/css/bootstrap.rtl.min.css", "js/kargah.js"):
        answer = httpx.get(f"{live_server.url}/static/{asset}")
        assert answer.status_code == 200, asset


def test_not_found_page_is_persian_without_a_trace(client):
    response = client.get("/no-such-page/here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="fa"' in html
    assert 'dir="rtl"' in html
    assert "Traceback" not in html
    assert "/no-such-page/" not in html.split("<main", 1)[1]  # Django's debug 404 repeats the path
    assert "core/error.html" in [t.name for t in response.templates]


def test_server_error_handler_renders_the_persian_page():
    request = RequestFactory().get("/somewhere/")
    response = views.server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    page = _parse(html)
    assert page.html_attrs == {"lang": "fa", "dir": "rtl"}
    assert "/static/vendor/bootstrap/css/bootstrap.rtl.min.css" in page.stylesheets
    assert "Traceback" not in html


def test_server_error_handler_falls_back_to_plain_persian_text(monkeypatch):
    def broken_render(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database is down")

    monkeypatch.setattr(views, "render", broken_render)
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "lang='fa' dir='rtl'" in html
    assert "database" not in html
    assert re.search("[\u0600-\u06ff]", html)


@pytest.mark.parametrize(
    ("status", "handler"),
    [
        (400, views.bad_request),
        (403, views.permission_denied),
        (404, views.page_not_found),
        (500, views.server_error),
    ],
)
def test_error_handlers_are_wired(status, handler):
    assert get_resolver().resolve_error_handler(status) is handler


@pytest.mark.parametrize(
    ("handler", "status"),
    [(views.bad_request, 400), (views.permission_denied, 403), (views.page_not_found, 404)],
)
def test_error_pages_keep_their_status(handler, status):
    response = handler(RequestFactory().get("/"), Exception("x"))
    assert response.status_code == status
    assert 'dir="rtl"' in response.content.decode()


def test_language_switch_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = _parse(client.get("/").content.decode())
    assert page.html_attrs["lang"] == "en"
    assert page.html_attrs["dir"] == "ltr"
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page.stylesheets
    assert "/static/vendor/bootstrap/css/bootstrap.rtl.min.css" not in page.stylesheets

    english_404 = client.get("/missing/")
    assert english_404.status_code == 404
    assert 'lang="en" dir="ltr"' in english_404.content.decode()

    client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    page = _parse(client.get("/").content.decode())
    assert (page.html_attrs["lang"], page.html_attrs["dir"]) == ("fa", "rtl")
