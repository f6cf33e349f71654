"""The official calendar as data (P4): the shipped holidays are what the Calendar Center's
published lunar month starts give, reproducibly, on the known official dates."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import holidays
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kargah.catalog import official_calendar
from kargah.catalog.official_calendar import (
    MONTH_STARTS_FILE,
    build_from_month_starts,
    covered_years,
    key_for,
    parse_month_starts,
    reference_for_staff,
    shipped_for_year,
    shipped_holidays,
)


def dates_of(key: str, jalali_year: int) -> list[dt.date]:
    return [row.date for row in shipped_for_year(jalali_year) if row.key == key]


def test_the_shipped_file_is_derived_from_the_committed_month_starts():
    """Reproducible: regenerating official_holidays.csv from the month starts changes
    nothing, and `holidays_official_build --check` says so."""
    assert build_from_month_starts() == official_calendar.HOLIDAYS_FILE.read_text("utf-8")
    out = io.StringIO()
    call_command("holidays_official_build", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_the_check_fails_when_the_shipped_file_is_stale(tmp_path: Path, monkeypatch):
    stale = tmp_path / "official_holidays.csv"
    stale.write_text("jalali_date,gregorian_date,name,kind,key,source\n", "utf-8")
    monkeypatch.setattr(official_calendar, "HOLIDAYS_FILE", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("holidays_official_build", "--check", stdout=io.StringIO())

    call_command("holidays_official_build", stdout=io.StringIO())
    assert stale.read_text("utf-8") == build_from_month_starts()
    official_calendar.shipped_holidays.cache_clear()


def test_the_published_years_are_1402_to_1405():
    starts = parse_month_starts(MONTH_STARTS_FILE.read_text("utf-8"))
    assert covered_years(starts) == [1402, 1403, 1404, 1405]
    assert official_calendar.published_years() == {1402, 1403, 1404, 1405}


def test_known_official_dates():
    """The Calendar Center's dates: Tasua and Ashura 1403 on 25 and 26 Tir, Eid al-Fitr 1403
    on 22 Farvardin and 1404 on 11 Farvardin, and two Eids al-Fitr in 1405."""
    assert dates_of("tasua", 1403) == [dt.date(2024, 7, 15)]
    assert dates_of("ashura", 1403) == [dt.date(2024, 7, 16)]
    assert dates_of("eid_al_fitr", 1403) == [dt.date(2024, 4, 10)]
    assert dates_of("eid_al_fitr", 1404) == [dt.date(2025, 3, 31)]
    assert dates_of("eid_al_fitr", 1405) == [dt.date(2026, 3, 21), dt.date(2027, 3, 10)]
    assert dates_of("eid_al_adha", 1405) == [dt.date(2026, 5, 27)]  # 1405/03/06
    assert dates_of("tasua", 1405) == [dt.date(2026, 6, 24)]  # 1405/04/03


def test_the_package_is_a_day_off_on_an_official_holiday_of_1405():
    """Finding 1: the `holidays` package puts the martyrdom of Imam Ali (21 Ramadan 1448) on
    1405/12/10; the official calendar (Ramadan 1448 begins 2027-02-08) on 1405/12/09."""
    package = holidays.country_holidays("IR", years=[2027], language="fa_IR")
    package_days = [
        day for day, name in package.items() if key_for(str(name).split(" (")[0], day)
        == "imam_ali_martyrdom"
    ]  # fmt: skip
    assert package_days == [dt.date(2027, 3, 1)]
    assert dates_of("imam_ali_martyrdom", 1405) == [dt.date(2027, 2, 28)]


def test_the_last_day_of_safar_follows_the_months_published_length():
    """Imam Reza's martyrdom is the last day of Safar: the 30th in 1446 (1403), the 29th in
    1448 (1405), as the next month's published start says."""
    assert dates_of("imam_reza_martyrdom", 1403) == [dt.date(2024, 9, 4)]
    assert dates_of("imam_reza_martyrdom", 1405) == [dt.date(2026, 8, 13)]


def test_solar_holidays_and_30_esfand_only_in_a_leap_year():
    assert [r.jalali.strftime("%m/%d") for r in shipped_for_year(1404) if r.kind == "solar"] == [
        "01/01", "01/02", "01/03", "01/04", "01/12", "01/13", "03/14", "03/15", "11/22", "12/29",
    ]  # fmt: skip
    assert dates_of("last_day_of_year", 1403) == [dt.date(2025, 3, 20)]
    assert dates_of("last_day_of_year", 1404) == []


def test_every_row_names_its_source_and_month_start():
    rows = shipped_holidays()
    assert len({row.jalali_year for row in rows}) == 4
    for row in rows:
        assert row.name and row.kind in ("solar", "lunar")
        if row.kind == "lunar":
            assert "Calendar Center" in row.source and "month start" in row.source
    tasua = next(r for r in shipped_for_year(1405) if r.key == "tasua")
    assert "Calendar-1405" in tasua.source
    assert "1448/1 = 2026-06-16" in tasua.source
    # 1405 has all 17 lunar holidays plus a second Eid al-Fitr and its day after.
    assert len([r for r in shipped_for_year(1405) if r.kind == "lunar"]) == 19


def test_month_starts_out_of_sequence_or_without_a_source_are_refused():
    with pytest.raises(ValueError, match="out of sequence"):
        parse_month_starts("@ a calendar\n1446/1 2024-07-07\n1446/3 2024-09-05\n")
    with pytest.raises(ValueError, match="out of sequence"):
        parse_month_starts("@ a calendar\n1446/1 2024-07-07\n1446/2 2024-08-10\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_month_starts("1446/1 2024-07-07\n")


def test_names_are_known_whatever_the_digits_spacing_or_arabic_letters():
    assert key_for("قیام 15 خرداد", dt.date(2026, 6, 5)) == "khordad_uprising"
    assert key_for("رحلت رسول اکرم؛شهادت امام حسن مجتبی علیه السلام", dt.date(2026, 8, 12)) == (
        "prophet_death"
    )
    assert key_for("عاشوراي حسيني", dt.date(2026, 6, 25)) == "ashura"
    # The three days after Nowruz share one name: the day tells them apart.
    assert key_for("عیدنوروز", dt.date(2026, 3, 23)) == "nowruz_3"
    assert key_for("تعطیلی عمومی", dt.date(2026, 3, 1)) == ""


def test_a_reference_reads_in_persian_for_staff():
    with translation.override("fa"):
        solar = reference_for_staff(official_calendar.SOLAR_SOURCE)
        official = reference_for_staff(
            "Calendar Center, Calendar-1404 (https://calendar.ut.ac.ir/x/Calendar-1404.pdf); "
            "month start 1447/10 = 2026-03-21"
        )
        estimate = reference_for_staff("holidays 0.60 (IR)")
        imported = reference_for_staff("فهرست رسمی (holidays-1406.xlsx)")
    assert solar == (solar[0], "") and not re.search("[A-Za-z]", solar[0])
    assert official[1] == "https://calendar.ut.ac.ir/x/Calendar-1404.pdf"
    assert "۱۴۰۴" in official[0] and not re.search("[A-Za-z]", official[0])
    assert estimate[1] == "" and not re.search("[A-Za-z]", estimate[0])
    assert imported == ("فهرست رسمی (holidays-1406.xlsx)", "")
