"""Random sequences of registering, paying, dropping, switching, waiting, holds expiring
and registration closing keep the promises (rules 8 and 9): the ledger balances, no wallet
is negative, course revenue is exactly what the places still held were paid (so nobody is
credited twice), and every offering's seat counter equals its held seats, never above the
capacity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kargah.catalog.models import Offering
from kargah.core.errors import DomainError
from kargah.enrollment import (
    services_drop,
    services_quorum,
    services_registration,
    services_seats,
    services_waitlist,
)
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.enrollment.tests.conftest import make_child, make_offering, no_negative_wallet, top_up
from kargah.wallet.models import AccountKind, LedgerEntry
from kargah.wallet.selectors import ledger_is_balanced

pytestmark = pytest.mark.django_db

# Registering and switching are listed twice: the interesting paths come after them.
OPS = [
    "top_up", "register", "register", "pay", "drop", "switch", "switch", "wait", "join",
    "leave", "close",
]  # fmt: skip
WAITS = [dt.timedelta(minutes=5), dt.timedelta(minutes=20), dt.timedelta(hours=3)]


def check_invariants(offerings: list[Offering]) -> None:
    assert ledger_is_balanced()
    assert no_negative_wallet()
    revenue = (
        LedgerEntry.objects.filter(account__kind=AccountKind.COURSE_REVENUE).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    held_paid = (
        Enrollment.objects.filter(
            status__in=[
                EnrollmentStatus.AWAITING_APPROVAL,
                EnrollmentStatus.CONFIRMED,
                EnrollmentStatus.COMPLETED,
            ]
        ).aggregate(s=Sum("paid_rials"))["s"]
        or 0
    )
    assert revenue == held_paid
    for offering in offerings:
        offering.refresh_from_db()
        held = (
            Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES).count()
            + WaitingListEntry.objects.filter(
                offering=offering, status=WaitingStatus.OFFERED
            ).count()
        )
        assert offering.seats_taken == held <= offering.capacity


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 3), st.integers(0, 2)),
        min_size=1,
        max_size=30,
    )
)
def test_random_operations_keep_the_money_and_seat_invariants(
    ops: list[tuple[str, int, int]], clock: Any, gateway: Any
) -> None:
    start = clock.current
    with transaction.atomic():
        clock.current = start
        gateway.started.clear()
        offerings = [
            make_offering(weekday=d, capacity=2, quorum=2, fee_rials=fee)
            for d, fee in ((0, 3_000_000), (1, 5_000_000), (2, 4_000_000))
        ]
        children = [make_child() for _ in range(4)]
        for child, offering in zip(children, offerings, strict=False):
            # Three families start with a paid place and money left; the fourth has nothing.
            top_up(child.family, 8_000_000)
            services_registration.enrollment_create(
                guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
            )
        paid_attempts: set[int] = set()
        for op, who, which in ops:
            child = children[who]
            guardian = child.family.guardian
            offering = offerings[which]
            mine = Enrollment.objects.filter(learner=child, status__in=ACTIVE_STATUSES)
            try:
                if op == "top_up":
                    top_up(child.family, [1_000_000, 3_000_000, 5_000_000][which])
                elif op == "register":
                    services_registration.enrollment_create(
                        guardian=guardian, learner=child, offering=offering, accept_terms=True
                    )
                elif op == "pay":
                    for attempt in gateway.started:
                        if attempt.family == child.family and attempt.pk not in paid_attempts:
                            paid_attempts.add(attempt.pk)
                            gateway.pay(attempt)
                            break
                elif op == "drop":
                    enrollment = mine.filter(offering=offering).first()
                    if enrollment is not None:
                        services_drop.enrollment_drop(guardian=guardian, enrollment=enrollment)
                elif op == "switch":
                    enrollment = mine.exclude(offering=offering).first()
                    if enrollment is not None:
                        services_drop.enrollment_switch(
                            guardian=guardian, enrollment=enrollment, offering=offering
                        )
                elif op == "wait":
                    clock.advance(seconds=WAITS[which].total_seconds())
                    services_seats.enrollment_holds_release()
                elif op == "join":
                    services_waitlist.waiting_list_join(
                        guardian=guardian, learner=child, offering=offering
                    )
                elif op == "leave":
                    entry = WaitingListEntry.objects.filter(
                        learner=child, offering=offering, status__in=["waiting", "offered"]
                    ).first()
                    if entry is not None:
                        services_waitlist.waiting_list_leave(guardian=guardian, entry=entry)
                elif op == "close" and (who, which) == (3, 2):  # rare: it ends everything
                    latest = max(
                        o.registration_closes_at for o in offerings if o.registration_closes_at
                    )
                    clock.current = latest
                    services_quorum.offerings_close_registration()
                    services_quorum.offerings_close_registration()  # a rerun changes nothing
            except DomainError:
                pass
            check_invariants(offerings)
        transaction.set_rollback(True)
