"""The agreement in software: service events, versions, levels, measurements, breaches and
compensation (rule 10)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kargah.catalog.models import Offering, Session
from kargah.core.services import _require_change_transaction


class ServiceEventKind(models.TextChoices):
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled by the center")
    MAKEUP_SCHEDULED = "makeup_scheduled", _("Make-up session scheduled")
    MAKEUP_HELD = "makeup_held", _("Make-up session held")
    OFFERING_CANCELLED = "offering_cancelled", _("Class cancelled by the center")


class ServiceEventManager(models.Manager["ServiceEvent"]):
    def record(
        self,
        *,
        kind: str,
        offering: Offering,
        at: dt.datetime,
        session: Session | None = None,
        cause: str = "",
        details: dict[str, Any] | None = None,
    ) -> ServiceEvent:
        """Records one event; call it inside the transaction of the change it records, so
        that both commit or roll back together (as `audit_record`). A manager's method, so
        that the apps whose changes are recorded need only this app's models."""
        _require_change_transaction("ServiceEvent.objects.record")
        return self.create(
            kind=kind, offering=offering, session=session, cause=cause, at=at,
            details=details or {},
        )  # fmt: skip


class ServiceEvent(models.Model):
    """One recorded event, written in the transaction of the change it records. Levels are
    computed from these rows, never from a number kept by hand (rule 10); a session has at
    most one event of each kind, so a job or request that runs twice records it once."""

    kind = models.CharField(_("kind"), max_length=24, choices=ServiceEventKind.choices)
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="service_events",
        verbose_name=_("offering"),
    )  # fmt: skip
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="service_events",
        verbose_name=_("session"),
    )  # fmt: skip
    # Why, for a cancellation: catalog.models.CancelCause (instructor_absent, …).
    cause = models.CharField(_("cause"), max_length=24, blank=True, default="")
    at = models.DateTimeField(_("when"), db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = ServiceEventManager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "session"],
                condition=models.Q(session__isnull=False),
                name="service_event_once_per_session",
            )
        ]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


# --- the agreement and its levels (issue 13) --------------------------------------------


class SlaVersion(models.Model):
    """One signed version of the agreement, valid for at most a year (seed: «دوره عملکرد»);
    a renewal is a new version, never an edit. The version in force on a day is the newest
    one whose term contains it (kargah.sla.selectors.version_in_force)."""

    title = models.CharField(_("title"), max_length=200)
    service = models.CharField(_("service"), max_length=300)
    text = models.TextField(_("text"))
    signatory = models.CharField(_("signed by"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=F("valid_until")), name="sla_version_term"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Metric(models.TextChoices):
    """What a level measures; each is computed by kargah.sla.metrics from recorded rows."""

    SCHEDULE_PUBLISHED_AHEAD = (
        "schedule_published_ahead",
        _("Schedule published N days before registration opens (P1)"),
    )
    SESSIONS_HELD = "sessions_held", _("Sessions held as scheduled (P4)")
    HOLIDAY_SESSIONS = "holiday_sessions", _("Sessions on a holiday (P4)")
    MAKEUP_TIMELY = (
        "makeup_timely",
        _("Make-up scheduled within N days and held within M days of a cancellation (P3)"),
    )
    QUORUM_CREDIT_TIME = (
        "quorum_credit_time",
        _("Fee in the wallet within N hours of registration closing below quorum (P2)"),
    )
    REFUND_WORKING_DAYS = (
        "refund_working_days",
        _("Refund paid within N working days of approval (P2)"),
    )
    INSTRUCTOR_ON_TIME = (
        "instructor_on_time",
        _("Instructor in the room within N minutes of the start"),
    )
    JOIN_SUCCESS = "join_success", _("Joins to a live class that succeed")
    NOTIFICATION_DELIVERY = "notification_delivery", _("Messages sent within N minutes")
    REGISTRATION_TIME = (
        "registration_time",
        _("Place confirmed within N minutes of the first click"),
    )


class Comparison(models.TextChoices):
    AT_LEAST = "gte", _("at least")
    AT_MOST = "lte", _("at most")


class Period(models.TextChoices):
    MONTH = "month", _("Jalali month")
    WEEK = "week", _("Week (Saturday to Friday)")


class Scope(models.TextChoices):
    ALL = "all", _("All centers")
    CENTER = "center", _("One center")
    CATEGORY = "category", _("One field or category")


class CompensationKind(models.TextChoices):
    NONE = "none", _("No credit")
    FIXED = "fixed", _("A fixed amount")
    FEE_SHARE = "fee_share", _("A share of the fee")


class ServiceLevel(models.Model):
    """A promise as data: a metric of a version, its target and period, where it applies,
    and what each affected family is credited when a period misses the target."""

    version = models.ForeignKey(
        SlaVersion, on_delete=models.PROTECT, related_name="levels", verbose_name=_("version")
    )
    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    # N and M of the metric's name (days, hours or minutes as the metric says).
    threshold = models.PositiveIntegerField(_("N"), default=0)
    threshold_2 = models.PositiveIntegerField(_("M"), default=0)
    # A percentage (0-100) for the shares, a count for sessions on a holiday.
    target = models.DecimalField(_("target"), max_digits=7, decimal_places=2)
    comparison = models.CharField(
        _("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.ALL)
    scope_center = models.ForeignKey(
        "accounts.Center", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("center"),
    )  # fmt: skip
    scope_category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("field or category"),
    )  # fmt: skip
    compensation = models.CharField(
        _("compensation"), max_length=10, choices=CompensationKind.choices,
        default=CompensationKind.NONE,
    )  # fmt: skip
    compensation_rials = models.PositiveBigIntegerField(_("fixed amount (Rials)"), default=0)
    # Percent of what the family paid for each affected place (or of the late refund).
    compensation_percent = models.DecimalField(
        _("share of the fee (%)"), max_digits=5, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="all", scope_center__isnull=True, scope_category__isnull=True)
                | Q(scope="center", scope_center__isnull=False, scope_category__isnull=True)
                | Q(scope="category", scope_center__isnull=True, scope_category__isnull=False),
                name="sla_level_scope",
            ),
            models.CheckConstraint(
                condition=Q(compensation_percent__gte=0, compensation_percent__lte=100),
                name="sla_level_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The admin's form: the same rules as the constraints, in words, plus what the
        # metric allows (kargah.sla.metrics says which metrics a class scope means nothing to).
        from django.core.exceptions import ValidationError

        from kargah.sla.metrics import REGISTRY

        errors: dict[str, Any] = {}
        if self.scope == Scope.CENTER and self.scope_center_id is None:
            errors["scope_center"] = _("Choose the center.")
        if self.scope == Scope.CATEGORY and self.scope_category_id is None:
            errors["scope_category"] = _("Choose the field or category.")
        if self.scope != Scope.CENTER and self.scope_center_id is not None:
            errors["scope_center"] = _("A center is chosen only for the scope «one center».")
        if self.scope != Scope.CATEGORY and self.scope_category_id is not None:
            errors["scope_category"] = _(
                "A field is chosen only for the scope «one field or category»."
            )
        definition = REGISTRY.get(self.metric)
        if definition is not None and not definition.scoped and self.scope != Scope.ALL:
            errors["scope"] = _("This metric belongs to no class: its scope is all centers.")
        if self.compensation == CompensationKind.FIXED and not self.compensation_rials:
            errors["compensation_rials"] = _("Enter the amount credited to each family.")
        if self.compensation == CompensationKind.FEE_SHARE and not self.compensation_percent:
            errors["compensation_percent"] = _("Enter the share of the fee credited.")
        if self.metric == Metric.MAKEUP_TIMELY and self.threshold_2 < self.threshold:
            errors["threshold_2"] = _(
                "The make-up is held no sooner than it is scheduled: M must be at least N."
            )
        if errors:
            raise ValidationError(errors)


class Measurement(models.Model):
    """A level's figure for one period, computed once by the evaluation job. The unique key
    (level, period) is what makes a second or concurrent run credit nobody twice."""

    level = models.ForeignKey(
        ServiceLevel, on_delete=models.PROTECT, related_name="measurements",
        verbose_name=_("service level"),
    )  # fmt: skip
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))  # exclusive
    figure = models.DecimalField(_("figure"), max_digits=9, decimal_places=2, null=True)
    target = models.DecimalField(_("target"), max_digits=7, decimal_places=2)
    met = models.BooleanField(_("met"))
    cases = models.PositiveIntegerField(_("cases counted"), default=0)
    failures = models.PositiveIntegerField(_("cases missed"), default=0)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["-period_start", "level_id"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "period_start"], name="sla_measurement_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level_id} {self.period_start}: {self.figure}"


class Breach(models.Model):
    """One case behind a missed level (a session, a refund, a join…), with its evidence."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.PROTECT, related_name="breaches",
        verbose_name=_("measurement"),
    )  # fmt: skip
    case_key = models.CharField(_("case"), max_length=80)
    description = models.CharField(_("description"), max_length=300)
    offering = models.ForeignKey(
        Offering, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("offering"),
    )  # fmt: skip
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("session"),
    )  # fmt: skip
    # The rows the case was computed from and the affected places: {"enrollments": [...],
    # "families": [...], times…}.
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        ordering = ["measurement", "id"]
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        constraints = [
            models.UniqueConstraint(fields=["measurement", "case_key"], name="sla_breach_once")
        ]

    def __str__(self) -> str:
        return self.case_key


class Compensation(models.Model):
    """The credit one family received for one missed measurement, through the ledger."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.PROTECT, related_name="compensations",
        verbose_name=_("measurement"),
    )  # fmt: skip
    family = models.ForeignKey(
        "accounts.Family", on_delete=models.PROTECT, related_name="sla_compensations",
        verbose_name=_("family"),
    )  # fmt: skip
    amount = models.PositiveBigIntegerField(_("amount (Rials)"))
    transaction = models.OneToOneField(
        "wallet.LedgerTransaction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("ledger transaction"),
    )  # fmt: skip
    enrollments = models.JSONField(_("affected places"), default=list)
    created_at = models.DateTimeField(_("credited"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        constraints = [
            models.UniqueConstraint(fields=["measurement", "family"], name="sla_compensation_once")
        ]

    def __str__(self) -> str:
        return f"{self.family_id} {self.amount}"


class RegistrationStart(models.Model):
    """When a family first opened an offering's registration form: the «first click» the
    registration-time level counts from (nothing else recorded it)."""

    family = models.ForeignKey(
        "accounts.Family", on_delete=models.CASCADE, related_name="+", verbose_name=_("family")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="+", verbose_name=_("offering")
    )
    first_opened_at = models.DateTimeField(_("first opened"))

    class Meta:
        verbose_name = _("registration start")
        verbose_name_plural = _("registration starts")
        constraints = [
            models.UniqueConstraint(
                fields=["family", "offering"], name="sla_registration_start_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.family_id} → {self.offering_id}"
