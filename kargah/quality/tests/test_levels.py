"""The quality supervisor's service-level dashboard (issue 13, item 4): who sees it (the
desk's rules), each level against its target over time (chart data = measurements), a
missed period's breaches down to the session or request behind each and the credits, the
XLSX export's sheets and headers, and the monthly PDF report in Persian, right to left, in
the embedded Vazirmatn."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

from kargah.accounts.models import Role
from kargah.catalog.models import CancelCause, Session, SessionStatus
from kargah.classroom.models import JoinOutcome
from kargah.core.pdf import persian_number
from kargah.core.persian import ZWNJ, format_jalali_date
from kargah.quality.selectors_levels import evidence_rows
from kargah.sla.evaluation import sla_evaluate
from kargah.sla.models import Breach, Compensation, Measurement, Metric
from kargah.sla.periods import at_midnight
from kargah.sla.tests.conftest import MONTH_END, MONTH_START, History, MakeLevel, hold
from kargah.wallet.models import RefundRequest, RefundStatus
from kargah.wallet.tests.test_finance_books import role_client

pytestmark = pytest.mark.django_db

AFTER = at_midnight(MONTH_END) + dt.timedelta(days=2)
LEVEL_NAME = "برگزاری جلسه‌ها در زمان اعلام‌شده"


@pytest.fixture
def missed(history: History, make_level: MakeLevel) -> dict[str, Any]:
    """1403/02: the first of three sessions cancelled by the center, the others held; the
    level (95%, 10% of the fee back) missed, both families credited."""
    first, second, third = history.sessions
    Session.objects.filter(pk=first.pk).update(
        status=SessionStatus.CANCELLED, cancel_cause=CancelCause.CENTER_DECISION
    )
    hold(second)
    hold(third)
    level = make_level(
        Metric.SESSIONS_HELD, name=LEVEL_NAME, target=Decimal(95), compensation="fee_share",
        compensation_percent=Decimal(10),
    )  # fmt: skip
    # Names in Persian letters only (the factories number theirs in Latin digits).
    history.offering.course.title = "نقاشی با آبرنگ"
    history.offering.course.save(update_fields=["title"])
    history.offering.center.name = "مرکز فرهنگی‌هنری شمارهٔ یک"
    history.offering.center.save(update_fields=["name"])
    sla_evaluate(now=AFTER)
    measurement = Measurement.objects.get(level=level, period_start=MONTH_START)
    return {
        "level": level,
        "measurement": measurement,
        "breach": Breach.objects.get(measurement=measurement),
        "cancelled": first,
    }


def _urls(missed: dict[str, Any]) -> list[str]:
    return [
        reverse("quality:levels"),
        reverse("quality:level", args=[missed["level"].pk]),
        reverse("quality:measurement", args=[missed["measurement"].pk]),
        reverse("quality:breach", args=[missed["breach"].pk]),
        reverse("quality:levels_export"),
        reverse("quality:levels_report", args=[1403, 2]),
    ]


@pytest.mark.parametrize(
    "role",
    ["guardian", Role.INSTRUCTOR, Role.CENTER_STAFF, Role.FINANCE, Role.QUALITY,
     Role.ADMINISTRATOR],
)  # fmt: skip
def test_who_sees_the_dashboard(role, missed) -> None:
    client = role_client(role)
    expected = 200 if role in (Role.QUALITY, Role.ADMINISTRATOR) else 404
    for url in _urls(missed):
        assert client.get(url).status_code == expected, (role, url)
    assert Client().get(reverse("quality:levels")).status_code == 302  # signed out: sign in


def test_the_dashboard_reads_only(missed) -> None:
    client = role_client(Role.QUALITY)
    credits = Compensation.objects.count()
    for url in _urls(missed):
        assert client.post(url).status_code == 403, url
    assert Compensation.objects.count() == credits


def test_each_level_against_its_target_over_time(missed, make_level: MakeLevel) -> None:
    """The chart of each level carries its measurements' figures and its target by period,
    the same numbers as its table; the desk's home links to the dashboard."""
    page = role_client(Role.QUALITY).get(reverse("quality:levels"))
    html = page.content.decode()
    assert "k-staff" in html
    level = missed["level"]
    script = re.search(rf'id="level-chart-{level.pk}"[^>]*>(.*?)</script>', html, re.S)
    assert script is not None
    data = json.loads(script.group(1))
    stored = list(Measurement.objects.filter(level=level).order_by("period_start"))
    assert [len(stored), stored[-1].period_start] == [2, MONTH_START]  # 1403/01 and 1403/02
    with translation.override("fa"):
        assert data["labels"] == [format_jalali_date(m.period_start) for m in stored]
    figures = [None if m.figure is None else float(m.figure) for m in stored]
    assert data["datasets"][0]["data"] == figures == [None, 66.67]
    assert data["datasets"][1]["data"] == [95.0, 95.0]
    assert persian_number(Decimal("66.67")) + "٪" in html  # the table and the latest badge
    assert "درصدی از شهریه ۱۰٪" in html and "۱۰٫۰۰" not in html  # the share as read
    assert "vendor/chartjs/chart.umd.min.js" in html  # served locally, no CDN
    home = role_client(Role.QUALITY).get(reverse("quality:home")).content.decode()
    assert reverse("quality:levels") in home
    # Compensation paid: 10% of 5,000,000 Rials to each of two families.
    totals = page.context["totals"]
    assert (totals["total"], totals["count"], totals["families"]) == (1_000_000, 2, 2)


def test_a_breach_drills_down_to_its_session_and_credits(missed, history: History) -> None:
    client = role_client(Role.QUALITY)
    measurement_page = client.get(reverse("quality:measurement", args=[missed["measurement"].pk]))
    breach_url = reverse("quality:breach", args=[missed["breach"].pk])
    assert breach_url in measurement_page.content.decode()
    html = client.get(breach_url).content.decode()
    cancelled = missed["cancelled"]
    with translation.override("fa"):
        from kargah.core.persian import format_jalali_datetime

        assert format_jalali_datetime(cancelled.starts_at) in html
    assert 'data-testid="breach-session"' in html
    assert history.offering.course.title in html
    assert "لغو" in html  # the session's status, in words
    credits = re.findall(r'data-testid="breach-credits">(.*?)</ul>', html, re.S)[0]
    assert credits.count("<li") == 2
    places = re.findall(r'data-testid="breach-places">(.*?)</ul>', html, re.S)[0]
    assert places.count("<li") == len(history.places)


def test_a_refund_breach_drills_down_to_the_request(missed, history: History) -> None:
    """A breach of the refund level stands for a refund request: its page shows it."""
    refund = RefundRequest.objects.create(
        family=history.families[0], amount=2_000_000, sheba="IR062960000000100324200001",
        account_holder="سارا محمدی", requested_at=timezone.now(), status=RefundStatus.APPROVED,
    )  # fmt: skip
    breach = Breach.objects.create(
        measurement=missed["measurement"], case_key=f"refund:{refund.pk}",
        description=f"refund #{refund.pk}",
        evidence={"approved_at": "2024-05-01T10:00:00+03:30", "paid_at": None, "working_days": None,
                  "due": "2024-05-08", "families": [history.families[0].pk], "enrollments": []},
    )  # fmt: skip
    html = role_client(Role.QUALITY).get(reverse("quality:breach", args=[breach.pk])).content
    text = html.decode()
    assert 'data-testid="breach-refund"' in text
    assert persian_number(refund.pk) in text and "۲۰۰٬۰۰۰ تومان" in text
    assert "۱۴۰۳/۰۲/۱۹" in text  # the due day, 2024-05-08, in Jalali


def test_the_xlsx_export(missed, history: History) -> None:
    # A guardian who gave no name is named by the family's number, never the mobile.
    nameless = history.families[1]
    nameless.guardian.first_name = nameless.guardian.last_name = ""
    nameless.guardian.save(update_fields=["first_name", "last_name"])
    answer = role_client(Role.QUALITY).get(reverse("quality:levels_export"))
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["سنجش‌ها", "نقض‌ها", "جبران‌ها"]
    headers = {name: [c.value for c in book[name][1]] for name in book.sheetnames}
    assert headers["سنجش‌ها"] == [
        "سطح خدمت", "نسخهٔ توافق‌نامه", "دوره از", "دوره تا", "رقم", "مقایسه", "هدف",
        "برآورده شد", "موارد شمرده‌شده", "موارد ازدست‌رفته", "زمان محاسبه",
    ]  # fmt: skip
    assert headers["نقض‌ها"] == [
        "سطح خدمت", "دوره از", "مورد", "توضیحات", "دوره", "مرکز", "جلسه", "آغاز جلسه",
        "خانواده‌ها", "ثبت‌نام‌ها",
    ]  # fmt: skip
    assert headers["جبران‌ها"] == [
        "سطح خدمت", "دوره از", "خانواده", "مبلغ (ریال)", "تاریخ واریز", "مرجع دفتر",
    ]  # fmt: skip
    sheet = book["سنجش‌ها"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[2], r[4], r[6]) for r in rows] == [
        ("1403/01/01", None, 95),
        ("1403/02/01", 66.67, 95),
    ]
    assert book["سنجش‌ها"].sheet_view.rightToLeft
    credits = list(book["جبران‌ها"].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in credits] == [500_000, 500_000]
    named = history.families[0].guardian.get_full_name()
    assert [row[2] for row in credits] == [named, f"خانوادهٔ شمارهٔ {persian_number(nameless.pk)}"]
    assert book["نقض‌ها"].max_row == 2


# --- the monthly PDF report -------------------------------------------------------------


@pytest.fixture
def report(missed) -> bytes:
    answer = role_client(Role.QUALITY).get(reverse("quality:levels_report", args=[1403, 2]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert "service-levels-1403-02.pdf" in answer["Content-Disposition"]
    return answer.content


def _lines(data: bytes) -> list[list[LTChar]]:
    lines = []
    for page in extract_pages(io.BytesIO(data)):
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLine):
                        lines.append([c for c in line if isinstance(c, LTChar)])
    return lines


def _rows(data: bytes) -> list[list[LTChar]]:
    """The glyphs of each visual row of a page (a table row's cells are separate text
    boxes): the lines grouped by their baseline."""
    rows: dict[tuple[int, int], list[LTChar]] = {}
    for page_number, page in enumerate(extract_pages(io.BytesIO(data))):
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLine):
                        chars = [c for c in line if isinstance(c, LTChar)]
                        if chars:
                            rows.setdefault((page_number, round(line.y0)), []).extend(chars)
    return list(rows.values())


def _read(chars: list[LTChar], *, right_to_left: bool) -> str:
    return "".join(c.get_text() for c in sorted(chars, key=lambda c: c.x0, reverse=right_to_left))


def _bare(text: str) -> str:
    """Without the zero-width non-joiner: it shapes the letters and leaves no glyph."""
    return text.replace(ZWNJ, "")


def test_the_report_reads_right_to_left(report: bytes) -> None:
    """Read from the right edge leftwards, the glyphs spell the title and the level's name;
    read left to right they do not."""
    lines = _lines(report)
    rtl = [_read(line, right_to_left=True) for line in lines]
    ltr = [_read(line, right_to_left=False) for line in lines]
    title, name = "گزارش سطوح خدمت اردیبهشت", _bare(LEVEL_NAME)
    assert any(title in text for text in rtl), rtl
    assert any(name in text for text in rtl), rtl
    assert not any(title in text or name in text for text in ltr)
    # Numbers in Persian digits keep their digits left to right inside a right-to-left
    # line: reversed when the line is read from the right.
    title_line = next(text for text in rtl if title in text)
    assert [run[::-1] for run in re.findall("[۰-۹]+", title_line)] == ["۱۴۰۳"]
    level_line = next(
        text for text in (_read(row, right_to_left=True) for row in _rows(report)) if name in text
    )
    numbers = [run[::-1] for run in re.findall("[۰-۹٫]+", level_line)]
    assert "۶۶٫۶۷" in numbers and "۹۵" in numbers, level_line
    # No Latin digit anywhere (page numbers, sessions, counts are Persian too).
    assert not any(re.search("[0-9]", text) for text in rtl), rtl


def test_the_report_text_layer_in_persian(report: bytes, history: History) -> None:
    """The text layer carries the Persian words (a reader can search and copy them): the
    level, the month, the agreement, the result, the class behind the breach."""
    reader = pypdf.PdfReader(io.BytesIO(report))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in (LEVEL_NAME, "گزارش سطوح خدمت اردیبهشت", "توافق‌نامه سطح خدمت", "برآورده نشد",
                  history.offering.course.title, "جبران پرداخت‌شده", "تومان"):  # fmt: skip
        assert _bare(words) in text, (words, text)
    assert not re.search("[0-9]", text), text  # every number in Persian digits
    assert not re.search("[A-Za-z]", text), text  # and no English word


def test_the_report_embeds_vazirmatn_only(report: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(report))
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts = [font.get_object() for font in resources["/Font"].values()]
        names = {str(font["/BaseFont"]).split("+")[-1] for font in fonts}
        assert names and all(name.startswith("Vazirmatn") for name in names), names
        for font in fonts:
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_a_month_out_of_range_is_not_found() -> None:
    client = role_client(Role.QUALITY)
    assert client.get("/quality/levels/report/1403-13.pdf").status_code == 404
    for version in ("abc", "²", "1" * 13, "-1", "999999"):
        assert client.get("/quality/levels/", {"version": version}).status_code == 404, version


def test_the_evidence_in_words(missed) -> None:
    """Each recorded fact with its Persian label and value: times in Jalali and Tehran time,
    numbers in Persian digits, yes/no and the classroom's outcome in words."""
    breach = Breach(
        measurement=missed["measurement"],
        case_key="join:7",
        evidence={
            "at": "2024-05-04T16:02:00+03:30",
            "outcome": "unavailable",
            "minutes": 42.5,
            "first_click_recorded": True,
            "families": [1],
        },
    )
    with translation.override("fa"):
        rows = dict(evidence_rows(breach))
        label = str(JoinOutcome.UNAVAILABLE.label)
    assert rows == {
        "زمان کلیک": "۱۴۰۳/۰۲/۱۵ ۱۶:۰۲",
        "نتیجه": label,
        "دقیقه‌های سپری‌شده": "۴۲٫۵",
        "نخستین کلیک ثبت شده است": "بله",
    }
    assert not re.search("[A-Za-z0-9]", "".join(rows.values()))


def test_a_month_with_nothing_measured_says_so(db) -> None:
    answer = role_client(Role.QUALITY).get(reverse("quality:levels_report", args=[1399, 7]))
    assert answer.status_code == 200
    text = pypdf.PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    for words in ("گزارش سطوح خدمت مهر", "در این ماه هیچ نسخه‌ای از توافق‌نامه نافذ نبوده است",
                  "در دوره‌های این ماه نقضی نبوده است"):  # fmt: skip
        assert _bare(words) in text, text
    page = role_client(Role.QUALITY).get(reverse("quality:levels")).content.decode()
    assert "هیچ نسخه‌ای از توافق‌نامه ثبت نشده است" in page
