"""Files are judged by their content, never by their name (R1): PDFs that pypdf opens with
at most 10 pages, JPEG/PNG pictures that Pillow decodes, within size and pixel limits."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from kargah.documents.checks import (
    JPEG,
    MAX_BYTES,
    PDF,
    PNG,
    BadDocument,
    check_content,
)
from kargah.documents.tests.conftest import image_bytes, pdf_bytes


def test_a_real_pdf_is_accepted_with_its_page_count():
    checked = check_content(pdf_bytes(pages=3))
    assert (checked.content_type, checked.pages) == (PDF, 3)


def test_ten_pages_are_the_most():
    assert check_content(pdf_bytes(pages=10)).pages == 10
    with pytest.raises(BadDocument, match=r"۱۱|11"):
        check_content(pdf_bytes(pages=11))


def test_png_and_jpeg_pictures_are_accepted_with_their_size():
    png = check_content(image_bytes((300, 400), "PNG"))
    assert (png.content_type, png.width, png.height) == (PNG, 300, 400)
    jpeg = check_content(image_bytes((200, 4000), "JPEG"))
    assert (jpeg.content_type, jpeg.width, jpeg.height) == (JPEG, 200, 4000)


@pytest.mark.parametrize("size", [(4001, 300), (300, 4001), (199, 300), (100, 100)])
def test_pictures_outside_the_pixel_limits_are_refused(size):
    with pytest.raises(BadDocument):
        check_content(image_bytes(size))


def test_html_is_refused_whatever_its_name():
    with pytest.raises(BadDocument) as caught:
        check_content(b"<!doctype html><script>alert(1)</script>")
    assert caught.value.code == "bad_document"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\nnot really a pdf at all",
        image_bytes()[:200],  # a truncated PNG
        b"\xff\xd8\xff\xe0" + b"\x00" * 300,  # a JPEG header and nothing else
        b"GIF89a" + b"\x00" * 100,
        b"PK\x03\x04" + b"\x00" * 100,  # a zip (or a .docx)
    ],
)
def test_broken_or_other_files_are_refused(data):
    with pytest.raises(BadDocument):
        check_content(data)


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(BadDocument, match=r"password|رمز"):
        check_content(out.getvalue())


def test_more_than_five_megabytes_is_refused_before_reading():
    with pytest.raises(BadDocument):
        check_content(b"%PDF-1.4\n" + b"0" * MAX_BYTES)


def test_a_truncated_picture_is_refused_also_after_a_pdf_was_made():
    """WeasyPrint, once imported, tells Pillow to accept truncated pictures in the whole
    process; a worker that has made a certificate must still refuse a broken upload."""
    from kargah.core.pdf import html_to_pdf

    assert html_to_pdf("<p>گواهی</p>").startswith(b"%PDF")
    with pytest.raises(BadDocument):
        check_content(image_bytes()[:200])
