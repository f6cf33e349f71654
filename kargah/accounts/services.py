"""Writes of the accounts app: one-time-code sign-in, families and learners, staff users."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import (
    Center,
    Family,
    Learner,
    OneTimeCode,
    Province,
    Role,
    User,
)
from kargah.core.errors import DomainError, NotAllowed, Throttled
from kargah.core.locks import lock_keys
from kargah.core.persian import to_persian_digits
from kargah.core.services import audit_record, snapshot
from kargah.notifications.services import sms_queue

LEARNER_AUDIT_FIELDS = [
    "first_name", "last_name", "birth_date", "national_code", "gender", "province",
    "school_grade", "data_confirmed_at",
]  # fmt: skip


def _otp_settings() -> dict[str, int]:
    return settings.KARGAH_OTP


def _hash_code(mobile: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _failed_attempts_recently(mobile: str, now: dt.datetime) -> int:
    since = now - dt.timedelta(seconds=_otp_settings()["LOCKOUT_SECONDS"])
    total = OneTimeCode.objects.filter(mobile=mobile, created_at__gte=since).aggregate(
        n=Sum("failed_attempts")
    )["n"]
    return int(total or 0)


def _check_not_locked(mobile: str, now: dt.datetime) -> None:
    if _failed_attempts_recently(mobile, now) >= _otp_settings()["MAX_FAILED_ATTEMPTS"]:
        minutes = _otp_settings()["LOCKOUT_SECONDS"] // 60
        raise Throttled(
            _(
                "Too many wrong codes were entered for this number. "
                "Try again in %(minutes)s minutes."
            )
            % {"minutes": to_persian_digits(minutes)},
            code="locked",
            # The API's 429 carries Retry-After (issue 8): the lockout at most.
            extra={"retry_after": _otp_settings()["LOCKOUT_SECONDS"]},
        )


@dataclass(frozen=True)
class CodeSent:
    mobile: str
    expires_at: dt.datetime
    resend_after_seconds: int


def _check_otp_request_allowed(*, mobile: str, ip: str | None, now: dt.datetime) -> None:
    conf = _otp_settings()
    _check_not_locked(mobile, now)
    if User.objects.filter(mobile=mobile).exclude(role__in=[Role.GUARDIAN, Role.LEARNER]).exists():
        raise NotAllowed(
            _("Staff accounts sign in with their username and password."), code="staff_account"
        )
    hour_ago = now - dt.timedelta(hours=1)
    recent = OneTimeCode.objects.filter(mobile=mobile, created_at__gte=hour_ago)
    last = recent.order_by("-created_at").first()
    if last is not None:
        wait = int(conf["RESEND_AFTER_SECONDS"] - (now - last.created_at).total_seconds())
        if wait > 0:
            raise Throttled(
                _("A code was just sent. You can ask for a new one in %(seconds)s seconds.")
                % {"seconds": to_persian_digits(wait)},
                code="too_soon",
                extra={"retry_after": wait},
            )
    if recent.count() >= conf["MAX_PER_MOBILE_PER_HOUR"]:
        raise Throttled(
            _("Too many codes were requested for this number. Try again in an hour."),
            code="mobile_rate",
            extra={"retry_after": 3600},
        )
    if ip and (
        OneTimeCode.objects.filter(requested_ip=ip, created_at__gte=hour_ago).count()
        >= conf["MAX_PER_IP_PER_HOUR"]
    ):
        raise Throttled(
            _("Too many codes were requested from this connection. Try again in an hour."),
            code="ip_rate",
            extra={"retry_after": 3600},
        )


def otp_request(*, mobile: str, ip: str | None) -> CodeSent:
    """Sends a new sign-in code to a (normalised, E.164) Iranian mobile number.

    Refuses, with a Persian reason and nothing written, when the number is locked after
    wrong codes, asked again too soon, asked too often this hour, or the address has asked
    for too many numbers. Staff accounts sign in with a password, not a code.
    """
    conf = _otp_settings()
    with transaction.atomic():
        # Requests for one number (and from one address) are taken one at a time, so that
        # simultaneous requests cannot all pass the limits below.
        lock_keys(("otp-mobile", mobile), *([("otp-ip", ip)] if ip else []))
        now = timezone.now()
        _check_otp_request_allowed(mobile=mobile, ip=ip, now=now)
        code = f"{secrets.randbelow(10 ** conf['LENGTH']):0{conf['LENGTH']}d}"
        expires_at = now + dt.timedelta(seconds=conf["VALID_SECONDS"])
        minutes = max(1, conf["VALID_SECONDS"] // 60)
        OneTimeCode.objects.create(
            mobile=mobile,
            code_hash=_hash_code(mobile, code),
            requested_ip=ip,
            created_at=now,
            expires_at=expires_at,
        )
        sms_queue(
            recipient=mobile,
            body=_("Kargah sign-in code: %(code)s\nValid for %(minutes)s minutes. Do not share it.")
            % {"code": code, "minutes": to_persian_digits(minutes)},
            kind="otp",
            redact_after_send=True,
        )
    return CodeSent(
        mobile=mobile, expires_at=expires_at, resend_after_seconds=conf["RESEND_AFTER_SECONDS"]
    )


def otp_verify(*, mobile: str, code: str) -> User:
    """Checks a sign-in code and returns the guardian, creating the account and family on
    the first sign-in. A code works once, only before it expires, and only the newest one;
    wrong codes count towards a lockout of the number."""
    now = timezone.now()
    _check_not_locked(mobile, now)
    invalid = DomainError(
        _("The code is wrong or has expired. Ask for a new code."), code="bad_code"
    )
    with transaction.atomic():
        latest = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile)
            .order_by("-created_at", "-id")
            .first()
        )
        # Checked again under the row lock: simultaneous guesses are counted one by one.
        _check_not_locked(mobile, now)
        if latest is None or latest.used_at is not None or latest.expires_at <= now:
            raise invalid
        if not hmac.compare_digest(latest.code_hash, _hash_code(mobile, code.strip())):
            # The block ends normally (no raise inside it) so that the count is committed.
            OneTimeCode.objects.filter(pk=latest.pk).update(
                failed_attempts=F("failed_attempts") + 1
            )
            failed = True
        else:
            failed = False
            if (
                User.objects.filter(mobile=mobile)
                .exclude(role__in=[Role.GUARDIAN, Role.LEARNER])
                .exists()
            ):  # the number was given to a staff member after the code was sent
                raise NotAllowed(
                    _("Staff accounts sign in with their username and password."),
                    code="staff_account",
                )
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            user = guardian_get_or_create(mobile=mobile)
    if failed:
        _check_not_locked(mobile, timezone.now())
        raise invalid
    return user


def guardian_get_or_create(*, mobile: str) -> User:
    """The guardian with this mobile number, with a family, created on first sign-in."""
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create(username=mobile, mobile=mobile, role=Role.GUARDIAN)
                user.set_unusable_password()
                user.save(update_fields=["password"])
                audit_record(
                    actor=user, action="guardian.created", obj=user, after={"mobile": mobile}
                )
        except IntegrityError:  # two first sign-ins at once: the other one created it
            user = User.objects.get(mobile=mobile)
    if user.role == Role.GUARDIAN:
        Family.objects.get_or_create(guardian=user)
    return user


def _family_of(guardian: User) -> Family:
    if guardian.role != Role.GUARDIAN:
        raise NotAllowed(_("Only a guardian can add or edit children."))
    family, _created = Family.objects.get_or_create(guardian=guardian)
    return family


def _check_learner_data(*, national_code: str, exclude_pk: int | None, birth_date: dt.date) -> None:
    clash = Learner.objects.filter(national_code=national_code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(
            _("A learner with this national code is already registered."),
            code="duplicate_national_code",
        )
    today = timezone.localdate()
    if birth_date >= today:
        raise DomainError(_("The birth date must be in the past."), code="birth_date")
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if not 2 <= age <= 20:
        raise DomainError(
            _("Kargah's workshops are for children and teenagers; check the birth date."),
            code="birth_date",
        )


def learner_create(
    *,
    guardian: User,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    national_code: str,
    gender: str,
    province: Province,
    school_grade: int,
    data_confirmed: bool,
) -> Learner:
    """Adds a child to the guardian's family. The guardian must confirm the data are the
    child's true data (R3)."""
    if not data_confirmed:
        raise DomainError(
            _("Confirm that the information is the learner's true information."), code="confirm"
        )
    family = _family_of(guardian)
    _check_learner_data(national_code=national_code, exclude_pk=None, birth_date=birth_date)
    try:
        with transaction.atomic():
            learner = Learner.objects.create(
                family=family,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                birth_date=birth_date,
                national_code=national_code,
                gender=gender,
                province=province,
                school_grade=school_grade,
                data_confirmed_at=timezone.now(),
            )
            audit_record(
                actor=guardian,
                action="learner.created",
                obj=learner,
                after=snapshot(learner, LEARNER_AUDIT_FIELDS),
            )
    except IntegrityError:  # the same child added twice at once
        raise DomainError(
            _("A learner with this national code is already registered."),
            code="duplicate_national_code",
        ) from None
    return learner


def learner_update(
    *, guardian: User, learner: Learner, data_confirmed: bool, **fields: Any
) -> Learner:
    """Edits a child of the guardian's own family; the data are confirmed again (R3)."""
    if learner.family.guardian_id != guardian.pk:
        raise NotAllowed(_("You can only edit your own children."))
    if not data_confirmed:
        raise DomainError(
            _("Confirm that the information is the learner's true information."), code="confirm"
        )
    allowed = {
        "first_name",
        "last_name",
        "birth_date",
        "national_code",
        "gender",
        "province",
        "school_grade",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown learner fields: {sorted(unknown)}")
    _check_learner_data(
        national_code=fields.get("national_code", learner.national_code),
        exclude_pk=learner.pk,
        birth_date=fields.get("birth_date", learner.birth_date),
    )
    try:
        with transaction.atomic():
            locked = Learner.objects.select_for_update().get(pk=learner.pk)
            before = snapshot(locked, LEARNER_AUDIT_FIELDS)
            for name, value in fields.items():
                setattr(locked, name, value.strip() if isinstance(value, str) else value)
            locked.data_confirmed_at = timezone.now()
            locked.save()
            audit_record(
                actor=guardian,
                action="learner.updated",
                obj=locked,
                before=before,
                after=snapshot(locked, LEARNER_AUDIT_FIELDS),
            )
    except IntegrityError:
        raise DomainError(
            _("A learner with this national code is already registered."),
            code="duplicate_national_code",
        ) from None
    return locked


def staff_user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    center: Center | None,
    first_name: str = "",
    last_name: str = "",
    mobile: str | None = None,
) -> User:
    """Creates a staff member (password sign-in). Center staff and instructors need a center."""
    if role in (Role.GUARDIAN, Role.LEARNER):
        raise ValueError("staff_user_create is for staff roles")
    if role in (Role.CENTER_STAFF, Role.INSTRUCTOR) and center is None:
        raise DomainError(_("Choose a center for center staff and instructors."), code="center")
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            role=role,
            center=center,
            first_name=first_name,
            last_name=last_name,
            mobile=mobile,
            is_staff=role in (Role.CENTER_STAFF, Role.FINANCE, Role.QUALITY, Role.ADMINISTRATOR),
            is_superuser=role == Role.ADMINISTRATOR,
        )
        audit_record(
            actor=actor,
            action="staff.created",
            obj=user,
            after={"username": username, "role": role, "center": center.pk if center else None},
        )
    return user
