"""Settings of `make bench-notify`: the benchmark server's, with the fake SMS provider that
records in Redis (bench/notify_provider.py, imported by each Celery worker)."""

from bench.settings import *  # noqa: F403

KARGAH_SMS_PROVIDER = "fake"
CELERY_IMPORTS = ("bench.notify_provider",)
# The fake provider has no rate to respect; batches of 500 are the delivery's best size here
# (docs/performance.md); the reminders are made due at once, so no quiet hours either.
KARGAH_SMS_RATE_PER_SECOND = 0
KARGAH_OUTBOX_BATCH_SIZE = 500
KARGAH_QUIET_HOURS_START = KARGAH_QUIET_HOURS_END = 8
