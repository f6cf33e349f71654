"""The course's attendance threshold for a certificate: set in the center's course form (75 %
when left empty), at most 100, kept or changed by the draft edit."""

from __future__ import annotations

import pytest
from django.test import Client

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import Course
from kargah.catalog.tests.factories import AgeGroupFactory, CategoryFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def _course_form(**extra: str) -> dict[str, str]:
    return {
        "title": "خوشنویسی",
        "category": str(CategoryFactory.create().pk),
        "age_group": str(AgeGroupFactory.create().pk),
        "description": "خط نستعلیق",
        "session_count": "۶",
        "session_minutes": "۶۰",
        "conditions_text": "شرایط را می‌پذیرم.",
        **extra,
    }


@pytest.mark.parametrize(("typed", "stored"), [("", 75), ("۶۰", 60), ("0", 0), ("100", 100)])
def test_a_new_course_takes_the_threshold(typed: str, stored: int) -> None:
    staff = StaffFactory.create()
    client = Client()
    client.force_login(staff)
    answer = client.post("/staff/courses/new/", _course_form(certificate_attendance_percent=typed))
    assert answer.status_code == 302
    assert Course.objects.get(title="خوشنویسی").certificate_attendance_percent == stored


def test_more_than_a_hundred_percent_is_refused_and_nothing_made() -> None:
    staff = StaffFactory.create()
    client = Client()
    client.force_login(staff)
    answer = client.post("/staff/courses/new/", _course_form(certificate_attendance_percent="101"))
    assert answer.status_code == 200
    assert answer.context["form"].errors["certificate_attendance_percent"]
    assert not Course.objects.filter(title="خوشنویسی").exists()


def test_the_draft_edit_changes_it_or_keeps_it() -> None:
    offering = OfferingFactory.create()
    course = offering.course
    staff = StaffFactory.create(center=course.center)
    client = Client()
    client.force_login(staff)
    url = f"/staff/courses/{course.pk}/edit/"
    assert client.get(url).context["form"].initial["certificate_attendance_percent"] == 75
    data = _course_form(certificate_attendance_percent="۸۰")
    del data["conditions_text"]
    assert client.post(url, data).status_code == 302
    course.refresh_from_db()
    assert course.certificate_attendance_percent == 80
    data["certificate_attendance_percent"] = ""
    assert client.post(url, data).status_code == 302
    course.refresh_from_db()
    assert course.certificate_attendance_percent == 80
