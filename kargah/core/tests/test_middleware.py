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
