"""Race tests on PostgreSQL (rule 9): two staff cancel the same class at the same moment;
each family is credited once and told once, and the service-level report counts one
cancellation. The control case replaces the offering's row lock with a plain read (and the
seat lock with nothing), and shows that both runs then cancel the class: the cancellation is
audited and counted twice. The lock is what makes the first test pass. The places' own row
locks and the unique ledger reference still keep the money and the messages to once."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import Offering
from kargah.core.models import AuditLogEntry
from kargah.enrollment import services_cancel, services_common, services_registration
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, money_is_sound, top_up
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent
from kargah.testing.races import require_postgresql, run_concurrently
from kargah.wallet.models import LedgerTransaction, TransactionKind
from kargah.wallet.selectors import wallet_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FAMILIES = 4


@pytest.fixture
def class_to_cancel(clock, gateway):
    offering = make_offering(capacity=FAMILIES, quorum=1)
    children = [make_child() for _ in range(FAMILIES)]
    for child in children:
        top_up(child.family, FEE)
        services_registration.enrollment_create(
            guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
        )
    staff = [StaffFactory.create(center=offering.center) for _ in range(2)]

    def action(user):
        return lambda: services_cancel.offering_cancel(
            actor=user, offering=Offering.objects.get(pk=offering.pk), reason="تعطیلی مرکز"
        )

    return offering, children, [action(user) for user in staff]


def test_two_simultaneous_cancellations_credit_and_tell_each_family_once(class_to_cancel):
    require_postgresql()
    offering, children, actions = class_to_cancel

    outcomes = run_concurrently(actions)

    assert Counter(outcomes) == {"ok": 2}, outcomes
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CANCEL_CREDIT).count() == FAMILIES
    assert all(wallet_balance(family=child.family) == FEE for child in children)
    assert OutboxMessage.objects.filter(kind="offering_cancelled").count() == FAMILIES
    assert ServiceEvent.objects.filter(offering=offering).count() == 1
    assert AuditLogEntry.objects.filter(action="offering.cancelled_by_center").count() == 1
    assert money_is_sound()


def test_control_without_the_lock_both_runs_cancel_and_it_is_counted_twice(
    class_to_cancel, monkeypatch
):
    require_postgresql()
    offering, children, actions = class_to_cancel
    monkeypatch.setattr(services_common, "lock_keys", lambda *keys: None)

    def racy_read(offering_id: int) -> Offering:
        found = Offering.objects.select_related("course", "center").get(pk=offering_id)
        time.sleep(0.3)  # between reading "published" and cancelling
        return found

    monkeypatch.setattr(services_cancel, "_offering_to_cancel", racy_read)

    outcomes = run_concurrently(actions)

    events = ServiceEvent.objects.filter(offering=offering).count()
    assert events == 2, (events, outcomes)  # the race is real: one cancellation counted twice
    assert AuditLogEntry.objects.filter(action="offering.cancelled_by_center").count() == 2
    assert OutboxMessage.objects.filter(kind="offering_cancelled").count() == FAMILIES
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CANCEL_CREDIT).count() == FAMILIES
    assert all(wallet_balance(family=child.family) == FEE for child in children)
