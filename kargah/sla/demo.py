"""Demo data of the agreement: the seed's agreement (1402, expired) as the first version,
and a renewal in force this Jalali year, each with the service levels of P1–P4 and the
levels the agreement's aim of shorter processes adds (safe to run again)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import jdatetime
from django.db import transaction

from kargah.sla.models import Comparison, CompensationKind, Metric, ServiceLevel, SlaVersion
from kargah.sla.periods import latest_term_end
from kargah.sla.selectors import today

SERVICE = "آموزش غیرمستقیم فرهنگی، هنری، ادبی، علمی و دینی در مراکز فرهنگی و هنری کانون"
SIGNATORY = "فروهر معدنی، مدیرکل آفرینش‌های فرهنگی"
SEED_TEXT = Path(__file__).with_name("data") / "agreement_1402.md"

# (name, metric, N, M, target, comparison, period, compensation, Rials, percent)
LEVELS: list[tuple[Any, ...]] = [
    ("برنامهٔ کامل کلاس دست‌کم ۷ روز پیش از آغاز ثبت‌نام", Metric.SCHEDULE_PUBLISHED_AHEAD,
     7, 0, 100, Comparison.AT_LEAST, "month", CompensationKind.NONE, 0, 0),
    ("برگزاری جلسه‌ها در زمان اعلام‌شده", Metric.SESSIONS_HELD,
     0, 0, 95, Comparison.AT_LEAST, "month", CompensationKind.FEE_SHARE, 0, 10),
    ("هیچ جلسه‌ای در تعطیلات رسمی", Metric.HOLIDAY_SESSIONS,
     0, 0, 0, Comparison.AT_MOST, "month", CompensationKind.FIXED, 500_000, 0),
    ("جلسهٔ جبرانی: تعیین تا ۳ روز و برگزاری تا ۱۴ روز پس از لغو", Metric.MAKEUP_TIMELY,
     3, 14, 100, Comparison.AT_LEAST, "month", CompensationKind.FEE_SHARE, 0, 10),
    ("شارژ کیف پول تا ۲۴ ساعت پس از نرسیدن به حد نصاب", Metric.QUORUM_CREDIT_TIME,
     24, 0, 100, Comparison.AT_LEAST, "month", CompensationKind.FIXED, 200_000, 0),
    ("واریز استرداد تا ۵ روز کاری پس از تأیید", Metric.REFUND_WORKING_DAYS,
     5, 0, 100, Comparison.AT_LEAST, "month", CompensationKind.FIXED, 300_000, 0),
    ("حضور مربی در کلاس تا ۵ دقیقه پس از شروع", Metric.INSTRUCTOR_ON_TIME,
     5, 0, 95, Comparison.AT_LEAST, "week", CompensationKind.NONE, 0, 0),
    ("ورود موفق به کلاس زنده", Metric.JOIN_SUCCESS,
     0, 0, 98, Comparison.AT_LEAST, "week", CompensationKind.NONE, 0, 0),
    ("ارسال پیام‌ها تا ۵ دقیقه", Metric.NOTIFICATION_DELIVERY,
     5, 0, 99, Comparison.AT_LEAST, "week", CompensationKind.NONE, 0, 0),
    ("قطعی‌شدن جا تا ۳۰ دقیقه پس از نخستین کلیک", Metric.REGISTRATION_TIME,
     30, 0, 90, Comparison.AT_LEAST, "month", CompensationKind.NONE, 0, 0),
]  # fmt: skip


def _version(title: str, valid_from: dt.date, valid_until: dt.date, text: str) -> SlaVersion:
    version, created = SlaVersion.objects.get_or_create(
        title=title,
        defaults={
            "service": SERVICE, "text": text, "signatory": SIGNATORY,
            "valid_from": valid_from, "valid_until": valid_until,
        },
    )  # fmt: skip
    if created:
        ServiceLevel.objects.bulk_create(
            ServiceLevel(
                version=version,
                name=name,
                metric=metric,
                threshold=n,
                threshold_2=m,
                target=Decimal(target),
                comparison=comparison,
                period=period,
                compensation=kind,
                compensation_rials=rials,
                compensation_percent=Decimal(percent),
            )
            for name, metric, n, m, target, comparison, period, kind, rials, percent in LEVELS
        )
    return version


def _level(version: SlaVersion, name: str, metric: str, n: int, m: int, target: int,
           comparison: str, period: str, kind: str, rials: int, percent: int) -> ServiceLevel:  # fmt: skip
    return ServiceLevel(
        version=version, name=name, metric=metric, threshold=n, threshold_2=m,
        target=Decimal(target), comparison=comparison, period=period, compensation=kind,
        compensation_rials=rials, compensation_percent=Decimal(percent),
    )  # fmt: skip


def seed_sla_demo() -> dict[str, int]:
    with transaction.atomic():
        _version(
            f"توافق‌نامه سطح خدمت «{SERVICE}»",
            jdatetime.date(1402, 1, 1).togregorian(),
            jdatetime.date(1402, 12, 29).togregorian(),
            SEED_TEXT.read_text(encoding="utf-8"),
        )
        year = jdatetime.date.fromgregorian(date=today()).year
        first = jdatetime.date(year, 1, 1).togregorian()
        _version(
            f"توافق‌نامه سطح خدمت «{SERVICE}» — تمدید {year}".replace(
                str(year), str(year).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
            ),
            first,
            latest_term_end(first),
            "این نسخه، تمدید توافق‌نامهٔ ۱۴۰۲ با همان تعهدات و سطوح خدمت است.\n\n"
            + SEED_TEXT.read_text(encoding="utf-8"),
        )
    return {
        "versions": SlaVersion.objects.count(),
        "levels": ServiceLevel.objects.count(),
    }
