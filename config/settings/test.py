"""Test settings: the same as base, with eager tasks, fast hashing and no outside network."""

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES, env

DEBUG = False
# The tests pay in the sandbox bank (kargah/core/tests/test_checks.py turns it off).
KARGAH_ALLOW_SANDBOX_GATEWAY = True
# Tasks run eagerly in tests; the broker test starts a real worker process on these
# settings with the environment switching eager mode off and pointing at Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("KARGAH_TEST_CELERY_EAGER", default=True)
CELERY_BROKER_URL = env("KARGAH_TEST_CELERY_BROKER", default="memory://")
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KARGAH_SMS_PROVIDER = env("KARGAH_TEST_SMS_PROVIDER", default="fake")
# Tests send whenever they run: the quiet hours and the rate limit are off unless a test
# (kargah/notifications/tests/test_delivery.py) turns them on.
KARGAH_QUIET_HOURS_START = KARGAH_QUIET_HOURS_END = 8
KARGAH_SMS_RATE_PER_SECOND = 0
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
    "fakebbb": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fakebbb"},
}
# The classroom is the fake, answered in-process (kargah/classroom/tests/conftest.py).
KARGAH_BBB_FAKE = True
KARGAH_BBB_URL = "http://testserver/fake-bbb/bigbluebutton/"
KARGAH_BBB_SECRET = "kargah-test-bbb-secret"  # noqa: S105
# Off by default in tests; kargah/catalog/tests/test_cache.py turns it on.
KARGAH_PUBLIC_CACHE_SECONDS = 0
KARGAH_CATALOG_VERSION_SECONDS = 0.0
