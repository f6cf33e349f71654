"""Persian PDF documents: HTML to PDF with WeasyPrint in the site's own Vazirmatn, and Jalali dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jdatetime
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from kargah.core.persian import JALALI_MONTHS_FA, to_jalali, to_persian_digits

# The weights the documents use, from the site's own subset fonts (static/fonts, `make fonts`):
# no font is fetched from anywhere else, and the PDF embeds these.
FONT_WEIGHTS = (400, 700)
FONT_FAMILY = "Vazirmatn"


class PdfResourceRefused(ValueError):
    """A document asked for a resource other than the site's fonts or inline data."""


class PdfRenderError(RuntimeError):
    """A document could not be drawn: a resource refused or a font unreadable."""


@lru_cache(maxsize=1)
def _font_files() -> dict[int, Path]:
    files: dict[int, Path] = {}
    for weight in FONT_WEIGHTS:
        found = finders.find(f"fonts/vazirmatn-{weight}.woff2")
        if not found:
            raise FileNotFoundError(f"static/fonts/vazirmatn-{weight}.woff2 is missing")
        files[weight] = Path(str(found)).resolve()
    return files


def font_face_css() -> str:
    """The @font-face rules of Vazirmatn, pointing at the font files on this machine, and
    the page's base: right to left, in Vazirmatn."""
    faces = "\n".join(
        f'@font-face {{ font-family: {FONT_FAMILY}; src: url("{path.as_uri()}"); '
        f"font-weight: {weight}; font-style: normal; }}"
        for weight, path in _font_files().items()
    )
    return f"{faces}\nhtml {{ font-family: {FONT_FAMILY}; direction: rtl; }}"


def _fonts_only_fetcher() -> Any:
    """WeasyPrint's fetcher, limited to the font files and data: URIs: a document never
    reaches the network or reads another file, whatever text it carries; a refusal, or a
    font that cannot be read, stops the rendering rather than falling back to another font."""
    from weasyprint.urls import URLFetcher

    allowed = {path.as_uri() for path in _font_files().values()}

    class FontsOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in allowed or url.startswith("data:"):
                return super().fetch(url, headers)
            raise PdfResourceRefused(url)

    return FontsOnly(fail_on_errors=True)


def html_to_pdf(html: str) -> bytes:
    """A PDF of the HTML, with Vazirmatn embedded; right to left unless the HTML says
    otherwise."""
    # Imported here: WeasyPrint loads Pango when imported (docs/operations.md).
    import weasyprint.images  # noqa: F401 (see below)
    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    # WeasyPrint's images module, once imported, makes Pillow accept truncated pictures in
    # the whole process; the documents' check (kargah.documents.checks) must go on refusing
    # them in a worker that has made a PDF, and our PDFs embed no pictures of their own.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fetcher = _fonts_only_fetcher()
    # @font-face in a stylesheet of ours is honoured only through a font configuration
    # shared by the stylesheet and the rendering; without it Pango falls back to a system font.
    fonts = FontConfiguration()
    document = HTML(string=html, url_fetcher=fetcher)
    stylesheet = CSS(string=font_face_css(), url_fetcher=fetcher, font_config=fonts)
    try:
        pdf = document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    except FatalURLFetchingError as exc:
        # A BaseException in WeasyPrint: turned into an ordinary error, so that a request's
        # and a job's error handling see it.
        raise PdfRenderError(str(exc)) from exc
    assert pdf is not None
    return bytes(pdf)


def render_pdf(template_name: str, context: dict[str, Any], *, language: str = "fa") -> bytes:
    """A Django template rendered in `language` (Persian by default: digits, dates and
    translated strings) and turned into a PDF."""
    with translation.override(language):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)


# --- Jalali dates and numbers, always in Persian (a document is Persian whatever the page) ---


def persian_number(value: int | Decimal | float) -> str:
    """۱۲ or ۷٫۵: Persian digits and the Persian decimal separator, no trailing zeros."""
    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return to_persian_digits(text.replace(".", "٫"))


def jalali_long(value: dt.date | dt.datetime) -> str:
    """۱۱ آذر ۱۴۰۵ (a datetime is taken in Tehran time)."""
    day = to_jalali(value)
    return to_persian_digits(f"{day.day} {JALALI_MONTHS_FA[day.month - 1]} {day.year}")


def jalali_month_name(year: int, month: int) -> str:
    """آذر ۱۴۰۵."""
    return f"{JALALI_MONTHS_FA[month - 1]} {to_persian_digits(year)}"


def jalali_month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last Gregorian day of a Jalali month (a monthly report's period)."""
    first = jdatetime.date(year, month, 1)
    following = (
        jdatetime.date(year + 1, 1, 1) if month == 12 else jdatetime.date(year, month + 1, 1)
    )
    return first.togregorian(), following.togregorian() - dt.timedelta(days=1)
