"""Data of the join benchmark (`make bench-join`): sessions that start at once, each with
families holding a confirmed place, a passing device check, a session cookie and a token.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/kargah_bench_join \
        python -m bench.seed_join --learners 500 --sessions 20    # build (once)
    python -m bench.seed_join --reset      # before a round: no rooms, sessions start soon
    python -m bench.seed_join --sign-in    # each run: fresh session cookies and the plan
    python -m bench.seed_join --report     # after a round: rooms opened, joins logged (JSON)

Built with bulk inserts: a center and a term of its own, one course and one offering per
session (published, the learners' places confirmed), each offering with one session, and
L guardians, each with a family, one child with a confirmed place in one of the sessions'
offerings (round robin), a passing device check of today (so the join is not sent to the
check first: docs/classroom.md), a database session (the `sessionid` cookie) and a DRF
token (for the `/bench/write` yardstick). `--reset` deletes the sessions' rooms, join logs
and presence, moves every session to start in five minutes (the join window is open), dates the device checks now, and
empties the fake BBB's store (its create counter with it). Writes the plan (cookies,
tokens, session and learner ids) to `var/bench/join-plan.json` for bench/join.py. Refuses
a database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

JOIN_TERM = "ترم آزمون ورود به کلاس"
COURSE_PREFIX = "آزمون ورود به کلاس"
USER_PREFIX = "bench.join."
PLAN = Path(__file__).resolve().parent.parent / "var" / "bench" / "join-plan.json"
# The sessions start this long after a reset: inside the join window (15 minutes before).
STARTS_IN = dt.timedelta(minutes=5)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _is_bench_database() -> bool:
    from django.db import connection

    return "bench" in str(connection.settings_dict["NAME"])


def _clear_old(term: Any) -> None:
    from django.contrib.sessions.models import Session as WebSession
    from rest_framework.authtoken.models import Token

    from kargah.accounts.models import Family, Learner, User
    from kargah.catalog.models import Course, CourseConditions, Offering, Session
    from kargah.classroom.models import JoinLog, PresenceInterval, Room
    from kargah.core.models import AuditLogEntry
    from kargah.devicecheck.models import DeviceCheck
    from kargah.enrollment.models import Enrollment

    old = User.objects.filter(username__startswith=USER_PREFIX)
    if term is not None:
        sessions = Session.objects.filter(offering__term=term)
        JoinLog.objects.filter(session__in=sessions).delete()
        PresenceInterval.objects.filter(session__in=sessions).delete()
        Room.objects.filter(session__in=sessions).delete()
        Enrollment.objects.filter(offering__term=term).delete()
        sessions.delete()
        Offering.instructors.through.objects.filter(offering__term=term).delete()
        Offering.objects.filter(term=term).delete()
        term.delete()
    JoinLog.objects.filter(user__in=old).delete()
    # The write yardstick's rows (`bench.write`) name the guardians as their actors; the
    # model refuses deletes (append-only), this benchmark database's own rows go in SQL.
    AuditLogEntry.objects.filter(actor__in=old, action="bench.write")._raw_delete(
        AuditLogEntry.objects.db
    )
    CourseConditions.objects.filter(course__title__startswith=COURSE_PREFIX).delete()
    Course.objects.filter(title__startswith=COURSE_PREFIX).delete()
    Token.objects.filter(user__in=old).delete()
    DeviceCheck.objects.filter(learner__family__guardian__in=old).delete()
    Enrollment.objects.filter(family__guardian__in=old).delete()
    Learner.objects.filter(family__guardian__in=old).delete()
    Family.objects.filter(guardian__in=old).delete()
    WebSession.objects.filter(session_key__startswith="benchjoin").delete()
    old.delete()


def seed(*, learners: int, sessions: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from bench.seed_rush import bench_center, bench_families
    from kargah.accounts.models import Gender
    from kargah.catalog import services as catalog_services
    from kargah.catalog.demo import seed_age_groups, seed_categories
    from kargah.catalog.models import (
        Course,
        CourseConditions,
        Offering,
        OfferingStatus,
        Session,
        Term,
    )
    from kargah.core.persian import to_persian_digits
    from kargah.devicecheck.models import DeviceCheck
    from kargah.enrollment.models import Enrollment, EnrollmentStatus

    term = Term.objects.filter(name=JOIN_TERM).first()
    if (
        term is not None
        and Offering.objects.filter(term=term).count() == sessions
        and Enrollment.objects.filter(
            offering__term=term, status=EnrollmentStatus.CONFIRMED
        ).count()
        == learners
    ):
        return {"seeded": False}

    now = timezone.now()
    today = timezone.localdate()
    starts = now + STARTS_IN
    with transaction.atomic():
        _clear_old(term)
        province, center, term, instructor = bench_center(
            code="bench-join",
            province_name="استان آزمون کلاس",
            center_name="مرکز آزمون ورود به کلاس",
            term_name=JOIN_TERM,
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=60),
            instructor="bench.join-instructor",
        )
        category = seed_categories()["painting"]
        group = seed_age_groups()["be"]
        courses = Course.objects.bulk_create(
            Course(
                center=center,
                category=category,
                age_group=group,
                title=f"{COURSE_PREFIX} {to_persian_digits(i)}",
                description="کارگاه آزمون ورود به کلاس",
                session_count=1,
                session_minutes=60,
            )
            for i in range(sessions)
        )
        conditions = CourseConditions.objects.bulk_create(
            CourseConditions(course=c, version=1, text="شرایط را خوانده‌ام و می‌پذیرم.")
            for c in courses
        )
        pattern = [{"weekday": 0, "start": "09:00"}]
        rows = []
        for course in courses:
            offering = Offering(
                course=course,
                term=term,
                center=center,
                capacity=learners // sessions + 1,
                quorum=1,
                fee_rials=0,
                registration_opens_at=now - dt.timedelta(days=20),
                registration_closes_at=now - dt.timedelta(days=1),
                weekly_pattern=pattern,
                first_date=today,
                min_age=group.min_age,
                max_age=group.max_age,
                status=OfferingStatus.PUBLISHED,
                published_at=now - dt.timedelta(days=20),
            )
            catalog_services._derive_filter_fields(offering)
            rows.append(offering)
        offerings = Offering.objects.bulk_create(rows)
        Offering.instructors.through.objects.bulk_create(
            Offering.instructors.through(offering_id=o.pk, user_id=instructor.pk) for o in offerings
        )
        Session.objects.bulk_create(
            Session(offering=o, number=1, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
            for o in offerings
        )

        guardians, homes, children = bench_families(
            prefix=USER_PREFIX,
            mobile="+98931",
            count=learners,
            province=province,
            national_codes_from=800_000,
            gender=Gender.BOY,
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                learner=child,
                family=home,
                offering=offerings[i % sessions],
                status=EnrollmentStatus.CONFIRMED,
                conditions=conditions[i % sessions],
                conditions_accepted_at=now,
                confirmed_at=now,
            )
            for i, (child, home) in enumerate(zip(children, homes, strict=True))
        )
        # A passing check of today: the gate lets the child straight in (docs/classroom.md).
        DeviceCheck.objects.bulk_create(
            DeviceCheck(
                learner=child,
                checked_by=g,
                checked_at=now,
                browser_name="Chrome",
                browser_ok=True,
                camera_ok=True,
                microphone_ok=True,
                speaker_ok=True,
                connection_ok=True,
                passed=True,
            )
            for child, g in zip(children, guardians, strict=True)
        )
    return {"seeded": True}


def sign_in() -> None:
    """A fresh database session per guardian (the server's secret key signs them, and the
    benchmark's key is new each run) and the plan for bench/join.py."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as WebSession
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from kargah.catalog.models import Session
    from kargah.enrollment.models import Enrollment, EnrollmentStatus

    places = list(
        Enrollment.objects.filter(offering__term__name=JOIN_TERM, status=EnrollmentStatus.CONFIRMED)
        .select_related("family__guardian")
        .order_by("pk")
    )
    tokens = dict(
        Token.objects.filter(user__username__startswith=USER_PREFIX).values_list("user_id", "key")
    )
    sessions = dict(
        Session.objects.filter(offering__term__name=JOIN_TERM).values_list("offering_id", "pk")
    )
    keys = [f"benchjoin{secrets.token_hex(12)}" for _ in places]
    store = SessionStore()
    expires = timezone.now() + dt.timedelta(days=1)
    with transaction.atomic():
        WebSession.objects.filter(session_key__startswith="benchjoin").delete()
        WebSession.objects.bulk_create(
            WebSession(
                session_key=key,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(place.family.guardian.pk),
                        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                        HASH_SESSION_KEY: place.family.guardian.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for key, place in zip(keys, places, strict=True)
        )
    plan = {
        "sessions": sorted(sessions.values()),
        "learners": [
            {
                "session": sessions[place.offering_id],
                "learner": place.learner_id,
                "cookie": key,
                "token": tokens[place.family.guardian.pk],
            }
            for key, place in zip(keys, places, strict=True)
        ],
    }
    PLAN.parent.mkdir(parents=True, exist_ok=True)
    PLAN.write_text(json.dumps(plan))


def reset() -> dict[str, Any]:
    """No rooms, join logs nor presence for the bench sessions, which now start in five
    minutes; the fake BBB forgets its meetings and its create counter."""
    from django.db import transaction
    from django.utils import timezone

    from kargah.catalog.models import Session
    from kargah.classroom.fakebbb import server as fake
    from kargah.classroom.models import JoinLog, PresenceInterval, Room
    from kargah.devicecheck.models import DeviceCheck

    starts = timezone.now() + STARTS_IN
    with transaction.atomic():
        sessions = Session.objects.filter(offering__term__name=JOIN_TERM)
        JoinLog.objects.filter(session__in=sessions).delete()
        PresenceInterval.objects.filter(session__in=sessions).delete()
        # The rooms' audit rows are kept: the room ids are new each round.
        Room.objects.filter(session__in=sessions).delete()
        count = sessions.update(starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
        # The checks stay current (KARGAH_DEVICE_CHECK_VALID_DAYS) however old the data is.
        DeviceCheck.objects.filter(
            learner__family__guardian__username__startswith=USER_PREFIX
        ).update(checked_at=timezone.now())
    fake.reset()
    return {"sessions": count}


def report() -> dict[str, Any]:
    from kargah.catalog.models import Session
    from kargah.classroom.fakebbb import server as fake
    from kargah.classroom.models import JoinLog, JoinOutcome, Room

    sessions = Session.objects.filter(offering__term__name=JOIN_TERM)
    return {
        "rooms": Room.objects.filter(session__in=sessions, opened_at__isnull=False).count(),
        "joined": JoinLog.objects.filter(session__in=sessions, outcome=JoinOutcome.JOINED).count(),
        "bbb_create_calls": fake.create_calls(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--reset", action="store_true", help="no rooms, sessions start soon")
    what.add_argument("--report", action="store_true", help="rooms, joins, create calls (JSON)")
    what.add_argument("--sign-in", action="store_true", help="fresh sessions and the plan")
    args = parser.parse_args(argv)
    _setup()
    if not _is_bench_database():
        raise SystemExit("bench: the database's name must contain 'bench' (rows are deleted)")
    if args.report:
        print(json.dumps(report()))
        return 0
    if args.sign_in:
        sign_in()
        print(f"join plan written: {PLAN}")
        return 0
    if args.reset:
        print(f"join data reset: {reset()['sessions']} sessions start in five minutes")
        return 0
    result = seed(learners=args.learners, sessions=args.sessions)
    sign_in()
    verb = "seeded" if result["seeded"] else "already there"
    print(f"join data {verb}: {args.learners} learners in {args.sessions} sessions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
