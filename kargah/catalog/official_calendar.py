"""The official holiday calendar as data (P4): the holiday rules, their dates derived from the
Calendar Center's lunar month starts, and the shipped file of official holidays."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jdatetime
from django.utils.translation import gettext as _

from kargah.core.persian import to_persian_digits

DATA_DIR = Path(__file__).resolve().parent / "data"
MONTH_STARTS_FILE = DATA_DIR / "calendar_center_month_starts.txt"
HOLIDAYS_FILE = DATA_DIR / "official_holidays.csv"
CSV_COLUMNS = ["jalali_date", "gregorian_date", "name", "kind", "key", "source"]
SOLAR, LUNAR = "solar", "lunar"
LAST_DAY = 0  # a rule's day for "the last day of the month", 29 or 30
# The same lunar holiday comes back after about 354 days, so two rows of one key closer
# than this are the same holiday (an estimate and its official date).
SAME_HOLIDAY_WITHIN = dt.timedelta(days=20)
SOLAR_SOURCE = "fixed Jalali date (law on the official holidays of the country)"


@dataclass(frozen=True)
class HolidayRule:
    key: str
    kind: str
    month: int
    day: int
    name: str


# The official holidays (Persian names as the `holidays` package and the Calendar Center give
# them). The law keeps 29 Esfand to 4 Farvardin off, so 30 Esfand is off in a leap year.
RULES: tuple[HolidayRule, ...] = (
    HolidayRule("nowruz", SOLAR, 1, 1, "جشن نوروز"),
    HolidayRule("nowruz_2", SOLAR, 1, 2, "عیدنوروز"),
    HolidayRule("nowruz_3", SOLAR, 1, 3, "عیدنوروز"),
    HolidayRule("nowruz_4", SOLAR, 1, 4, "عیدنوروز"),
    HolidayRule("islamic_republic_day", SOLAR, 1, 12, "روز جمهوری اسلامی"),
    HolidayRule("nature_day", SOLAR, 1, 13, "روز طبیعت"),
    HolidayRule("khomeini_death", SOLAR, 3, 14, "رحلت حضرت امام خمینی"),
    HolidayRule("khordad_uprising", SOLAR, 3, 15, "قیام ۱۵ خرداد"),
    HolidayRule("revolution_day", SOLAR, 11, 22, "پیروزی انقلاب اسلامی"),
    HolidayRule("oil_nationalization", SOLAR, 12, 29, "روز ملی شدن صنعت نفت ایران"),
    HolidayRule("last_day_of_year", SOLAR, 12, 30, "آخرین روز سال"),
    HolidayRule("tasua", LUNAR, 1, 9, "تاسوعای حسینی"),
    HolidayRule("ashura", LUNAR, 1, 10, "عاشورای حسینی"),
    HolidayRule("arbaeen", LUNAR, 2, 20, "اربعین حسینی"),
    HolidayRule("prophet_death", LUNAR, 2, 28, "رحلت رسول اکرم؛ شهادت امام حسن مجتبی علیه السلام"),
    HolidayRule("imam_reza_martyrdom", LUNAR, 2, LAST_DAY, "شهادت امام رضا علیه السلام"),
    HolidayRule("hasan_askari_martyrdom", LUNAR, 3, 8, "شهادت امام حسن عسکری علیه السلام"),
    HolidayRule("prophet_birthday", LUNAR, 3, 17, "میلاد رسول اکرم و امام جعفر صادق علیه السلام"),
    HolidayRule("fatima_martyrdom", LUNAR, 6, 3, "شهادت حضرت فاطمه زهرا سلام الله علیها"),
    HolidayRule("imam_ali_birthday", LUNAR, 7, 13, "ولادت امام علی علیه السلام و روز پدر"),
    HolidayRule("mabath", LUNAR, 7, 27, "مبعث رسول اکرم (ص)"),
    HolidayRule(
        "mahdi_birthday", LUNAR, 8, 15, "ولادت حضرت قائم عجل الله تعالی فرجه و جشن نیمه شعبان"
    ),
    HolidayRule("imam_ali_martyrdom", LUNAR, 9, 21, "شهادت حضرت علی علیه السلام"),
    HolidayRule("eid_al_fitr", LUNAR, 10, 1, "عید سعید فطر"),
    HolidayRule("eid_al_fitr_2", LUNAR, 10, 2, "تعطیل به مناسبت عید سعید فطر"),
    HolidayRule("sadiq_martyrdom", LUNAR, 10, 25, "شهادت امام جعفر صادق علیه السلام"),
    HolidayRule("eid_al_adha", LUNAR, 12, 10, "عید سعید قربان"),
    HolidayRule("eid_al_ghadir", LUNAR, 12, 18, "عید سعید غدیر خم"),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}
_NAME_NOISE = re.compile(r"[\s؛;،,()]+")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _name_token(name: str) -> str:
    return _NAME_NOISE.sub("", name.translate(_DIGITS)).replace("ي", "ی").replace("ك", "ک")


_RULES_BY_NAME: dict[str, list[HolidayRule]] = {}
for _rule in RULES:
    _RULES_BY_NAME.setdefault(_name_token(_rule.name), []).append(_rule)


def key_for(name: str, day: dt.date) -> str:
    """The rule a holiday's Persian name stands for on that day ("" when it is none of them),
    so that rows from the package, the shipped file and an imported list are known as the
    same holiday (the three days after Nowruz share one name, so the day decides)."""
    rules = _RULES_BY_NAME.get(_name_token(name), [])
    if len(rules) == 1:
        return rules[0].key
    jalali = jdatetime.date.fromgregorian(date=day)
    for rule in rules:
        if (rule.month, rule.day) == (jalali.month, jalali.day):
            return rule.key
    return ""


def is_lunar(key: str) -> bool:
    rule = RULES_BY_KEY.get(key)
    return rule is not None and rule.kind == LUNAR


@dataclass(frozen=True)
class MonthStart:
    hijri_year: int
    month: int
    starts_on: dt.date
    source: str


@dataclass(frozen=True)
class OfficialHoliday:
    date: dt.date
    name: str
    kind: str
    key: str
    source: str

    @property
    def jalali(self) -> jdatetime.date:
        return jdatetime.date.fromgregorian(date=self.date)

    @property
    def jalali_year(self) -> int:
        return int(self.jalali.year)


_MONTH_ROW = re.compile(r"^(\d{4})/(\d{1,2})\s+(\d{4}-\d{2}-\d{2})\s*$")


def parse_month_starts(text: str) -> list[MonthStart]:
    """The rows of the month-starts file, each with the source named above it."""
    source = ""
    starts: list[MonthStart] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@"):
            source = line[1:].strip()
            continue
        match = _MONTH_ROW.match(line)
        if not match or not source:
            raise ValueError(f"line {number}: not a month start under a source: {raw!r}")
        year, month = int(match.group(1)), int(match.group(2))
        starts.append(MonthStart(year, month, dt.date.fromisoformat(match.group(3)), source=source))
    starts.sort(key=lambda s: s.starts_on)
    for before, after in itertools.pairwise(starts):
        expected = (before.hijri_year, before.month + 1) if before.month < 12 else (
            before.hijri_year + 1, 1,
        )  # fmt: skip
        length = (after.starts_on - before.starts_on).days
        if (after.hijri_year, after.month) != expected or length not in (29, 30):
            raise ValueError(f"month starts out of sequence at {after.hijri_year}/{after.month}")
    return starts


def _jalali_year_bounds(jalali_year: int) -> tuple[dt.date, dt.date]:
    first = jdatetime.date(jalali_year, 1, 1).togregorian()
    last = jdatetime.date(jalali_year + 1, 1, 1).togregorian() - dt.timedelta(days=1)
    return first, last


def covered_years(starts: Sequence[MonthStart]) -> list[int]:
    """The Jalali years whose every day lies in a month the data gives the start of (the
    last month surely lasts 29 days)."""
    if not starts:
        return []
    first_known = starts[0].starts_on
    last_known = starts[-1].starts_on + dt.timedelta(days=28)
    year = int(jdatetime.date.fromgregorian(date=first_known).year)
    years: list[int] = []
    while True:
        begins, ends = _jalali_year_bounds(year)
        if ends > last_known:
            return years
        if begins >= first_known:
            years.append(year)
        year += 1


def derive_official_holidays(starts: Sequence[MonthStart]) -> list[OfficialHoliday]:
    """Every official holiday of each covered Jalali year: solar ones on their fixed days,
    lunar ones counted from the published start of their month."""
    years = covered_years(starts)
    rows: list[OfficialHoliday] = []
    for year in years:
        leap = jdatetime.date(year, 1, 1).isleap()
        for rule in RULES:
            if rule.kind != SOLAR or (rule.month == 12 and rule.day == 30 and not leap):
                continue
            day = jdatetime.date(year, rule.month, rule.day).togregorian()
            rows.append(OfficialHoliday(day, rule.name, SOLAR, rule.key, SOLAR_SOURCE))
    next_start = {
        (s.hijri_year, s.month): after.starts_on for s, after in itertools.pairwise(starts)
    }
    first, _ = _jalali_year_bounds(years[0]) if years else (dt.date.max, dt.date.max)
    _, last = _jalali_year_bounds(years[-1]) if years else (dt.date.min, dt.date.min)
    for start in starts:
        following = next_start.get((start.hijri_year, start.month))
        for rule in RULES:
            if rule.kind != LUNAR or rule.month != start.month:
                continue
            if rule.day == LAST_DAY or rule.day == 30:
                if following is None:
                    continue  # the month's length is not published yet
                day = following - dt.timedelta(days=1)
            else:
                day = start.starts_on + dt.timedelta(days=rule.day - 1)
            if first <= day <= last:
                source = (
                    f"{start.source}; month start {start.hijri_year}/{start.month} = "
                    f"{start.starts_on.isoformat()}"
                )
                rows.append(OfficialHoliday(day, rule.name, LUNAR, rule.key, source))
    order = {rule.key: index for index, rule in enumerate(RULES)}
    return sorted(rows, key=lambda row: (row.date, order[row.key]))


def holidays_csv(rows: Iterable[OfficialHoliday]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [row.jalali.strftime("%Y/%m/%d"), row.date.isoformat(), row.name, row.kind, row.key,
             row.source]
        )  # fmt: skip
    return out.getvalue()


def build_from_month_starts(path: Path = MONTH_STARTS_FILE) -> str:
    """The content of official_holidays.csv, derived from the committed month starts."""
    return holidays_csv(derive_official_holidays(parse_month_starts(path.read_text("utf-8"))))


@functools.cache
def shipped_holidays() -> tuple[OfficialHoliday, ...]:
    """The official holidays shipped with the code (official_holidays.csv)."""
    with HOLIDAYS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            OfficialHoliday(
                date=dt.date.fromisoformat(row["gregorian_date"]),
                name=row["name"],
                kind=row["kind"],
                key=row["key"],
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        )


def published_years() -> set[int]:
    """The Jalali years whose official calendar is shipped."""
    return {row.jalali_year for row in shipped_holidays()}


def shipped_for_year(jalali_year: int) -> list[OfficialHoliday]:
    return [row for row in shipped_holidays() if row.jalali_year == jalali_year]


_REFERENCE_URL = re.compile(r"\((https?://[^)\s]+)\)")
_CALENDAR_YEAR = re.compile(r"Calendar-(\d{4})")


def reference_for_staff(reference: str) -> tuple[str, str]:
    """A holiday's stored reference as staff read it: a Persian label and the address of the
    published document (empty when there is none). The stored text stays as recorded."""
    found = _REFERENCE_URL.search(reference)
    url = found.group(1) if found else ""
    if reference == SOLAR_SOURCE:
        return _("A fixed Jalali date, by the law of the country's official holidays"), ""
    if reference.startswith("Calendar Center"):
        year = _CALENDAR_YEAR.search(reference)
        if year:
            return (
                _("The official calendar of %(year)s (Calendar Center, University of Tehran)")
                % {"year": to_persian_digits(year.group(1))},
                url,
            )
        return _("The official calendar (Calendar Center, University of Tehran)"), url
    if reference.startswith("holidays "):
        return _("An estimate of the holidays package, until the official date is published"), ""
    return reference, url
