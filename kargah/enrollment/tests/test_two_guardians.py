"""One child, two guardians (issue 8, item 5; docs/learner-links.md): a guardian linked to a
child by an approved link registers it and pays from their own wallet or through the gateway
with their own payment; every credit of that place (drop, switch, quorum cancellation, P2)
goes back to the family that paid, and its messages to that family; the other guardian sees
the place read-only; a revoked link keeps the places paid and allows no new one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts import services as accounts_services
from kargah.accounts.models import Learner, LearnerLink, LinkStatus, User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog.services import _families_to_tell
from kargah.core.errors import DomainError, NotAllowed
from kargah.enrollment import (
    selectors,
    services_drop,
    services_quorum,
    services_registration,
    services_seats,
    services_waitlist,
)
from kargah.enrollment.models import Enrollment, EnrollmentStatus, WaitingListEntry
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, top_up
from kargah.notifications.models import OutboxMessage
from kargah.wallet.models import LedgerTransaction, TransactionKind
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(db: None) -> Learner:
    return make_child()


@pytest.fixture
def owner(child: Learner) -> User:
    """The guardian who registered the child first (the child's own family)."""
    return child.family.guardian


@pytest.fixture
def second(child: Learner, owner: User) -> User:
    """The other parent, linked to the child by an approved link, with their own wallet."""
    other = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=other.family, status=LinkStatus.APPROVED, requested_by=other
    )
    return other


def register(guardian: User, child: Learner, offering) -> Enrollment:
    return services_registration.enrollment_create(
        guardian=guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment


def sms_to(user: User, kind: str) -> list[str]:
    return list(
        OutboxMessage.objects.filter(recipient=user.mobile, kind=kind).values_list(
            "body", flat=True
        )
    )


# --- registering and paying --------------------------------------------------------------


def test_the_linked_guardian_registers_and_pays_from_their_own_wallet(clock, child, owner, second):
    offering = make_offering()
    top_up(owner.family, FEE)
    top_up(second.family, FEE)

    enrollment = register(second, child, offering)

    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert enrollment.family_id == second.family.pk and enrollment.learner.family_id != (
        second.family.pk
    )
    assert wallet_balance(family=second.family) == 0
    assert wallet_balance(family=owner.family) == FEE  # the owner's wallet untouched


def test_a_linked_guardian_short_of_money_pays_the_rest_through_their_own_payment(
    clock, gateway, child, owner, second
):
    offering = make_offering()
    top_up(owner.family, FEE)  # the owner's money could pay it, and must not
    top_up(second.family, FEE // 5)

    result = services_registration.enrollment_create(
        guardian=second, learner=child, offering=offering, accept_terms=True
    )
    (attempt,) = gateway.started
    gateway.pay(attempt)

    assert (attempt.family, attempt.amount) == (second.family, FEE - FEE // 5)
    result.enrollment.refresh_from_db()
    assert result.enrollment.status == EnrollmentStatus.CONFIRMED
    assert wallet_balance(family=second.family) == 0
    assert wallet_balance(family=owner.family) == FEE
    assert sms_to(second, "payment_received") and not sms_to(owner, "payment_received")


def test_the_owner_keeps_registering_from_the_owners_wallet(clock, child, owner, second):
    top_up(owner.family, FEE)
    top_up(second.family, FEE)

    enrollment = register(owner, child, make_offering())

    assert enrollment.family_id == owner.family.pk
    assert (wallet_balance(family=owner.family), wallet_balance(family=second.family)) == (0, FEE)


def test_the_child_has_one_place_whoever_registers_first(clock, child, owner, second):
    offering = make_offering()
    top_up(owner.family, FEE)
    top_up(second.family, FEE)
    register(owner, child, offering)

    with pytest.raises(DomainError) as refused:
        register(second, child, offering)

    assert refused.value.code == "already_enrolled"
    assert Enrollment.objects.filter(learner=child).count() == 1
    assert wallet_balance(family=second.family) == FEE


def test_a_family_neither_owning_nor_linked_cannot_register_the_child(clock, child, second):
    stranger = GuardianFactory.create()
    top_up(stranger.family, FEE)
    pending = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=pending.family, status=LinkStatus.REQUESTED, requested_by=pending
    )

    for guardian in (stranger, pending):
        with pytest.raises(NotAllowed) as refused:
            register(guardian, child, make_offering())
        assert refused.value.code == "not_found"
    assert not Enrollment.objects.exists()


# --- money back goes to the payer ----------------------------------------------------------


def test_the_linked_guardian_drops_and_the_credit_goes_to_their_wallet(clock, child, owner, second):
    top_up(second.family, FEE)
    enrollment = register(second, child, make_offering())

    services_drop.enrollment_drop(guardian=second, enrollment=enrollment)

    assert wallet_balance(family=second.family) == FEE
    assert wallet_balance(family=owner.family) == 0


def test_neither_guardian_acts_on_the_other_familys_place(clock, child, owner, second):
    top_up(owner.family, FEE)
    top_up(second.family, FEE)
    theirs = register(second, child, make_offering(weekday=1))
    mine = register(owner, child, make_offering(weekday=2))
    before = LedgerTransaction.objects.count()

    for guardian, enrollment in ((owner, theirs), (second, mine)):
        with pytest.raises(NotAllowed) as refused:
            services_drop.enrollment_drop(guardian=guardian, enrollment=enrollment)
        assert refused.value.code == "not_payer"
        with pytest.raises(NotAllowed):
            services_drop.enrollment_switch(
                guardian=guardian, enrollment=enrollment, offering=make_offering(weekday=3)
            )
        with pytest.raises(NotAllowed):
            services_registration.enrollment_pay(guardian=guardian, enrollment=enrollment)

    assert LedgerTransaction.objects.count() == before
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_switch_by_the_linked_guardian_settles_with_their_wallet(clock, child, owner, second):
    top_up(owner.family, 3 * FEE)
    top_up(second.family, FEE + 1_000_000)
    enrollment = register(second, child, make_offering(weekday=1))
    dearer = make_offering(weekday=2, fee_rials=FEE + 1_000_000)

    new = services_drop.enrollment_switch(guardian=second, enrollment=enrollment, offering=dearer)

    assert new.family_id == second.family.pk
    assert wallet_balance(family=second.family) == 0
    assert wallet_balance(family=owner.family) == 3 * FEE


def test_a_quorum_cancellation_credits_the_family_that_paid_and_tells_it(
    clock, child, owner, second
):
    """P2: the fee goes to the wallet of the family that paid it, never the other parent's."""
    offering = make_offering(capacity=5, quorum=3)
    other_offering = make_offering(weekday=1, capacity=5, quorum=3)
    top_up(second.family, FEE)
    top_up(owner.family, FEE)
    register(second, child, offering)
    register(owner, child, other_offering)
    closes = [o.registration_closes_at for o in (offering, other_offering)]
    assert None not in closes
    clock.current = max(c for c in closes if c is not None)

    report = services_quorum.offerings_close_registration()

    assert sorted(report.cancelled) == sorted([offering.pk, other_offering.pk])
    assert wallet_balance(family=second.family) == FEE
    assert wallet_balance(family=owner.family) == FEE
    credits = LedgerTransaction.objects.filter(kind=TransactionKind.QUORUM_CREDIT)
    assert credits.count() == 2
    assert len(sms_to(second, "quorum_cancelled")) == 1
    assert len(sms_to(owner, "quorum_cancelled")) == 1


def test_schedule_changes_are_told_to_the_family_that_paid(clock, child, owner, second):
    top_up(second.family, FEE)
    offering = make_offering()
    register(second, child, offering)

    assert _families_to_tell(offering) == [second]


# --- the waiting list -----------------------------------------------------------------------


def test_the_linked_guardians_waiting_place_is_theirs_and_the_offer_goes_to_them(
    clock, child, owner, second
):
    offering = make_offering(capacity=1, quorum=1)
    holder = make_child()
    top_up(holder.family, FEE)
    taken = register(holder.family.guardian, holder, offering)
    entry = services_waitlist.waiting_list_join(guardian=second, learner=child, offering=offering)

    assert entry.family_id == second.family.pk
    assert list(selectors.waiting_list_for_guardian(guardian=owner)) == []
    with pytest.raises(NotAllowed):
        services_waitlist.waiting_list_leave(guardian=owner, entry=entry)

    services_drop.enrollment_drop(guardian=holder.family.guardian, enrollment=taken)

    assert WaitingListEntry.objects.get(pk=entry.pk).status == "offered"
    assert sms_to(second, "waiting_list_offer") and not sms_to(owner, "waiting_list_offer")


# --- a revoked link ------------------------------------------------------------------------


def test_a_revoked_link_keeps_the_paid_place_and_refuses_new_registrations(
    clock, child, owner, second
):
    top_up(second.family, 2 * FEE)
    enrollment = register(second, child, make_offering(weekday=1))
    link = LearnerLink.objects.get(learner=child, family=second.family)

    accounts_services.learner_link_revoke(actor=owner, link=link)

    with pytest.raises(NotAllowed) as refused:
        register(second, child, make_offering(weekday=2))
    assert refused.value.code == "not_found"
    with pytest.raises(NotAllowed):  # a switch is a new registration too
        services_drop.enrollment_switch(
            guardian=second, enrollment=enrollment, offering=make_offering(weekday=3)
        )
    # The place stays the payer's: seen, and dropped with the credit to the payer's wallet.
    assert [e.pk for e in selectors.enrollments_for_guardian(guardian=second)] == [enrollment.pk]
    services_drop.enrollment_drop(guardian=second, enrollment=enrollment)
    assert wallet_balance(family=second.family) == 2 * FEE
    assert wallet_balance(family=owner.family) == 0


# --- what each family sees -------------------------------------------------------------------


def _api(user: User) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_registers_for_a_linked_guardian_and_shows_each_family_only_its_money(
    clock, child, owner, second
):
    offering = make_offering()
    top_up(second.family, FEE)

    created = _api(second).post(
        "/api/v1/enrollments",
        {"offering": offering.pk, "learner": child.pk, "accept_terms": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    (as_payer,) = _api(second).get("/api/v1/enrollments").json()["results"]
    (as_owner,) = _api(owner).get("/api/v1/enrollments").json()["results"]
    detail = _api(owner).get(f"/api/v1/enrollments/{pk}").json()
    assert (as_payer["paid_rials"], as_payer["is_payer"], as_payer["can_drop"]) == (FEE, True, True)
    for seen in (as_owner, detail):
        assert (seen["paid_rials"], seen["is_payer"], seen["can_drop"]) == (None, False, False)
    drop = _api(owner).post(f"/api/v1/enrollments/{pk}/drop")
    assert (drop.status_code, drop.json()["code"]) == (403, "not_payer")
    assert _api(owner).get("/api/v1/wallet").json()["history"] == []


def test_my_classes_shows_the_other_guardians_place_read_only(client, clock, child, owner, second):
    top_up(second.family, FEE)
    enrollment = register(second, child, make_offering())
    drop_url = reverse("enrollment:drop", args=[enrollment.pk])

    client.force_login(owner)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    assert enrollment.offering.course.title in page
    assert 'data-testid="other-guardian"' in page and drop_url not in page
    assert client.get(drop_url).status_code == 404
    assert client.post(drop_url).status_code == 404

    client.force_login(second)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    assert drop_url in page and 'data-testid="other-guardian"' not in page
    register_page = client.get(reverse("enrollment:register", args=[enrollment.offering_id]))
    assert child in register_page.context["learners"]


def test_after_a_revoked_link_my_classes_still_shows_the_paid_place(
    client, clock, child, owner, second
):
    top_up(second.family, FEE)
    enrollment = register(second, child, make_offering())
    accounts_services.learner_link_revoke(
        actor=owner, link=LearnerLink.objects.get(learner=child, family=second.family)
    )

    client.force_login(second)
    page = client.get(reverse("enrollment:schedule")).content.decode()

    assert enrollment.offering.course.title in page
    assert reverse("enrollment:drop", args=[enrollment.pk]) in page
    register_page = client.get(reverse("enrollment:register", args=[enrollment.offering_id]))
    assert register_page.context["learners"] == []


def test_a_revoked_link_takes_the_child_off_the_families_waiting_lists(clock, child, owner, second):
    offering = make_offering(capacity=1, quorum=1)
    holder, next_in_line = make_child(), make_child()
    top_up(holder.family, FEE)
    taken = register(holder.family.guardian, holder, offering)
    entry = services_waitlist.waiting_list_join(guardian=second, learner=child, offering=offering)
    after = services_waitlist.waiting_list_join(
        guardian=next_in_line.family.guardian, learner=next_in_line, offering=offering
    )
    services_drop.enrollment_drop(guardian=holder.family.guardian, enrollment=taken)
    assert WaitingListEntry.objects.get(pk=entry.pk).status == "offered"

    accounts_services.learner_link_revoke(
        actor=owner, link=LearnerLink.objects.get(learner=child, family=second.family)
    )

    # The seat offered to the family that may no longer register passes to the next.
    assert WaitingListEntry.objects.get(pk=entry.pk).status == "left"
    assert WaitingListEntry.objects.get(pk=after.pk).status == "offered"
    offering.refresh_from_db()
    assert offering.seats_taken == 1


def test_a_payment_arriving_after_the_hold_expired_stays_in_the_payers_wallet(
    clock, gateway, child, owner, second
):
    result = services_registration.enrollment_create(
        guardian=second, learner=child, offering=make_offering(), accept_terms=True
    )
    (attempt,) = gateway.started
    clock.advance(minutes=60)
    services_seats.enrollment_holds_release()

    gateway.pay(attempt)

    result.enrollment.refresh_from_db()
    assert result.enrollment.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=second.family) == FEE
    assert wallet_balance(family=owner.family) == 0
    assert sms_to(second, "payment_kept_released") and not sms_to(owner, "payment_kept_released")
