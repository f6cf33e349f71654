"""Fixtures of the documents tests: a private media folder per test, real tiny files, a
course of a center that asks for two documents, its staff, and a family with a child."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from kargah.accounts.models import Center, Learner, User
from kargah.accounts.tests.factories import (
    CenterFactory,
    GuardianFactory,
    LearnerFactory,
    StaffFactory,
)
from kargah.catalog.models import Course
from kargah.catalog.tests.factories import CourseFactory

CONSENT = "رضایت‌نامه ولی"
SAMPLE = "نمونه کار"


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(size: tuple[int, int] = (300, 400), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    """Every test stores its files in its own folder (never the project's private-media)."""
    root = tmp_path / "private-media"
    settings.KARGAH_PRIVATE_MEDIA_ROOT = root
    return root


@pytest.fixture
def center(db: None) -> Center:
    return CenterFactory.create()


@pytest.fixture
def staff(center: Center) -> User:
    return StaffFactory.create(center=center)


@pytest.fixture
def other_staff(db: None) -> User:
    return StaffFactory.create()  # a staff member of another center


@pytest.fixture
def course(center: Center) -> Course:
    return CourseFactory.create(center=center, required_documents=[CONSENT, SAMPLE])


@pytest.fixture
def guardian(db: None) -> User:
    return GuardianFactory.create()


@pytest.fixture
def learner(guardian: User) -> Learner:
    return LearnerFactory.create(family=guardian.family)
