"""The accounts pages through Django's test client: sign-in with a code typed in Persian
digits, the family page, adding and editing children, and who may see what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kargah.accounts import services
from kargah.accounts.demo import national_code_for
from kargah.accounts.models import Family, Learner, OneTimeCode, User
from kargah.accounts.tests.factories import (
    GuardianFactory,
    LearnerFactory,
    ProvinceFactory,
    StaffFactory,
)
from kargah.accounts.tests.support import audit_changes, code_in, row_counts
from kargah.core.persian import format_jalali_datetime, to_persian_digits
from kargah.core.selectors import audit_trail

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
VERIFY = "/accounts/sign-in/code/"
RESEND = "/accounts/sign-in/resend/"
FAMILY = "/accounts/family/"
ADD = "/accounts/family/learners/add/"
STAFF_SIGN_IN = "/accounts/staff/sign-in/"


def edit_url(learner: Learner) -> str:
    return f"/accounts/family/learners/{learner.pk}/edit/"


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def learner_post(**overrides: str) -> dict[str, str]:
    data = {
        "first_name": "آرش",
        "last_name": "محمدی",
        "birth_date": "۱۳۹۵/۰۴/۱۲",
        "national_code": to_persian_digits(national_code_for(1)),
        "gender": "boy",
        "province": str(ProvinceFactory.create(code="tehran", name="تهران").pk),
        "school_grade": "۳",
        "data_confirmed": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def guardian_client(client: Client) -> Client:
    guardian = GuardianFactory.create()
    client.force_login(guardian)
    return client


def assert_persian_page(html: str) -> None:
    assert re.search(r'<html lang="fa" dir="rtl">', html), "pages are Persian and right-to-left"


class TestSignIn:
    def test_full_sign_in_with_persian_digits(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        page = client.get(SIGN_IN)
        assert page.status_code == 200
        assert_persian_page(page.content.decode())

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(SIGN_IN, {"mobile": "۰۹۱۲ ۱۲۳ ۴۵۶۷"})
        assert response.status_code == 302
        assert response["Location"] == VERIFY
        assert [s.recipient for s in sms.sent] == ["+989121234567"]
        code = code_in(sms.sent[0].body)

        page = client.get(VERIFY)
        assert page.status_code == 200
        assert "۰۹۱۲۱۲۳۴۵۶۷" in page.content.decode()  # the number, shown the Persian way
        assert signed_in_user(client) is None

        response = client.post(VERIFY, {"code": to_persian_digits(code)})
        assert response.status_code == 302
        assert response["Location"] == FAMILY

        user = signed_in_user(client)
        assert user is not None
        assert user.mobile == "+989121234567"
        assert Family.objects.filter(guardian=user).exists()
        family_page = client.get(FAMILY)
        assert family_page.status_code == 200
        assert_persian_page(family_page.content.decode())
        assert [str(m) for m in family_page.context["messages"]]  # the welcome message

    def test_arabic_digits_in_the_code_work_too(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"mobile": "09121234567"})
        code = code_in(sms.sent[0].body)
        arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        response = client.post(VERIFY, {"code": arabic})
        assert response.status_code == 302
        assert signed_in_user(client) is not None

    def test_next_page_is_honoured_after_sign_in(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{SIGN_IN}?next={ADD}", {"mobile": "09121234567"})
        response = client.post(VERIFY, {"code": code_in(sms.sent[0].body)})
        assert response["Location"] == ADD

    def test_a_next_page_on_another_site_is_ignored(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{SIGN_IN}?next=https://evil.example/", {"mobile": "09121234567"})
        response = client.post(VERIFY, {"code": code_in(sms.sent[0].body)})
        assert response["Location"] == FAMILY

    @pytest.mark.parametrize(
        "mobile",
        ["02188776655", "+14155552671", "hello", ""],
        ids=["landline", "foreign", "garbage", "empty"],
    )
    def test_a_number_that_is_no_iranian_mobile_is_refused(self, client, sms, mobile):
        before = row_counts()
        response = client.post(SIGN_IN, {"mobile": mobile})
        assert response.status_code == 200
        assert response.context["form"].errors["mobile"]
        assert row_counts() == before
        assert sms.sent == []
        assert "kargah_sign_in_mobile" not in client.session

    def test_a_wrong_code_shows_an_error_and_signs_nobody_in(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"mobile": "09121234567"})
        code = code_in(sms.sent[0].body)
        wrong = f"{(int(code) + 1) % 10**6:06d}"

        response = client.post(VERIFY, {"code": wrong})

        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert signed_in_user(client) is None
        assert not User.objects.exists()
        assert OneTimeCode.objects.get().failed_attempts == 1

    @pytest.mark.parametrize("code", ["12345", "1234567", "abcdef"])
    def test_a_code_that_is_not_six_digits_is_a_form_error(
        self, client, django_capture_on_commit_callbacks, code
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"mobile": "09121234567"})
        response = client.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]
        assert OneTimeCode.objects.get().failed_attempts == 0

    def test_code_page_without_a_number_goes_back_to_step_one(self, client):
        assert client.get(VERIFY)["Location"] == SIGN_IN
        response = client.post(VERIFY, {"code": "123456"})
        assert response["Location"] == SIGN_IN

    def test_asking_again_too_soon_shows_a_message_and_sends_nothing(
        self, client, sms, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"mobile": "09121234567"})
        before = row_counts()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RESEND, follow=True)

        assert response.redirect_chain == [(VERIFY, 302)]
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert row_counts() == before
        assert len(sms.sent) == 1

    def test_resend_after_the_wait_sends_a_new_code(
        self, client, sms, clock, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"mobile": "09121234567"})
        clock.advance(seconds=61)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RESEND)
        assert response["Location"] == VERIFY
        assert len(sms.sent) == 2
        response = client.post(VERIFY, {"code": code_in(sms.sent[1].body)})
        assert response["Location"] == FAMILY

    def test_staff_mobile_gets_no_code(self, client, sms):
        StaffFactory.create(mobile="+989121234567")
        before = row_counts()
        response = client.post(SIGN_IN, {"mobile": "09121234567"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert row_counts() == before

    def test_signed_in_guardian_skips_the_sign_in_page(self, guardian_client):
        assert guardian_client.get(SIGN_IN)["Location"] == FAMILY

    def test_sign_out(self, guardian_client):
        response = guardian_client.post("/accounts/sign-out/")
        assert response.status_code == 302
        assert signed_in_user(guardian_client) is None
        assert guardian_client.get("/accounts/sign-out/").status_code == 405


class TestStaffSignIn:
    def test_staff_signs_in_with_username_and_password(self, client):
        staff = StaffFactory.create()
        page = client.get(STAFF_SIGN_IN)
        assert page.status_code == 200
        assert_persian_page(page.content.decode())

        response = client.post(
            STAFF_SIGN_IN, {"username": staff.username, "password": "staff-pass-1403"}
        )

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert signed_in_user(client) == staff

    def test_wrong_password_signs_nobody_in(self, client):
        staff = StaffFactory.create()
        response = client.post(STAFF_SIGN_IN, {"username": staff.username, "password": "nope"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert signed_in_user(client) is None

    @pytest.mark.parametrize("password", ["", "!", "staff-pass-1403"])
    def test_a_guardian_has_no_password_to_sign_in_with(self, client, password):
        guardian = services.guardian_get_or_create(mobile="+989121234567")
        response = client.post(STAFF_SIGN_IN, {"username": guardian.username, "password": password})
        assert response.status_code == 200
        assert signed_in_user(client) is None


class TestFamilyPage:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        learner = LearnerFactory.create()
        for url in (FAMILY, ADD, edit_url(learner)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"] == f"{SIGN_IN}?next={url}"

    def test_anonymous_post_changes_nothing(self, client):
        before = row_counts()
        response = client.post(ADD, learner_post())
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)
        assert row_counts() == before

    def test_shows_masked_national_code_and_jalali_dates(self, client):
        learner = LearnerFactory.create(
            birth_date=dt.date(2016, 7, 2),
            national_code="0499370899",
            province=ProvinceFactory.create(code="tehran", name="تهران"),
        )
        LearnerFactory.create()  # another family's child
        client.force_login(learner.family.guardian)

        response = client.get(FAMILY)

        html = response.content.decode()
        assert response.status_code == 200
        assert list(response.context["learners"]) == [learner]
        assert html.count('data-testid="learner-card"') == 1
        # Minors' personal data: only the last three digits, in Persian digits.
        assert "*******۸۹۹" in html
        assert "0499370899" not in html
        assert "۰۴۹۹۳۷۰۸۹۹" not in html
        assert "۱۲ تیر ۱۳۹۵" in html  # 2016-07-02 in the Jalali calendar
        with translation.override("fa"):
            assert format_jalali_datetime(learner.data_confirmed_at) in html
        card = html[html.index('data-testid="learner-card"') :]
        card_text = re.sub(r"<[^>]*>", " ", card[: card.index("</dl>")])
        assert not re.search(r"[0-9]", card_text), f"Latin digits on the card: {card_text}"

    def test_staff_see_an_empty_family_page(self, client):
        LearnerFactory.create()
        client.force_login(StaffFactory.create())
        response = client.get(FAMILY)
        assert response.status_code == 200
        assert list(response.context["learners"]) == []
        assert ADD not in response.content.decode()


class TestAddChild:
    def test_birth_date_typed_in_jalali_with_persian_digits(self, guardian_client):
        page = guardian_client.get(ADD)
        assert page.status_code == 200
        assert_persian_page(page.content.decode())

        response = guardian_client.post(ADD, learner_post())

        assert response.status_code == 302
        assert response["Location"] == FAMILY
        learner = Learner.objects.get()
        assert learner.birth_date == dt.date(2016, 7, 2)
        assert learner.national_code == national_code_for(1)
        assert learner.school_grade == 3
        assert learner.family.guardian == signed_in_user(guardian_client)
        assert audit_trail(obj=learner).get().action == "learner.created"

    def test_wrong_national_code_is_a_form_error_and_nothing_is_created(self, guardian_client):
        bad = national_code_for(1)[:-1] + str((int(national_code_for(1)[-1]) + 1) % 10)
        before = row_counts()

        response = guardian_client.post(ADD, learner_post(national_code=bad))

        assert response.status_code == 200
        assert response.context["form"].errors["national_code"]
        assert 'class="invalid-feedback d-block"' in response.content.decode()
        assert row_counts() == before

    def test_unconfirmed_data_is_a_form_error(self, guardian_client):
        """R3: without the guardian's confirmation nothing is saved."""
        data = learner_post()
        del data["data_confirmed"]
        before = row_counts()
        response = guardian_client.post(ADD, data)
        assert response.status_code == 200
        assert response.context["form"].errors["data_confirmed"]
        assert row_counts() == before

    @pytest.mark.parametrize("birth_date", ["۱۳۹۵/۱۳/۰۱", "2016-07-02x", "فردا"])
    def test_a_date_that_is_not_jalali_is_a_form_error(self, guardian_client, birth_date):
        before = row_counts()
        response = guardian_client.post(ADD, learner_post(birth_date=birth_date))
        assert response.status_code == 200
        assert response.context["form"].errors["birth_date"]
        assert row_counts() == before

    def test_a_registered_national_code_gets_the_neutral_answer(self, guardian_client):
        """Issue 8, finding 8: no "already registered" (test_links.py has the rest)."""
        LearnerFactory.create(national_code=national_code_for(1))
        before = row_counts()
        response = guardian_client.post(ADD, learner_post(), follow=True)
        assert response.redirect_chain == [(reverse("accounts:family"), 302)]
        with translation.override("fa"):
            neutral = str(services.LINK_NEUTRAL_MESSAGE)
        assert [str(m) for m in response.context["messages"]] == [neutral]
        assert row_counts() == before  # the birth date differs: nothing is asked

    def test_a_birth_date_in_the_future_is_refused_with_a_message(self, guardian_client):
        before = row_counts()
        response = guardian_client.post(ADD, learner_post(birth_date="۱۴۸۰/۰۱/۰۱"))
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert row_counts() == before

    def test_staff_cannot_use_the_add_child_page(self, client):
        client.force_login(StaffFactory.create())
        before = row_counts()

        got = client.get(ADD)
        posted = client.post(ADD, learner_post())

        assert got.status_code == 302
        assert got["Location"] == "/"
        assert posted.status_code == 302
        assert posted["Location"] == "/"
        assert row_counts() == before


class TestEditChild:
    def test_the_form_shows_the_jalali_birth_date_and_saves_changes(self, client):
        learner = LearnerFactory.create(birth_date=dt.date(2016, 7, 2), first_name="نازنین")
        client.force_login(learner.family.guardian)

        page = client.get(edit_url(learner))
        assert page.status_code == 200
        assert 'value="1395/04/12"' in page.content.decode()

        data = learner_post(
            first_name="هستی",
            national_code=learner.national_code,
            province=str(learner.province_id),
            birth_date="1395/4/13",
        )
        response = client.post(edit_url(learner), data)

        assert response.status_code == 302
        assert response["Location"] == FAMILY
        learner.refresh_from_db()
        assert learner.first_name == "هستی"
        assert learner.birth_date == dt.date(2016, 7, 3)
        entry = audit_trail(obj=learner).get(action="learner.updated")
        changes = audit_changes(entry)
        assert changes["first_name"] == ("نازنین", "هستی")
        assert changes["birth_date"] == ("2016-07-02", "2016-07-03")
        assert "national_code" not in changes

    def test_another_familys_child_is_a_404_and_nothing_changes(self, client):
        learner_of_a = LearnerFactory.create(first_name="نازنین")
        client.force_login(GuardianFactory.create())  # guardian B
        before = row_counts()

        got = client.get(edit_url(learner_of_a))
        posted = client.post(
            edit_url(learner_of_a),
            learner_post(national_code=learner_of_a.national_code, first_name="دزد"),
        )

        assert got.status_code == 404
        assert posted.status_code == 404
        assert "نازنین" not in got.content.decode()
        learner_of_a.refresh_from_db()
        assert learner_of_a.first_name == "نازنین"
        assert row_counts() == before

    def test_an_id_that_does_not_exist_is_the_same_404(self, guardian_client):
        assert guardian_client.get("/accounts/family/learners/999999/edit/").status_code == 404

    def test_staff_cannot_use_the_edit_page(self, client):
        learner = LearnerFactory.create()
        client.force_login(StaffFactory.create())
        response = client.get(edit_url(learner))
        assert response.status_code == 302
        assert response["Location"] == "/"
