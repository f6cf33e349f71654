"""The enrollment jobs are scheduled every minute by beat."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def test_beat_runs_the_enrollment_jobs_every_minute():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for task in (
        "kargah.enrollment.tasks.enrollment_holds_release",
        "kargah.enrollment.tasks.offerings_close_registration",
    ):
        assert schedule[task] == dt.timedelta(minutes=1)


def test_hold_and_offer_times_are_settings():
    assert settings.KARGAH_SEAT_HOLD_SECONDS == 15 * 60
    assert settings.KARGAH_WAITLIST_OFFER_SECONDS == 2 * 60 * 60
