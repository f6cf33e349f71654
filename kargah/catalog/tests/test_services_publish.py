"""Publishing an offering: it is published whole or not at all (P1), and after that its
times change only by a recorded reschedule (DOMAIN rule 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog import services
from kargah.catalog.models import CourseConditions, Offering, OfferingStatus, SessionStatus
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import CourseFactory, HolidayFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # a Saturday


@pytest.fixture
def offering(make_offering) -> Offering:
    """A complete draft: four Saturday sessions from 4 May 2024, registration 4 April to
    2 May, a fee, conditions and an instructor."""
    return make_offering(first_date=FIRST, count=4)


def _drop_a_session(o: Offering) -> None:
    o.sessions.order_by("-starts_at").first().delete()  # type: ignore[union-attr]


def _cancel_a_session(o: Offering) -> None:
    o.sessions.filter(number=4).update(status=SessionStatus.CANCELLED)


def _no_opening(o: Offering) -> None:
    o.registration_opens_at = None


def _no_closing(o: Offering) -> None:
    o.registration_closes_at = None


def _closes_after_first_session(o: Offering) -> None:
    o.registration_closes_at = tehran(FIRST, 16, 1)


def _opens_after_closing(o: Offering) -> None:
    assert o.registration_closes_at is not None
    o.registration_opens_at = o.registration_closes_at + dt.timedelta(hours=1)


def _opens_when_closing(o: Offering) -> None:
    o.registration_opens_at = o.registration_closes_at


def _no_fee(o: Offering) -> None:
    o.fee_rials = None


def _no_conditions(o: Offering) -> None:
    o.course = CourseFactory.create(center=o.center, session_count=4, conditions=None)


def _blank_conditions(o: Offering) -> None:
    CourseConditions.objects.create(course=o.course, version=2, text="   ")


def _no_instructor(o: Offering) -> None:
    o.instructors.clear()


PROBLEMS: list[tuple[Callable[[Offering], None], str]] = [
    (_drop_a_session, "The course promises"),
    (_cancel_a_session, "The course promises"),
    (_no_opening, "Set when registration opens and closes."),
    (_no_closing, "Set when registration opens and closes."),
    (_closes_after_first_session, "Registration must close before the first session."),
    (_opens_after_closing, "Registration must open before it closes."),
    (_opens_when_closing, "Registration must open before it closes."),
    (_no_fee, "Set the fee."),
    (_no_conditions, "The course has no conditions text."),
    (_blank_conditions, "The course has no conditions text."),
    (_no_instructor, "Choose at least one instructor."),
]


@pytest.fixture(autouse=True)
def english():
    """Problems are matched by their English source text (the catalogue is Persian)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_complete_offering_has_no_problems(offering):
    assert services.offering_publication_problems(offering) == []


@pytest.mark.parametrize(("spoil", "problem"), PROBLEMS, ids=[p[0].__name__ for p in PROBLEMS])
def test_each_problem_blocks_publishing(offering, staff, spoil, problem):
    """P1: an offering is published whole: the promised number of sessions, a registration
    window that closes before the first session, a fee, conditions and an instructor."""
    spoil(offering)
    offering.save()
    audits = AuditLogEntry.objects.count()

    problems = services.offering_publication_problems(offering)
    with pytest.raises(DomainError) as caught:
        services.offering_publish(actor=staff, offering=offering)

    assert len(problems) == 1, problems
    assert problems[0].startswith(problem)
    assert caught.value.code == "incomplete"
    assert caught.value.extra["problems"] == problems
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.DRAFT
    assert offering.published_at is None
    assert AuditLogEntry.objects.count() == audits


def test_the_session_count_problem_names_both_numbers(offering):
    from django.utils import translation

    _drop_a_session(offering)
    with translation.override("fa"):
        (problem,) = services.offering_publication_problems(offering)
    assert "۴" in problem
    assert "۳" in problem


def test_registration_may_close_right_at_the_first_session(offering, staff):
    offering.registration_closes_at = tehran(FIRST, 16)
    offering.save()
    assert services.offering_publication_problems(offering) == []


def test_a_complete_offering_is_published_and_recorded(offering, staff, clock):
    """P1: publishing records who published what; from now on the schedule is public."""
    published = services.offering_publish(actor=staff, offering=offering)

    offering.refresh_from_db()
    assert offering.status == published.status == OfferingStatus.PUBLISHED
    assert offering.published_at == clock.current
    entry = AuditLogEntry.objects.get(action="offering.published")
    assert entry.actor == staff
    assert entry.object_id == str(offering.pk)
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("draft", "published")


def test_an_administrator_may_publish_any_center(offering):
    admin = User.objects.create(username="root-admin", role=Role.ADMINISTRATOR)
    assert services.offering_publish(actor=admin, offering=offering).status == "published"


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: StaffFactory.create(),  # staff of another center
        lambda: GuardianFactory.create(),
        lambda: User.objects.create(username="teacher-x", role=Role.INSTRUCTOR),
    ],
    ids=["other_center_staff", "guardian", "instructor"],
)
def test_only_the_centers_staff_publish(offering, make_actor):
    with pytest.raises(NotAllowed):
        services.offering_publish(actor=make_actor(), offering=offering)
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.DRAFT
    assert not AuditLogEntry.objects.filter(action="offering.published").exists()


def test_the_instructor_of_the_center_cannot_publish(offering):
    teacher = offering.instructors.get()
    with pytest.raises(NotAllowed):
        services.offering_publish(actor=teacher, offering=offering)


def test_a_published_offering_cannot_regenerate_its_sessions(offering, staff):
    """DOMAIN rule 1: after publishing, times change only by a recorded reschedule."""
    services.offering_publish(actor=staff, offering=offering)
    offering.refresh_from_db()
    before = list(offering.sessions.values_list("pk", "starts_at"))
    offering.weekly_pattern = [{"weekday": 3, "start": "09:00"}]
    offering.save()

    with pytest.raises(DomainError) as caught:
        services.offering_generate_sessions(actor=staff, offering=offering)

    assert caught.value.code == "published"
    assert list(offering.sessions.values_list("pk", "starts_at")) == before


def test_publishing_twice_is_refused(offering, staff):
    services.offering_publish(actor=staff, offering=offering)
    with pytest.raises(DomainError) as caught:
        services.offering_publish(actor=staff, offering=offering)
    assert caught.value.code == "bad_transition"
    assert AuditLogEntry.objects.filter(action="offering.published").count() == 1


def test_a_draft_whose_session_fell_on_a_new_holiday_cannot_be_published(offering, staff, admin):
    """P4: a holiday added after the draft's sessions were generated is left to the next
    generation ("a draft is simply generated again"); publishing must not let the session
    on that holiday through."""
    third = offering.sessions.get(number=3).starts_at.astimezone(TEHRAN).date()
    _holiday, moved = services.holiday_add(actor=admin, date=third, name="تعطیلی تازه")
    assert moved == []  # drafts are not moved

    with pytest.raises(DomainError):
        services.offering_publish(actor=staff, offering=offering)


def test_a_closure_the_draft_was_generated_around_is_fine(make_offering, staff, center):
    HolidayFactory.create(date=FIRST, source="center", center=center, name="بسته")
    offering = make_offering(first_date=FIRST, count=4)
    assert services.offering_publication_problems(offering) == []
    assert services.offering_publish(actor=staff, offering=offering).status == "published"
