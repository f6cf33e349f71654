"""Settings read from the environment, with safe defaults for a local demo on SQLite."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless a developer turns it on (DJANGO_DEBUG=true): the demo runs as production does,
# with the Persian error pages and static files from collectstatic (issue 8, finding 7).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The local demo (`make demo`): served over plain http on 127.0.0.1, so cookies go without
# the Secure flag, and the sandbox bank is allowed. `check --deploy` refuses it.
KARGAH_DEMO = env.bool("KARGAH_DEMO", default=False)
# The demo key only ever serves a local demo; `check --deploy` refuses it (kargah.E014).
KARGAH_DEMO_SECRET_KEY = "kargah-local-demo-key-not-for-production"  # noqa: S105
SECRET_KEY = env("DJANGO_SECRET_KEY", default=KARGAH_DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "kargah.core.views.csrf_failure"  # a Persian page, not Django's English

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "kargah.core",
    "kargah.accounts",
    "kargah.notifications",
    "kargah.catalog",
    "kargah.enrollment",
    "kargah.documents",
    "kargah.wallet",
    "kargah.payments",
    "kargah.devicecheck",
    "kargah.sla",
    "kargah.classroom",
    "kargah.teaching",
    "kargah.quality",
    "kargah.reports",
    "kargah.certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped (a 56 KB catalog becomes about 8 KB on a slow mobile network); after
    # WhiteNoise, which serves its own compressed copies. Django pads the output against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kargah.core.middleware.PersianFirstLocaleMiddleware",
    # After the language is chosen: every error under /api/ is JSON in that language.
    "kargah.core.api_middleware.ApiErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that its process_exception is asked first: a database outage is a 503.
    "kargah.core.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kargah.payments.context_processors.sandbox_bank",
                "kargah.core.context_processors.page_side",
                "kargah.sla.context_processors.agreement_notice",
            ],
            "builtins": ["kargah.core.templatetags.persian"],
        },
    },
]

# The embedded default is a SQLite file; production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: opening one per request cost a third of a registration's
    # throughput in `make bench-rush` (docs/performance.md).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DJANGO_DB_PREPARED", default=False):
        # Server-side parameter binding and prepared statements (psycopg): PostgreSQL plans
        # a statement the fifth time it sees it and reuses the plan. Off by default: not for
        # PgBouncer in transaction mode before 1.21 (docs/operations.md, docs/performance.md).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the demo worker share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Persian first (rule 11): Persian UI, Tehran time, English available from the switch.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing folder before collectstatic
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry (package.json) and are served from
# node_modules through the staticfiles finders: nothing is copied by hand.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/vazirmatn", NODE_MODULES / "vazirmatn"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
# Hashed names and a gzip and a brotli copy of each file (the `brotli` package): WhiteNoise
# serves the smallest the browser accepts, hashed names cached for a year as immutable.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# /favicon.ico, /manifest.webmanifest and the app icons answer at the site's root, on every
# page (issue 9, item 7); the same files are under /static/root/ with hashed names.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
MEDIA_ROOT = env.path("KARGAH_MEDIA_ROOT", default=BASE_DIR / "media")
# Applicants' documents (R1): a folder the web server never serves; files reach a browser only
# through the access-checked download view (kargah.documents.storage).
KARGAH_PRIVATE_MEDIA_ROOT = env.path(
    "KARGAH_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media"
)

_default_cache: dict[str, Any] = (
    env.cache("REDIS_URL")
    if env("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
if "redis" in str(_default_cache["BACKEND"]).lower():
    # The cache is a helper: a Redis that hangs must cost a request a second, not the worker.
    _default_cache["OPTIONS"] = {
        **_default_cache.get("OPTIONS", {}),
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
CACHES = {
    "default": _default_cache,
    # Per web process, for rendered public pages (kargah.catalog.cache).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an API call without credentials gets 401 with WWW-Authenticate.
        "kargah.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kargah.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # JSON in, JSON out: one body parser with limits (nesting, size, valid Unicode), and no
    # browsable HTML pages whose errors would not be JSON. Anything else is 415 / 406.
    "DEFAULT_PARSER_CLASSES": ["kargah.core.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The largest API request body (JSON): bigger ones get a JSON 413 before they are read.
# The API's bodies are small objects; documents are uploaded through the site's pages.
KARGAH_API_MAX_BODY_BYTES = env.int("KARGAH_API_MAX_BODY_BYTES", default=64 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Kargah API",
    "DESCRIPTION": "The JSON API of Kargah, under /api/v1/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API docs' own assets are served from this server too: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every error status an operation can answer, with the one error body (kargah.core.api).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kargah.core.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OfferingStatusEnum": "kargah.catalog.models.OfferingStatus",
        "SessionStatusEnum": "kargah.catalog.models.SessionStatus",
    },
}

# Background work: Celery on Redis in production. Without REDIS_URL the demo runs a real
# worker on kombu's filesystem transport (a folder of message files), so the same task
# code runs the same way with nothing else installed.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = BASE_DIR / "var" / "celery-queue"
    for _folder in (_queue_dir, BASE_DIR / "var" / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(BASE_DIR / "var" / "celery-control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Queueing after a commit must never hang a request on a broker that does not answer.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "idempotency-keys-purge": {
        "task": "kargah.core.tasks.idempotency_keys_purge",
        "schedule": timedelta(hours=6),
    },
    "outbox-flush": {
        "task": "kargah.notifications.tasks.outbox_flush",
        "schedule": timedelta(seconds=30),
    },
    # What the SMS provider says became of sent messages (delivered / failed).
    "outbox-check-delivery": {
        "task": "kargah.notifications.tasks.outbox_check_delivery",
        "schedule": timedelta(minutes=2),
    },
    "payments-expire": {
        "task": "kargah.payments.tasks.payments_expire",
        "schedule": timedelta(minutes=1),
    },
    # Enrollment: unpaid seat holds and waiting-list offers end; registration closes at
    # quorum (P2). Both are idempotent, so an overlapping or repeated run is harmless.
    "enrollment-holds-release": {
        "task": "kargah.enrollment.tasks.enrollment_holds_release",
        "schedule": timedelta(minutes=1),
    },
    "offerings-close-registration": {
        "task": "kargah.enrollment.tasks.offerings_close_registration",
        "schedule": timedelta(minutes=1),
    },
    # A class's life (issue 10): sessions held or cancelled for the instructor's absence,
    # offerings running and finished, places completed. Idempotent, like the two above.
    "lifecycle-advance": {
        "task": "kargah.catalog.tasks.lifecycle_advance",
        "schedule": timedelta(minutes=1),
    },
    # Who is inside each running classroom (beside the callbacks, which may be lost).
    "classroom-presence-poll": {
        "task": "kargah.classroom.tasks.presence_poll",
        "schedule": timedelta(minutes=1),
    },
    # Teaching: attendance proposed from the classroom's minutes once a session is held;
    # idempotent, and never over a row the instructor confirmed.
    "attendance-fill": {
        "task": "kargah.teaching.tasks.attendance_fill_due",
        "schedule": timedelta(minutes=5),
    },
    # Certificates of completion (issue 13): places completed lately that earned one since
    # (their last sessions' attendance came in after the class ended). Idempotent.
    "certificates-issue": {
        "task": "kargah.certificates.tasks.certificates_issue_due",
        "schedule": timedelta(minutes=15),
    },
    # Finance: verified payments against the ledger, each night at 03:30 Tehran time (the
    # report is kept; finance reads it in the morning).
    "payments-reconcile": {
        "task": "kargah.payments.tasks.reconciliation_run",
        "schedule": crontab(hour=3, minute=30),
    },
    # The agreement's service levels (issue 13): each ended period measured once, breaches
    # credited once; idempotent, so hourly runs only pick up what became due.
    "sla-evaluate": {
        "task": "kargah.sla.tasks.sla_evaluate",
        "schedule": crontab(minute=20),
    },
}

# Service levels: a period is measured this many hours after it ends (the jobs that record
# its last sessions and messages have run by then), and periods further back than the
# look-back are never measured (a version added late does not credit years of history).
KARGAH_SLA_SETTLE_HOURS = env.int("KARGAH_SLA_SETTLE_HOURS", default=24)
KARGAH_SLA_LOOKBACK_DAYS = env.int("KARGAH_SLA_LOOKBACK_DAYS", default=400)

# SMS: "console" prints to the server's output (the demo); "kavenegar" and "smsir" are the
# real providers; "fake" is the tests' and the benchmark's (docs/operations.md).
KARGAH_SMS_PROVIDER = env("KARGAH_SMS_PROVIDER", default="console")
KAVENEGAR_API_KEY = env("KAVENEGAR_API_KEY", default="")
KAVENEGAR_SENDER = env("KAVENEGAR_SENDER", default="")
KAVENEGAR_OTP_TEMPLATE = env("KAVENEGAR_OTP_TEMPLATE", default="")
KAVENEGAR_TIMEOUT_SECONDS = env.float("KAVENEGAR_TIMEOUT_SECONDS", default=5.0)
SMSIR_API_KEY = env("SMSIR_API_KEY", default="")
SMSIR_LINE_NUMBER = env("SMSIR_LINE_NUMBER", default="")
SMSIR_OTP_TEMPLATE_ID = env("SMSIR_OTP_TEMPLATE_ID", default="")
SMSIR_OTP_PARAMETER = env("SMSIR_OTP_PARAMETER", default="CODE")
SMSIR_TIMEOUT_SECONDS = env.float("SMSIR_TIMEOUT_SECONDS", default=5.0)
# Delivery (kargah/notifications/delivery.py): the provider's rate limit shared through Redis
# (0: none), the price of one SMS part, the quiet hours (Tehran time; equal: none), the batch
# a worker claims at a time, how long one flush drains, the attempts before dead letter, and
# how long sent SMS are asked about.
KARGAH_SMS_RATE_PER_SECOND = env.int("KARGAH_SMS_RATE_PER_SECOND", default=30)
KARGAH_SMS_PRICE_PER_PART_RIALS = env.int("KARGAH_SMS_PRICE_PER_PART_RIALS", default=1500)
KARGAH_QUIET_HOURS_START = env.int("KARGAH_QUIET_HOURS_START", default=22)
KARGAH_QUIET_HOURS_END = env.int("KARGAH_QUIET_HOURS_END", default=8)
KARGAH_OUTBOX_BATCH_SIZE = env.int("KARGAH_OUTBOX_BATCH_SIZE", default=200)
KARGAH_OUTBOX_FLUSH_SECONDS = env.float("KARGAH_OUTBOX_FLUSH_SECONDS", default=25.0)
KARGAH_OUTBOX_MAX_ATTEMPTS = env.int("KARGAH_OUTBOX_MAX_ATTEMPTS", default=12)
KARGAH_SMS_DELIVERY_CHECK_HOURS = env.float("KARGAH_SMS_DELIVERY_CHECK_HOURS", default=48.0)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The domain of the Message-ID of each e-mail (kept as the message's provider reference).
KARGAH_EMAIL_DOMAIN = env("KARGAH_EMAIL_DOMAIN", default="kargah.local")

# E-mail (issue 12): production sends through SMTP, given as EMAIL_URL
# (smtp+tls://user:password@host:587). Without it, every e-mail is written as a file into
# KARGAH_EMAIL_DIR (var/mail/ beside manage.py), where a newcomer running the demo reads it.
KARGAH_EMAIL_DIR = env("KARGAH_EMAIL_DIR", default=str(BASE_DIR / "var" / "mail"))
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = KARGAH_EMAIL_DIR
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Kargah <no-reply@kargah.example>")

# Payments (docs/payments.md): "sandbox" is the built-in simulated bank of the demo and the
# tests (no real money); "zarinpal" takes real money.
KARGAH_PAYMENT_GATEWAY = env("KARGAH_PAYMENT_GATEWAY", default="sandbox")
# The sandbox bank answers only where this is on (the demo, a developer's DEBUG, a staging
# site that sets it explicitly): an unconfigured production site takes no pretend money,
# and `check --deploy` refuses the sandbox without it (kargah.E005) and warns with it.
KARGAH_ALLOW_SANDBOX_GATEWAY = env.bool(
    "KARGAH_ALLOW_SANDBOX_GATEWAY", default=DEBUG or KARGAH_DEMO
)
# How long an unfinished payment stays open before the expiry job closes it.
KARGAH_PAYMENT_TTL_SECONDS = env.int("KARGAH_PAYMENT_TTL_SECONDS", default=15 * 60)
# The site's public address (https://kargah.example.ir), from which the callback URL that a
# real gateway sends the family back to is built; empty gives relative URLs (the sandbox).
KARGAH_SITE_URL = env("KARGAH_SITE_URL", default="")
ZARINPAL_MERCHANT_ID = env("ZARINPAL_MERCHANT_ID", default="")
ZARINPAL_SANDBOX = env.bool("ZARINPAL_SANDBOX", default=False)
ZARINPAL_TIMEOUT_SECONDS = env.float("ZARINPAL_TIMEOUT_SECONDS", default=10.0)

# One-time sign-in codes for guardians.
KARGAH_OTP = {
    "LENGTH": 6,
    "VALID_SECONDS": 300,  # at most 10 minutes; 5 leaves room for a slow SMS
    "RESEND_AFTER_SECONDS": 60,
    "MAX_PER_MOBILE_PER_HOUR": 5,
    "MAX_PER_IP_PER_HOUR": 20,
    "MAX_FAILED_ATTEMPTS": 5,
    "LOCKOUT_SECONDS": 15 * 60,
}

# Session and CSRF cookies only over https: on by default, off for a developer (DEBUG) and
# the demo, which run on http://127.0.0.1 where a browser would drop a Secure cookie's
# sign-in. `check --deploy` refuses them off (kargah.E003).
SECURE_COOKIES = env.bool("DJANGO_SECURE_COOKIES", default=not (DEBUG or KARGAH_DEMO))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # httpx logs every request URL; a classroom URL's query carries room passwords and a
    # checksum that signs it, so it is cut from the line (docs/classroom.md).
    "filters": {"signed_urls": {"()": "kargah.classroom.logs.SignedUrlFilter"}},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"filters": ["signed_urls"]},
        # WeasyPrint logs each step of every PDF at INFO, fontTools each font it unpacks.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
KARGAH_BEHIND_PROXY = env.bool("KARGAH_BEHIND_PROXY", default=False)

# Seconds a web process may serve a rendered public catalog list to anonymous visitors
# (kargah.catalog.cache); every catalog change is seen at once regardless. 0 turns it off.
KARGAH_PUBLIC_CACHE_SECONDS = env.int("KARGAH_PUBLIC_CACHE_SECONDS", default=10)
# How often each process re-reads the shared catalog version (so other processes' changes
# reach it within this many seconds).
KARGAH_CATALOG_VERSION_SECONDS = env.float("KARGAH_CATALOG_VERSION_SECONDS", default=1.0)

# Enrollment: how long a seat is held while the family pays through the gateway, and how
# long a seat offered to the next family on a waiting list stays theirs.
KARGAH_SEAT_HOLD_SECONDS = env.int("KARGAH_SEAT_HOLD_SECONDS", default=15 * 60)
KARGAH_WAITLIST_OFFER_SECONDS = env.int("KARGAH_WAITLIST_OFFER_SECONDS", default=2 * 60 * 60)

# A class's life (issue 10, docs/makeups.md): minutes after a session's start with no
# instructor in the room before it is cancelled as the instructor's absence; whether a
# make-up the job proposes is confirmed at once (else staff confirm it); and how many days
# after the cancelled session the make-up is looked for.
KARGAH_INSTRUCTOR_NO_SHOW_MINUTES = env.int("KARGAH_INSTRUCTOR_NO_SHOW_MINUTES", default=15)
KARGAH_MAKEUP_AUTO_CONFIRM = env.bool("KARGAH_MAKEUP_AUTO_CONFIRM", default=False)
KARGAH_MAKEUP_SEARCH_DAYS = env.int("KARGAH_MAKEUP_SEARCH_DAYS", default=21)

# How the site shows money (amounts are always stored as whole Rials): "toman" (Rials ÷ 10,
# what families are used to) or "rial".
KARGAH_MONEY_DISPLAY = env("KARGAH_MONEY_DISPLAY", default="toman")
# The least money that moves between a family and a bank: a wallet top-up through the
# gateway and a refund to a Sheba account. 10,000 Rials (1,000 Toman) is the smallest
# payment Shaparak's gateways (Zarinpal among them) take; the Paya transfer of a refund has
# no published floor, but its bank fee makes a smaller transfer cost more than it carries.
KARGAH_MIN_TRANSFER_RIALS = env.int("KARGAH_MIN_TRANSFER_RIALS", default=10_000)

# The device check (R5, R8-R10; docs/device-check.md): how long a passed check stays good,
# and the connection a learner needs for a class with camera and microphone. BBB's own
# client warns from a 500 ms round trip and calls 1000 ms critical; a child's class with
# video wants margin, so the check asks for under 300 ms, and 1 Mbps down carries the
# teacher's camera, the slides and everyone's audio.
KARGAH_DEVICE_CHECK_VALID_DAYS = env.int("KARGAH_DEVICE_CHECK_VALID_DAYS", default=30)
KARGAH_DEVICE_CHECK_MAX_RTT_MS = env.int("KARGAH_DEVICE_CHECK_MAX_RTT_MS", default=300)
KARGAH_DEVICE_CHECK_MIN_DOWNLOAD_KBPS = env.int(
    "KARGAH_DEVICE_CHECK_MIN_DOWNLOAD_KBPS", default=1000
)

# The live classroom (docs/classroom.md): a BigBlueButton server or a Scalelite pool, which
# speaks the same API. KARGAH_BBB_URL ends in /bigbluebutton/; the secret is the server's
# (`bbb-conf --secret`) or Scalelite's LOADBALANCER_SECRET.
KARGAH_BBB_URL = env("KARGAH_BBB_URL", default="")
KARGAH_BBB_SECRET = env("KARGAH_BBB_SECRET", default="")
# The checksum's hash: sha256 (BBB 2.6+ and Scalelite), or sha1 for older servers.
KARGAH_BBB_CHECKSUM = env("KARGAH_BBB_CHECKSUM", default="sha256")
KARGAH_BBB_CONNECT_TIMEOUT_SECONDS = env.float("KARGAH_BBB_CONNECT_TIMEOUT_SECONDS", default=3.0)
KARGAH_BBB_READ_TIMEOUT_SECONDS = env.float("KARGAH_BBB_READ_TIMEOUT_SECONDS", default=8.0)
# The circuit breaker: after this many failures in a row, calls fail at once for so long.
KARGAH_BBB_BREAKER_FAILURES = env.int("KARGAH_BBB_BREAKER_FAILURES", default=5)
KARGAH_BBB_BREAKER_SECONDS = env.int("KARGAH_BBB_BREAKER_SECONDS", default=30)
# The fake BBB server at /fake-bbb/ (tests and the demo only; `check --deploy` refuses it,
# kargah.E011), and its artificial delay per API call for the join benchmark.
KARGAH_BBB_FAKE = env.bool("KARGAH_BBB_FAKE", default=False)
KARGAH_BBB_FAKE_DELAY_MS = env.int("KARGAH_BBB_FAKE_DELAY_MS", default=0)
# The join button shows this many minutes before a session and goes at its end; the room
# ends this many minutes after the session's end; a new offering's rooms record or not.
KARGAH_JOIN_OPENS_MINUTES = env.int("KARGAH_JOIN_OPENS_MINUTES", default=15)
KARGAH_ROOM_GRACE_MINUTES = env.int("KARGAH_ROOM_GRACE_MINUTES", default=30)
KARGAH_ROOM_RECORD_DEFAULT = env.bool("KARGAH_ROOM_RECORD_DEFAULT", default=False)
# An untaught session whose classroom failed every call for this many minutes of its own
# time, with nobody inside, is cancelled by the center as an outage (P3: a make-up is owed).
KARGAH_CLASSROOM_OUTAGE_MINUTES = env.int("KARGAH_CLASSROOM_OUTAGE_MINUTES", default=15)
# The fake's meetings, shared by every web process: Redis, or a folder in the demo.
CACHES["fakebbb"] = (
    {**_default_cache, "KEY_PREFIX": "fakebbb"}
    if "redis" in str(_default_cache["BACKEND"]).lower()
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "fakebbb"),
    }
)

# Attendance (issue 10, item 6): a learner in the room for at least PRESENT_PERCENT of the
# session's length, who came in no later than LATE_MINUTES after its start, is proposed
# present; one who came later or stayed less is proposed late; one never seen, absent. The
# instructor confirms or corrects within CONFIRM_DAYS days of the session's end (then only
# center staff may, audited).
KARGAH_ATTENDANCE_PRESENT_PERCENT = env.int("KARGAH_ATTENDANCE_PRESENT_PERCENT", default=50)
KARGAH_ATTENDANCE_LATE_MINUTES = env.int("KARGAH_ATTENDANCE_LATE_MINUTES", default=10)
KARGAH_ATTENDANCE_CONFIRM_DAYS = env.int("KARGAH_ATTENDANCE_CONFIRM_DAYS", default=3)

# Certificates of completion (issue 13, item 6): the periodic job looks again at places
# completed in the last RECHECK_DAYS days without one (attendance corrected after the end);
# the public verify page answers at most VERIFY_PER_10_MINUTES look-ups per address.
KARGAH_CERTIFICATE_RECHECK_DAYS = env.int("KARGAH_CERTIFICATE_RECHECK_DAYS", default=14)
KARGAH_CERTIFICATE_VERIFY_PER_10_MINUTES = env.int(
    "KARGAH_CERTIFICATE_VERIFY_PER_10_MINUTES", default=30
)
