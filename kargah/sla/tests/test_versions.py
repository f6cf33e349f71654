"""Versions of the agreement: at most a year, added by administrators with an audit row,
the version in force, and the notice on every staff page (none in force, or ending)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock

import jdatetime
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import StaffFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.sla import selectors
from kargah.sla.demo import seed_sla_demo
from kargah.sla.forms import SlaVersionForm
from kargah.sla.models import Measurement, ServiceLevel, SlaVersion
from kargah.sla.services import sla_version_create

pytestmark = pytest.mark.django_db


def jalali(y: int, m: int, d: int) -> dt.date:
    return jdatetime.date(y, m, d).togregorian()


@pytest.fixture
def admin() -> User:
    return User.objects.create(username="admin-sla", role=Role.ADMINISTRATOR, is_staff=True)


def version_fields(**changes: object) -> dict[str, object]:
    return {
        "title": "تمدید ۱۴۰۳", "service": "آموزش غیرمستقیم", "text": "متن توافق‌نامه",
        "signatory": "مدیرکل", "valid_from": jalali(1403, 1, 1),
        "valid_until": jalali(1403, 12, 30), **changes,
    }  # fmt: skip


def test_the_demo_has_the_seed_expired_and_a_renewal_in_force() -> None:
    seed_sla_demo()
    first, renewal = SlaVersion.objects.order_by("valid_from")
    assert (first.valid_from, first.valid_until) == (jalali(1402, 1, 1), jalali(1402, 12, 29))
    assert "۱۴۰۲/۱۲/۲۹" in first.text
    assert selectors.version_in_force() == renewal
    assert selectors.version_in_force(jalali(1402, 6, 1)) == first
    assert renewal.levels.count() == first.levels.count() == 10
    seed_sla_demo()
    assert SlaVersion.objects.count() == 2


def test_an_administrator_adds_a_version_with_its_levels_and_an_audit_row(admin: User) -> None:
    seed_sla_demo()
    version = sla_version_create(actor=admin, **version_fields())  # type: ignore[arg-type]
    assert ServiceLevel.objects.filter(version=version).count() == 10
    entry = AuditLogEntry.objects.get(action="sla.version_created")
    assert entry.object_id == str(version.pk) and entry.actor == admin
    assert (entry.after or {})["levels_copied"] == 10


def test_a_version_runs_at_most_one_year_and_forward(admin: User) -> None:
    with pytest.raises(DomainError) as too_long:
        sla_version_create(actor=admin, **version_fields(valid_until=jalali(1404, 1, 1)))  # type: ignore[arg-type]
    assert "۱۴۰۳/۱۲/۳۰" in str(too_long.value.message)
    with pytest.raises(DomainError):
        sla_version_create(actor=admin, **version_fields(valid_until=jalali(1402, 12, 1)))  # type: ignore[arg-type]
    assert not SlaVersion.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_only_an_administrator_adds_a_version() -> None:
    quality = StaffFactory.create(role=Role.QUALITY, center=None)
    with pytest.raises(NotAllowed):
        sla_version_create(actor=quality, **version_fields())  # type: ignore[arg-type]


def test_the_form_reads_jalali_dates_in_any_digits_and_refuses_a_long_term() -> None:
    data = {**version_fields(), "valid_from": "۱۴۰۳/۰۱/۰۱", "valid_until": "1403/12/30"}
    form = SlaVersionForm(data)
    assert form.is_valid(), form.errors
    assert form.service_kwargs()["valid_until"] == jalali(1403, 12, 30)
    long = SlaVersionForm({**data, "valid_until": "1404/01/01"})
    assert not long.is_valid() and "valid_until" in long.errors


def test_the_notice_says_none_in_force_then_warns_30_days_before_the_end() -> None:
    day = jalali(1403, 6, 1)
    assert selectors.agreement_notice(day) == selectors.AgreementNotice(kind="none")
    SlaVersion.objects.create(**version_fields(title="v1403"))
    assert selectors.agreement_notice(day) is None
    near_end = jalali(1403, 12, 1)  # 29 days before 1403/12/30
    notice = selectors.agreement_notice(near_end)
    assert notice is not None and (notice.kind, notice.days_left) == ("expiring", 29)
    assert selectors.agreement_notice(jalali(1403, 11, 29)) is None  # 31 days before
    # Once the renewal is signed, the warning goes.
    SlaVersion.objects.create(
        **version_fields(
            title="v1404", valid_from=jalali(1404, 1, 1), valid_until=jalali(1404, 12, 29)
        )
    )
    assert selectors.agreement_notice(near_end) is None


def test_every_staff_page_says_when_no_version_is_in_force(
    client: Client, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The notice is on a staff desk and on the agreement's page, never on a family's page,
    and goes as soon as a version in force is added (the cache is cleared)."""
    client.force_login(StaffFactory.create())
    page = client.get(reverse("catalog_staff:dashboard"))
    assert page.status_code == 200
    assert b'data-testid="sla-notice-none"' in page.content
    guardian = User.objects.create(username="g-sla", role=Role.GUARDIAN, mobile="09121110000")
    client.force_login(guardian)
    assert b"sla-notice" not in client.get(reverse("core:home")).content
    client.force_login(admin)
    assert b"sla-notice-none" in client.get(reverse("sla:staff_versions")).content
    with django_capture_on_commit_callbacks(execute=True):
        sla_version_create(actor=admin, **version_fields(  # type: ignore[arg-type]
            valid_from=selectors.today() - dt.timedelta(days=10),
            valid_until=selectors.today() + dt.timedelta(days=200)))  # fmt: skip
    page = client.get(reverse("sla:staff_versions"))
    assert b"sla-notice" not in page.content
    assert b'data-testid="sla-version"' in page.content


def test_the_staff_pages_of_the_agreement(client: Client, admin: User) -> None:
    quality = StaffFactory.create(role=Role.QUALITY, center=None)
    client.force_login(quality)
    assert client.get(reverse("sla:staff_versions")).status_code == 200
    assert client.get(reverse("sla:staff_version_new")).status_code == 404
    client.force_login(StaffFactory.create())
    assert client.get(reverse("sla:staff_versions")).status_code == 404
    client.force_login(admin)
    data = {**version_fields(), "valid_from": "1403/01/01", "valid_until": "1403/12/30"}
    response = client.post(reverse("sla:staff_version_new"), data)
    version = SlaVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sla:staff_version_detail", args=[version.pk])
    detail = client.get(response["Location"])
    assert "۱۴۰۳/۱۲/۳۰" in detail.content.decode()
    refused = client.post(reverse("sla:staff_version_new"), {**data, "valid_until": "1404/02/01"})
    assert refused.status_code == 200 and SlaVersion.objects.count() == 1


def test_opening_the_registration_form_records_the_first_click(client: Client) -> None:
    """The registration-time level counts from the family's first opening of the form: a
    second opening changes nothing."""
    from kargah.catalog.tests.factories import EnrollmentFactory
    from kargah.sla.models import RegistrationStart

    place = EnrollmentFactory.create()
    offering, family = place.offering, place.family
    client.force_login(family.guardian)
    url = reverse("enrollment:register", args=[offering.pk])
    assert client.get(url).status_code == 200
    first = RegistrationStart.objects.get(family=family, offering=offering).first_opened_at
    assert client.get(url).status_code == 200
    assert RegistrationStart.objects.get(family=family, offering=offering).first_opened_at == first


def test_a_level_is_checked_and_its_change_in_the_admin_is_audited(
    client: Client, admin: User
) -> None:
    from django.core.exceptions import ValidationError

    seed_sla_demo()
    refunds = ServiceLevel.objects.filter(metric="refund_working_days").first()
    assert refunds is not None
    refunds.scope = "center"
    with pytest.raises(ValidationError) as refused:
        refunds.full_clean()
    assert {"scope", "scope_center"} <= set(refused.value.message_dict)

    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    level = ServiceLevel.objects.filter(metric="sessions_held").first()
    assert level is not None
    url = reverse("admin:sla_servicelevel_change", args=[level.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["target"] = "90"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    level.refresh_from_db()
    assert level.target == 90
    entry = AuditLogEntry.objects.get(action="sla.level_changed")
    assert (entry.before or {})["target"] == "95.00"
    assert (entry.after or {})["target"] == "90"


def test_a_version_page_writes_targets_and_shares_as_read(client: Client) -> None:
    """۹۵٪ and a fee share of ۱۰٪, never ۹۵٫۰۰; a count's target is ۰; N and M stand apart."""
    seed_sla_demo()
    renewal = SlaVersion.objects.order_by("valid_from").last()
    assert renewal is not None
    client.force_login(StaffFactory.create(role=Role.QUALITY, center=None))
    page = client.get(reverse("sla:staff_version_detail", args=[renewal.pk])).content.decode()
    assert "٫۰۰" not in page
    assert "دست‌کم ۹۵٪" in page and "حداکثر ۰ ·" in page and "درصدی از شهریه ۱۰٪" in page
    assert (
        '<span dir="ltr" class="badge text-bg-light border fw-normal" data-testid="level-m">M = ۱۴</span>'
        in page
    )


def test_the_demo_measures_its_levels_once_by_command() -> None:
    """`make demo` runs `sla_evaluate` after its data: the dashboard and the card have figures
    at once, not after beat's first run at :20; a second run measures nothing again."""
    mid_year = dt.datetime(2026, 9, 6, 12, tzinfo=dt.UTC)  # 1405/06/15
    with mock.patch("django.utils.timezone.now", return_value=mid_year):
        seed_sla_demo()
        first, again = io.StringIO(), io.StringIO()
        call_command("sla_evaluate", stdout=first)
        call_command("sla_evaluate", stdout=again)
    recorded = Measurement.objects.count()
    # Five ended months (1405/01 … 1405/05) of each monthly level, and the ended weeks.
    assert recorded > 5 * 6
    assert first.getvalue().strip() == f"Service levels: {recorded} periods measured."
    assert again.getvalue().strip() == "Service levels: 0 periods measured."
