"""Courses, terms, offerings with their sessions, and the holidays no session may fall on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Center, Province
from kargah.catalog import official_calendar
from kargah.catalog.looks import FieldIcon, category_icon
from kargah.core.persian import search_key


class CategoryKind(models.TextChoices):
    CULTURAL = "cultural", _("Cultural")
    ARTISTIC = "artistic", _("Artistic")
    LITERARY = "literary", _("Literary")
    SCIENTIFIC = "scientific", _("Scientific")
    RELIGIOUS = "religious", _("Religious")


class Category(models.Model):
    """A field (حوزه) or, with a parent, a sub-category such as painting or robotics."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("field"), max_length=20, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent category"),
    )  # fmt: skip
    # Blank: the field's icon (kargah.catalog.looks); the colour is always the field's.
    icon = models.CharField(
        _("icon"), max_length=20, choices=FieldIcon.choices, blank=True,
        help_text=_("Leave empty to use the icon of its field."),
    )  # fmt: skip

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    @property
    def look_icon(self) -> str:
        """The icon's id in the sprite (the parent is select_related by the catalog)."""
        return category_icon(self)


class AgeGroup(models.Model):
    """One of the Kanoon's age groups; ages are whole years, both ends included."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    min_age = models.PositiveSmallIntegerField(_("from age"))
    max_age = models.PositiveSmallIntegerField(_("to age"))

    class Meta:
        ordering = ["min_age", "max_age"]
        verbose_name = _("age group")
        verbose_name_plural = _("age groups")
        constraints = [
            models.CheckConstraint(condition=Q(min_age__lte=F("max_age")), name="agegroup_range")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A subject word that joins the Persian and Latin names families search by
    («پایتون» / Python); a course carries several."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    synonyms = models.CharField(
        _("other spellings"), max_length=200, blank=True,
        help_text=_("Other names for the same subject, separated by commas (e.g. Python)."),
    )  # fmt: skip
    # Name and synonyms in kargah.core.persian.search_key form, "|" between them.
    search_text = models.CharField(max_length=400, default="", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, like a generated one: whatever writes a tag (the admin, the
        # demo) gets the same search form without a service of its own.
        self.search_text = "|".join(search_key(spelling) for spelling in self.spellings())
        if (fields := kwargs.get("update_fields")) is not None:
            kwargs["update_fields"] = {*fields, "search_text"}
        super().save(*args, **kwargs)

    def spellings(self) -> list[str]:
        return [self.name, *(s.strip() for s in self.synonyms.split(",") if s.strip())]


class Course(models.Model):
    """What is taught: the same course may run as many offerings, in many terms."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="courses", verbose_name=_("center")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="courses", verbose_name=_("category")
    )
    age_group = models.ForeignKey(
        AgeGroup, on_delete=models.PROTECT, related_name="courses", verbose_name=_("age group")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    syllabus = models.TextField(_("syllabus"), blank=True)
    session_count = models.PositiveSmallIntegerField(_("number of sessions"))
    session_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"))
    required_documents = models.JSONField(
        _("required documents"), default=list, blank=True,
        help_text=_("Names of the documents an applicant hands in through the site (R1)."),
    )  # fmt: skip
    confirmation_waits_for_documents = models.BooleanField(
        _("confirmation waits for documents"), default=False,
        help_text=_("An enrollment is confirmed only once staff approve every required document."),
    )  # fmt: skip
    # A completed place earns a certificate of completion with at least this share of the
    # held sessions attended (present or late; kargah.certificates).
    certificate_attendance_percent = models.PositiveSmallIntegerField(
        _("attendance for a certificate (%)"), default=75,
        help_text=_("The least share of the held sessions a learner attends to earn the certificate of completion."),
    )  # fmt: skip
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="courses", verbose_name=_("tags"),
        help_text=_("Subjects families search by, in Persian and Latin (e.g. پایتون / Python)."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(session_count__gte=1), name="course_sessions_positive"
            ),
            models.CheckConstraint(condition=Q(session_minutes__gte=15), name="course_minutes_min"),
            models.CheckConstraint(
                condition=Q(certificate_attendance_percent__lte=100),
                name="course_certificate_percent_max",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CourseConditions(models.Model):
    """One version of a course's conditions; registering accepts a version (R2)."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="conditions", verbose_name=_("course")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("conditions"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["course", "-version"]
        verbose_name = _("course conditions")
        verbose_name_plural = _("course conditions")
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="conditions_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} v{self.version}"


class Term(models.Model):
    """A teaching season of a center; once closed it takes no new offerings (those in it
    run on)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="terms", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="term_range")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class OfferingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


# The allowed next states; services check them (whether registration is open is not a
# stored state: it is read from the window and the clock).
OFFERING_TRANSITIONS: dict[str, set[str]] = {
    OfferingStatus.DRAFT: {OfferingStatus.PUBLISHED, OfferingStatus.CANCELLED},
    OfferingStatus.PUBLISHED: {OfferingStatus.REGISTRATION_CLOSED, OfferingStatus.CANCELLED},
    OfferingStatus.REGISTRATION_CLOSED: {OfferingStatus.RUNNING, OfferingStatus.CANCELLED},
    OfferingStatus.RUNNING: {OfferingStatus.FINISHED, OfferingStatus.CANCELLED},
    OfferingStatus.FINISHED: set(),
    OfferingStatus.CANCELLED: set(),
}


class TimeOfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class Offering(models.Model):
    """One run of a course in a term at a center, with its capacity, fee and sessions."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("course")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("term")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("center")
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="offerings_taught", verbose_name=_("instructors")
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    quorum = models.PositiveIntegerField(_("quorum"))
    fee_rials = models.PositiveBigIntegerField(_("fee (Rials)"), null=True, blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    # [{"weekday": 0..6 with Saturday 0, as the Iranian week counts, "start": "HH:MM"}, ...]
    weekly_pattern = models.JSONField(_("weekly pattern"), default=list)
    first_date = models.DateField(_("first date"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("from age"))
    max_age = models.PositiveSmallIntegerField(_("to age"))
    status = models.CharField(
        _("status"), max_length=24, choices=OfferingStatus.choices, default=OfferingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Seats held or sold; changed only with F() inside the transaction that takes a seat.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    # Derived by the services from the pattern, for filtering: a bit per weekday
    # (Saturday = 1) and the time of day of the earliest start.
    weekday_mask = models.PositiveSmallIntegerField(default=0, editable=False)
    time_of_day = models.CharField(
        max_length=10, choices=TimeOfDay.choices, blank=True, editable=False
    )
    # Title and description normalised for Persian search (kargah.core.persian.search_key).
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["registration_closes_at", "id"]
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        indexes = [
            models.Index(fields=["status", "registration_closes_at"]),
            models.Index(fields=["center", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="offering_quorum_positive"),
            models.CheckConstraint(
                condition=Q(capacity__gte=F("quorum")), name="offering_capacity_quorum"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="offering_not_oversold"
            ),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="offering_age_range"
            ),
        ]

    def __str__(self) -> str:
        return self.course.title

    @property
    def title(self) -> str:
        return self.course.title

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    def registration_is_open(self, at: dt.datetime | None = None) -> bool:
        now = at or timezone.now()
        return (
            self.status == OfferingStatus.PUBLISHED
            and self.registration_opens_at is not None
            and self.registration_closes_at is not None
            and self.registration_opens_at <= now < self.registration_closes_at
        )


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class CancelCause(models.TextChoices):
    """Why the center cancelled a session; each cause owes a make-up (P3, rule 4)."""

    INSTRUCTOR_REPORT = "instructor_report", _("Reported by the instructor")
    CLASSROOM_OUTAGE = "classroom_outage", _("Live classroom outage")
    INSTRUCTOR_ABSENT = "instructor_absent", _("Instructor did not come in")
    CENTER_DECISION = "center_decision", _("Center's decision")


class Session(models.Model):
    """One meeting with an exact start and end; a make-up points to what it replaces (P3)."""

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("offering")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    makeup_for = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="makeup",
        verbose_name=_("make-up for"),
    )  # fmt: skip
    # When the classroom first saw a moderator in the room (services_lifecycle.
    # session_mark_taught): a session taught and ended is held; one never taught is
    # cancelled as the instructor's absence.
    taught_at = models.DateTimeField(_("taught"), null=True, blank=True)
    cancel_cause = models.CharField(
        _("cancellation cause"), max_length=24, choices=CancelCause.choices, blank=True,
        default="",
    )  # fmt: skip
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["offering", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_positive_length"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} #{self.number}"


class MakeupProposal(models.Model):
    """The make-up slot proposed for a session the center cancelled (P3, rule 4), with why
    it was chosen; staff confirm it or choose another (or KARGAH_MAKEUP_AUTO_CONFIRM
    confirms it at once)."""

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, related_name="makeup_proposal",
        verbose_name=_("cancelled session"),
    )  # fmt: skip
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # How many of the offering's confirmed learners have another class at that time.
    learner_clashes = models.PositiveIntegerField(_("learners with another class then"))
    # Why (schedule.MakeupChoice.why()): closed days skipped, slots passed over because an
    # instructor teaches elsewhere or more learners have a class then.
    why = models.JSONField(_("why"), default=dict, blank=True)
    proposed_at = models.DateTimeField(_("proposed"))

    class Meta:
        verbose_name = _("make-up proposal")
        verbose_name_plural = _("make-up proposals")

    def __str__(self) -> str:
        return f"{self.session_id} → {self.starts_at:%Y-%m-%d %H:%M}"


class HolidaySource(models.TextChoices):
    OFFICIAL = "official", _("Official holiday")
    CENTER = "center", _("Center closure")


class Holiday(models.Model):
    """A day with no class (P4): an official holiday, national or of one province, or a
    center's own closure. Official rows come from the shipped official calendar
    (`official_calendar`, the Calendar Center's published dates) or an imported official
    list; for a year not published yet, from the `holidays` package, its lunar dates marked
    as estimates until the official date replaces them."""

    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=HolidaySource.choices)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("province"),
        help_text=_("Empty for a national holiday."),
    )  # fmt: skip
    center = models.ForeignKey(
        Center, null=True, blank=True, on_delete=models.PROTECT, related_name="closures",
        verbose_name=_("center"),
    )  # fmt: skip
    is_estimate = models.BooleanField(_("estimated date"), default=False)
    # The date the package gave, so that a re-sync neither duplicates nor restores what
    # staff moved or removed.
    package_date = models.DateField(null=True, blank=True, editable=False)
    is_removed = models.BooleanField(_("removed"), default=False)
    jalali_year = models.PositiveSmallIntegerField(_("Jalali year"), db_index=True)
    # Which official holiday this is (official_calendar.RULES, e.g. "ashura"; empty for any
    # other), so that an official date finds the estimate of the same holiday it replaces.
    key = models.CharField(max_length=40, blank=True, default="", db_index=True, editable=False)
    reference = models.CharField(
        _("where the date comes from"), max_length=300, blank=True, default="",
    )  # fmt: skip

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or closure")
        verbose_name_plural = _("holidays and closures")
        constraints = [
            models.UniqueConstraint(
                fields=["package_date", "name"],
                condition=Q(package_date__isnull=False),
                name="holiday_package_unique",
            ),
            models.CheckConstraint(
                condition=Q(source=HolidaySource.OFFICIAL, center__isnull=True)
                | Q(source=HolidaySource.CENTER, center__isnull=False),
                name="holiday_source_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    @property
    def reference_for_staff(self) -> tuple[str, str]:
        """Where the date comes from, in Persian, with the published document's address."""
        return official_calendar.reference_for_staff(self.reference)
