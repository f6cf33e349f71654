"""The outbox desk as an XLSX workbook: the messages (recipients masked, no text), the counts
per day, channel and kind, and the SMS spend by day and by month; Persian headers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kargah.core.persian import (
    format_jalali_date,
    format_jalali_datetime,
    money_unit,
    rials_per_unit,
)
from kargah.notifications.models import Channel, OutboxMessage, OutboxStatus
from kargah.notifications.selectors import (
    CountRow,
    Spend,
    kind_label,
    mask_recipient,
    month_label,
)

# A workbook is for reading, not an archive: the newest messages of the filter, at most this many.
MAX_MESSAGES = 20_000


def _when(value: dt.datetime | None) -> str:
    return format_jalali_datetime(value) if value else ""


def _sheet(book: Workbook, title: str, headers: list[str], first: bool = False) -> Worksheet:
    sheet = book.active if first else book.create_sheet()
    assert isinstance(sheet, Worksheet)
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = True
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    return sheet


def message_headers() -> list[str]:
    return [
        _("Number"), _("Queued"), _("Kind"), _("Channel"), _("Recipient"), _("State"),
        _("Attempts"), _("Last error"), _("Sent at"), _("Delivery status"), _("Delivered at"),
        _("SMS parts"), _("Cost (%(unit)s)") % {"unit": money_unit()},
    ]  # fmt: skip


def count_headers() -> list[str]:
    return [
        _("Day"), _("Channel"), _("Kind"), _("All"), _("Waiting to be sent"), _("Sent"),
        _("Delivered"), _("Gave up"), _("Withdrawn"),
    ]  # fmt: skip


def spend_headers(period: str) -> list[str]:
    return [period, _("SMS sent"), _("SMS parts"), _("Cost (%(unit)s)") % {"unit": money_unit()}]


def outbox_workbook(
    *, messages: QuerySet[OutboxMessage], counts: Iterable[CountRow], spend: Spend
) -> bytes:
    """Dates are Jalali in Tehran time; numbers stay numbers so that a spreadsheet sums them;
    money in the site's unit (Toman or Rials, by the setting)."""
    channels = dict(Channel.choices)
    states = dict(OutboxStatus.choices)
    unit = rials_per_unit()
    book = Workbook()
    sheet = _sheet(book, _("Messages"), message_headers(), first=True)
    for m in messages.order_by("-created_at", "-id")[:MAX_MESSAGES].iterator():
        sheet.append([
            m.pk, _when(m.created_at), kind_label(m.kind), str(channels.get(m.channel, m.channel)),
            mask_recipient(m), str(states.get(m.status, m.status)), m.attempts, m.last_error,
            _when(m.sent_at), m.delivery_status, _when(m.delivered_at), m.parts,
            m.cost_rials // unit,
        ])  # fmt: skip
    sheet = _sheet(book, _("Counts per day"), count_headers())
    for row in counts:
        sheet.append([
            format_jalali_date(row.day), str(channels.get(row.channel, row.channel)),
            kind_label(row.kind), row.total, row.pending, row.sent, row.delivered, row.failed,
            row.cancelled,
        ])  # fmt: skip
    sheet = _sheet(book, _("SMS spend by day"), spend_headers(_("Day")))
    for day, total in spend.days:
        sheet.append(
            [format_jalali_date(day), total.messages, total.parts, total.cost_rials // unit]
        )
    sheet = _sheet(book, _("SMS spend by month"), spend_headers(_("Month")))
    for (year, month), total in spend.months:
        sheet.append(
            [month_label(year, month), total.messages, total.parts, total.cost_rials // unit]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
