"""Sign-in by one-time SMS code: sending through the outbox, verifying, and every refusal
(rule 12: a refusal has a stable code and changes nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from kargah.accounts import services
from kargah.accounts.models import Family, OneTimeCode, Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.accounts.tests.support import code_in, row_counts
from kargah.core.errors import DomainError, NotAllowed, Throttled
from kargah.core.selectors import audit_trail
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import REDACTED

pytestmark = pytest.mark.django_db

MOBILE = "+989121234567"
OTHER_MOBILE = "+989351234567"
OTP = settings.KARGAH_OTP


def _other(code: str) -> str:
    """A six-digit code that is surely not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


class TestRequest:
    def test_code_is_sent_by_sms_only_after_commit_and_then_redacted(
        self, sms, clock, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            sent = services.otp_request(mobile=MOBILE, ip="10.0.0.1")
            assert sms.sent == [], "nothing may leave before the transaction commits"

        assert sent.mobile == MOBILE
        assert sent.expires_at == clock.current + dt.timedelta(seconds=OTP["VALID_SECONDS"])
        assert sent.resend_after_seconds == OTP["RESEND_AFTER_SECONDS"]
        message = OutboxMessage.objects.get()
        assert message.kind == "otp"
        assert message.recipient == MOBILE
        assert message.status == OutboxStatus.PENDING
        assert message.redact_after_send
        code = code_in(message.body)

        for callback in callbacks:
            callback()

        assert [(s.recipient, code_in(s.body)) for s in sms.sent] == [(MOBILE, code)]
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENT
        assert message.body == REDACTED
        assert code not in message.body

    def test_only_a_keyed_hash_of_the_code_is_stored(self, send_code):
        code = send_code(MOBILE, ip="10.0.0.1")
        stored = OneTimeCode.objects.get()
        assert stored.mobile == MOBILE
        assert stored.requested_ip == "10.0.0.1"
        assert code not in stored.code_hash
        assert len(stored.code_hash) == 64
        assert stored.used_at is None
        assert stored.failed_attempts == 0

    def test_codes_are_random(self, send_code, clock):
        codes = set()
        for i in range(5):
            codes.add(send_code(f"+98912000{i:04d}"))
        assert len(codes) > 1

    def test_provider_down_still_answers_and_keeps_the_message_pending(
        self, sms, django_capture_on_commit_callbacks
    ):
        sms.down = True
        with django_capture_on_commit_callbacks(execute=True):
            services.otp_request(mobile=MOBILE, ip=None)
        assert sms.sent == []
        message = OutboxMessage.objects.get()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 1

    def test_resend_within_the_waiting_time_is_refused(self, send_code, clock):
        send_code(MOBILE)
        clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"] - 20)
        before = row_counts()

        with pytest.raises(Throttled) as exc_info:
            services.otp_request(mobile=MOBILE, ip="127.0.0.1")

        assert exc_info.value.code == "too_soon"
        assert exc_info.value.http_status == 429
        assert exc_info.value.extra == {"retry_after": 20}
        assert row_counts() == before

    def test_resend_after_the_waiting_time_is_allowed(self, send_code, clock):
        first = send_code(MOBILE)
        clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"])
        second = send_code(MOBILE)
        assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 2
        assert first.isdigit() and second.isdigit()

    def test_more_than_five_codes_an_hour_for_one_number_are_refused(self, send_code, clock):
        for _ in range(OTP["MAX_PER_MOBILE_PER_HOUR"]):
            send_code(MOBILE, ip=None)
            clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"] + 1)
        before = row_counts()

        with pytest.raises(Throttled) as exc_info:
            services.otp_request(mobile=MOBILE, ip=None)

        assert exc_info.value.code == "mobile_rate"
        assert row_counts() == before
        # Another number is not affected.
        send_code(OTHER_MOBILE, ip=None)

    def test_the_hourly_limit_per_number_slides(self, send_code, clock):
        start = clock.current
        for _ in range(OTP["MAX_PER_MOBILE_PER_HOUR"]):
            send_code(MOBILE, ip=None)
            clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"] + 1)
        # An hour after the first code, that code no longer counts.
        clock.current = start + dt.timedelta(hours=1, seconds=1)
        send_code(MOBILE, ip=None)
        assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 6

    def test_more_than_twenty_codes_an_hour_from_one_address_are_refused(self, send_code, clock):
        ip = "10.1.2.3"
        for i in range(OTP["MAX_PER_IP_PER_HOUR"]):
            send_code(f"+98912555{i:04d}", ip=ip)
        before = row_counts()

        with pytest.raises(Throttled) as exc_info:
            services.otp_request(mobile=MOBILE, ip=ip)

        assert exc_info.value.code == "ip_rate"
        assert row_counts() == before
        # The same number from another address goes through.
        send_code(MOBILE, ip="10.9.9.9")

    def test_staff_mobile_is_refused(self):
        StaffFactory.create(mobile=MOBILE)
        before = row_counts()

        with pytest.raises(NotAllowed) as exc_info:
            services.otp_request(mobile=MOBILE, ip="127.0.0.1")

        assert exc_info.value.code == "staff_account"
        assert exc_info.value.http_status == 403
        assert row_counts() == before

    def test_existing_guardian_gets_a_code(self, send_code):
        GuardianFactory.create(mobile=MOBILE)
        assert send_code(MOBILE).isdigit()


class TestVerify:
    def test_first_sign_in_creates_the_guardian_and_the_family(self, send_code, clock):
        code = send_code(MOBILE)

        user = services.otp_verify(mobile=MOBILE, code=code)

        assert user.mobile == MOBILE
        assert user.username == MOBILE
        assert user.role == Role.GUARDIAN
        assert not user.has_usable_password()
        assert Family.objects.filter(guardian=user).exists()
        assert OneTimeCode.objects.get().used_at == clock.current
        [entry] = audit_trail(obj=user)
        assert entry.action == "guardian.created"
        assert entry.actor == user
        assert entry.after == {"mobile": MOBILE}

    def test_a_code_with_surrounding_spaces_works(self, send_code):
        code = send_code(MOBILE)
        assert services.otp_verify(mobile=MOBILE, code=f" {code} ").mobile == MOBILE

    def test_next_sign_in_finds_the_same_guardian(self, send_code, clock):
        first = services.otp_verify(mobile=MOBILE, code=send_code(MOBILE))
        clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"])

        again = services.otp_verify(mobile=MOBILE, code=send_code(MOBILE))

        assert again.pk == first.pk
        assert User.objects.count() == 1
        assert Family.objects.count() == 1
        assert audit_trail(obj=first).count() == 1

    def test_existing_guardian_is_signed_in_not_recreated(self, send_code):
        guardian = GuardianFactory.create(mobile=MOBILE)
        user = services.otp_verify(mobile=MOBILE, code=send_code(MOBILE))
        assert user.pk == guardian.pk
        assert User.objects.count() == 1

    def test_a_used_code_is_refused(self, send_code):
        code = send_code(MOBILE)
        services.otp_verify(mobile=MOBILE, code=code)
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)

        assert exc_info.value.code == "bad_code"
        assert row_counts() == before
        assert OneTimeCode.objects.get().failed_attempts == 0

    def test_a_code_works_until_just_before_it_expires(self, send_code, clock):
        code = send_code(MOBILE)
        clock.advance(seconds=OTP["VALID_SECONDS"] - 1)
        assert services.otp_verify(mobile=MOBILE, code=code).mobile == MOBILE

    def test_an_expired_code_is_refused(self, send_code, clock):
        code = send_code(MOBILE)
        clock.advance(seconds=OTP["VALID_SECONDS"])
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)

        assert exc_info.value.code == "bad_code"
        assert row_counts() == before
        assert OneTimeCode.objects.get().used_at is None

    def test_an_expired_code_is_refused_without_a_fake_clock(self, send_code):
        # The same, by ageing the row instead of moving the clock.
        code = send_code(MOBILE)
        OneTimeCode.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)
        assert exc_info.value.code == "bad_code"
        assert not User.objects.filter(mobile=MOBILE).exists()

    def test_only_the_newest_code_works(self, send_code, clock):
        old = send_code(MOBILE)
        clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"])
        new = send_code(MOBILE)
        if old == new:  # one chance in a million; the test would prove nothing
            pytest.fail("two random codes were equal; run again")

        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code=old)
        assert exc_info.value.code == "bad_code"
        assert not User.objects.filter(mobile=MOBILE).exists()

        assert services.otp_verify(mobile=MOBILE, code=new).mobile == MOBILE

    def test_no_code_was_ever_asked_for(self):
        before = row_counts()
        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code="123456")
        assert exc_info.value.code == "bad_code"
        assert row_counts() == before

    def test_a_code_sent_to_another_number_does_not_work(self, send_code):
        code = send_code(OTHER_MOBILE)
        with pytest.raises(DomainError) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)
        assert exc_info.value.code == "bad_code"
        assert not User.objects.exists()

    def test_wrong_codes_count_and_the_right_one_still_works_before_the_limit(self, send_code):
        code = send_code(MOBILE)
        for _ in range(OTP["MAX_FAILED_ATTEMPTS"] - 1):
            with pytest.raises(DomainError) as exc_info:
                services.otp_verify(mobile=MOBILE, code=_other(code))
            assert exc_info.value.code == "bad_code"
        before = row_counts()
        assert OneTimeCode.objects.get().failed_attempts == OTP["MAX_FAILED_ATTEMPTS"] - 1
        assert before["users"] == 0

        assert services.otp_verify(mobile=MOBILE, code=code).mobile == MOBILE

    def test_five_wrong_codes_lock_the_number_even_for_the_right_code(self, send_code, clock):
        code = send_code(MOBILE)
        errors = []
        for _ in range(OTP["MAX_FAILED_ATTEMPTS"]):
            with pytest.raises(DomainError) as exc_info:
                services.otp_verify(mobile=MOBILE, code=_other(code))
            errors.append(exc_info.value.code)
        # The fifth wrong code already tells the guardian about the lock.
        assert errors == ["bad_code"] * (OTP["MAX_FAILED_ATTEMPTS"] - 1) + ["locked"]
        before = row_counts()

        with pytest.raises(Throttled) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)

        assert exc_info.value.code == "locked"
        assert row_counts() == before
        assert OneTimeCode.objects.get().used_at is None
        assert OneTimeCode.objects.get().failed_attempts == OTP["MAX_FAILED_ATTEMPTS"]

    def test_a_locked_number_gets_no_new_code_until_the_lock_ends(self, send_code, clock):
        code = send_code(MOBILE)
        for _ in range(OTP["MAX_FAILED_ATTEMPTS"]):
            with pytest.raises(DomainError):
                services.otp_verify(mobile=MOBILE, code=_other(code))
        clock.advance(seconds=OTP["RESEND_AFTER_SECONDS"] + 1)
        before = row_counts()

        with pytest.raises(Throttled) as exc_info:
            services.otp_request(mobile=MOBILE, ip="127.0.0.1")
        assert exc_info.value.code == "locked"
        assert row_counts() == before

        clock.advance(seconds=OTP["LOCKOUT_SECONDS"])
        fresh = send_code(MOBILE)
        assert services.otp_verify(mobile=MOBILE, code=fresh).mobile == MOBILE

    def test_a_code_never_signs_in_a_staff_account(self, send_code):
        code = send_code(MOBILE)
        StaffFactory.create(mobile=MOBILE)  # the number is given to a staff member meanwhile

        with pytest.raises(NotAllowed) as exc_info:
            services.otp_verify(mobile=MOBILE, code=code)

        assert exc_info.value.code == "staff_account"

    def test_the_lock_is_per_number(self, send_code, clock):
        code = send_code(MOBILE)
        for _ in range(OTP["MAX_FAILED_ATTEMPTS"]):
            with pytest.raises(DomainError):
                services.otp_verify(mobile=MOBILE, code=_other(code))
        other = send_code(OTHER_MOBILE)
        assert services.otp_verify(mobile=OTHER_MOBILE, code=other).mobile == OTHER_MOBILE


class TestGuardianGetOrCreate:
    def test_creates_once(self):
        first = services.guardian_get_or_create(mobile=MOBILE)
        second = services.guardian_get_or_create(mobile=MOBILE)
        assert first.pk == second.pk
        assert Family.objects.filter(guardian=first).count() == 1

    def test_gives_an_existing_guardian_without_family_a_family(self):
        user = User.objects.create(username="g", mobile=MOBILE, role=Role.GUARDIAN)
        services.guardian_get_or_create(mobile=MOBILE)
        assert Family.objects.filter(guardian=user).exists()
