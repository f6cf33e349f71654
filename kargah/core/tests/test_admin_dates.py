"""The Django admin's date inputs in the Jalali calendar (rule 11, issue 9): typed with any
digits, shown as Jalali, saved as the Gregorian date; a date that does not exist is refused
in Persian and saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import CenterFactory, StaffFactory
from kargah.catalog.models import Term
from kargah.catalog.tests.factories import TermFactory
from kargah.core.forms import JalaliDateField, JalaliDateTimeField
from kargah.core.persian import TEHRAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    client = Client()
    client.force_login(
        User.objects.create_superuser(
            username="root", password="x-pass-1403", role=Role.ADMINISTRATOR
        )
    )
    return client


def form_data(response: Any) -> dict[str, Any]:
    """What the change form would send back unchanged: each field's shown value."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def test_a_jalali_date_typed_in_persian_digits_saves_the_gregorian_date(root):
    center = CenterFactory.create()
    response = root.post(
        reverse("admin:catalog_term_add"),
        {
            "center": center.pk,
            "name": "پاییز",
            "starts_on": "۱۴۰۳/۰۶/۰۱",
            "ends_on": "١٤٠٣/١٢/٣٠",  # Arabic digits; 1403 is a leap year
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    term = Term.objects.get()
    assert (term.starts_on, term.ends_on) == (dt.date(2024, 8, 22), dt.date(2025, 3, 20))


def test_the_change_form_shows_the_jalali_date(root):
    term = TermFactory.create(starts_on=dt.date(2024, 8, 22), ends_on=dt.date(2025, 3, 20))
    response = root.get(reverse("admin:catalog_term_change", args=[term.pk]))
    page = response.content.decode()
    assert 'name="starts_on" value="1403/06/01"' in page
    assert 'name="ends_on" value="1403/12/30"' in page
    assert "2024-08-22" not in page
    # Saved back untouched, it stays the same day.
    response = root.post(reverse("admin:catalog_term_change", args=[term.pk]), form_data(response))
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.starts_on == dt.date(2024, 8, 22)


@pytest.mark.parametrize(
    "typed",
    [
        "۱۴۰۴/۱۲/۳۰",  # 1404 is not a leap year: Esfand has 29 days
        "۱۴۰۳/۱۲/۳۱",  # Esfand never has 31
        "1403/13/01",
        "2024-08-22",  # a Gregorian date in a Jalali box
        "فردا",
    ],
)
def test_a_date_that_does_not_exist_is_refused_in_persian_and_saves_nothing(root, typed):
    term = TermFactory.create(starts_on=dt.date(2024, 8, 22), ends_on=dt.date(2025, 3, 20))
    url = reverse("admin:catalog_term_change", args=[term.pk])
    data = form_data(root.get(url)) | {"ends_on": typed}
    response = root.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["ends_on"]
    assert errors == [
        "لطفاً تاریخ را به صورت سال/ماه/روز و به تقویم شمسی وارد کنید؛ مانند ۱۳۹۵/۰۴/۱۲."
    ]
    term.refresh_from_db()
    assert term.ends_on == dt.date(2025, 3, 20)


def test_a_date_and_time_is_typed_in_jalali_and_tehran_time(root):
    staff = StaffFactory.create()
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    data = form_data(root.get(url)) | {"date_joined": "۱۴۰۳/۰۶/۰۱ ۱۶:۳۰"}
    response = root.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    staff.refresh_from_db()
    assert staff.date_joined == dt.datetime(2024, 8, 22, 16, 30, tzinfo=TEHRAN)
    page = root.get(url).content.decode()
    assert 'name="date_joined" value="1403/06/01 16:30"' in page

    response = root.post(url, data | {"date_joined": "۱۴۰۳/۰۶/۰۱ ۲۵:۰۰"})
    assert response.status_code == 200
    assert "ساعت تهران" in response.context["adminform"].form.errors["date_joined"][0]
    staff.refresh_from_db()
    assert staff.date_joined == dt.datetime(2024, 8, 22, 16, 30, tzinfo=TEHRAN)


def test_every_admin_date_input_is_jalali():
    """Every ModelAdmin and inline of the site, Kargah's and Django's own (users), gives
    each editable date or date-time a Jalali field: a new admin on Django's base fails."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            for field in each.model._meta.fields:
                if not isinstance(field, models.DateField) or not field.editable:
                    continue
                if field.auto_now or field.auto_now_add:
                    continue
                form_field = each.formfield_for_dbfield(field, request)
                expected = (
                    JalaliDateTimeField
                    if isinstance(field, models.DateTimeField)
                    else JalaliDateField
                )
                assert type(form_field) is expected, (model, each, field.name)
                checked += 1
    assert checked > 20
