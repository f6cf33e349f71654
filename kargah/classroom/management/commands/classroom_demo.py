"""`manage.py classroom_demo`: a demo class with a session starting about now (after demo_seed)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.classroom.demo import DEMO_GUARDIAN, DEMO_INSTRUCTOR, seed_classroom_demo
from kargah.core.persian import format_jalali_datetime


class Command(BaseCommand):
    help = "Add the live-class demo: a class whose session starts about now, to join."

    def handle(self, *args: Any, **options: Any) -> None:
        session = seed_classroom_demo()
        self.stdout.write(
            f"Live class: session {session.number} of «{session.offering.course.title}» at "
            f"{format_jalali_datetime(session.starts_at)}; join at /catalog/{session.offering_id}/ "
            f"as {DEMO_INSTRUCTOR} and as the guardian {DEMO_GUARDIAN}."
        )
