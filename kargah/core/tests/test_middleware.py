"""Persian first: the browser's language does not decide, the person's choice does."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_phone_still_gets_the_persian_site(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert 'lang="fa" dir="rtl"' in html
    assert response.headers["Content-Language"] == "fa"


def test_the_switch_chooses_english_and_back(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en" dir="ltr"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    assert 'lang="fa" dir="rtl"' in client.get("/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_persian(client):
    client.cookies["django_language"] = "de"
    assert 'lang="fa" dir="rtl"' in client.get("/").content.decode()


def test_the_header_switch_is_a_link_that_sets_the_language(client):
    response = client.get("/language/en/?next=/catalog/")
    assert response.status_code == 302
    assert response["Location"] == "/catalog/"
    assert response.cookies["django_language"].value == "en"
    assert 'lang="en" dir="ltr"' in client.get("/").content.decode()
    assert 'href="/language/fa/?next=/"' in client.get("/").content.decode()


def test_the_switch_never_redirects_off_site_or_sets_an_unknown_language(client):
    response = client.get("/language/de/?next=https://example.com/")
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies
    assert 'lang="fa" dir="rtl"' in client.get("/").content.decode()


def test_anonymous_pages_carry_no_csrf_token(client):
    html = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "X-CSRFToken" not in html
