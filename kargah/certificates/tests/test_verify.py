"""The public check at /certificates/verify/: a valid code shows the name, the course and
the date and nothing more; a revoked code shows "revoked"; an unknown code shows that
nothing was found; any digits and case are read; look-ups are rate-limited per address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kargah.certificates import services
from kargah.certificates.models import Certificate
from kargah.certificates.tests.conftest import CHILD, COURSE, World
from kargah.core.persian import TEHRAN, to_persian_digits

pytestmark = pytest.mark.django_db
URL = reverse("certificates:verify")


@pytest.fixture
def certificate(world: World) -> Certificate:
    issued = services.certificate_issue(
        enrollment=world.place, now=dt.datetime(2024, 12, 1, 10, tzinfo=TEHRAN)
    )
    assert issued is not None
    return issued


def check(code: str, client: Client | None = None) -> tuple[int, str]:
    answer = (client or Client()).get(URL, {"code": code})
    assert answer["X-Robots-Tag"] == "noindex, nofollow"  # a child's name is never indexed
    return answer.status_code, answer.content.decode()


def test_the_empty_form(client: Client) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="code"' in html and "verify-valid" not in html and "verify-not-found" not in html


def test_a_valid_code_shows_only_the_name_the_course_and_the_date(
    certificate: Certificate, world: World
) -> None:
    status, html = check(certificate.display_code)
    assert status == 200
    assert 'data-testid="verify-valid"' in html
    assert f"{CHILD[0]} {CHILD[1]}" in html and COURSE in html and "۱۱ آذر ۱۴۰۳" in html
    # Nothing else about the child or the class: no center, no hours, no attendance.
    assert world.offering.center.name not in html
    assert "۷۵" not in html and world.child.national_code not in html


def test_persian_digits_small_letters_and_no_dash_are_read(certificate: Certificate) -> None:
    typed = to_persian_digits(certificate.code.lower())
    status, html = check(f" {typed} ")
    assert status == 200 and 'data-testid="verify-valid"' in html


def test_a_revoked_code_shows_revoked_and_not_the_child(
    certificate: Certificate, world: World
) -> None:
    services.certificate_revoke(actor=world.staff, certificate=certificate, reason="اشتباه صادر شد")
    status, html = check(certificate.display_code)
    assert status == 200
    assert 'data-testid="verify-revoked"' in html and "باطل" in html
    assert CHILD[0] not in html and COURSE not in html and 'data-testid="verify-valid"' not in html


def test_an_unknown_code_shows_nothing_found(certificate: Certificate) -> None:
    unknown = "ABCDE" + ("FGHJK" if certificate.code[5:] != "FGHJK" else "FGHJM")
    status, html = check(unknown)
    assert status == 200
    assert 'data-testid="verify-not-found"' in html
    assert 'data-testid="verify-valid"' not in html and CHILD[0] not in html


def test_text_that_cannot_be_a_code_is_a_persian_form_error(certificate: Certificate) -> None:
    status, html = check("<script>")
    assert status == 200 and "invalid-feedback" in html and "verify-not-found" not in html
    assert "<script>" not in html


def test_look_ups_are_limited_per_address(
    certificate: Certificate, settings: pytest.FixtureRequest
) -> None:
    settings.KARGAH_CERTIFICATE_VERIFY_PER_10_MINUTES = 3  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [check(certificate.display_code, client)[0] for _ in range(3)] == [200, 200, 200]

    status, html = check(certificate.display_code, client)

    assert status == 429 and 'data-testid="verify-valid"' not in html
    # Another address is not held back by this one.
    assert check(certificate.display_code, Client(REMOTE_ADDR="203.0.113.10"))[0] == 200
