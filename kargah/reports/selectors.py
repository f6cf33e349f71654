"""The reports' figures, counted from the enrollment rows and summed from the ledger each
time they are asked for (never a stored copy). A center's staff see their center's; the
administrator, finance and the quality supervisor see every center and the family money."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import jdatetime
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Left, Length
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kargah.accounts.models import Center, Role, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import CategoryKind, Offering, OfferingStatus
from kargah.core.persian import (
    JALALI_MONTHS_EN,
    JALALI_MONTHS_FA,
    TEHRAN,
    localize_digits,
    to_jalali,
)
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.sla.models import ServiceEvent, ServiceEventKind
from kargah.wallet.models import AccountKind, LedgerEntry, TransactionKind

# A place counts as an enrolment once paid and while kept: awaiting document approval,
# confirmed or completed (a dropped, switched or cancelled place gave its money back).
ENROLLED = (
    EnrollmentStatus.AWAITING_APPROVAL,
    EnrollmentStatus.CONFIRMED,
    EnrollmentStatus.COMPLETED,
)
# How many Jalali months the money figures show, the current one last.
MONTHS = 12


def may_see_reports(user: User) -> bool:
    return user.is_administrator or user.role in (Role.CENTER_STAFF, Role.FINANCE, Role.QUALITY)


def sees_every_center(user: User) -> bool:
    """The roles over all centers also see the families' money (wallets, refunds), which
    belongs to no one center."""
    return user.is_administrator or user.role in (Role.FINANCE, Role.QUALITY)


@dataclass(frozen=True)
class Figure:
    """One chart and its table: a label per row, one number per column."""

    key: str
    title: str
    label_header: str
    headers: list[str]
    rows: list[tuple[str, list[int]]]
    money: bool = False


def _enrolled(centers: QuerySet[Center]) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(status__in=ENROLLED, offering__center__in=centers)


def _count_by(centers: QuerySet[Center], field: str) -> list[tuple[str, int]]:
    rows = _enrolled(centers).values_list(field).annotate(n=Count("id")).order_by("-n", field)
    return [(str(label) if label is not None else "—", n) for label, n in rows]


def enrolments_figures(*, centers: QuerySet[Center]) -> list[Figure]:
    """Enrolments by center, field, age group and term."""
    count = _("Enrolments")
    kinds = dict(CategoryKind.choices)
    by_field = [
        (str(kinds.get(kind, kind)), n)
        for kind, n in _count_by(centers, "offering__course__category__kind")
    ]
    parts = [
        ("by_center", _("Enrolments by center"), _("Center"), _count_by(centers, "offering__center__name")),
        ("by_field", _("Enrolments by field"), _("Field"), by_field),
        ("by_age_group", _("Enrolments by age group"), _("Age group"), _count_by(centers, "offering__course__age_group__name")),
        ("by_term", _("Enrolments by term"), _("Term"), _count_by(centers, "offering__term__name")),
    ]  # fmt: skip
    return [
        Figure(key=key, title=title, label_header=label, headers=[count],
               rows=[(name, [n]) for name, n in rows])
        for key, title, label, rows in parts
    ]  # fmt: skip


def fill_rate_figure(*, centers: QuerySet[Center]) -> Figure:
    """Each published class (not cancelled): its capacity, its enrolments and the percentage
    of seats filled, fullest first."""
    offerings = (
        Offering.objects.filter(center__in=centers)
        .exclude(status__in=(OfferingStatus.DRAFT, OfferingStatus.CANCELLED))
        .annotate(enrolled=Count("enrollments", filter=Q(enrollments__status__in=ENROLLED)))
        .select_related("course", "term")
    )
    rows = [
        (f"{o.course.title} ({o.term.name})", [o.capacity, o.enrolled,
                                              round(100 * o.enrolled / o.capacity) if o.capacity else 0])
        for o in offerings
    ]  # fmt: skip
    rows.sort(key=lambda row: (-row[1][2], row[0]))
    return Figure(
        key="fill_rate", title=_("Fill rate"), label_header=_("Class"),
        headers=[_("Capacity"), _("Enrolments"), _("Filled (%)")], rows=rows,
    )  # fmt: skip


def quorum_figure(*, centers: QuerySet[Center]) -> Figure:
    """Classes cancelled at registration close for want of quorum (P2), by term: the
    cancelled classes the center did not cancel itself (that one leaves a service event)."""
    by_center = ServiceEvent.objects.filter(
        offering=OuterRef("pk"), kind=ServiceEventKind.OFFERING_CANCELLED
    )
    rows = (
        Offering.objects.filter(center__in=centers, status=OfferingStatus.CANCELLED)
        .exclude(Exists(by_center))
        .values_list("term__name")
        .annotate(n=Count("id"))
        .order_by("term__name")
    )
    return Figure(
        key="quorum", title=_("Classes cancelled below quorum"), label_header=_("Term"),
        headers=[_("Classes")], rows=[(name, [n]) for name, n in rows],
    )  # fmt: skip


def _months(now: dt.datetime) -> list[tuple[int, int]]:
    today = to_jalali(now)
    year, month = today.year, today.month
    months = []
    for _i in range(MONTHS):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _month_label(year: int, month: int) -> str:
    persian = (translation.get_language() or "fa").startswith("fa")
    names = JALALI_MONTHS_FA if persian else JALALI_MONTHS_EN
    return localize_digits(f"{names[month - 1]} {year}")


def _month_starts(months: list[tuple[int, int]]) -> list[dt.datetime]:
    """The instants (Tehran midnight) at which each Jalali month begins, and the one after
    the last: a Jalali month is no Gregorian one, so the database groups by these bounds."""
    year, month = months[-1]
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return [
        dt.datetime.combine(jdatetime.date(y, m, 1).togregorian(), dt.time(), tzinfo=TEHRAN)
        for y, m in [*months, following]
    ]


def _sums_by_month(
    entries: QuerySet[LedgerEntry], starts: list[dt.datetime]
) -> tuple[int, dict[int, int]]:
    """The entries' amounts summed in the database: what came before the first month, and
    by the index of each month (entries after the last month are not counted)."""
    at = "transaction__created_at"
    month = Case(
        When(**{f"{at}__lt": starts[0]}, then=Value(-1)),
        *[
            When(**{f"{at}__gte": begin, f"{at}__lt": end}, then=Value(i))
            for i, (begin, end) in enumerate(itertools.pairwise(starts))
        ],
        default=Value(None),
        output_field=IntegerField(),
    )
    rows = (
        entries.annotate(month=month)
        .exclude(month=None)
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    sums = {index: int(total) for index, total in rows}
    return sums.pop(-1, 0), sums


def _of_places_of(centers: QuerySet[Center]) -> Exists:
    """A ledger entry whose transaction names a place of the centers' classes (its
    reference begins `enrollment:<id>:`)."""
    prefix = Concat(
        Value("enrollment:"), Cast("pk", CharField()), Value(":"), output_field=CharField()
    )
    return Exists(
        Enrollment.objects.filter(offering__center__in=centers)
        .alias(prefix=prefix)
        .filter(prefix=Left(OuterRef("transaction__reference"), Length("prefix")))
    )


def money_figure(
    *, user: User, centers: QuerySet[Center], now: dt.datetime | None = None
) -> Figure:
    """By Jalali month: course revenue net of what went back to wallets; and, for the roles
    over every center, the credit families hold in their wallets at the month's end and the
    refunds paid to their banks in the month. A center's revenue is what the places of its
    classes brought (the place named by each ledger reference). Grouped and summed in the
    database, by the instants at which the Jalali months begin."""
    months = _months(now or timezone.now())
    starts = _month_starts(months)
    every_center = sees_every_center(user)
    entries = LedgerEntry.objects.filter(account__kind=AccountKind.COURSE_REVENUE)
    if not every_center:
        entries = entries.filter(_of_places_of(centers))
    _before, revenue = _sums_by_month(entries, starts)
    headers = [_("Course revenue")]
    columns: list[dict[int, int]] = [revenue]
    if every_center:
        running, held = _sums_by_month(
            LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET), starts
        )
        closing = {}
        for i in range(len(months)):
            running += held.get(i, 0)
            closing[i] = running
        _before, refunds = _sums_by_month(
            LedgerEntry.objects.filter(
                account__kind=AccountKind.BANK_PAYOUTS,
                transaction__kind=TransactionKind.REFUND_PAID,
            ),
            starts,
        )
        headers += [_("Wallet credit held by families"), _("Refunds paid")]
        columns += [closing, refunds]
    return Figure(
        key="money", title=_("Money by month"), label_header=_("Month"), headers=headers,
        rows=[(_month_label(*key), [column.get(i, 0) for column in columns])
              for i, key in enumerate(months)],
        money=True,
    )  # fmt: skip


def report_figures(*, user: User, now: dt.datetime | None = None) -> list[Figure]:
    """Every figure of the reports page, for the centers the user may see."""
    centers = center_list_for_staff(user=user)
    return [
        *enrolments_figures(centers=centers),
        fill_rate_figure(centers=centers),
        quorum_figure(centers=centers),
        money_figure(user=user, centers=centers, now=now),
    ]


def report_figure(*, user: User, key: str) -> Figure | None:
    """One figure by its key (for its export), computed alone."""
    centers = center_list_for_staff(user=user)
    if key.startswith("by_"):
        return next((f for f in enrolments_figures(centers=centers) if f.key == key), None)
    if key == "fill_rate":
        return fill_rate_figure(centers=centers)
    if key == "quorum":
        return quorum_figure(centers=centers)
    if key == "money":
        return money_figure(user=user, centers=centers)
    return None
