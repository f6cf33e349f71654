"""The certificate's PDF: Persian text right to left in the embedded Vazirmatn, the Jalali
date in Persian digits, the code and the QR code's link to the verify page; and the shared
PDF module's Jalali helpers."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

from kargah.certificates import services
from kargah.certificates.models import Certificate
from kargah.certificates.pdf import certificate_pdf, qr_svg, verify_url
from kargah.certificates.tests.conftest import CHILD, COURSE, World
from kargah.core import pdf as core_pdf
from kargah.core.persian import TEHRAN

pytestmark = pytest.mark.django_db
SITE = "https://kargah.example.ir"


@pytest.fixture
def certificate(world: World) -> Certificate:
    issued = services.certificate_issue(
        enrollment=world.place, now=dt.datetime(2024, 12, 1, 10, tzinfo=TEHRAN)
    )
    assert issued is not None
    return issued


@pytest.fixture
def document(certificate: Certificate) -> bytes:
    return certificate_pdf(certificate, site_url=SITE)


def _lines(data: bytes) -> list[list[LTChar]]:
    """Each text line's glyphs as drawn, with their positions on the page."""
    lines = []
    for page in extract_pages(io.BytesIO(data)):
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLine):
                        lines.append([c for c in line if isinstance(c, LTChar)])
    return lines


def _read(chars: list[LTChar], *, right_to_left: bool) -> str:
    ordered = sorted(chars, key=lambda c: c.x0, reverse=right_to_left)
    return "".join(c.get_text() for c in ordered)


def test_the_name_and_the_course_read_right_to_left(document: bytes) -> None:
    name = f"{CHILD[0]} {CHILD[1]}"
    lines = _lines(document)
    rtl = [_read(line, right_to_left=True) for line in lines]
    ltr = [_read(line, right_to_left=False) for line in lines]
    # Read from the right edge leftwards the glyphs spell the name and the course; read
    # left to right they do not: the text is laid out right to left, in logical order.
    assert any(text.strip() == name for text in rtl), rtl
    assert any(COURSE in text for text in rtl), rtl
    assert not any(name in text or COURSE in text for text in ltr)


def test_the_text_layer_carries_the_persian_words(document: bytes) -> None:
    text = pypdf.PdfReader(io.BytesIO(document)).pages[0].extract_text()
    for words in (f"{CHILD[0]} {CHILD[1]}", COURSE, "گواهی پایان دوره", "تاریخ صدور"):
        assert words in text, text


def test_the_jalali_date_in_persian_digits_numbers_left_to_right_in_the_line(
    document: bytes,
) -> None:
    # Issued 1 December 2024 = 11 Azar 1403. In a right-to-left line a number keeps its
    # digits left to right: read from the right, each run of digits comes out reversed.
    line = next(
        _read(chars, right_to_left=True)
        for chars in _lines(document)
        if "تاریخ صدور" in _read(chars, right_to_left=True)
    )
    assert "آذر" in line
    assert [run[::-1] for run in re.findall("[۰-۹]+", line)] == ["۱۱", "۱۴۰۳"], line


def test_vazirmatn_is_embedded_and_no_other_font(document: bytes) -> None:
    page = pypdf.PdfReader(io.BytesIO(document)).pages[0]
    resources: Any = page["/Resources"]
    fonts = [font.get_object() for font in resources["/Font"].values()]
    names = {str(font["/BaseFont"]).split("+")[-1] for font in fonts}
    assert names and all(name.startswith("Vazirmatn") for name in names), names
    for font in fonts:  # embedded: the font program is in the file
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_the_code_date_hours_and_the_qr_link_to_the_verify_page(
    document: bytes, certificate: Certificate
) -> None:
    reader = pypdf.PdfReader(io.BytesIO(document))
    text = reader.pages[0].extract_text()
    assert certificate.display_code in text
    url = verify_url(certificate, site_url=SITE)
    assert url == f"{SITE}/certificates/verify/?code={certificate.display_code}"
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])]
    assert url in links
    # The QR code is drawn from the same address (segno's SVG, as vector paths).
    svg = qr_svg(url)
    assert svg.startswith("<svg") and "<path" in svg


def test_a_document_may_not_fetch_anything_but_the_fonts() -> None:
    with pytest.raises(core_pdf.PdfRenderError, match="secret"):
        core_pdf.html_to_pdf('<p>x</p><img src="file:///etc/secret.png">')


@pytest.mark.parametrize(
    ("value", "text"),
    [(12, "۱۲"), (Decimal("7.5"), "۷٫۵"), (Decimal("6.0"), "۶"), (Decimal("10.0"), "۱۰")],
)
def test_persian_numbers(value: int | Decimal, text: str) -> None:
    assert core_pdf.persian_number(value) == text


def test_jalali_helpers() -> None:
    # 1403/12/30 is Esfand's last day in a leap year; a datetime is read in Tehran time.
    assert core_pdf.jalali_long(dt.date(2024, 12, 1)) == "۱۱ آذر ۱۴۰۳"
    late = dt.datetime(2024, 11, 30, 21, 0, tzinfo=dt.UTC)  # 00:30 on 1 December in Tehran
    assert core_pdf.jalali_long(late) == "۱۱ آذر ۱۴۰۳"
    assert core_pdf.jalali_month_name(1403, 9) == "آذر ۱۴۰۳"
    assert core_pdf.jalali_month_bounds(1403, 9) == (dt.date(2024, 11, 21), dt.date(2024, 12, 20))
    assert core_pdf.jalali_month_bounds(1403, 12) == (dt.date(2025, 2, 19), dt.date(2025, 3, 20))
