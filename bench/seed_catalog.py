"""Fills the benchmark database with published offerings, fast (bulk inserts).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/kargah_bench \
        python -m bench.seed_catalog --offerings 2000

Courses, offerings and their sessions (8 each by default) are written with bulk_create; the
centers, staff, categories, age groups and holidays come from the demo seeders. The sessions
follow each weekly pattern and skip the holidays, as the services would plan them. A second
run with the same numbers leaves the data alone; another number (or --force) rebuilds the
catalog rows. Refuses a database whose name does not say "bench".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from typing import Any

BENCH_TERM = "ترم آزمون بار"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _is_bench_database() -> bool:
    from django.db import connection

    return "bench" in str(connection.settings_dict["NAME"])


def seed(*, offerings: int, sessions: int, force: bool) -> dict[str, Any]:
    import jdatetime
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from kargah.accounts.demo import seed_demo
    from kargah.accounts.models import Center, Role, User
    from kargah.catalog import schedule
    from kargah.catalog import services as catalog_services
    from kargah.catalog.demo import CONDITIONS, COURSES, seed_age_groups, seed_categories
    from kargah.catalog.models import (
        Course,
        CourseConditions,
        Offering,
        OfferingStatus,
        Session,
        Term,
    )
    from kargah.catalog.selectors import PUBLIC_STATUSES, closed_days
    from kargah.core.persian import to_persian_digits
    from kargah.enrollment.models import Enrollment

    published = Offering.objects.filter(status__in=PUBLIC_STATUSES)
    if (
        not force
        and published.count() == offerings
        and Offering.objects.count() == offerings
        and Term.objects.filter(name=BENCH_TERM).exists()
        and Session.objects.count() == offerings * sessions
    ):
        return {"offerings": offerings, "sessions": Session.objects.count(), "seeded": False}

    rng = random.Random(2000)  # noqa: S311  (repeatable load data, not secrets)
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        Enrollment.objects.all().delete()
        Session.objects.all().delete()
        Offering.instructors.through.objects.all().delete()
        Offering.objects.all().delete()
        CourseConditions.objects.all().delete()
        Course.objects.all().delete()
        Term.objects.all().delete()

        seed_demo()
        categories = seed_categories()
        groups = seed_age_groups()
        year = jdatetime.date.fromgregorian(date=today).year
        for jalali_year in (year, year + 1):
            catalog_services.holiday_sync_official(jalali_year=jalali_year)

        centers = list(Center.objects.order_by("id"))
        # Most offerings are the virtual center's; the provincial centers have some.
        weights = [6 if c.is_virtual else 1 for c in centers]
        terms = {
            c.pk: Term.objects.create(
                center=c,
                name=BENCH_TERM,
                starts_on=today - dt.timedelta(days=10),
                ends_on=today + dt.timedelta(days=200),
            )
            for c in centers
        }
        password = make_password(None)
        User.objects.filter(username__startswith="bench.instructor.").delete()
        instructors: dict[int, list[User]] = {c.pk: [] for c in centers}
        people = User.objects.bulk_create(
            User(
                username=f"bench.instructor.{i}",
                password=password,
                role=Role.INSTRUCTOR,
                center=centers[i % len(centers)],
                first_name="مربی",
                last_name=to_persian_digits(i),
            )
            for i in range(10 * len(centers))
        )
        for person in people:
            assert person.center_id is not None
            instructors[person.center_id].append(person)

        courses: list[Course] = []
        for i in range(offerings):
            spec = COURSES[i % len(COURSES)]
            round_no = i // len(COURSES) + 1
            center = rng.choices(centers, weights)[0]
            title = spec.title if round_no == 1 else f"{spec.title} ({to_persian_digits(round_no)})"
            courses.append(
                Course(
                    center=center,
                    category=categories[spec.sub],
                    age_group=groups[spec.group],
                    title=title,
                    description=spec.description,
                    session_count=sessions,
                    session_minutes=spec.minutes,
                )
            )
        courses = Course.objects.bulk_create(courses, batch_size=500)
        CourseConditions.objects.bulk_create(
            (CourseConditions(course=c, version=1, text=CONDITIONS) for c in courses),
            batch_size=500,
        )

        closed = {
            c.pk: closed_days(
                center=c, start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=730)
            )
            for c in centers
        }
        starts = ["09:00", "10:30", "15:00", "16:30", "18:00"]
        rows: list[Offering] = []
        plans: list[schedule.Plan] = []
        for i, course in enumerate(courses):
            kind = rng.random()
            if kind < 0.1:  # registration closed, classes running
                first = today - dt.timedelta(days=rng.randint(1, 20))
            elif kind < 0.2:  # registration opens later
                first = today + dt.timedelta(days=rng.randint(40, 80))
            else:
                first = today + dt.timedelta(days=rng.randint(3, 40))
            days = sorted(rng.sample(range(6), rng.choice((1, 2))))
            start = rng.choice(starts)
            pattern: list[dict[str, Any]] = [{"weekday": d, "start": start} for d in days]
            plan = schedule.plan_sessions(
                pattern=pattern,
                first_date=first,
                count=sessions,
                minutes=course.session_minutes,
                closed=closed[course.center_id],
            )
            first_start = plan.sessions[0][0]
            closes = schedule.tehran_datetime(
                first_start.date() - dt.timedelta(days=1), dt.time(23, 59)
            )
            if kind < 0.1:
                opens = closes - dt.timedelta(days=21)
            elif kind < 0.2:
                opens = now + dt.timedelta(days=rng.randint(5, 20))
            else:
                opens = now - dt.timedelta(days=rng.randint(1, 14))
            capacity = rng.randint(10, 30)
            quorum = rng.randint(3, 10)
            seats = 0 if kind >= 0.1 and kind < 0.2 else rng.randint(0, capacity)
            if i % 10 == 0:
                seats = capacity
            group = course.age_group
            offering = Offering(
                course=course,
                term=terms[course.center_id],
                center_id=course.center_id,
                capacity=capacity,
                quorum=quorum,
                fee_rials=rng.randrange(1_500_000, 12_000_001, 100_000),
                registration_opens_at=opens,
                registration_closes_at=closes,
                weekly_pattern=pattern,
                first_date=first,
                min_age=group.min_age,
                max_age=group.max_age,
                status=OfferingStatus.PUBLISHED,
                published_at=now - dt.timedelta(days=rng.randint(1, 30)),
                seats_taken=seats,
            )
            catalog_services._derive_filter_fields(offering)
            rows.append(offering)
            plans.append(plan)
        rows = Offering.objects.bulk_create(rows, batch_size=500)
        through = Offering.instructors.through
        links = []
        for offering in rows:
            team = instructors[offering.center_id]
            links.append(through(offering_id=offering.pk, user_id=rng.choice(team).pk))
        through.objects.bulk_create(links, batch_size=1000)
        Session.objects.bulk_create(
            (
                Session(offering=offering, number=n, starts_at=begins, ends_at=ends)
                for offering, plan in zip(rows, plans, strict=True)
                for n, (begins, ends) in enumerate(plan.sessions, start=1)
            ),
            batch_size=2000,
        )
    # Fresh planner statistics, as autovacuum would gather them on a live database.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"offerings": published.count(), "sessions": Session.objects.count(), "seeded": True}


def guardian_session() -> str:
    """A signed-in session of the demo guardian with the most children (its key, for the
    `sessionid` cookie), and one of its children on a waiting list, so the family's own part
    of the catalog (its children, its places) is read on every request as in real use."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count

    from kargah.accounts.models import Role, User
    from kargah.catalog.models import Offering, OfferingStatus
    from kargah.enrollment.models import WAITING_OPEN_STATUSES, WaitingListEntry

    guardian = (
        User.objects.filter(role=Role.GUARDIAN)
        .annotate(children=Count("family__learners"))
        .order_by("-children", "pk")
        .first()
    )
    if guardian is None or not guardian.children:
        raise SystemExit("bench.seed_catalog: no demo guardian with children")
    child = guardian.family.learners.order_by("pk").first()
    assert child is not None
    offering = Offering.objects.filter(status=OfferingStatus.PUBLISHED).order_by("pk").first()
    if (
        offering is not None
        and not WaitingListEntry.objects.filter(
            learner=child, offering=offering, status__in=WAITING_OPEN_STATUSES
        ).exists()
    ):
        WaitingListEntry.objects.create(offering=offering, learner=child, family=guardian.family)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(guardian.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = guardian.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offerings", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=8, help="sessions per offering")
    parser.add_argument("--force", action="store_true", help="rebuild even if already seeded")
    parser.add_argument(
        "--guardian-session", action="store_true", help="print a signed-in guardian's session key"
    )
    args = parser.parse_args(argv)
    _setup()
    if not _is_bench_database():
        print("bench.seed_catalog: refusing a database whose name lacks 'bench'", file=sys.stderr)
        return 2
    if args.guardian_session:
        print(f"session={guardian_session()}")
        return 0
    started = time.monotonic()
    result = seed(offerings=args.offerings, sessions=args.sessions, force=args.force)
    verb = "seeded" if result["seeded"] else "already there"
    print(
        f"bench data {verb}: {result['offerings']} published offerings, "
        f"{result['sessions']} sessions ({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
