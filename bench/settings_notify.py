"""Settings of `make bench-notify`: the benchmark server's, with the fake SMS provider that
records in Redis (bench/notify_provider.py, imported by each Celery worker)."""

from bench.settings import *  # noqa: F403

KARGAH_SMS_PROVIDER = "fake"
CELERY_IMPORTS = ("bench.notify_provider",)
