"""The reports (issue 11, item 7) on a small hand-built history with known totals: two
centers, a class cancelled below quorum and one by its center, places kept and dropped, and
money over two Jalali months (Aban and Azar 1403); the XLSX export; and who sees what."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kargah.accounts.models import Family, Learner, Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import CategoryKind, Offering, OfferingStatus
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    OfferingFactory,
)
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.reports import selectors
from kargah.sla.models import ServiceEvent, ServiceEventKind
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")
ABAN = dt.datetime(2024, 11, 10, 12, tzinfo=TEHRAN)  # 20 Aban 1403
AZAR = dt.datetime(2024, 12, 4, 12, tzinfo=TEHRAN)  # 14 Azar 1403


@dataclass
class History:
    staff_a: User
    staff_b: User
    a1: Offering

    @property
    def center_a(self) -> str:
        assert self.staff_a.center is not None
        return self.staff_a.center.name

    @property
    def center_b(self) -> str:
        assert self.staff_b.center is not None
        return self.staff_b.center.name


def _place(learner: Learner, offering: Offering, status: str) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner, family=learner.family, offering=offering, status=status,
        conditions=offering.course.conditions.get(), conditions_accepted_at=timezone.now(),
        fee_rials=offering.fee_rials or 0,
    )  # fmt: skip


def _post(reference: str, kind: str, *entries: tuple[object, int]) -> None:
    ledger_post(reference=reference, kind=kind, entries=list(entries))  # type: ignore[arg-type]


def _top_up(family: Family, rials: int, n: int) -> None:
    _post(f"test-top-up:{family.pk}:{n}", TransactionKind.TOP_UP,
          (system_account(AccountKind.GATEWAY_CLEARING), -rials), (family_wallet(family), rials))  # fmt: skip


def _pay(place: Enrollment, rials: int, cause: str = "paid") -> None:
    kind = TransactionKind.ENROLLMENT_PAYMENT if rials > 0 else TransactionKind.DROP_CREDIT
    _post(f"enrollment:{place.pk}:{cause}", kind,
          (family_wallet(place.family), -rials), (system_account(AccountKind.COURSE_REVENUE), rials))  # fmt: skip


@pytest.fixture
def history(monkeypatch: pytest.MonkeyPatch) -> History:
    clock = Clock(ABAN)
    monkeypatch.setattr(timezone, "now", clock)
    art = CategoryFactory.create(kind=CategoryKind.ARTISTIC)
    science = CategoryFactory.create(kind=CategoryKind.SCIENTIFIC)
    young = AgeGroupFactory.create(name="۷ تا ۹ سال")
    staff_a, staff_b = StaffFactory.create(), StaffFactory.create()
    a1 = OfferingFactory.create(
        course=CourseFactory.create(center=staff_a.center, category=art, age_group=young),
        status=OfferingStatus.RUNNING, capacity=10, term__name="پاییز ۱۴۰۳",
    )  # fmt: skip
    b1 = OfferingFactory.create(
        course=CourseFactory.create(center=staff_b.center, category=science),
        status=OfferingStatus.RUNNING, capacity=4, quorum=2, term__name="زمستان ۱۴۰۳",
    )  # fmt: skip
    OfferingFactory.create(  # cancelled at registration close, below quorum
        course=CourseFactory.create(center=staff_a.center), term=a1.term,
        status=OfferingStatus.CANCELLED,
    )  # fmt: skip
    by_center = OfferingFactory.create(
        course=CourseFactory.create(center=staff_a.center), term=a1.term,
        status=OfferingStatus.CANCELLED,
    )  # fmt: skip
    ServiceEvent.objects.create(
        kind=ServiceEventKind.OFFERING_CANCELLED, offering=by_center, at=ABAN
    )
    one, two = GuardianFactory.create().family, GuardianFactory.create().family
    kept = [_place(LearnerFactory.create(family=one), a1, s) for s in (
        EnrollmentStatus.CONFIRMED, EnrollmentStatus.AWAITING_APPROVAL, EnrollmentStatus.COMPLETED)]  # fmt: skip
    _place(LearnerFactory.create(family=one), a1, EnrollmentStatus.AWAITING_PAYMENT)
    dropped = _place(LearnerFactory.create(family=one), a1, EnrollmentStatus.DROPPED)
    b_place = _place(LearnerFactory.create(family=two), b1, EnrollmentStatus.CONFIRMED)
    # Aban: family one tops up 6,000,000 and pays 5,000,000 for a place in A1.
    _top_up(one, 6_000_000, 1)
    _pay(kept[0], 5_000_000)
    # Azar: family two tops up 2,500,000 and pays 2,000,000 in B1; family one pays
    # 1,000,000 for a place it then drops (credited back), and 300,000 goes to its bank.
    clock.current = AZAR
    _top_up(two, 2_500_000, 2)
    _pay(b_place, 2_000_000)
    _pay(dropped, 1_000_000)
    _pay(dropped, -1_000_000, cause="drop")
    _post("refund:1:requested", TransactionKind.REFUND_REQUESTED,
          (family_wallet(one), -300_000), (system_account(AccountKind.REFUNDS_PAYABLE), 300_000))  # fmt: skip
    _post("refund:1:paid", TransactionKind.REFUND_PAID,
          (system_account(AccountKind.REFUNDS_PAYABLE), -300_000), (system_account(AccountKind.BANK_PAYOUTS), 300_000))  # fmt: skip
    return History(staff_a=staff_a, staff_b=staff_b, a1=a1)


def _figures(user: User) -> dict[str, selectors.Figure]:
    return {f.key: f for f in selectors.report_figures(user=user, now=AZAR)}


def test_an_administrator_sees_every_center_and_the_families_money(history: History) -> None:
    figures = _figures(StaffFactory.create(role=Role.ADMINISTRATOR))
    assert dict(figures["by_center"].rows) == {
        history.center_a: [3],
        history.center_b: [1],
    }
    assert dict(figures["by_field"].rows) == {"هنری": [3], "علمی": [1]}
    assert dict(figures["by_age_group"].rows)["۷ تا ۹ سال"] == [3]
    assert dict(figures["by_term"].rows) == {"پاییز ۱۴۰۳": [3], "زمستان ۱۴۰۳": [1]}
    fill = dict(figures["fill_rate"].rows)
    assert fill[f"{history.a1.course.title} (پاییز ۱۴۰۳)"] == [10, 3, 30]
    assert len(fill) == 2  # the cancelled classes are not in the fill rate
    assert dict(figures["quorum"].rows) == {"پاییز ۱۴۰۳": [1]}  # not the center's own cancel
    money = figures["money"]
    assert money.headers == ["درآمد دوره‌ها", "اعتبار کیف پول خانواده‌ها", "استرداد پرداخت‌شده"]
    rows = dict(money.rows)
    assert len(money.rows) == 12 and money.rows[-1][0] == "آذر ۱۴۰۳"
    assert rows["آبان ۱۴۰۳"] == [5_000_000, 1_000_000, 0]
    assert rows["آذر ۱۴۰۳"] == [2_000_000, 1_200_000, 300_000]
    assert rows["مهر ۱۴۰۳"] == [0, 0, 0]


def test_a_centers_staff_see_their_center_and_its_revenue_only(history: History) -> None:
    figures = _figures(history.staff_a)
    assert dict(figures["by_center"].rows) == {history.center_a: [3]}
    assert len(figures["fill_rate"].rows) == 1
    money = figures["money"]
    assert money.headers == ["درآمد دوره‌ها"]  # no family wallets or refunds
    rows = dict(money.rows)
    assert rows["آبان ۱۴۰۳"] == [5_000_000] and rows["آذر ۱۴۰۳"] == [0]
    assert _figures(history.staff_b)["quorum"].rows == []


def test_the_months_are_jalali_months_in_tehran_time(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database groups by the instants the Jalali months begin in Tehran: a top-up half
    an hour before 1 Azar 1403 (midnight in Tehran, 20:30 UTC) is Aban's, one half an hour
    after is Azar's; and center B's staff see B's revenue (Azar) and none of A's."""
    family = GuardianFactory.create().family
    for when, rials, n in [
        (dt.datetime(2024, 11, 20, 23, 30, tzinfo=TEHRAN), 700_000, 3),  # 30 Aban 1403
        (dt.datetime(2024, 11, 21, 0, 30, tzinfo=TEHRAN), 400_000, 4),  # 1 Azar 1403
    ]:
        monkeypatch.setattr(timezone, "now", Clock(when))
        _top_up(family, rials, n)
    rows = dict(_figures(StaffFactory.create(role=Role.ADMINISTRATOR))["money"].rows)
    assert rows["آبان ۱۴۰۳"][1] == 1_000_000 + 700_000
    assert rows["آذر ۱۴۰۳"][1] == 1_200_000 + 700_000 + 400_000
    b_rows = dict(_figures(history.staff_b)["money"].rows)
    assert b_rows["آبان ۱۴۰۳"] == [0] and b_rows["آذر ۱۴۰۳"] == [2_000_000]


def test_the_page_draws_charts_from_local_chartjs_with_tables(history: History) -> None:
    client = Client()
    client.force_login(StaffFactory.create(role=Role.FINANCE))
    page = client.get(reverse("reports:staff_reports"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    assert html.count('data-testid="report-figure"') == 7
    assert 'class="bg-body-tertiary k-staff"' in html
    assert "۵۰۰٬۰۰۰" in html  # Aban's revenue in Toman, Persian digits
    assert 'id="chart-money" type="application/json"' in html


def test_chartjs_is_only_on_the_reports_page(history: History) -> None:
    client = Client()
    client.force_login(history.staff_a)
    html = client.get(reverse("catalog_staff:dashboard")).content.decode()
    assert "chart.umd" not in html


def test_export_has_persian_headers_and_toman(history: History) -> None:
    client = Client()
    client.force_login(StaffFactory.create(role=Role.ADMINISTRATOR))
    answer = client.get(reverse("reports:staff_reports_export", args=["money"]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("ماه", "درآمد دوره‌ها (تومان)", "اعتبار کیف پول خانواده‌ها (تومان)",
                        "استرداد پرداخت‌شده (تومان)")  # fmt: skip
    assert ("آذر ۱۴۰۳", 200_000, 120_000, 30_000) in lines
    centers = client.get(reverse("reports:staff_reports_export", args=["by_center"]))
    book = openpyxl.load_workbook(io.BytesIO(centers.content)).active
    assert book is not None
    assert next(book.iter_rows(values_only=True)) == ("مرکز", "ثبت‌نام‌ها")
    assert client.get(reverse("reports:staff_reports_export", args=["nothing"])).status_code == 404


def test_a_centers_staff_export_holds_their_center_only(history: History) -> None:
    client = Client()
    client.force_login(history.staff_a)
    answer = client.get(reverse("reports:staff_reports_export", args=["by_center"]))
    rows = list(
        openpyxl.load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True)
    )
    assert rows[1:] == [(history.center_a, 3)]


@pytest.mark.parametrize("who", ["guardian", "instructor", "anonymous"])
def test_families_and_instructors_have_no_reports(history: History, who: str) -> None:
    client = Client()
    if who == "guardian":
        client.force_login(GuardianFactory.create())
    elif who == "instructor":
        client.force_login(InstructorFactory.create())
    page = client.get(reverse("reports:staff_reports"))
    export = client.get(reverse("reports:staff_reports_export", args=["money"]))
    expected = 302 if who == "anonymous" else 403
    assert page.status_code == expected and export.status_code == expected
