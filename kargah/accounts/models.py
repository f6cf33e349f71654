"""Users with roles, provinces and centers, families and learners, one-time sign-in codes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kargah.accounts.validators import mask_national_code
from kargah.core.persian import mask_mobile, mobile_for_display


class Province(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Center(models.Model):
    """A cultural center: the virtual center, or a provincial one. Staff are scoped to one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("province")
    )
    is_virtual = models.BooleanField(_("virtual center"), default=False)

    class Meta:
        ordering = ["-is_virtual", "name"]
        verbose_name = _("center")
        verbose_name_plural = _("centers")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    GUARDIAN = "guardian", _("Guardian")
    LEARNER = "learner", _("Learner")
    INSTRUCTOR = "instructor", _("Instructor")
    CENTER_STAFF = "center_staff", _("Center staff")
    FINANCE = "finance", _("Finance")
    QUALITY = "quality", _("Quality supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset(
    {Role.INSTRUCTOR, Role.CENTER_STAFF, Role.FINANCE, Role.QUALITY, Role.ADMINISTRATOR}
)


class KargahUserManager(UserManager["User"]):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """Everyone who signs in. Guardians sign in with `mobile` and a one-time code; staff with
    `username` and a password."""

    mobile = models.CharField(
        _("mobile number"), max_length=16, unique=True, null=True, blank=True,
        help_text=_("In E.164 form, e.g. +989121234567."),
    )  # fmt: skip
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.GUARDIAN)
    center = models.ForeignKey(
        Center, null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
        verbose_name=_("center"),
        help_text=_("Center staff and instructors work for one center and see only its data."),
    )  # fmt: skip

    # The language of the messages sent to this person (pages follow the browser's choice).
    language = models.CharField(
        _("language of messages"), max_length=5, choices=settings.LANGUAGES, default="fa"
    )
    # The header's unread badge, kept with the user (read on every page anyway) so that the
    # badge costs no query: raised by `notify`, lowered when items are read, and set to the
    # true count whenever the inbox page is opened.
    inbox_unread = models.PositiveIntegerField(_("unread messages"), default=0)

    objects = KargahUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        if full:
            return full
        return mobile_for_display(self.mobile) if self.mobile else self.username

    @property
    def is_guardian(self) -> bool:
        return self.role == Role.GUARDIAN

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def mobile_display(self) -> str:
        return mobile_for_display(self.mobile) if self.mobile else ""


class Family(models.Model):
    """One guardian account and its learners; later the owner of a wallet."""

    guardian = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="family", verbose_name=_("guardian")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return str(self.guardian)


class Gender(models.TextChoices):
    GIRL = "girl", _("Girl")
    BOY = "boy", _("Boy")


class SchoolGrade(models.IntegerChoices):
    PRESCHOOL = 0, _("Preschool")
    GRADE_1 = 1, _("Grade 1")
    GRADE_2 = 2, _("Grade 2")
    GRADE_3 = 3, _("Grade 3")
    GRADE_4 = 4, _("Grade 4")
    GRADE_5 = 5, _("Grade 5")
    GRADE_6 = 6, _("Grade 6")
    GRADE_7 = 7, _("Grade 7")
    GRADE_8 = 8, _("Grade 8")
    GRADE_9 = 9, _("Grade 9")
    GRADE_10 = 10, _("Grade 10")
    GRADE_11 = 11, _("Grade 11")
    GRADE_12 = 12, _("Grade 12")


class Learner(models.Model):
    """A child of a family. National code and birth date are personal data of a minor."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="learners", verbose_name=_("family")
    )
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="learner_profile",
        verbose_name=_("own login"),
    )  # fmt: skip
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    national_code = models.CharField(_("national code"), max_length=10, unique=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, verbose_name=_("province"))
    school_grade = models.PositiveSmallIntegerField(_("school grade"), choices=SchoolGrade.choices)
    # R3: the guardian states the data are the learner's true data; we keep when.
    data_confirmed_at = models.DateTimeField(_("data confirmed at"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["first_name", "id"]
        verbose_name = _("learner")
        verbose_name_plural = _("learners")

    def __str__(self) -> str:
        return self.full_name

    @property
    @admin.display(description=_("name"))
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    @admin.display(description=_("national code"))
    def national_code_masked(self) -> str:
        return mask_national_code(self.national_code)

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only a keyed hash of the code is stored."""

    mobile = models.CharField(_("mobile number"), max_length=16, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=64)
    requested_ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_ip", "created_at"])]
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.mobile} @ {self.created_at:%Y-%m-%d %H:%M}"


class LinkStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


# The allowed next states of a link (a refused or revoked link may be asked for again).
LINK_TRANSITIONS: dict[str, frozenset[str]] = {
    LinkStatus.REQUESTED: frozenset({LinkStatus.APPROVED, LinkStatus.REJECTED}),
    LinkStatus.APPROVED: frozenset({LinkStatus.REVOKED}),
    LinkStatus.REJECTED: frozenset({LinkStatus.REQUESTED}),
    LinkStatus.REVOKED: frozenset({LinkStatus.REQUESTED}),
}


class LearnerLink(models.Model):
    """A second guardian's family linked to a child another family registered (separated
    parents). The learner's own `family` stays its owner; an approved link lets the linked
    family see the child, its classes and its documents, nothing more (docs/learner-links.md)."""

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="links", verbose_name=_("learner")
    )
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="learner_links",
        verbose_name=_("linked family"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "family"], name="learner_link_once")
        ]
        verbose_name = _("learner link")
        verbose_name_plural = _("learner links")

    def __str__(self) -> str:
        return f"{self.learner_id} ↔ {self.family_id} ({self.status})"

    @property
    def requester_mobile_masked(self) -> str:
        """What the owner is shown of the requester: enough to recognise, not to call."""
        return mask_mobile(self.requested_by.mobile or "")


class LearnerAddAttempt(models.Model):
    """Each child a guardian adds, new or already registered; counted to limit adds a day,
    so that the add form cannot be used to find out which national codes are registered.
    Internal: never shown to a family."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Child created")
        REQUESTED = "requested", _("Link requested")
        MISMATCH = "mismatch", _("Birth date did not match")
        REPEATED = "repeated", _("Already requested or linked")
        CODE_CHANGED = "changed", _("National code changed")

    guardian = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("guardian")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["guardian", "created_at"])]
        verbose_name = _("child add attempt")
        verbose_name_plural = _("child add attempts")

    def __str__(self) -> str:
        return f"{self.guardian_id} {self.outcome} @ {self.created_at:%Y-%m-%d %H:%M}"
