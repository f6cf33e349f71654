"""Persian text and time helpers: digits in and out, Jalali dates in Tehran time (rule 11)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

TEHRAN = ZoneInfo("Asia/Tehran")

_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LETTERS = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": " ", "\u200f": "", "\u200e": ""}
)

JALALI_MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
JALALI_MONTHS_EN = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip
# jdatetime counts weekdays from Saturday (0) as the Iranian week does.
WEEKDAYS_FA = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
WEEKDAYS_EN = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def to_latin_digits(value: str) -> str:
    """Persian (۱۲۳) and Arabic-Indic (١٢٣) digits become 0-9; everything else is kept."""
    return value.translate(_TO_LATIN)


def to_persian_digits(value: object) -> str:
    return str(value).translate(_TO_PERSIAN)


def normalize_text(value: str) -> str:
    """One spelling for search and comparison: Persian letters, Latin digits, plain spaces."""
    value = to_latin_digits(value).translate(_LETTERS)
    return re.sub(r"\s+", " ", value).strip()


# Short vowels, tanwin, shadda, sukun, superscript alef and the tatweel: not spelled by most.
_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")
_SEPARATORS = re.compile(r"[\s\u200c\u200d\u200e\u200f\u00ad]+")
# Search only (names keep their spelling): alef with madda or hamza is written and typed
# without them as often as with, and so are hamza seats on waw and yeh, and teh marbuta.
_SEARCH_LETTERS = str.maketrans(
    {"آ": "ا", "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ی", "ۀ": "ه", "ة": "ه", "ء": ""}
)


def search_key(value: str) -> str:
    """The form titles are stored and queries matched in: Persian ی/ک for Arabic ي/ك,
    Latin digits, bare alef for آ/أ/إ, و for ؤ, ی for ئ, ه for ة, no diacritics (harakat,
    tanwin, shadda, sukun), lower case, and no spaces or zero-width non-joiners, so
    «کتاب‌خوانی», «كتاب خواني» and «کتابخوانی» are one word and «قران» finds «قرآن».
    Applied on write and on query."""
    # NFC first, so a madda or hamza typed as a separate mark joins its letter and goes
    # with it; a mark left on its own is dropped with the other diacritics.
    value = unicodedata.normalize("NFC", to_latin_digits(value)).translate(_LETTERS)
    value = _MARKS.sub("", value.translate(_SEARCH_LETTERS)).casefold()
    return _SEPARATORS.sub("", value)


def search_terms(query: str) -> list[str]:
    """A query's words, each in search_key form (empty words dropped)."""
    return [key for key in (search_key(word) for word in to_latin_digits(query).split()) if key]


def localize_digits(value: object) -> str:
    """Persian digits when the active language is Persian, Latin digits otherwise."""
    text = str(value)
    return to_persian_digits(text) if _persian_active() else text


def _persian_active() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


def to_tehran(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError("Kargah stores aware datetimes only")
    return value.astimezone(TEHRAN)


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date:
    if isinstance(value, dt.datetime):
        value = to_tehran(value).date()
    return jdatetime.date.fromgregorian(date=value)


def format_jalali_date(value: dt.date | dt.datetime, *, long: bool = False) -> str:
    """1403/01/05, or in long form «۵ فروردین ۱۴۰۳», with digits for the active language."""
    j = to_jalali(value)
    if long:
        months = JALALI_MONTHS_FA if _persian_active() else JALALI_MONTHS_EN
        text = f"{j.day} {months[j.month - 1]} {j.year}"
    else:
        text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return localize_digits(text)


def format_weekday(value: dt.date | dt.datetime) -> str:
    j = to_jalali(value)
    names = WEEKDAYS_FA if _persian_active() else WEEKDAYS_EN
    return names[j.weekday()]


def format_tehran_time(value: dt.datetime) -> str:
    return localize_digits(to_tehran(value).strftime("%H:%M"))


def format_jalali_datetime(value: dt.datetime) -> str:
    return f"{format_jalali_date(value)} {format_tehran_time(value)}"


JALALI_YEARS = (1300, 1499)
_JALALI_DATE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


def parse_jalali_date(value: str) -> dt.date:
    """Reads 1395/4/12 (any digits, / - or . between the parts) into a Gregorian date.

    Raises ValueError for text that is not a real Jalali date.
    """
    match = _JALALI_DATE.match(to_latin_digits(value))
    if not match:
        raise ValueError("not a Jalali date")
    year, month, day = (int(part) for part in match.groups())
    if not JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
        # 2016/07/02 is a Gregorian date typed into a Jalali field, not the year 2016 AP.
        raise ValueError("year outside the Jalali range")
    return jdatetime.date(year, month, day).togregorian()


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def parse_jalali_datetime(value: str) -> dt.datetime:
    """ "1403/06/01 08:00" (seconds optional, any digits) → an aware datetime in Tehran time.

    Raises ValueError for text that is not a real Jalali date and a time of day.
    """
    parts = to_latin_digits(value).split()
    match = _CLOCK.match(parts[1]) if len(parts) == 2 else None
    if not match:
        raise ValueError("expected a Jalali date and a time")
    hour, minute, second = (int(part or 0) for part in match.groups())
    return dt.datetime.combine(
        parse_jalali_date(parts[0]), dt.time(hour, minute, second), tzinfo=TEHRAN
    )


def jalali_input_text(value: dt.date | dt.datetime) -> str:
    """What a date input shows: «1403/06/01», or for a datetime «1403/06/01 08:00» in Tehran
    time (with seconds when it has some), in Latin digits as a phone's number pad types."""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    if isinstance(value, dt.datetime):
        clock = to_tehran(value)
        text += clock.strftime(" %H:%M:%S" if clock.second else " %H:%M")
    return text


def format_rial(amount: int) -> str:
    """An integer amount with thousands separators and digits for the active language: in
    Persian the Arabic thousands separator «٬» (U+066C), never «٫» (U+066B, the decimal
    separator, which reads like a slash)."""
    return localize_digits(f"{amount:,}").replace(",", "٬" if _persian_active() else ",")


# --- money: stored as whole Rials (DOMAIN, Wallet), shown and typed in one unit (issue 9) ---

RIALS_PER_TOMAN = 10

# Left-to-right isolate around a signed amount, so that its sign stays by its digits in a
# right-to-left line (a bare "+" or "−" before Persian digits would drift to their other side).
_LRI, _PDI = "\u2066", "\u2069"


def money_in_toman() -> bool:
    """True unless KARGAH_MONEY_DISPLAY is "rial": the one unit of every page, input, SMS,
    export and API display field (read when used, so a test can override it)."""
    return getattr(settings, "KARGAH_MONEY_DISPLAY", "toman") != "rial"


def rials_per_unit() -> int:
    """How many Rials one unit of what a person sees and types is: 10 (Toman) or 1."""
    return RIALS_PER_TOMAN if money_in_toman() else 1


def money_unit() -> str:
    """The unit's word in the active language: «تومان» or «ریال»."""
    return str(_("Toman") if money_in_toman() else _("Rials"))


def money_number(rials: int) -> str:
    """The amount in the display unit, grouped, without the unit and without a sign. Fees and
    refunds are whole Tomans, so a stored amount is a whole number of units; an odd Rial left
    by an older record is dropped (never shown as «۲۲۹٬۹۹۹٫۵»: no fractions)."""
    return format_rial(abs(int(rials)) // rials_per_unit())


def format_money(rials: int, *, signed: bool = False) -> str:
    """An amount of whole Rials as the site shows money everywhere: «۵۰۰٬۰۰۰ تومان» (or in
    Rials by the setting); `signed` puts + or − before a non-zero amount."""
    rials = int(rials)
    number = money_number(rials)
    if signed and rials:
        number = f"{_LRI}{'+' if rials > 0 else '−'}{number}{_PDI}"
    elif rials < 0:
        number = f"{_LRI}−{number}{_PDI}"
    return f"{number} {money_unit()}"


# Thousands separators people type in amounts: Latin and Arabic commas, the Arabic thousands
# separator «٬», apostrophes, spaces and ZWNJ. Never a decimal point (. or «٫»).
MONEY_SEPARATORS = re.compile(r"[,\u060c\u066c'’\s\u00a0\u2009\u202f\u200c_]")


def parse_money(value: str) -> int:
    """What a person typed as an amount in the display unit («۵۰۰٬۰۰۰», "500,000") → whole
    Rials (5,000,000 when the unit is Toman). Raises ValueError for anything but a whole
    number: a decimal point (. or «٫») is refused, never guessed."""
    digits = MONEY_SEPARATORS.sub("", to_latin_digits(value or ""))
    if not digits or not (digits.isascii() and digits.isdigit()) or len(digits) > 15:
        raise ValueError("not a whole amount")
    return int(digits) * rials_per_unit()


# --- names and titles people type ----------------------------------------------------------

# Bidi controls reorder what is shown around them (U+202E makes «آرش» show reversed, and can
# hide text in lists and SMS): embeddings, overrides, isolates and the direction marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# Direction marks at the ends of a pasted name are leftovers of the text it came from;
# inside a name they are refused like the other controls.
_EDGE_MARKS = "\u200e\u200f\u061c"
# Invisible characters with no meaning in a name, dropped: zero-width space and joiner, word
# joiner, byte order mark, soft hyphen, Mongolian vowel separator, and the tatweel that only
# stretches a letter («محمـــد» is «محمد»).
_FILLERS = re.compile("[\u200b\u200d\u2060\ufeff\u00ad\u180e\u0640]")
ZWNJ = "\u200c"
# Arabic presentation forms (from PDFs and old fonts) are letters in one of their shapes;
# compatibility decomposition gives the letter back. Nothing else is decomposed so.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")
# Typographic apostrophes and dashes, written the one way a name keeps them.
_SIGN_VARIANTS = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "′": "'", "‐": "-", "‑": "-", "–": "-"}
)
# Arabic ي/ى and ك are typed by Arabic keyboards for Persian ی and ک; one spelling is stored.
# (persiantools' ar_to_fa also drops some kasras, which in a name the family typed on purpose.)
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
NAME_SIGNS = frozenset(" -'." + ZWNJ)
MAX_MARKS_PER_LETTER = 2


class NameTextError(ValueError):
    """Why a name or title was refused: `reason` is one of invisible, bidi, characters,
    marks, letters (kargah.core.forms.validate_name gives each its Persian message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def tidy_name(value: str) -> str:
    """The one spelling of a typed name or title: presentation forms and Arabic ي/ك as
    Persian letters, Unicode NFC, invisible fillers dropped, spaces collapsed and trimmed,
    zero-width non-joiners never doubled, at an end or beside a space, and direction marks
    gone from the ends. Refusing is clean_name's work; this only tidies."""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    text = unicodedata.normalize("NFC", text.translate(_ARABIC_LETTERS).translate(_SIGN_VARIANTS))
    text = _FILLERS.sub("", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(ZWNJ + "{2,}", ZWNJ, text)
    text = re.sub(f" ?{ZWNJ} ?", lambda m: " " if " " in m.group() else ZWNJ, text)
    return text.strip(" " + ZWNJ + _EDGE_MARKS)


def _is_letter(char: str, *, any_script: bool) -> bool:
    if not unicodedata.category(char).startswith("L"):
        return False
    return any_script or unicodedata.name(char, "").startswith(("ARABIC ", "LATIN "))


def clean_name(value: str, *, title: bool = False) -> str:
    """A person's name (or, with `title`, the title of a course or a holiday) tidied by
    tidy_name and checked; raises NameTextError with the reason when it is refused.

    A name holds letters of the Persian/Arabic and Latin scripts with their marks (at most
    MAX_MARKS_PER_LETTER on one letter), spaces, zero-width non-joiners and - ' . and at
    least one letter. A title may also hold digits, punctuation and symbols of any script,
    and needs one letter or digit. Neither may hold bidi controls, other control or format
    characters, or anything invisible alone."""
    text = tidy_name(value)
    if not text:
        raise NameTextError("invisible")
    if any(char in BIDI_CONTROLS for char in text):
        raise NameTextError("bidi")
    marks = 0
    has_base = False
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("M"):
            marks += 1
            if not has_base or category == "Me":
                raise NameTextError("characters")
            if marks > MAX_MARKS_PER_LETTER:
                raise NameTextError("marks")
            continue
        marks = 0
        if _is_letter(char, any_script=title) or (title and category.startswith("N")):
            has_base = True
        elif char in NAME_SIGNS or (title and category[0] in "PSZ"):
            # A mark after a space or a sign has no letter to sit on.
            has_base = False
        else:
            raise NameTextError("characters")
    if not any(
        _is_letter(char, any_script=title) or (title and unicodedata.category(char) == "Nd")
        for char in text
    ):
        raise NameTextError("invisible" if all(c in NAME_SIGNS for c in text) else "letters")
    return text


def mobile_for_display(e164: str) -> str:
    """+989121234567 → 09121234567, the way Iranians write it."""
    if e164.startswith("+98"):
        return "0" + e164[3:]
    return e164


def mask_mobile(e164: str) -> str:
    """A guardian's number as lists show it: enough to recognise, not to call
    (+989121234567 → 0912***4567)."""
    mobile = mobile_for_display(e164 or "")
    return f"{mobile[:4]}***{mobile[-4:]}" if len(mobile) >= 8 else "***"
