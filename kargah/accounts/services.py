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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kargah.accounts.models import (
    LINK_TRANSITIONS,
    Center,
    Family,
    Learner,
    LearnerAddAttempt,
    LearnerLink,
    LinkStatus,
    OneTimeCode,
    Province,
    Role,
    User,
)
from kargah.accounts.signals import learner_link_revoked
from kargah.core.errors import DomainError, NotAllowed, Throttled
from kargah.core.locks import lock_keys
from kargah.core.persian import to_persian_digits
from kargah.core.services import audit_record, snapshot
from kargah.notifications.catalogue import Number
from kargah.notifications.services import notify, notify_number

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
        sent = OneTimeCode.objects.create(
            mobile=mobile,
            code_hash=_hash_code(mobile, code),
            requested_ip=ip,
            created_at=now,
            expires_at=expires_at,
        )
        # The code goes to the number typed, by SMS only, whether or not it has an account
        # yet; a known person reads it in the language they chose.
        language = User.objects.filter(mobile=mobile).values_list("language", flat=True).first()
        notify_number(
            mobile=mobile,
            kind="otp",
            # The code in Latin digits, as the phone's code auto-fill reads it.
            context={"code": code, "minutes": Number(minutes)},
            event_key=f"otp:{sent.pk}",
            language=language or "fa",
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


def _check_birth_date(birth_date: dt.date) -> None:
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


def _check_learner_data(*, national_code: str, exclude_pk: int | None, birth_date: dt.date) -> None:
    clash = Learner.objects.filter(national_code=national_code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(
            _("A learner with this national code is already registered."),
            code="duplicate_national_code",
        )
    _check_birth_date(birth_date)


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
    """Edits a child of the guardian's own family; the data are confirmed again (R3).

    A linked guardian (a second family) cannot edit the child: its data stay the owner's.
    A new national code counts as an add (`_check_adds_allowed`), and one that is another
    child's is refused without saying so (finding 8 of issue 8).
    """
    if learner.family.guardian_id != guardian.pk:
        raise NotAllowed(
            _("Only the guardian who registered this child can change its information."),
            code="not_owner",
        )
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
    _check_birth_date(fields.get("birth_date", learner.birth_date))
    new_code = fields.get("national_code", learner.national_code)
    if new_code != learner.national_code:
        # Committed on its own, refused or not: the count must hold against probing.
        with transaction.atomic():
            lock_keys(("learner-add", str(guardian.pk)))
            _check_adds_allowed(guardian, timezone.now())
            LearnerAddAttempt.objects.create(
                guardian=guardian, outcome=LearnerAddAttempt.Outcome.CODE_CHANGED
            )
    code_taken = DomainError(_CODE_NOT_SAVED, code="national_code")
    if Learner.objects.filter(national_code=new_code).exclude(pk=learner.pk).exists():
        raise code_taken
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
    except IntegrityError:  # the code was taken by another child meanwhile
        raise code_taken from None
    return locked


# --- one child, two guardians (issue 8, item 5; docs/learner-links.md) ---------------------

# At most this many children added (new, already registered, or a changed national code)
# per guardian in a day: every add counts the same, so the different answers for a new and
# for a registered code tell at most this many codes a day.
LEARNER_ADDS_PER_DAY = 5

LINK_NEUTRAL_MESSAGE = gettext_lazy(
    "If this child is already registered with the centre, a request has been sent to the "
    "guardian who registered it; you will be told when it is approved."
)
_CODE_NOT_SAVED = gettext_lazy(
    "This national code cannot be saved for this child. To add another child, use the "
    "Add a child button."
)
LINK_AUDIT_FIELDS = ["learner", "family", "status", "requested_by", "decided_by", "decided_at"]


@dataclass(frozen=True)
class LearnerAdded:
    """What adding a child did: `learner` when a new child was created; None for the
    neutral answer (a link may have been requested, or nothing done), which says nothing
    about whether the national code is registered."""

    learner: Learner | None

    @property
    def message(self) -> str:
        if self.learner is None:
            return str(LINK_NEUTRAL_MESSAGE)
        return _("%(name)s was added to your family.") % {"name": self.learner.full_name}


def _check_adds_allowed(guardian: User, now: dt.datetime) -> None:
    since = now - dt.timedelta(days=1)
    count = LearnerAddAttempt.objects.filter(guardian=guardian, created_at__gte=since).count()
    if count >= LEARNER_ADDS_PER_DAY:
        raise Throttled(
            _("You have added %(count)s children today. Try again tomorrow.")
            % {"count": to_persian_digits(LEARNER_ADDS_PER_DAY)},
            code="learner_adds",
        )


def learner_add(
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
) -> LearnerAdded:
    """A guardian adds a child (R3 confirmed). A national code nobody registered creates the
    child in the guardian's family. A code another family registered creates nothing the
    caller can see: when the birth date matches too, a link request goes to the owner
    (`learner_link_request`); either way the answer is the same neutral one. At most
    LEARNER_ADDS_PER_DAY adds a day (Throttled, 429)."""
    if not data_confirmed:
        raise DomainError(
            _("Confirm that the information is the learner's true information."), code="confirm"
        )
    family = _family_of(guardian)
    _check_birth_date(birth_date)
    with transaction.atomic():
        # One add of a guardian at a time (the daily count), one add of a code at a time
        # (two guardians adding the same new child: the second one asks to be linked).
        lock_keys(("learner-add", str(guardian.pk)), ("national-code", national_code))
        now = timezone.now()
        _check_adds_allowed(guardian, now)
        existing = (
            Learner.objects.select_related("family__guardian")
            .filter(national_code=national_code)
            .first()
        )
        if existing is not None and existing.family_id == family.pk:
            raise DomainError(_("This child is already in your family."), code="own_child")
        if existing is None:
            learner: Learner | None = learner_create(
                guardian=guardian, first_name=first_name, last_name=last_name,
                birth_date=birth_date, national_code=national_code, gender=gender,
                province=province, school_grade=school_grade, data_confirmed=True,
            )  # fmt: skip
            outcome: str = LearnerAddAttempt.Outcome.CREATED
        else:
            learner = None
            outcome = learner_link_request(
                guardian=guardian, learner=existing, birth_date=birth_date, now=now
            )
        LearnerAddAttempt.objects.create(guardian=guardian, outcome=outcome, created_at=now)
    return LearnerAdded(learner=learner)


def _owner_of(link: LearnerLink) -> User:
    return link.learner.family.guardian


def _link_save(link: LearnerLink, *, actor: User, action: str, before: dict[str, Any]) -> None:
    link.save()
    audit_record(
        actor=actor, action=action, obj=link, before=before,
        after=snapshot(link, LINK_AUDIT_FIELDS),
    )  # fmt: skip


def _link_transition(link: LearnerLink, new_status: str) -> None:
    if new_status not in LINK_TRANSITIONS[link.status]:
        raise DomainError(_("This request has already been decided."), code="link_state")
    link.status = new_status


def _family_page_url() -> str:
    return f"{getattr(settings, 'KARGAH_SITE_URL', '').rstrip('/')}{reverse('accounts:family')}"


def learner_link_request(
    *, guardian: User, learner: Learner, birth_date: dt.date, now: dt.datetime
) -> str:
    """Asks the owner of `learner` to link it to the guardian's family; called by
    `learner_add` under its locks, returns the attempt's outcome. Nothing is asked when the
    birth date differs or a request or link is already open. The owner is told by SMS,
    with the requester's number masked."""
    family = _family_of(guardian)
    if learner.birth_date != birth_date:
        return LearnerAddAttempt.Outcome.MISMATCH
    link = LearnerLink.objects.select_for_update().filter(learner=learner, family=family).first()
    if link is not None and link.status in (LinkStatus.REQUESTED, LinkStatus.APPROVED):
        return LearnerAddAttempt.Outcome.REPEATED
    if link is None:
        before: dict[str, Any] = {}
        link = LearnerLink(learner=learner, family=family, requested_by=guardian)
    else:
        before = snapshot(link, LINK_AUDIT_FIELDS)
        _link_transition(link, LinkStatus.REQUESTED)
        link.requested_by, link.decided_by, link.decided_at = guardian, None, None
    link.requested_at = now
    _link_save(link, actor=guardian, action="learner_link.requested", before=before)
    owner = _owner_of(link)
    notify(
        user=owner,
        kind="learner_link_requested",
        context={
            "mobile": Number(link.requester_mobile_masked),
            "name": learner.first_name,
            "url": _family_page_url(),
        },
        event_key=f"learner-link:{link.pk}:requested:{now.isoformat()}",
        link=reverse("accounts:family"),
    )
    return LearnerAddAttempt.Outcome.REQUESTED


def may_decide_link(*, user: User, link: LearnerLink) -> bool:
    """The owner guardian, staff of a center the child belongs to, an administrator; one
    query whoever asks (the link's learner, family and the staff's center are not read)."""
    from kargah.accounts.selectors import learner_links_for_staff

    if user.role == Role.GUARDIAN:
        mine = LearnerLink.objects.filter(pk=link.pk, learner__family__guardian_id=user.pk)
    else:
        mine = learner_links_for_staff(user=user).filter(pk=link.pk)
    return mine.exists()


def _link_decide(*, actor: User, link: LearnerLink, new_status: str, action: str) -> LearnerLink:
    if not may_decide_link(user=actor, link=link):
        raise NotAllowed(_("This request was not found."), code="not_found")
    with transaction.atomic():
        locked = (
            LearnerLink.objects.select_for_update()
            .select_related("learner__family__guardian", "requested_by", "family__guardian")
            .get(pk=link.pk)
        )
        before = snapshot(locked, LINK_AUDIT_FIELDS)
        _link_transition(locked, new_status)
        locked.decided_by, locked.decided_at = actor, timezone.now()
        _link_save(locked, actor=actor, action=action, before=before)
        # A rejection is not told: silence is what a code nobody registered gets too.
        if new_status in (LinkStatus.APPROVED, LinkStatus.REVOKED):
            approved = new_status == LinkStatus.APPROVED
            notify(
                user=locked.family.guardian,
                kind="learner_link_approved" if approved else "learner_link_ended",
                context={"name": locked.learner.first_name, "url": _family_page_url()},
                event_key=f"learner-link:{locked.pk}:{new_status}:{locked.decided_at.isoformat()}",
                link=reverse("accounts:family") if approved else "",
            )
    return locked


def learner_link_approve(*, actor: User, link: LearnerLink) -> LearnerLink:
    """The owner guardian (or the center) approves a link request: from now on the linked
    family sees the child, its classes and documents."""
    return _link_decide(
        actor=actor, link=link, new_status=LinkStatus.APPROVED, action="learner_link.approved"
    )


def learner_link_reject(*, actor: User, link: LearnerLink) -> LearnerLink:
    """The owner guardian (or the center) rejects a link request; the requester is not told."""
    return _link_decide(
        actor=actor, link=link, new_status=LinkStatus.REJECTED, action="learner_link.rejected"
    )


def learner_link_revoke(*, actor: User, link: LearnerLink) -> LearnerLink:
    """The owner guardian (or the center) ends an approved link; the linked family stops
    seeing the child at once and is told by SMS. The places it paid for stay its own; it
    registers the child no more, so the child leaves the waiting lists it put it on."""
    with transaction.atomic():
        revoked = _link_decide(
            actor=actor, link=link, new_status=LinkStatus.REVOKED, action="learner_link.revoked"
        )
        # The waiting lists are the enrollment app's: it receives this (its AppConfig.ready).
        learner_link_revoked.send(sender=LearnerLink, link=revoked, actor=actor)
    return revoked


# The link decisions by their name in URLs (the owner's and staff pages, the API).
LINK_DECISIONS = {
    "approve": learner_link_approve,
    "reject": learner_link_reject,
    "revoke": learner_link_revoke,
}


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
            # The Django admin is the administrator's alone: every other staff role works
            # at its desk, whose services audit and tell families (issue 11 item 11).
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        audit_record(
            actor=actor,
            action="staff.created",
            obj=user,
            after={"username": username, "role": role, "center": center.pk if center else None},
        )
    return user
