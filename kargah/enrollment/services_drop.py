"""Drop and switch (R4): until one day before registration closes, a family gives a place
up with its money back to the wallet, or moves it to another class settling the difference."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.catalog.models import Offering
from kargah.catalog.services import current_conditions
from kargah.core.errors import DomainError
from kargah.core.persian import format_jalali_datetime, format_money, to_tehran
from kargah.core.services import audit_record, snapshot
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.services_common import (
    ENROLLMENT_AUDIT_FIELDS,
    _check_guardian,
    _check_payer,
    _credit,
    _lock_seats,
    _locked_active_place,
    _now,
    _save,
    _tell,
    _transition,
)
from kargah.enrollment.services_registration import (
    _check_can_register,
    _check_no_clash,
    _check_not_enrolled,
    _check_open,
    _waits_for_approval,
)
from kargah.enrollment.services_seats import _claim_seat, _seat_freed
from kargah.notifications.catalogue import DROP_CREDIT, Fragment, Money
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.selectors import wallet_balance
from kargah.wallet.services import InsufficientBalance, family_wallet, ledger_post, system_account

# --- drop and switch (R4) ------------------------------------------------------------------


def drop_deadline(offering: Offering) -> dt.datetime | None:
    """R4: dropping or switching is possible until one day before registration closes:
    until the same wall-clock time in Tehran on the day before registration closes
    (today that is exactly 24 hours before, as Iran keeps no daylight saving time).
    Allowed strictly before this instant; from this instant on, refused."""
    if offering.registration_closes_at is None:
        return None
    closes = to_tehran(offering.registration_closes_at)
    day_before = (closes.replace(tzinfo=None) - dt.timedelta(days=1)).replace(tzinfo=closes.tzinfo)
    return day_before


def _check_deadline(enrollment: Enrollment, now: dt.datetime) -> None:
    deadline = drop_deadline(enrollment.offering)
    if deadline is None or now >= deadline:
        raise DomainError(
            _("Dropping or switching this class was possible until %(deadline)s, one day "
              "before registration closes; that time has passed.")
            % {"deadline": format_jalali_datetime(deadline) if deadline else "—"},
            code="deadline",
        )  # fmt: skip


def enrollment_drop(*, guardian: User, enrollment: Enrollment) -> Enrollment:
    """Drops a place before the R4 deadline: a confirmed one becomes dropped, one paid and
    awaiting document approval becomes cancelled; what was paid goes to the wallet at once,
    and the seat is offered to the waiting list. An unpaid hold can be given up at any
    time (cancelled; no money moved)."""
    family = _check_payer(guardian, enrollment)
    now = _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, families=[family.pk])
        locked = _locked_active_place(enrollment.pk)
        before = snapshot(locked, ENROLLMENT_AUDIT_FIELDS)
        if locked.status == EnrollmentStatus.AWAITING_PAYMENT:
            _transition(locked, EnrollmentStatus.CANCELLED, now=now)
            _save(locked, actor=guardian, action="enrollment.hold_given_up", before=before)
        else:
            _check_deadline(locked, now)
            new = (
                EnrollmentStatus.DROPPED
                if locked.status == EnrollmentStatus.CONFIRMED
                else EnrollmentStatus.CANCELLED
            )
            _transition(locked, new, now=now)
            _credit(
                locked, cause="drop", kind=TransactionKind.DROP_CREDIT, actor=guardian,
                amount=locked.paid_rials,
            )  # fmt: skip
            _save(locked, actor=guardian, action="enrollment.dropped", before=before)
        _seat_freed(locked.offering, now)
        values = {"name": locked.learner.first_name, "title": locked.offering.course.title}
        if before["status"] == EnrollmentStatus.AWAITING_PAYMENT:
            _tell(locked, "hold_given_up", values)
        else:
            credit = Fragment(DROP_CREDIT, amount=Money(locked.paid_rials))
            _tell(
                locked,
                "enrollment_dropped",
                {**values, "credit": credit if locked.paid_rials else ""},
            )
    return locked


def enrollment_switch(
    *,
    guardian: User,
    enrollment: Enrollment,
    offering: Offering,
    accept_terms: bool = True,
) -> Enrollment:
    """Moves a confirmed place to another offering with a free seat, before the R4
    deadline of the current one. The new offering is checked as for registering, and its
    course's current conditions are recorded as accepted (the UI shows them by the
    button). The difference in fee is settled through the wallet in one ledger
    transaction: a cheaper class credits it; a dearer one takes it from the wallet, and if
    the wallet does not cover it the switch is refused (`insufficient_balance`, with the
    amount to top up in `extra["shortfall"]`). Returns the new, confirmed enrollment (or
    awaiting approval when the new course waits for documents)."""
    learner = enrollment.learner
    # The payer's place, and a new registration of the child: a revoked link allows neither.
    family = _check_payer(guardian, enrollment)
    _check_guardian(guardian, learner)
    if not accept_terms:
        raise DomainError(
            _("To register, read and accept the conditions of the course."), code="terms"
        )
    if offering.pk == enrollment.offering_id:
        raise DomainError(_("Choose another class to switch to."), code="same_offering")
    now = _now()
    conditions = current_conditions(offering.course)
    if conditions is None:
        raise DomainError(_("Registration for this class is not open."), code="closed")
    if enrollment.status != EnrollmentStatus.CONFIRMED:
        raise DomainError(_("Only a confirmed registration can be switched."), code="status")
    _check_deadline(enrollment, now)
    _check_can_register(learner, offering, now, ignore=enrollment.pk)
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, offering.pk, families=[family.pk])
        old = (
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course")
            .get(pk=enrollment.pk)
        )
        if old.status != EnrollmentStatus.CONFIRMED:
            raise DomainError(_("Only a confirmed registration can be switched."), code="status")
        _check_deadline(old, now)
        offering = Offering.objects.select_related("course").get(pk=offering.pk)
        _check_open(offering, now)
        _check_not_enrolled(learner, offering)
        _check_no_clash(learner, offering, ignore=old.pk)
        new_fee = int(offering.fee_rials or 0)
        difference = new_fee - old.paid_rials
        if difference > 0:
            balance = wallet_balance(family=family)
            if balance < difference:
                raise InsufficientBalance(
                    _("The new class costs %(diff)s more and the wallet has %(balance)s."
                      " Top up the wallet with at least %(short)s, then switch.")
                    % {
                        "diff": format_money(difference),
                        "balance": format_money(balance),
                        "short": format_money(difference - balance),
                    },
                    extra={"shortfall": difference - balance},
                )  # fmt: skip
        _claim_seat(learner, offering, now)
        new = Enrollment.objects.create(
            learner=learner,
            family=family,
            offering=offering,
            status=EnrollmentStatus.AWAITING_PAYMENT,
            conditions=conditions,
            conditions_accepted_at=now,
            fee_rials=new_fee,
            paid_rials=new_fee,
            paid_at=now,
        )
        if difference:
            ledger_post(
                reference=f"enrollment:{old.pk}:switch",
                kind=TransactionKind.SWITCH,
                entries=[
                    (family_wallet(family), -difference),
                    (system_account(AccountKind.COURSE_REVENUE), difference),
                ],
                memo=f"{old.offering.course.title} → {offering.course.title}",
                actor=guardian,
            )
        if _waits_for_approval(learner, offering):
            _transition(new, EnrollmentStatus.AWAITING_APPROVAL, now=now)
        else:
            _transition(new, EnrollmentStatus.CONFIRMED, now=now)
        new.save()
        audit_record(
            actor=guardian, action="enrollment.switched_in", obj=new,
            after={**snapshot(new, ENROLLMENT_AUDIT_FIELDS), "from": old.pk,
                   "conditions_version": conditions.version},
        )  # fmt: skip
        before = snapshot(old, ENROLLMENT_AUDIT_FIELDS)
        _transition(old, EnrollmentStatus.SWITCHED, now=now)
        old.switched_to = new
        _save(old, actor=guardian, action="enrollment.switched", before=before)
        _seat_freed(old.offering, now)
        _tell(new, "enrollment_switched", {
            "name": learner.first_name, "old": old.offering.course.title,
            "new": offering.course.title,
        })  # fmt: skip
    return new
