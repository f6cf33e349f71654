"""The Persian error pages with DEBUG off (issue 8, finding 7): one per status, a form that
is too big or has too many fields, and a failed CSRF check; never Django's English pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
PERSIAN = re.compile("[\u0600-\u06ff]")


def _assert_persian_error_page(html: str) -> None:
    assert '<html lang="fa" dir="rtl">' in html
    assert 'data-testid="error-page"' in html
    assert 'href="/"' in html  # a way home
    assert PERSIAN.search(html.split("<main", 1)[1])
    for english in ("Traceback", "Request Data Too Big", "RequestDataTooBig", "Bad Request"):
        assert english not in html


@pytest.mark.parametrize("status", [400, 403, 404, 413, 500])
def test_every_error_template_is_persian_rtl_with_a_way_home(status):
    from django.template.loader import render_to_string

    with translation.override("fa"):
        html = render_to_string(f"{status}.html", {"status": status})
    _assert_persian_error_page(html)


def test_a_form_over_the_size_limit_gets_the_persian_413_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        SIGN_IN,
        "mobile=09121234567&junk=" + "x" * 5000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    html = response.content.decode()
    _assert_persian_error_page(html)
    with translation.override("fa"):
        assert gettext("The form sent more than this site accepts.") in html
    assert "۱" in html  # the limit, in kilobytes and Persian digits


def test_a_multipart_form_over_the_size_limit_gets_the_413_page_too(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(SIGN_IN, {"mobile": "09121234567", "junk": "x" * 5000})
    assert response.status_code == 413
    _assert_persian_error_page(response.content.decode())


def test_a_form_with_too_many_fields_gets_a_persian_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"f{index}": "1" for index in range(50)}
    response = client.post(SIGN_IN, fields)
    assert response.status_code == 400
    html = response.content.decode()
    _assert_persian_error_page(html)
    with translation.override("fa"):
        assert gettext("The form had more fields than this site accepts.") in html


def test_the_413_page_follows_the_language_switch(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.cookies["django_language"] = "en"
    response = client.post(SIGN_IN, {"junk": "x" * 5000})
    assert response.status_code == 413
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "The form sent more than this site accepts." in html


def test_an_api_path_is_left_to_the_api_error_handling(client, settings):
    """Under /api/ another part of the code answers (JSON); these pages never claim it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/v1/auth/otp/request",
        "mobile=0912&junk=" + "x" * 5000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code != 413 or "json" in response["Content-Type"]
    assert 'data-testid="error-page-413"' not in response.content.decode()


def test_a_failed_csrf_check_gets_a_persian_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(SIGN_IN, {"mobile": "09121234567"})
    assert response.status_code == 403
    html = response.content.decode()
    _assert_persian_error_page(html)
    assert "CSRF" not in html.split("<main", 1)[1]
    with translation.override("fa"):
        assert gettext("This form has expired. Go back, reload the page and send it again.") in (
            html
        )
