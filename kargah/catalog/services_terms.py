"""Terms of a center: created, edited and closed by its staff, with an audit row each."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Center, User
from kargah.catalog.models import Session, SessionStatus, Term
from kargah.catalog.services import _check_manages
from kargah.core.errors import DomainError
from kargah.core.services import audit_record, snapshot

TERM_AUDIT_FIELDS = ["name", "starts_on", "ends_on", "closed_at"]


def _check_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if starts_on > ends_on:
        raise DomainError(_("A term must start before it ends."), code="term_dates")
    if (ends_on - starts_on).days > 366:
        raise DomainError(_("A term lasts at most one year."), code="term_dates")


def term_create(
    *, actor: User, center: Center, name: str, starts_on: dt.date, ends_on: dt.date
) -> Term:
    _check_manages(actor, center)
    _check_dates(starts_on, ends_on)
    with transaction.atomic():
        term = Term.objects.create(
            center=center, name=name.strip(), starts_on=starts_on, ends_on=ends_on
        )
        audit_record(
            actor=actor, action="term.created", obj=term,
            after=snapshot(term, TERM_AUDIT_FIELDS),
        )  # fmt: skip
    return term


def term_update(
    *, actor: User, term: Term, name: str, starts_on: dt.date, ends_on: dt.date
) -> Term:
    """New name or dates; refused when a session of the term's offerings would fall outside
    the new dates (those are moved first, through the reschedule path, rule 1)."""
    _check_manages(actor, term.center)
    _check_dates(starts_on, ends_on)
    with transaction.atomic():
        term = Term.objects.select_for_update().get(pk=term.pk)
        if term.is_closed:
            raise DomainError(_("A closed term can no longer be changed."), code="term_closed")
        before = snapshot(term, TERM_AUDIT_FIELDS)
        # Dates are Tehran dates (the site's time zone, as __date reads them).
        outside = (
            Session.objects.filter(offering__term=term)
            .exclude(status=SessionStatus.CANCELLED)
            .filter(Q(starts_at__date__lt=starts_on) | Q(starts_at__date__gt=ends_on))
        )
        if outside.exists():
            raise DomainError(
                _("Sessions of this term's offerings fall outside the new dates; move them first."),
                code="term_sessions_outside",
            )
        term.name, term.starts_on, term.ends_on = name.strip(), starts_on, ends_on
        term.save(update_fields=["name", "starts_on", "ends_on"])
        audit_record(
            actor=actor, action="term.updated", obj=term,
            before=before, after=snapshot(term, TERM_AUDIT_FIELDS),
        )  # fmt: skip
    return term


def term_close(*, actor: User, term: Term) -> Term:
    """Closes a term: it takes no new offerings; those already in it run on unchanged.
    Closing twice is a no-op."""
    _check_manages(actor, term.center)
    with transaction.atomic():
        term = Term.objects.select_for_update().get(pk=term.pk)
        if term.is_closed:
            return term
        term.closed_at = timezone.now()
        term.save(update_fields=["closed_at"])
        audit_record(
            actor=actor, action="term.closed", obj=term,
            after=snapshot(term, TERM_AUDIT_FIELDS),
        )  # fmt: skip
    return term
