"""Realistic Persian demo data: the virtual center, provincial centers, staff and families."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from kargah.accounts import services
from kargah.accounts.models import Center, Family, Learner, Province, Role, User

DEMO_PASSWORD = "kargah-demo-1403"  # noqa: S105  (the demo's published password)

# Where the demo's families live: codes of provinces that accounts migration 0003 loads
# with the other 23 (reference data is a migration, not demo data).
PROVINCES = [
    ("tehran", "تهران"),
    ("isfahan", "اصفهان"),
    ("fars", "فارس"),
    ("khorasan-razavi", "خراسان رضوی"),
    ("east-azerbaijan", "آذربایجان شرقی"),
    ("khuzestan", "خوزستان"),
    ("gilan", "گیلان"),
    ("kerman", "کرمان"),
]
# The Kanoon's centers the demo's staff work at, loaded by accounts migration 0003.
CENTERS = [
    "مرکز مجازی کانون",
    "مرکز فرهنگی‌هنری شماره ۱ اصفهان",
    "مرکز فرهنگی‌هنری شماره ۲ شیراز",
    "مرکز فرهنگی‌هنری شماره ۱ مشهد",
]
# (username, first, last, role, center index or None)
STAFF = [
    ("admin", "مدیر", "سامانه", Role.ADMINISTRATOR, None),
    ("staff.virtual", "زهرا", "کریمی", Role.CENTER_STAFF, 0),
    ("staff.isfahan", "علی", "رضایی", Role.CENTER_STAFF, 1),
    ("finance", "مریم", "احمدی", Role.FINANCE, None),
    ("quality", "حسین", "موسوی", Role.QUALITY, None),
    ("instructor.naghashi", "نرگس", "حسینی", Role.INSTRUCTOR, 0),
    ("instructor.robotic", "امیر", "جعفری", Role.INSTRUCTOR, 0),
    ("instructor.quran", "محمد", "صادقی", Role.INSTRUCTOR, 1),
]
# (mobile, guardian first, last, province, [(child first, gender, age, grade)])
FAMILIES = [
    ("+989120000001", "سارا", "محمدی", "tehran", [("نازنین", "girl", 9, 3), ("آرش", "boy", 12, 6)]),
    ("+989120000002", "رضا", "نوری", "isfahan", [("کیان", "boy", 7, 1)]),
    (
        "+989120000003",
        "فاطمه",
        "یزدانی",
        "fars",
        [("ستایش", "girl", 14, 8), ("یاسین", "boy", 5, 0)],
    ),
    ("+989120000004", "مهدی", "کاظمی", "khorasan-razavi", [("هستی", "girl", 11, 5)]),
]


def national_code_for(seed: int) -> str:
    """A checksum-valid national code, the same for the same seed (demo data only)."""
    body = f"{(seed * 7919 + 1234567) % 10**9:09d}"
    total = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(total if total < 2 else 11 - total)


def _birth_date(age: int, rng: random.Random) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=age * 365 + rng.randint(10, 300))


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Creates the demo data; running it again changes nothing."""
    rng = random.Random(1403)  # noqa: S311  (repeatable demo data, not secrets)
    provinces = Province.objects.in_bulk([code for code, _ in PROVINCES], field_name="code")
    by_name = Center.objects.in_bulk(CENTERS, field_name="name")
    centers = [by_name[name] for name in CENTERS]
    for username, first, last, role, center_index in STAFF:
        if not User.objects.filter(username=username).exists():
            services.staff_user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                center=centers[center_index] if center_index is not None else None,
                first_name=first,
                last_name=last,
            )
    seed = 1
    for mobile, first, last, province_code, children in FAMILIES:
        guardian = services.guardian_get_or_create(mobile=mobile)
        if not guardian.first_name:
            User.objects.filter(pk=guardian.pk).update(first_name=first, last_name=last)
        for child_first, gender, age, grade in children:
            code = national_code_for(seed)
            seed += 1
            if not Learner.objects.filter(national_code=code).exists():
                services.learner_create(
                    guardian=guardian,
                    first_name=child_first,
                    last_name=last,
                    birth_date=_birth_date(age, rng),
                    national_code=code,
                    gender=gender,
                    province=provinces[province_code],
                    school_grade=grade,
                    data_confirmed=True,
                )
    return {
        "centers": Center.objects.count(),
        "staff": User.objects.exclude(role=Role.GUARDIAN).count(),
        "families": Family.objects.count(),
        "learners": Learner.objects.count(),
    }
