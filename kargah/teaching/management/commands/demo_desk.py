"""`manage.py demo_desk`: the instructor's desk demo, a class with a session about to start
(run after demo_seed, as `make demo` does; safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.teaching.demo import INSTRUCTOR, seed_teaching_demo


class Command(BaseCommand):
    help = (
        "Load the instructor's desk demo: an instructor whose class has a session starting in "
        "a few minutes, a held first session with its attendance, and demo children in it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        desk = seed_teaching_demo()
        self.stdout.write(
            "The instructor's desk: {username} teaches a class of {learners} learners with "
            "{sessions} sessions, the next starting at {next} Tehran time (/desk/).".format(
                username=INSTRUCTOR[0], **desk
            )
        )
