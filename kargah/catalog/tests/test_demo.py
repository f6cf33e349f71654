"""The catalog demo data: seeded twice (the second time through `manage.py demo_seed`), it
is the same, complete and keeps the catalog's rules (P1, P4 against the shipped official
calendar, no instructor clash)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from kargah.accounts.demo import seed_demo
from kargah.accounts.models import Learner, User
from kargah.catalog import official_calendar
from kargah.catalog.demo import seed_catalog_demo
from kargah.catalog.models import (
    AgeGroup,
    Category,
    CategoryKind,
    Course,
    Holiday,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
    Term,
)
from kargah.catalog.schedule import iranian_weekday
from kargah.catalog.selectors import CatalogFilters, closed_days, offering_catalog
from kargah.catalog.services_lifecycle import lifecycle_advance
from kargah.catalog.tests.test_demo_calendar import sessions_on_official_holidays
from kargah.core.models import AuditLogEntry
from kargah.core.persian import to_tehran
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment
from kargah.enrollment.services_quorum import offerings_close_registration

COUNTED: list[type[Model]] = [AgeGroup, AuditLogEntry, Category, Course, Enrollment, Holiday]
COUNTED += [Learner, Offering, Session, Term, User]


def _state() -> dict[str, object]:
    state: dict[str, object] = {m.__name__: m._default_manager.count() for m in COUNTED}
    state["seats"] = sorted(Offering.objects.values_list("course__title", "term_id", "seats_taken"))
    state["statuses"] = sorted(Offering.objects.values_list("course__title", "term_id", "status"))
    return state


@dataclass
class Seeded:
    first: dict[str, object]
    second: dict[str, object]
    output: str


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Seeded]:
    """Seeds once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        seed_catalog_demo()
        first = _state()
        out = io.StringIO()
        call_command("demo_seed", stdout=out)
        yield Seeded(first=first, second=_state(), output=out.getvalue())
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _published() -> list[Offering]:
    return list(
        Offering.objects.filter(status=OfferingStatus.PUBLISHED)
        .select_related("course__category", "course__age_group", "center")
        .prefetch_related("sessions", "instructors")
    )


def test_a_second_run_changes_nothing(seeded: Seeded) -> None:
    assert seeded.second == seeded.first
    assert "60 offerings" in seeded.output


def test_about_sixty_offerings_in_every_field_and_age_group(seeded: Seeded) -> None:
    offerings = Offering.objects.select_related("course__category", "course__age_group")
    assert 55 <= offerings.count() <= 65
    assert offerings.filter(status=OfferingStatus.DRAFT).count() >= 1
    fields = {o.course.category.kind for o in offerings}
    assert fields == set(CategoryKind.values)
    assert all(o.course.category.parent_id for o in offerings)  # sub-categories, not fields
    assert {o.course.age_group_id for o in _published()} == set(
        AgeGroup.objects.values_list("id", flat=True)
    )
    assert AgeGroup.objects.count() == 5


def test_numbers_within_the_ranges_of_the_brief(seeded: Seeded) -> None:
    for offering in Offering.objects.select_related("course"):
        assert 6 <= offering.course.session_count <= 12
        assert 60 <= offering.course.session_minutes <= 90
        assert offering.fee_rials is not None
        assert 1_500_000 <= offering.fee_rials <= 12_000_000
        assert 10 <= offering.capacity <= 30
        assert 3 <= offering.quorum <= 10
        assert 1 <= len(offering.weekly_pattern) <= 2


def test_full_and_below_quorum_offerings(seeded: Seeded) -> None:
    published = _published()
    assert any(o.seats_taken == o.capacity for o in published)
    assert any(0 < o.seats_taken < o.quorum for o in published)
    now = timezone.now()
    windows = Counter(
        "open"
        if o.registration_is_open(now)
        else "closed"
        if o.registration_closes_at and o.registration_closes_at <= now
        else "later"
        for o in published
    )
    assert windows["open"] > windows["closed"] + windows["later"]
    assert windows["closed"] >= 1
    assert windows["later"] >= 1


def test_seats_taken_is_the_number_of_active_enrolments(seeded: Seeded) -> None:
    active = Counter(
        Enrollment.objects.filter(status__in=ACTIVE_STATUSES).values_list("offering_id", flat=True)
    )
    for offering in Offering.objects.all():
        assert offering.seats_taken == active[offering.pk], offering


def test_every_demo_enrolment_was_paid_through_the_ledger(seeded: Seeded) -> None:
    """The demo's places carry their money: bank → wallet → course revenue, balanced."""
    from kargah.wallet.models import LedgerTransaction
    from kargah.wallet.selectors import ledger_is_balanced

    paid = set(
        LedgerTransaction.objects.filter(reference__endswith=":paid").values_list(
            "reference", flat=True
        )
    )
    for enrolment in Enrollment.objects.filter(status__in=ACTIVE_STATUSES):
        assert enrolment.paid_rials == enrolment.fee_rials == enrolment.offering.fee_rials
        assert f"enrollment:{enrolment.pk}:paid" in paid
    assert ledger_is_balanced()
    # Paid in through verified sandbox payments: finance's reconciliation finds nothing amiss.
    from kargah.payments.reconciliation import reconciliation_mismatches

    mismatches, payments_checked, _postings = reconciliation_mismatches()
    assert mismatches == [] and payments_checked > 0


def test_enrolments_fit_the_learner_and_keep_the_conditions(seeded: Seeded) -> None:
    today = timezone.localdate()
    for enrolment in Enrollment.objects.select_related("offering", "learner", "conditions"):
        offering = enrolment.offering
        assert enrolment.conditions.course_id == offering.course_id
        assert offering.status == OfferingStatus.PUBLISHED
        assert offering.min_age <= enrolment.learner.age_on(today) <= offering.max_age


def test_every_published_offering_has_its_promised_sessions(seeded: Seeded) -> None:
    for offering in _published():
        sessions = [s for s in offering.sessions.all() if s.status != SessionStatus.CANCELLED]
        assert len(sessions) == offering.course.session_count, offering
        assert offering.registration_closes_at is not None
        assert offering.registration_closes_at <= min(s.starts_at for s in sessions)


def test_no_session_on_a_holiday_and_some_holidays_skipped(seeded: Seeded) -> None:
    skipped = 0
    for offering in Offering.objects.select_related("center").prefetch_related("sessions"):
        days = [to_tehran(s.starts_at).date() for s in offering.sessions.all()]
        closed = closed_days(center=offering.center, start=min(days), end=max(days))
        assert not set(days) & set(closed), offering
        weekdays = {p["weekday"] for p in offering.weekly_pattern}
        skipped += sum(iranian_weekday(day) in weekdays for day in closed)
    assert skipped >= 5  # the demo shows classes stepping over holidays


def test_no_instructor_teaches_two_sessions_at_once(seeded: Seeded) -> None:
    by_instructor: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for session in Session.objects.prefetch_related("offering__instructors"):
        for person in session.offering.instructors.all():
            by_instructor[person.pk].append((session.starts_at, session.ends_at))
    for times in by_instructor.values():
        times.sort()
        for (_start, end), (next_start, _end) in itertools.pairwise(times):
            assert end <= next_start


def test_no_demo_session_on_an_official_holiday_of_the_shipped_calendar(seeded: Seeded) -> None:
    """P4 checked against the Calendar Center's dates themselves, not only the Holiday rows
    the sessions were planned with; and those rows are the shipped ones for every published
    year the demo synced."""
    assert sessions_on_official_holidays() == []
    years = set(Holiday.objects.values_list("jalali_year", flat=True))
    for year in years & official_calendar.published_years():
        synced = set(
            Holiday.objects.filter(jalali_year=year, province__isnull=True, center__isnull=True)
            .exclude(key="")
            .values_list("date", "key")
        )
        assert synced == {(r.date, r.key) for r in official_calendar.shipped_for_year(year)}
    national = set(
        Holiday.objects.filter(
            province__isnull=True, center__isnull=True, is_removed=False
        ).values_list("date", flat=True)
    )
    session_days = {to_tehran(s.starts_at).date() for s in Session.objects.all()}
    assert not session_days & national


def _found(query: str) -> set[str]:
    found = offering_catalog(filters=CatalogFilters(query=query))
    return set(found.values_list("course__title", flat=True))


def test_the_reported_searches_find_the_demo_classes(seeded: Seeded) -> None:
    """Issue 9, finding 4, on the demo catalog: «قران», «ابرنگ» and «python» found nothing."""
    assert _found("قران") == _found("قرآن") != set()
    assert _found("ابرنگ") == _found("آبرنگ") != set()
    assert _found("python") == _found("پایتون") == {"برنامه‌نویسی پایتون برای نوجوانان"}


def test_the_demo_catalog_opens_on_classes_a_family_can_register_for(seeded: Seeded) -> None:
    now = timezone.now()
    first_page = list(offering_catalog(filters=CatalogFilters(), at=now)[:12])
    assert all(offering.registration_is_open(now) for offering in first_page)


def test_the_demo_classes_that_began_were_taught_so_the_job_holds_them(seeded: Seeded) -> None:
    """The minute jobs' first run over the demo (registration closed at quorum, then the
    lifecycle) holds the sessions already over and runs their classes; it cancels none for
    an instructor's absence (issue 10, item 3)."""
    now = timezone.now()
    past = Session.objects.filter(starts_at__lt=now).exclude(offering__status="draft")
    assert past.exists()
    assert not past.filter(taught_at__isnull=True).exists()
    with transaction.atomic():
        offerings_close_registration(now=now)
        report = lifecycle_advance(now=now)
        assert report.absent_cancelled == []
        assert report.held
        assert not Session.objects.filter(status=SessionStatus.CANCELLED).exists()
        assert Offering.objects.filter(status=OfferingStatus.RUNNING).exists()
        transaction.set_rollback(True)
