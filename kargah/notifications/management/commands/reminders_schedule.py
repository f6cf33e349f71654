"""`manage.py reminders_schedule`: writes the missing session reminders of every confirmed place."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kargah.catalog.models import SessionStatus
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.notifications.reminders import reminders_for_enrollments


class Command(BaseCommand):
    help = (
        "Writes the 24 h and 1 h reminders of the upcoming sessions of every confirmed place "
        "that lacks them (places written in bulk, as the demo's, and those confirmed before "
        "reminders existed); safe to run again: nothing is written twice."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chunk", type=int, default=2000, help="places per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        ids = list(
            Enrollment.objects.filter(
                status=EnrollmentStatus.CONFIRMED,
                offering__sessions__status=SessionStatus.SCHEDULED,
                offering__sessions__starts_at__gt=now,
            )
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        offered = 0
        for i in range(0, len(ids), options["chunk"]):
            with transaction.atomic():
                offered += reminders_for_enrollments(ids[i : i + options["chunk"]], now=now)
        self.stdout.write(f"reminders: {len(ids)} confirmed places, {offered} reminders checked")
