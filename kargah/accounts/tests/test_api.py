"""The accounts JSON API: sign-in by code for a token, staff tokens, and a family's learners
(only its own: another family's learner is a 404, never a 403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts.models import Learner, OneTimeCode, Role, User
from kargah.accounts.tests.factories import (
    GuardianFactory,
    LearnerFactory,
    ProvinceFactory,
    StaffFactory,
)
from kargah.accounts.tests.support import audit_changes, code_in, row_counts
from kargah.core.selectors import audit_trail

pytestmark = pytest.mark.django_db

OTP_REQUEST = "/api/v1/auth/otp/request"
OTP_VERIFY = "/api/v1/auth/otp/verify"
STAFF_TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
LEARNERS = "/api/v1/learners"


def learner_url(learner: Learner) -> str:
    return f"{LEARNERS}/{learner.pk}"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def authed(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def learner_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "کیان",
        "last_name": "نوری",
        "birth_date_jalali": "۱۳۹۵/۰۴/۱۲",
        "national_code": "۰۴۹۹۳۷۰۸۹۹",
        "gender": "boy",
        "province": ProvinceFactory.create().pk,
        "school_grade": 3,
        "data_confirmed": True,
    }
    body.update(overrides)
    return body


class TestOtp:
    def test_request_answers_202_and_sends_the_code(
        self, api, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(OTP_REQUEST, {"mobile": "۰۹۱۲۱۲۳۴۵۶۷"}, format="json")

        assert response.status_code == 202
        assert response.json()["resend_after_seconds"] == 60
        assert dt.datetime.fromisoformat(response.json()["expires_at"]).tzinfo is not None
        assert [s.recipient for s in sms.sent] == ["+989121234567"]
        assert OneTimeCode.objects.get().requested_ip == "127.0.0.1"

    @pytest.mark.parametrize("mobile", ["02188776655", "+14155552671", "salam", ""])
    def test_a_number_that_is_no_iranian_mobile_is_a_400(self, api, sms, mobile):
        before = row_counts()
        response = api.post(OTP_REQUEST, {"mobile": mobile}, format="json")
        assert response.status_code == 400
        assert "mobile" in response.json()["errors"]
        assert row_counts() == before
        assert sms.sent == []

    def test_a_second_request_at_once_is_a_429_with_the_wait(self, api):
        assert api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json").status_code == 202
        before = row_counts()

        response = api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")

        assert response.status_code == 429
        body = response.json()
        assert body["code"] == "too_soon"
        assert 0 < body["retry_after"] <= 60
        assert body["detail"]
        assert row_counts() == before

    def test_a_burst_from_one_address_is_a_429(self, api):
        for i in range(20):
            response = api.post(OTP_REQUEST, {"mobile": f"0912555{i:04d}"}, format="json")
            assert response.status_code == 202
        response = api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "ip_rate"

    def test_staff_mobile_is_a_403(self, api):
        StaffFactory.create(mobile="+989121234567")
        response = api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "staff_account"
        assert not OneTimeCode.objects.exists()

    def test_verify_gives_a_token_for_the_guardian(
        self, api, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
        code = code_in(sms.sent[0].body)

        response = api.post(
            OTP_VERIFY,
            {
                "mobile": "+98 912 123 4567",
                "code": code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
            },
            format="json",
        )

        assert response.status_code == 200
        body = response.json()
        user = User.objects.get(mobile="+989121234567")
        assert body == {"token": Token.objects.get(user=user).key, "role": Role.GUARDIAN}
        me = APIClient()
        me.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
        assert me.get(ME).json()["mobile"] == "09121234567"

    def test_the_same_token_on_every_sign_in(
        self, api, sms, clock, django_capture_on_commit_callbacks
    ):
        tokens = []
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
            code = code_in(sms.sent[-1].body)
            response = api.post(OTP_VERIFY, {"mobile": "09121234567", "code": code}, format="json")
            tokens.append(response.json()["token"])
            clock.advance(seconds=61)
        assert tokens[0] == tokens[1]
        assert Token.objects.count() == 1

    def test_a_wrong_code_is_a_400_and_gives_no_token(
        self, api, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
        wrong = f"{(int(code_in(sms.sent[0].body)) + 1) % 10**6:06d}"

        response = api.post(OTP_VERIFY, {"mobile": "09121234567", "code": wrong}, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "bad_code"
        assert not Token.objects.exists()
        assert not User.objects.exists()

    @pytest.mark.parametrize("code", ["12345", "1234567", "12345a"])
    def test_a_code_that_is_not_six_digits_is_a_400(self, api, code):
        response = api.post(OTP_VERIFY, {"mobile": "09121234567", "code": code}, format="json")
        assert response.status_code == 400
        assert "code" in response.json()

    def test_five_wrong_codes_lock_the_number(self, api, sms, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            api.post(OTP_REQUEST, {"mobile": "09121234567"}, format="json")
        code = code_in(sms.sent[0].body)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        statuses = [
            api.post(
                OTP_VERIFY, {"mobile": "09121234567", "code": wrong}, format="json"
            ).status_code
            for _ in range(5)
        ]
        assert statuses == [400, 400, 400, 400, 429]

        response = api.post(OTP_VERIFY, {"mobile": "09121234567", "code": code}, format="json")

        assert response.status_code == 429
        assert response.json()["code"] == "locked"
        assert not Token.objects.exists()


class TestStaffToken:
    def test_staff_get_a_token_with_username_and_password(self, api):
        staff = StaffFactory.create()
        response = api.post(
            STAFF_TOKEN, {"username": staff.username, "password": "staff-pass-1403"}, format="json"
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert Token.objects.get(user=staff).key == token

        me = APIClient()
        me.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        body = me.get(ME).json()
        assert body["username"] == staff.username
        assert body["role"] == Role.CENTER_STAFF
        assert body["center"] == str(staff.center)

    def test_a_wrong_password_gives_no_token(self, api):
        staff = StaffFactory.create()
        response = api.post(
            STAFF_TOKEN, {"username": staff.username, "password": "wrong"}, format="json"
        )
        assert response.status_code == 400
        assert not Token.objects.exists()

    def test_staff_may_not_touch_learners(self):
        LearnerFactory.create()
        client = authed(StaffFactory.create())
        assert client.get(LEARNERS).status_code == 403
        before = row_counts()
        assert client.post(LEARNERS, learner_body(), format="json").status_code == 403
        assert row_counts() == before


def assert_refused_unauthenticated(response: Any) -> None:
    # Session authentication comes first in the settings, and it sends no
    # WWW-Authenticate challenge, so DRF answers 403 rather than 401.
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail", "code"}


class TestMe:
    def test_anonymous_is_refused(self, api):
        assert_refused_unauthenticated(api.get(ME))

    def test_a_bad_token_is_refused(self, api):
        GuardianFactory.create()
        api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
        assert_refused_unauthenticated(api.get(ME))

    def test_the_guardian_sees_themselves(self):
        guardian = GuardianFactory.create(mobile="+989121234567")
        body = authed(guardian).get(ME).json()
        assert body == {
            "id": guardian.pk,
            "username": guardian.username,
            "first_name": guardian.first_name,
            "last_name": guardian.last_name,
            "mobile": "09121234567",
            "role": Role.GUARDIAN,
            "center": None,
        }


class TestLearners:
    def test_anonymous_is_refused(self, api):
        LearnerFactory.create()
        assert_refused_unauthenticated(api.get(LEARNERS))
        before = row_counts()
        assert_refused_unauthenticated(api.post(LEARNERS, learner_body(), format="json"))
        assert row_counts() == before

    def test_the_list_holds_only_the_guardians_own_children(self):
        own = LearnerFactory.create(first_name="آرش")
        LearnerFactory.create(family=own.family, first_name="ستایش")
        LearnerFactory.create(first_name="غریبه")  # another family
        response = authed(own.family.guardian).get(LEARNERS)
        assert response.status_code == 200
        assert sorted(item["first_name"] for item in response.json()) == ["آرش", "ستایش"]

    def test_post_creates_a_child_from_a_jalali_birth_date_in_persian_digits(self):
        guardian = GuardianFactory.create()
        body = learner_body()

        response = authed(guardian).post(LEARNERS, body, format="json")

        assert response.status_code == 201, response.json()
        data = response.json()
        learner = Learner.objects.get()
        assert learner.family == guardian.family
        assert learner.birth_date == dt.date(2016, 7, 2)
        assert learner.national_code == "0499370899"
        assert data["id"] == learner.pk
        assert data["birth_date"] == "2016-07-02"
        assert data["birth_date_jalali"] == "1395/04/12"
        assert data["national_code"] == "0499370899"
        assert data["data_confirmed_at"] is not None
        assert "data_confirmed" not in data
        assert audit_trail(obj=learner).get().action == "learner.created"

    def test_an_invalid_national_code_is_a_400_and_nothing_is_created(self):
        client = authed(GuardianFactory.create())
        before = row_counts()
        response = client.post(LEARNERS, learner_body(national_code="0499370898"), format="json")
        assert response.status_code == 400
        assert "national_code" in response.json()["errors"]
        assert row_counts() == before

    def test_unconfirmed_data_is_a_400(self):
        """R3: the guardian must confirm that the data are the learner's true data."""
        client = authed(GuardianFactory.create())
        before = row_counts()
        response = client.post(LEARNERS, learner_body(data_confirmed=False), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "confirm"
        assert row_counts() == before

    def test_a_national_code_already_registered_gets_the_neutral_202(self):
        """Issue 8, finding 8: no "already registered"; the answer is the same whether the
        code exists or not (test_links.py), and nothing of the other family is returned."""
        LearnerFactory.create(national_code="0499370899")
        client = authed(GuardianFactory.create())
        before = row_counts()
        response = client.post(LEARNERS, learner_body(), format="json")
        assert response.status_code == 202
        assert response.json()["code"] == "link_requested"
        assert row_counts() == before  # the birth date differs: nothing is asked

    @pytest.mark.parametrize("birth_date_jalali", ["1395/13/01", "1395/04", "دیروز", ""])
    def test_a_date_that_is_not_jalali_is_a_400(self, birth_date_jalali):
        client = authed(GuardianFactory.create())
        before = row_counts()
        response = client.post(
            LEARNERS, learner_body(birth_date_jalali=birth_date_jalali), format="json"
        )
        assert response.status_code == 400
        assert "birth_date_jalali" in response.json()["errors"]
        assert row_counts() == before

    def test_a_gregorian_date_is_refused_too(self):
        # 2016-07-02 is a Gregorian date: the field says so, rather than "in the future".
        client = authed(GuardianFactory.create())
        before = row_counts()
        response = client.post(
            LEARNERS, learner_body(birth_date_jalali="2016-07-02"), format="json"
        )
        assert response.status_code == 400
        assert "birth_date_jalali" in response.json()["errors"]
        assert row_counts() == before

    def test_another_familys_child_is_a_404_for_get_and_patch(self):
        learner_of_a = LearnerFactory.create(first_name="نازنین")
        client = authed(GuardianFactory.create())
        before = row_counts()

        got = client.get(learner_url(learner_of_a))
        patched = client.patch(
            learner_url(learner_of_a),
            {"first_name": "دزد", "data_confirmed": True},
            format="json",
        )

        assert got.status_code == 404
        assert patched.status_code == 404
        assert "نازنین" not in got.content.decode()
        learner_of_a.refresh_from_db()
        assert learner_of_a.first_name == "نازنین"
        assert row_counts() == before

    def test_get_own_child(self):
        learner = LearnerFactory.create(birth_date=dt.date(2016, 7, 2))
        response = authed(learner.family.guardian).get(learner_url(learner))
        assert response.status_code == 200
        assert response.json()["birth_date_jalali"] == "1395/04/12"
        assert response.json()["national_code"] == learner.national_code

    def test_patch_own_child_with_confirmation(self):
        learner = LearnerFactory.create(first_name="نازنین", school_grade=3)
        client = authed(learner.family.guardian)

        response = client.patch(
            learner_url(learner),
            {"first_name": "هستی", "school_grade": 4, "data_confirmed": True},
            format="json",
        )

        assert response.status_code == 200, response.json()
        assert response.json()["first_name"] == "هستی"
        learner.refresh_from_db()
        assert (learner.first_name, learner.school_grade) == ("هستی", 4)
        entry = audit_trail(obj=learner).get(action="learner.updated")
        assert set(audit_changes(entry)) == {"first_name", "school_grade", "data_confirmed_at"}

    def test_patch_without_confirmation_changes_nothing(self):
        """R3: every edit is confirmed again."""
        learner = LearnerFactory.create(first_name="نازنین")
        response = authed(learner.family.guardian).patch(
            learner_url(learner), {"first_name": "هستی"}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "confirm"
        learner.refresh_from_db()
        assert learner.first_name == "نازنین"

    def test_patch_with_a_jalali_birth_date(self):
        learner = LearnerFactory.create()
        response = authed(learner.family.guardian).patch(
            learner_url(learner),
            {"birth_date_jalali": "١٣٩٥/٠٤/١٢", "data_confirmed": True},
            format="json",
        )
        assert response.status_code == 200, response.json()
        learner.refresh_from_db()
        assert learner.birth_date == dt.date(2016, 7, 2)
