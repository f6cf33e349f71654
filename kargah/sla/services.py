"""Writes of the SLA part: agreement versions and the first click of a registration (events: `ServiceEvent.objects.record`; the evaluation job: kargah.sla.evaluation)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import Family, User
from kargah.catalog.models import Offering
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.persian import format_jalali_date
from kargah.core.services import audit_record, snapshot
from kargah.sla.models import (
    RegistrationStart,
    ServiceLevel,
    SlaVersion,
)
from kargah.sla.periods import latest_term_end

# The staff banner's cached answer (kargah.sla.context_processors); dropped on every change.
NOTICE_CACHE_KEY = "sla:staff-notice"
VERSION_FIELDS = ["title", "service", "signatory", "valid_from", "valid_until"]


# --- versions --------------------------------------------------------------------------


def sla_version_check_term(*, valid_from: dt.date, valid_until: dt.date) -> None:
    """A version runs forward and for at most one year (the seed's «دوره عملکرد»)."""
    if valid_until < valid_from:
        raise DomainError(_("The agreement must start before it ends."), code="term")
    if valid_until > latest_term_end(valid_from):
        raise DomainError(
            _("An agreement is valid for at most one year: it must end by %(day)s.")
            % {"day": format_jalali_date(latest_term_end(valid_from))},
            code="term_too_long",
        )


def sla_version_create(
    *,
    actor: User,
    title: str,
    service: str,
    text: str,
    signatory: str,
    valid_from: dt.date,
    valid_until: dt.date,
    copy_levels: bool = True,
) -> SlaVersion:
    """A new signed version (a renewal or an amendment), with the service levels of the
    newest earlier version copied onto it unless `copy_levels` is off; audited."""
    if not actor.is_administrator:
        raise NotAllowed(_("Only an administrator can add a version of the agreement."))
    sla_version_check_term(valid_from=valid_from, valid_until=valid_until)
    with transaction.atomic():
        previous = SlaVersion.objects.order_by("-valid_from", "-id").first()
        version = SlaVersion.objects.create(
            title=title, service=service, text=text, signatory=signatory,
            valid_from=valid_from, valid_until=valid_until, created_by=actor,
        )  # fmt: skip
        copied = 0
        if copy_levels and previous is not None:
            levels = list(previous.levels.all())
            for level in levels:
                level.pk = None
                level.version = version
            ServiceLevel.objects.bulk_create(levels)
            copied = len(levels)
        audit_record(
            actor=actor, action="sla.version_created", obj=version,
            after={**snapshot(version, VERSION_FIELDS), "levels_copied": copied},
        )  # fmt: skip
        transaction.on_commit(lambda: cache.delete(NOTICE_CACHE_KEY))
    return version


# --- the first click -------------------------------------------------------------------


def registration_start_record(*, family: Family, offering: Offering, at: dt.datetime) -> None:
    """Remembers when the family first opened this class's registration form; later opens
    change nothing (one insert that ignores the conflict, no read first)."""
    RegistrationStart.objects.bulk_create(
        [RegistrationStart(family=family, offering=offering, first_opened_at=at)],
        ignore_conflicts=True,
    )
