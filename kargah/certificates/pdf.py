"""The certificate as a Persian PDF: right to left in Vazirmatn, with its QR code."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe

from kargah.certificates.models import Certificate
from kargah.core.pdf import jalali_long, persian_number, render_pdf


def verify_url(certificate: Certificate, *, site_url: str) -> str:
    """The public verify page with the code filled in: what the QR code holds."""
    path = reverse("certificates:verify")
    return f"{site_url.rstrip('/')}{path}?{urlencode({'code': certificate.display_code})}"


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (vector: sharp when printed)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=0, dark="#1f2937")


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


def certificate_pdf(certificate: Certificate, *, site_url: str) -> bytes:
    url = verify_url(certificate, site_url=site_url)
    return render_pdf(
        "certificates/certificate_pdf.html",
        {
            "certificate": certificate,
            "issued_on": jalali_long(certificate.issued_at),
            "hours": persian_number(certificate.hours),
            "percent": persian_number(certificate.attendance_percent),
            "verify_url": url,
            # segno's own SVG of a URL we built: no user text inside.
            "qr": mark_safe(qr_svg(url)),  # noqa: S308
        },
    )
