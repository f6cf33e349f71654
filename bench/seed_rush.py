"""Data of the registration rush (`make bench-rush`): families with API tokens and a
wallet, one offering of few seats and many offerings of a few seats each.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/kargah_bench_rush \
        python -m bench.seed_rush --families 500 --offerings 200     # build (once)
    python -m bench.seed_rush --reset      # before a round: no registrations, wallets full
    python -m bench.seed_rush --report     # after a phase: seats, confirmed, oversold (JSON)

Built with bulk inserts: a center and a term of its own, 1 + N courses with their
conditions, the offerings (registration open, 8 weekly sessions each; the rush offering on
Thursday mornings, the others Saturday to Wednesday, so one child can take both) and F
guardians, each with an API token, a family, one nine-year-old child and a wallet account.
`--reset` empties what registering writes (enrollments, payments, the ledger, idempotency
keys, audit rows, the SMS outbox) with TRUNCATE, sets the seat counters to 0 and tops every
wallet up through the ledger (enough for two classes), so registering is paid from the
wallet with no trip to a bank. Writes the plan (tokens, learners, offering ids) to
`var/bench/rush-plan.json` for bench/rush.py. Refuses a database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

RUSH_TERM = "ترم آزمون ثبت‌نام هجومی"
PLAN = Path(__file__).resolve().parent.parent / "var" / "bench" / "rush-plan.json"
FEE = 4_500_000
SESSIONS = 8


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _is_bench_database() -> bool:
    from django.db import connection

    return "bench" in str(connection.settings_dict["NAME"])


def _runtime_models() -> list[Any]:
    """The tables registering writes, and every table that points at them (TRUNCATE wants
    them together); the catalog, people and wallet accounts are kept."""
    from kargah.core.models import AuditLogEntry, IdempotencyKey
    from kargah.enrollment.models import Enrollment, WaitingListEntry
    from kargah.notifications.models import InboxItem, OutboxMessage
    from kargah.payments.models import PaymentAttempt, SandboxPayment
    from kargah.wallet.models import LedgerEntry, LedgerTransaction, RefundRequest

    found: list[Any] = []
    todo: list[Any] = [
        Enrollment,
        WaitingListEntry,
        PaymentAttempt,
        SandboxPayment,
        LedgerEntry,
        LedgerTransaction,
        RefundRequest,
        IdempotencyKey,
        AuditLogEntry,
        OutboxMessage,
        InboxItem,
    ]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.append(model)
        todo.extend(rel.related_model for rel in model._meta.related_objects)
    return found


def bench_center(
    *,
    code: str,
    province_name: str,
    center_name: str,
    term_name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    instructor: str,
) -> tuple[Any, Any, Any, Any]:
    """A virtual center of a benchmark's own with a term and an instructor (also used by
    bench/seed_join.py): (province, center, term, instructor)."""
    from django.contrib.auth.hashers import make_password

    from kargah.accounts.models import Center, Province, Role, User
    from kargah.catalog.models import Term

    province, _ = Province.objects.get_or_create(code=code, defaults={"name": province_name})
    center, _ = Center.objects.get_or_create(
        name=center_name, defaults={"province": province, "is_virtual": True}
    )
    term = Term.objects.create(center=center, name=term_name, starts_on=starts_on, ends_on=ends_on)
    teacher, _ = User.objects.get_or_create(
        username=instructor,
        defaults={
            "role": Role.INSTRUCTOR,
            "center": center,
            "first_name": "مربی",
            "last_name": "آزمون",
            "password": make_password(None),
        },
    )
    return province, center, term, teacher


def bench_families(
    *, prefix: str, mobile: str, count: int, province: Any, national_codes_from: int, gender: str
) -> tuple[list[Any], list[Any], list[Any]]:
    """`count` guardians (usernames `prefix` + i), each with a DRF token, a family and one
    nine-year-old child, in bulk: (guardians, families, children)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from kargah.accounts.demo import national_code_for
    from kargah.accounts.models import Family, Learner, Role, User
    from kargah.core.persian import to_persian_digits

    now = timezone.now()
    password = make_password(None)
    guardians = User.objects.bulk_create(
        User(
            username=f"{prefix}{i}",
            mobile=f"{mobile}{i:07d}",
            role=Role.GUARDIAN,
            first_name="ولی",
            last_name=to_persian_digits(i),
            password=password,
        )
        for i in range(count)
    )
    Token.objects.bulk_create(Token(key=secrets.token_hex(20), user=g) for g in guardians)
    homes = Family.objects.bulk_create(Family(guardian=g) for g in guardians)
    birth = timezone.localdate() - dt.timedelta(days=9 * 365 + 100)  # nine at the first session
    children = Learner.objects.bulk_create(
        Learner(
            family=f,
            first_name="کودک",
            last_name=to_persian_digits(i),
            birth_date=birth,
            national_code=national_code_for(national_codes_from + i),
            gender=gender,
            province=province,
            school_grade=3,
            data_confirmed_at=now,
        )
        for i, f in enumerate(homes)
    )
    return guardians, homes, children


def seed(*, families: int, offerings: int, rush_capacity: int, capacity: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from kargah.accounts.models import Family, Gender, Learner, User
    from kargah.catalog import schedule
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
    from kargah.catalog.selectors import closed_days
    from kargah.core.persian import to_persian_digits
    from kargah.wallet.models import Account, AccountKind

    term = Term.objects.filter(name=RUSH_TERM).first()
    if (
        term is not None
        and Offering.objects.filter(term=term).count() == offerings + 1
        and Offering.objects.filter(term=term, capacity=rush_capacity).exists()
        and Learner.objects.filter(family__guardian__username__startswith="bench.rush.").count()
        == families
    ):
        return {"seeded": False}

    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        # Runtime rows first (they point at offerings and learners), then our own rows.
        _truncate()
        if term is not None:
            Session.objects.filter(offering__term=term).delete()
            Offering.instructors.through.objects.filter(offering__term=term).delete()
            Offering.objects.filter(term=term).delete()
            term.delete()
        CourseConditions.objects.filter(course__title__startswith="آزمون هجوم").delete()
        Course.objects.filter(title__startswith="آزمون هجوم").delete()
        old = User.objects.filter(username__startswith="bench.rush.")
        Token.objects.filter(user__in=old).delete()
        Account.objects.filter(family__guardian__in=old).delete()
        Learner.objects.filter(family__guardian__in=old).delete()
        Family.objects.filter(guardian__in=old).delete()
        old.delete()

        province, center, term, instructor = bench_center(
            code="bench-rush",
            province_name="استان آزمون",
            center_name="مرکز آزمون ثبت‌نام هجومی",
            term_name=RUSH_TERM,
            starts_on=today - dt.timedelta(days=10),
            ends_on=today + dt.timedelta(days=200),
            instructor="bench.rush-instructor",
        )
        category = seed_categories()["painting"]
        group = seed_age_groups()["be"]

        # Offering 0 is the rush: Thursdays 09:00. The others: Saturday to Wednesday.
        specs = [(rush_capacity, [{"weekday": 5, "start": "09:00"}])]
        starts = ["09:00", "10:30", "15:00", "16:30", "18:00"]
        for i in range(offerings):
            specs.append((capacity, [{"weekday": i % 5, "start": starts[(i // 5) % 5]}]))
        courses = Course.objects.bulk_create(
            Course(
                center=center,
                category=category,
                age_group=group,
                title=f"آزمون هجوم {to_persian_digits(i)}",
                description="کارگاه آزمون بار",
                session_count=SESSIONS,
                session_minutes=60,
            )
            for i in range(len(specs))
        )
        CourseConditions.objects.bulk_create(
            CourseConditions(course=c, version=1, text="شرایط را خوانده‌ام و می‌پذیرم.")
            for c in courses
        )
        first = today + dt.timedelta(days=14)
        closed = closed_days(center=center, start=first, end=first + dt.timedelta(days=120))
        rows, plans = [], []
        for course, (seats, pattern) in zip(courses, specs, strict=True):
            plan = schedule.plan_sessions(
                pattern=pattern, first_date=first, count=SESSIONS, minutes=60, closed=closed
            )
            offering = Offering(
                course=course,
                term=term,
                center=center,
                capacity=seats,
                quorum=1,
                fee_rials=FEE,
                registration_opens_at=now - dt.timedelta(days=1),
                registration_closes_at=now + dt.timedelta(days=10),
                weekly_pattern=pattern,
                first_date=first,
                min_age=group.min_age,
                max_age=group.max_age,
                status=OfferingStatus.PUBLISHED,
                published_at=now - dt.timedelta(days=1),
            )
            catalog_services._derive_filter_fields(offering)
            rows.append(offering)
            plans.append(plan)
        rows = Offering.objects.bulk_create(rows)
        Offering.instructors.through.objects.bulk_create(
            Offering.instructors.through(offering_id=o.pk, user_id=instructor.pk) for o in rows
        )
        Session.objects.bulk_create(
            Session(offering=o, number=n, starts_at=begins, ends_at=ends)
            for o, plan in zip(rows, plans, strict=True)
            for n, (begins, ends) in enumerate(plan.sessions, start=1)
        )

        _guardians, homes, _learners = bench_families(
            prefix="bench.rush.",
            mobile="+98930",
            count=families,
            province=province,
            national_codes_from=700_000,
            gender=Gender.GIRL,
        )
        Account.objects.bulk_create(
            Account(kind=AccountKind.FAMILY_WALLET, family=f) for f in homes
        )
    return {"seeded": True}


def _truncate() -> None:
    from django.db import connection

    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in _runtime_models())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")


def reset() -> dict[str, Any]:
    """No registrations, seat counters 0, every rush wallet holding two fees; writes the
    plan for the load generator."""
    from django.db import connection, transaction

    from kargah.accounts.models import Learner
    from kargah.catalog.models import Offering, Term
    from kargah.wallet.models import (
        Account,
        AccountKind,
        LedgerEntry,
        LedgerTransaction,
        TransactionKind,
    )
    from kargah.wallet.services import system_account

    term = Term.objects.get(name=RUSH_TERM)
    offerings = list(Offering.objects.filter(term=term).order_by("id"))
    learners = list(
        Learner.objects.filter(family__guardian__username__startswith="bench.rush.")
        .select_related("family__guardian__auth_token")
        .order_by("id")
    )
    with transaction.atomic():
        _truncate()
        Offering.objects.filter(term=term).update(seats_taken=0)
        clearing = system_account(AccountKind.GATEWAY_CLEARING)
        wallets = dict(
            Account.objects.filter(
                kind=AccountKind.FAMILY_WALLET, family__in=[x.family_id for x in learners]
            ).values_list("family_id", "pk")
        )
        txns = LedgerTransaction.objects.bulk_create(
            LedgerTransaction(
                reference=f"bench-rush-top-up:{x.family_id}",
                kind=TransactionKind.TOP_UP,
                memo="bench top-up",
            )
            for x in learners
        )
        amount = 2 * FEE
        LedgerEntry.objects.bulk_create(
            entry
            for txn, x in zip(txns, learners, strict=True)
            for entry in (
                LedgerEntry(transaction=txn, account_id=clearing.pk, amount=-amount),
                LedgerEntry(transaction=txn, account_id=wallets[x.family_id], amount=amount),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    plan = {
        "rush_offering": offerings[0].pk,
        "rush_capacity": offerings[0].capacity,
        "offerings": [o.pk for o in offerings[1:]],
        "capacity": offerings[1].capacity if len(offerings) > 1 else 0,
        "fee": FEE,
        "families": [
            {"token": x.family.guardian.auth_token.key, "learner": x.pk} for x in learners
        ],
    }
    PLAN.parent.mkdir(parents=True, exist_ok=True)
    PLAN.write_text(json.dumps(plan))
    return {"families": len(learners), "offerings": len(offerings)}


def report() -> dict[str, Any]:
    """Per offering of the rush term: capacity, the seat counter, active and confirmed
    enrollments; and whether the ledger balances and no wallet is negative."""
    from django.db.models import Count, Q, Sum

    from kargah.catalog.models import Offering, Term
    from kargah.enrollment.models import ACTIVE_STATUSES, EnrollmentStatus
    from kargah.wallet.models import AccountKind, LedgerEntry
    from kargah.wallet.selectors import ledger_is_balanced

    term = Term.objects.get(name=RUSH_TERM)
    rows = (
        Offering.objects.filter(term=term)
        .annotate(
            active=Count("enrollments", filter=Q(enrollments__status__in=ACTIVE_STATUSES)),
            confirmed=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.CONFIRMED)
            ),
        )
        .values("id", "capacity", "seats_taken", "active", "confirmed")
    )
    negative = (
        LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET)
        .values("account")
        .annotate(s=Sum("amount"))
        .filter(s__lt=0)
        .count()
    )
    return {
        "offerings": {str(r["id"]): r for r in rows},
        "ledger_balanced": ledger_is_balanced(),
        "negative_wallets": negative,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=500)
    parser.add_argument("--offerings", type=int, default=200)
    parser.add_argument("--rush-capacity", type=int, default=30)
    parser.add_argument("--capacity", type=int, default=3, help="seats of each other offering")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--reset", action="store_true", help="empty registrations, fill wallets")
    what.add_argument("--report", action="store_true", help="print the seat figures as JSON")
    args = parser.parse_args(argv)
    _setup()
    if not _is_bench_database():
        print("bench.seed_rush: refusing a database whose name lacks 'bench'", file=sys.stderr)
        return 2
    started = time.monotonic()
    if args.report:
        print(json.dumps(report()))
        return 0
    if args.reset:
        done = reset()
        print(
            f"rush data reset: {done['families']} families with full wallets, "
            f"{done['offerings']} offerings empty ({time.monotonic() - started:.1f} s)"
        )
        return 0
    result = seed(
        families=args.families,
        offerings=args.offerings,
        rush_capacity=args.rush_capacity,
        capacity=args.capacity,
    )
    verb = "seeded" if result["seeded"] else "already there"
    print(
        f"rush data {verb}: {args.families} families, 1 offering of {args.rush_capacity} "
        f"seats and {args.offerings} of {args.capacity} ({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
