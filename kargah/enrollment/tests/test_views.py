"""The guardian's pages: register (wallet, sandbox bank, full → waiting list, refusals on the
form), the family schedule with drop and switch only while R4 allows, the wallet page, the
offering page's register button, the navigation, the money filter, and who may see what."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog.tests.factories import CourseConditionsFactory, EnrollmentFactory
from kargah.core.persian import format_jalali_date, format_jalali_datetime, format_weekday
from kargah.enrollment import selectors, services_drop, services_registration, services_waitlist
from kargah.enrollment.models import Enrollment, EnrollmentStatus, WaitingListEntry
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    row_counts,
    top_up,
)
from kargah.payments.models import PaymentAttempt, PaymentStatus
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
LATIN_DIGIT = re.compile("[0-9]")


def fa(message: str) -> str:
    with translation.override("fa"):
        return gettext(message)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def html(response) -> str:
    return response.content.decode()


def visible_text(response) -> str:
    """The page's text without tags, scripts or attribute values."""
    body = html(response).split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def register_url(offering) -> str:
    return reverse("enrollment:register", args=[offering.pk])


def register_data(learner, offering, **more):
    conditions = offering.course.conditions.order_by("-version").first()
    return {
        "learner": learner.pk,
        "accept_terms": "on",
        "conditions_version": conditions.version,
        **more,
    }


@pytest.fixture
def guardian_client(client, guardian):
    client.force_login(guardian)
    return client


def confirmed_place(learner, offering) -> Enrollment:
    top_up(learner.family, int(offering.fee_rials))
    return services_registration.enrollment_create(
        guardian=learner.family.guardian, learner=learner, offering=offering, accept_terms=True
    ).enrollment


# --- who may see what ---------------------------------------------------------------------


def _urls(offering, enrollment, entry) -> list[tuple[str, str]]:
    return [
        ("get", reverse("enrollment:register", args=[offering.pk])),
        ("post", reverse("enrollment:register", args=[offering.pk])),
        ("post", reverse("enrollment:waiting_list_join", args=[offering.pk])),
        ("get", reverse("enrollment:schedule")),
        ("get", reverse("enrollment:wallet")),
        ("get", reverse("enrollment:drop", args=[enrollment.pk])),
        ("post", reverse("enrollment:drop", args=[enrollment.pk])),
        ("get", reverse("enrollment:switch", args=[enrollment.pk])),
        ("post", reverse("enrollment:switch", args=[enrollment.pk])),
        ("post", reverse("enrollment:pay", args=[enrollment.pk])),
        ("post", reverse("enrollment:waiting_list_leave", args=[entry.pk])),
    ]


@pytest.fixture
def family_rows(offering, guardian, learner):
    enrollment = confirmed_place(learner, offering)
    full = make_offering(weekday=1, capacity=1, quorum=1)
    EnrollmentFactory.create(offering=full)
    other_child = make_child(family=learner.family)
    entry = services_waitlist.waiting_list_join(
        guardian=guardian, learner=other_child, offering=full
    )
    return enrollment, entry


def test_anonymous_visitors_are_sent_to_sign_in(client, offering, family_rows):
    enrollment, entry = family_rows
    before = row_counts()
    for method, url in _urls(offering, enrollment, entry):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{SIGN_IN}?next="), url
    assert row_counts() == before


@pytest.mark.parametrize("role", ["center_staff", "finance", "administrator"])
def test_staff_are_refused(client, offering, family_rows, role):
    enrollment, entry = family_rows
    client.force_login(StaffFactory.create(role=role))
    before = row_counts()
    for method, url in _urls(offering, enrollment, entry):
        assert getattr(client, method)(url).status_code == 403, url
    assert row_counts() == before


def test_another_familys_registrations_are_not_found(client, offering, family_rows):
    enrollment, entry = family_rows
    client.force_login(GuardianFactory.create())
    before = row_counts()
    for method, url in _urls(offering, enrollment, entry)[5:]:
        assert getattr(client, method)(url).status_code == 404, url
    assert row_counts() == before
    # Their own pages show nothing of the other family.
    page = client.get(reverse("enrollment:schedule"))
    assert enrollment.offering.course.title not in html(page)


def test_a_draft_or_unknown_offering_is_not_found(guardian_client):
    draft = make_offering(weekday=2)
    draft.status = "draft"
    draft.published_at = None
    draft.save()
    assert guardian_client.get(register_url(draft)).status_code == 404
    assert guardian_client.get("/enroll/999999/").status_code == 404


# --- registering ----------------------------------------------------------------------------


def test_the_register_page_shows_children_fee_conditions_and_the_split(
    guardian_client, offering, learner
):
    other_family_child = make_child()
    top_up(learner.family, 2_000_000)
    CourseConditionsFactory.create(course=offering.course, version=2, text="نسخه دوم شرایط")

    response = guardian_client.get(register_url(offering))

    assert response.status_code == 200
    page = html(response)
    assert learner.full_name in page
    assert f'id="learner-{learner.pk}"' in page
    assert f'id="learner-{other_family_child.pk}"' not in page  # only the family's own children
    # The current conditions (version 2), with a required acceptance checkbox (R2).
    assert "نسخه دوم شرایط" in page
    assert 'name="conditions_version" value="2"' in page
    assert re.search(r'<input[^>]*name="accept_terms"[^>]*required', page)
    assert fa("I have read and accept the conditions") in page
    # 5,000,000 Rials = 500,000 Toman; the wallet's 200,000 Toman first, 300,000 at the bank.
    assert "۵۰۰٬۰۰۰" in page and "۲۰۰٬۰۰۰" in page and "۳۰۰٬۰۰۰" in page
    split = page.split('data-testid="payment-split"', 1)[1].split("</dl>", 1)[0]
    assert not LATIN_DIGIT.search(re.sub(r"<[^>]+>", "", split))


def test_register_paid_from_the_wallet_confirms_and_shows_the_schedule(
    guardian_client, offering, learner, guardian
):
    top_up(guardian.family, FEE + 10_000)

    response = guardian_client.post(register_url(offering), register_data(learner, offering))

    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment:schedule")
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert enrollment.conditions.version == 1 and enrollment.conditions_accepted_at
    assert wallet_balance(family=guardian.family) == 10_000
    assert not PaymentAttempt.objects.exists()
    assert money_is_sound()

    schedule = guardian_client.get(response["Location"])
    text = visible_text(schedule)
    assert offering.course.title in text
    assert any(offering.course.title in m for m in messages_of(response))
    first = offering.sessions.order_by("starts_at").first()
    with translation.override("fa"):
        assert format_jalali_date(first.starts_at, long=True) in text
        assert format_weekday(first.starts_at) in text
    assert "۱۶:۰۰" in text  # Tehran time, Persian digits
    assert 'data-testid="drop-button"' in html(schedule)
    assert 'data-testid="switch-button"' in html(schedule)


def test_register_needing_payment_goes_to_the_sandbox_bank_and_back(
    guardian_client, offering, learner, guardian
):
    top_up(guardian.family, 1_000_000)

    response = guardian_client.post(register_url(offering), register_data(learner, offering))

    attempt = PaymentAttempt.objects.get()
    assert attempt.amount == FEE - 1_000_000
    assert response.status_code == 302
    assert response["Location"] == f"/payments/sandbox/{attempt.authority}/"
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
    bank = guardian_client.get(response["Location"])
    assert 'data-testid="sandbox-banner"' in html(bank)  # the test-mode bank page

    # The schedule meanwhile shows the held seat with a pay button.
    schedule = html(guardian_client.get(reverse("enrollment:schedule")))
    assert 'data-testid="pay-button"' in schedule
    assert 'data-testid="drop-button"' not in schedule

    back = guardian_client.post(response["Location"], {"action": "pay"})
    landing = guardian_client.get(back["Location"])
    assert landing["Location"] == reverse("enrollment:schedule")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
    assert wallet_balance(family=guardian.family) == 0
    assert money_is_sound()


def test_pay_again_for_a_held_seat(guardian_client, offering, learner, guardian):
    guardian_client.post(register_url(offering), register_data(learner, offering))
    enrollment = Enrollment.objects.get()
    top_up(guardian.family, FEE)  # money arrived another way meanwhile

    response = guardian_client.post(reverse("enrollment:pay", args=[enrollment.pk]))

    assert response["Location"] == reverse("enrollment:schedule")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED


@pytest.mark.parametrize(
    "change",
    [
        {"accept_terms": None},  # the conditions not accepted
        {"learner": "other family"},  # another family's child
        {"learner": "999999"},
        {"conditions_version": "x"},
    ],
)
def test_a_bad_form_changes_nothing(guardian_client, offering, learner, change):
    data = register_data(learner, offering)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        elif value == "other family":
            data[key] = make_child().pk
        else:
            data[key] = value
    before = row_counts()

    response = guardian_client.post(register_url(offering), data)

    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in html(response) or "alert-danger" in html(response)
    assert row_counts() == before


def test_conditions_changed_while_reading_must_be_accepted_again(
    guardian_client, offering, learner
):
    data = register_data(learner, offering)  # version 1 was shown
    CourseConditionsFactory.create(course=offering.course, version=2, text="شرایط تازه")
    before = row_counts()

    response = guardian_client.post(register_url(offering), data)

    assert response.status_code == 200
    assert "شرایط تازه" in html(response)
    assert fa(
        "The conditions of this class changed while you were reading them. Read the new "
        "version below and accept it again."
    ) in html(response)
    assert row_counts() == before


def test_a_refusal_of_the_service_is_shown_on_the_form(guardian_client, clock):
    offering = make_offering(weekday=3)
    young = make_child(birth_date=clock().date() - dt.timedelta(days=3 * 365))
    guardian_client.force_login(young.family.guardian)
    before = row_counts()

    response = guardian_client.post(register_url(offering), register_data(young, offering))

    assert response.status_code == 200
    assert "alert-danger" in html(response)
    assert young.first_name in visible_text(response)  # the age message names the child
    assert row_counts() == before


def test_a_full_offering_offers_the_waiting_list(guardian_client, learner, guardian):
    offering = make_offering(weekday=4, capacity=1, quorum=1)
    EnrollmentFactory.create(offering=offering)
    offering.refresh_from_db()

    page = guardian_client.get(register_url(offering))
    assert 'data-testid="waiting-list-offer"' in html(page)

    top_up(guardian.family, FEE)
    refused = guardian_client.post(register_url(offering), register_data(learner, offering))
    assert refused.status_code == 200
    assert fa(
        "This class is full. You can join its waiting list and we will tell you by SMS "
        "when a seat is free."
    ) in html(refused)
    assert 'data-testid="waiting-list-offer"' in html(refused)
    assert not Enrollment.objects.filter(learner=learner).exists()
    assert wallet_balance(family=guardian.family) == FEE

    joined = guardian_client.post(
        reverse("enrollment:waiting_list_join", args=[offering.pk]), {"learner": learner.pk}
    )
    assert joined["Location"] == reverse("enrollment:schedule")
    entry = WaitingListEntry.objects.get(learner=learner)
    schedule = guardian_client.get(joined["Location"])
    assert 'data-testid="waiting-card"' in html(schedule)
    assert "۱" in visible_text(schedule)  # first in line

    # Twice is refused on the page, not a 500.
    again = guardian_client.post(
        reverse("enrollment:waiting_list_join", args=[offering.pk]), {"learner": learner.pk}
    )
    assert again.status_code == 200 and "alert-danger" in html(again)

    left = guardian_client.post(reverse("enrollment:waiting_list_leave", args=[entry.pk]))
    assert left["Location"] == reverse("enrollment:schedule")
    entry.refresh_from_db()
    assert entry.status == "left"


def test_joining_the_waiting_list_of_a_class_with_seats_is_refused(
    guardian_client, offering, learner
):
    response = guardian_client.post(
        reverse("enrollment:waiting_list_join", args=[offering.pk]), {"learner": learner.pk}
    )
    assert response.status_code == 200
    assert fa("This class has free seats; register instead.") in html(response)
    assert not WaitingListEntry.objects.exists()


def close_registration(offering, clock) -> None:
    offering.registration_closes_at = clock() - dt.timedelta(minutes=1)
    offering.save(update_fields=["registration_closes_at"])


def test_a_closed_offering_has_no_form(guardian_client, offering, clock):
    close_registration(offering, clock)
    response = guardian_client.get(register_url(offering))
    assert response.status_code == 200
    assert 'data-testid="registration-closed"' in html(response)
    assert 'data-testid="register-form"' not in html(response)


def test_a_seat_offered_from_the_waiting_list_is_registered_from_the_schedule(
    guardian_client, learner, guardian
):
    sibling = make_child(family=learner.family)
    full = make_offering(weekday=4, capacity=1, quorum=1)
    taken = confirmed_place(make_child(), full)
    services_waitlist.waiting_list_join(guardian=guardian, learner=learner, offering=full)
    services_drop.enrollment_drop(guardian=taken.learner.family.guardian, enrollment=taken)

    schedule = html(guardian_client.get(reverse("enrollment:schedule")))
    link = f"{register_url(full)}?learner={learner.pk}"
    assert f'href="{link}"' in schedule

    page = html(guardian_client.get(link))
    assert re.search(rf'id="learner-{learner.pk}"\s+checked', page)
    assert not re.search(rf'id="learner-{sibling.pk}"\s+checked', page)
    top_up(guardian.family, FEE)
    response = guardian_client.post(register_url(full), register_data(learner, full))
    assert response["Location"] == reverse("enrollment:schedule")
    assert Enrollment.objects.get(learner=learner).status == EnrollmentStatus.CONFIRMED


def test_a_guardian_without_children_is_asked_to_add_one(client, offering):
    client.force_login(GuardianFactory.create())
    response = client.get(register_url(offering))
    assert reverse("accounts:learner_add") in html(response)


# --- drop and switch --------------------------------------------------------------------------


def test_drop_before_the_deadline_credits_the_wallet(guardian_client, offering, learner, guardian):
    enrollment = confirmed_place(learner, offering)
    assert wallet_balance(family=guardian.family) == 0
    url = reverse("enrollment:drop", args=[enrollment.pk])

    confirm = guardian_client.get(url)  # the confirmation step
    assert confirm.status_code == 200
    assert 'data-testid="drop-confirm"' in html(confirm)
    assert "۵۰۰٬۰۰۰" in html(confirm)  # what comes back, in Toman
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED  # a GET changes nothing

    response = guardian_client.post(url)

    assert response["Location"] == reverse("enrollment:wallet")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DROPPED
    assert wallet_balance(family=guardian.family) == FEE
    assert money_is_sound()
    wallet = guardian_client.get(response["Location"])
    assert 'data-testid="wallet-entry"' in html(wallet)
    # What the entry is, in plain words (issue 9): the fee back, whose and for what class.
    assert fa("Fee back: %(name)s left «%(title)s»") % {
        "name": enrollment.learner.first_name,
        "title": enrollment.offering.course.title,
    } in html(wallet)
    # Dropped classes move to the earlier registrations; no buttons for them.
    schedule = html(guardian_client.get(reverse("enrollment:schedule")))
    assert 'data-testid="past-enrollment"' in schedule
    assert 'data-testid="drop-button"' not in schedule


def test_after_the_deadline_the_buttons_are_gone_and_a_drop_is_refused(
    guardian_client, offering, learner, guardian, clock
):
    enrollment = confirmed_place(learner, offering)
    deadline = selectors.drop_deadline(offering)
    assert deadline is not None

    clock.current = deadline - dt.timedelta(seconds=1)
    guardian_client.force_login(guardian)  # the session began "weeks ago"
    schedule = guardian_client.get(reverse("enrollment:schedule"))
    assert 'data-testid="drop-button"' in html(schedule)
    with translation.override("fa"):
        assert format_jalali_datetime(deadline) in html(schedule)  # the deadline, in Jalali

    clock.current = deadline
    schedule = guardian_client.get(reverse("enrollment:schedule"))
    assert 'data-testid="drop-button"' not in html(schedule)
    assert 'data-testid="switch-button"' not in html(schedule)
    confirm = guardian_client.get(reverse("enrollment:drop", args=[enrollment.pk]))
    assert 'data-testid="drop-not-allowed"' in html(confirm)
    assert 'data-testid="drop-confirm"' not in html(confirm)

    before = row_counts()
    refused = guardian_client.post(reverse("enrollment:drop", args=[enrollment.pk]))
    assert refused["Location"] == reverse("enrollment:schedule")
    with translation.override("fa"):
        shown = format_jalali_datetime(deadline)
    assert any(shown in m for m in messages_of(refused)), messages_of(refused)
    assert row_counts() == before
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert (
        guardian_client.get(reverse("enrollment:switch", args=[enrollment.pk])).status_code == 200
    )
    switch = guardian_client.post(reverse("enrollment:switch", args=[enrollment.pk]), {})
    assert switch["Location"] == reverse("enrollment:schedule")
    assert row_counts() == before


def test_giving_up_an_unpaid_seat(guardian_client, offering, learner):
    guardian_client.post(register_url(offering), register_data(learner, offering))
    enrollment = Enrollment.objects.get()
    response = guardian_client.post(reverse("enrollment:drop", args=[enrollment.pk]))
    assert response["Location"] == reverse("enrollment:schedule")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CANCELLED
    offering.refresh_from_db()
    assert offering.seats_taken == 0


def test_switch_to_a_similar_class(guardian_client, offering, learner, guardian):
    enrollment = confirmed_place(learner, offering)
    cheaper = make_offering(weekday=2, fee_rials=FEE - 1_000_000)
    cheaper.course.category = offering.course.category
    cheaper.course.save()
    url = reverse("enrollment:switch", args=[enrollment.pk])

    page = guardian_client.get(url)
    assert page.status_code == 200
    assert cheaper.course.title in html(page)
    assert f'value="{cheaper.pk}"' in html(page)

    not_accepted = guardian_client.post(url, {"offering": cheaper.pk})
    assert not_accepted.status_code == 200
    elsewhere = make_offering(weekday=5)  # not among the similar classes
    foreign = guardian_client.post(url, {"offering": elsewhere.pk, "accept_terms": "on"})
    assert foreign.status_code == 200
    assert Enrollment.objects.count() == 1

    response = guardian_client.post(url, {"offering": cheaper.pk, "accept_terms": "on"})

    assert response["Location"] == reverse("enrollment:schedule")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SWITCHED
    new = enrollment.switched_to
    assert new is not None
    assert new.offering == cheaper and new.status == EnrollmentStatus.CONFIRMED
    assert wallet_balance(family=guardian.family) == 1_000_000
    assert money_is_sound()


# --- the wallet page ----------------------------------------------------------------------------


def test_the_wallet_page_shows_balance_and_history_newest_first(
    guardian_client, offering, learner, guardian
):
    top_up(guardian.family, 7_000_000)
    services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    )

    response = guardian_client.get(reverse("enrollment:wallet"))

    assert response.status_code == 200
    page = html(response)
    balance = page.split('data-testid="wallet-balance">', 1)[1].split("<", 1)[0]
    assert balance.strip() == f"۲۰۰٬۰۰۰ {fa('Toman')}"
    amounts = re.findall(r'data-testid="wallet-entry-amount">([^<]*)<', page)
    assert [a.replace("\u2066", "").replace("\u2069", "") for a in amounts] == [
        f"−۵۰۰٬۰۰۰ {fa('Toman')}",  # newest first: the class paid
        f"+۷۰۰٬۰۰۰ {fa('Toman')}",  # then the top-up
    ]
    descriptions = re.findall(r'data-testid="wallet-entry-description">([^<]*)<', page)
    assert descriptions == [  # what each entry is for the family (issue 9)
        fa("Registration of %(name)s in «%(title)s»")
        % {"name": learner.first_name, "title": offering.course.title},
        fa("Wallet top-up through the bank gateway"),
    ]
    when = re.findall(r'data-testid="wallet-entry-when">([^<]*)<', page)
    assert len(when) == 2 and not any(LATIN_DIGIT.search(w) for w in when + amounts)
    assert reverse("payments:top_up") in page  # the top-up form goes to the gateway
    assert reverse("wallet:refund_create") in page


@override_settings(KARGAH_MONEY_DISPLAY="rial")
def test_the_wallet_page_in_rials(guardian_client, guardian):
    top_up(guardian.family, 7_000_000)
    page = html(guardian_client.get(reverse("enrollment:wallet")))
    assert f"۷٬۰۰۰٬۰۰۰ {fa('Rials')}" in page


def test_the_top_up_form_of_the_wallet_page_reaches_the_sandbox(guardian_client, guardian):
    response = guardian_client.post(
        reverse("payments:top_up"), {"amount": "۵۰۰٬۰۰۰", "next": reverse("enrollment:wallet")}
    )
    attempt = PaymentAttempt.objects.get()
    assert response["Location"] == attempt.redirect_url
    assert attempt.return_url == reverse("enrollment:wallet")


# --- the offering page, the navigation, the money filter ----------------------------------------


def test_the_offering_page_links_to_registering(client, offering):
    page = html(client.get(reverse("catalog:detail", args=[offering.pk])))
    assert 'data-testid="register-link"' in page
    assert register_url(offering) in page


def test_a_full_offering_page_offers_the_waiting_list(client):
    full = make_offering(weekday=4, capacity=1, quorum=1)
    EnrollmentFactory.create(offering=full)
    page = html(client.get(reverse("catalog:detail", args=[full.pk])))
    assert 'data-testid="waiting-list-link"' in page
    assert 'data-testid="register-link"' not in page


def test_a_closed_offering_page_has_no_register_button(client, offering, clock):
    close_registration(offering, clock)
    page = html(client.get(reverse("catalog:detail", args=[offering.pk])))
    assert 'data-testid="register-section"' not in page


def test_the_navigation_has_my_classes_and_wallet_for_guardians(guardian_client, client):
    page = html(guardian_client.get("/"))
    assert f'href="{reverse("enrollment:schedule")}"' in page
    assert f'href="{reverse("enrollment:wallet")}"' in page
    client.logout()
    client.force_login(StaffFactory.create())
    assert f'href="{reverse("enrollment:schedule")}"' not in html(client.get("/"))


@pytest.mark.parametrize(
    ("setting", "amount", "style", "expected"),
    [
        ("toman", 5_000_000, "", "۵۰۰٬۰۰۰ {toman}"),
        # Never a fraction of a Toman, never «٫» (issue 9): an odd Rial is not shown.
        ("toman", 5, "", "۰ {toman}"),
        ("toman", 2_299_995, "", "۲۲۹٬۹۹۹ {toman}"),
        ("toman", 0, "signed", "۰ {toman}"),
        ("toman", 1_250_000, "signed", "\u2066+۱۲۵٬۰۰۰\u2069 {toman}"),
        ("toman", -1_250_000, "signed", "\u2066−۱۲۵٬۰۰۰\u2069 {toman}"),
        ("rial", 5_000_000, "", "۵٬۰۰۰٬۰۰۰ {rials}"),
        ("rial", -10, "", "\u2066−۱۰\u2069 {rials}"),
        ("toman", None, "", ""),
    ],
)
def test_the_money_filter(setting, amount, style, expected):
    template = Template("{{ amount|money:style }}")
    with override_settings(KARGAH_MONEY_DISPLAY=setting), translation.override("fa"):
        shown = template.render(Context({"amount": amount, "style": style}))
        assert shown == expected.format(toman=gettext("Toman"), rials=gettext("Rials"))


def test_the_money_filter_in_english_uses_latin_digits():
    with translation.override("en"):
        assert Template("{{ 12345670|money }}").render(Context()) == "1,234,567 Toman"


def test_pages_answer_a_redirect_target_inside_the_site(guardian_client, offering, learner):
    """The payment's return address is a path on this site (never an open redirect)."""
    guardian_client.post(register_url(offering), register_data(learner, offering))
    attempt = PaymentAttempt.objects.get()
    assert urlsplit(attempt.return_url).netloc == ""
    assert attempt.return_url == reverse("enrollment:schedule")
