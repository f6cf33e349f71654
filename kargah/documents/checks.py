"""What a file is, judged by its content (never its name or the type the browser claims).

Accepted: a PDF that pypdf opens, with at most `MAX_PDF_PAGES` pages and no password; a
JPEG or PNG that Pillow decodes whole, at least `MIN_SIDE` and at most `MAX_SIDE` pixels on
each side. Nothing larger than `MAX_BYTES`. Anything else is a DomainError with a Persian
message that says what to do."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

from kargah.core.errors import DomainError
from kargah.core.persian import localize_digits

MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 10
MIN_SIDE = 200
MAX_SIDE = 4000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"


class BadDocument(DomainError):
    code = "bad_document"


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    pages: int | None = None
    width: int | None = None
    height: int | None = None


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if b"%PDF-" in data[:1024]:  # the header may follow a little junk, as readers allow
        return PDF
    return None


def check_content(data: bytes) -> Checked:
    """The checked type and measures of `data`, or BadDocument."""
    if not data:
        raise BadDocument(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise BadDocument(
            _("The file is larger than %(mb)s MB. Upload a smaller file.")
            % {"mb": localize_digits(MAX_BYTES // (1024 * 1024))}
        )
    kind = _sniff(data)
    if kind == PDF:
        return _check_pdf(data)
    if kind in (JPEG, PNG):
        return _check_image(data, kind)
    raise BadDocument(
        _("Only PDF files and JPEG or PNG pictures are accepted; this file is none of them.")
    )


def _check_pdf(data: bytes) -> Checked:
    unreadable = BadDocument(
        _("This PDF file could not be read. Save it again as a PDF and upload it.")
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise BadDocument(
                    _("This PDF is protected with a password. Upload it without a password.")
                )
            pages = len(reader.pages)
    except BadDocument:
        raise
    except Exception:  # pypdf raises many kinds of errors on broken files
        raise unreadable from None
    if pages < 1:
        raise unreadable
    if pages > MAX_PDF_PAGES:
        raise BadDocument(
            _("This PDF has %(pages)s pages; at most %(max)s are accepted.")
            % {"pages": localize_digits(pages), "max": localize_digits(MAX_PDF_PAGES)}
        )
    return Checked(content_type=PDF, size=len(data), pages=pages)


def _check_image(data: bytes, kind: str) -> Checked:
    unreadable = BadDocument(_("This picture could not be read. Upload a JPEG or PNG picture."))
    expected = "PNG" if kind == PNG else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise unreadable
                width, height = image.size
                if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                    raise BadDocument(
                        _(
                            "The picture is %(width)s×%(height)s pixels; each side must be "
                            "between %(min)s and %(max)s pixels."
                        )
                        % {
                            "width": localize_digits(width),
                            "height": localize_digits(height),
                            "min": localize_digits(MIN_SIDE),
                            "max": localize_digits(MAX_SIDE),
                        }
                    )
                image.load()  # decode it whole: a truncated or corrupt picture fails here
    except BadDocument:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise unreadable from None
    return Checked(content_type=kind, size=len(data), width=width, height=height)
