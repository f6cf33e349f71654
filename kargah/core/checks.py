"""Production guards: system checks that make `manage.py check --deploy` fail on a demo set-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

# SMS providers that never reach a phone: "console" prints, "fake" keeps messages in memory.
PRETEND_SMS_PROVIDERS = frozenset({"console", "fake"})
# Gateways that move real money and send the family back to KARGAH_SITE_URL.
REAL_GATEWAYS = frozenset({"zarinpal"})

# Every guard below is an Error unless a line says otherwise: `check --deploy` exits non-zero
# on an Error (Django's own deploy checks are Warnings, which a deploy script ignores).
# Operators read these in a terminal, in English like Django's own checks (docs/operations.md
# lists them with the settings that silence them).
Check = Callable[..., list[CheckMessage]]
DEPLOY_CHECKS: list[Check] = []


def deploy_check(function: Check) -> Check:
    """Registers `function` as a security check that runs with `check --deploy` only."""
    DEPLOY_CHECKS.append(function)
    return register(Tags.security, deploy=True)(function)


def _setting(name: str, default: Any = "") -> Any:
    return getattr(settings, name, default)


@deploy_check
def check_debug(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Django's own W018 is only a warning; a debug page shows the URL map and settings."""
    if settings.DEBUG:
        return [
            Error(
                "DEBUG is on: error pages show code, settings and the URL map to anyone.",
                hint="Unset DJANGO_DEBUG (it defaults to false) or set DJANGO_DEBUG=false.",
                id="kargah.E001",
            )
        ]
    return []


@deploy_check
def check_demo_mode(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The demo mode turns off the Secure flag of cookies so the demo works over http."""
    messages: list[CheckMessage] = []
    if _setting("KARGAH_DEMO", False):
        messages.append(
            Error(
                "KARGAH_DEMO is on: it is for the local demo over plain http.",
                hint="Unset KARGAH_DEMO in production.",
                id="kargah.E002",
            )
        )
    if not (_setting("SESSION_COOKIE_SECURE", False) and _setting("CSRF_COOKIE_SECURE", False)):
        messages.append(
            Error(
                "Session and CSRF cookies are sent without the Secure flag.",
                hint="Unset DJANGO_SECURE_COOKIES (it defaults to true with DEBUG off).",
                id="kargah.E003",
            )
        )
    return messages


@deploy_check
def check_payment_gateway(
    app_configs: Iterable[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Finding 2 of issue 8: an unconfigured site ran the sandbox bank, whose page mints
    wallet credit for pretend money."""
    from kargah.payments.gateways import PROVIDERS

    gateway = str(_setting("KARGAH_PAYMENT_GATEWAY", "sandbox"))
    allowed = bool(_setting("KARGAH_ALLOW_SANDBOX_GATEWAY", False))
    messages: list[CheckMessage] = []
    if gateway not in PROVIDERS:
        messages.append(
            Error(
                f"KARGAH_PAYMENT_GATEWAY={gateway!r} is not a known gateway.",
                hint=f"Use one of: {', '.join(sorted(PROVIDERS))}.",
                id="kargah.E004",
            )
        )
    elif gateway == "sandbox":
        if allowed:
            messages.append(
                Warning(
                    "The sandbox bank is the payment gateway: payments are simulated and "
                    "credit is pretend money (allowed by KARGAH_ALLOW_SANDBOX_GATEWAY).",
                    hint="Only on a staging site; production sets KARGAH_PAYMENT_GATEWAY.",
                    id="kargah.W001",
                )
            )
        else:
            messages.append(
                Error(
                    "The sandbox bank is the payment gateway: anyone could pay with pretend money.",
                    hint="Set KARGAH_PAYMENT_GATEWAY=zarinpal with ZARINPAL_MERCHANT_ID and "
                    "KARGAH_SITE_URL (a staging site may set KARGAH_ALLOW_SANDBOX_GATEWAY=true).",
                    id="kargah.E005",
                )
            )
    if gateway == "zarinpal":
        if not str(_setting("ZARINPAL_MERCHANT_ID", "")).strip():
            messages.append(
                Error(
                    "Zarinpal is the payment gateway but ZARINPAL_MERCHANT_ID is empty.",
                    hint="Set ZARINPAL_MERCHANT_ID to the merchant id of the center's account.",
                    id="kargah.E006",
                )
            )
        if _setting("ZARINPAL_SANDBOX", False):
            level = Warning if allowed else Error
            messages.append(
                level(
                    "ZARINPAL_SANDBOX is on: payments go to Zarinpal's test host and no real "
                    "money moves.",
                    hint="Unset ZARINPAL_SANDBOX (a staging site may set "
                    "KARGAH_ALLOW_SANDBOX_GATEWAY=true).",
                    id="kargah.W002" if allowed else "kargah.E007",
                )
            )
    if gateway in REAL_GATEWAYS:
        site = str(_setting("KARGAH_SITE_URL", "")).strip()
        parts = urlsplit(site)
        if parts.scheme != "https" or not parts.netloc:
            messages.append(
                Error(
                    "KARGAH_SITE_URL must be the site's https address while a real gateway "
                    f"is used (it is {site!r}): the bank sends families back to it.",
                    hint="Set KARGAH_SITE_URL=https://your.domain",
                    id="kargah.E008",
                )
            )
    return messages


@deploy_check
def check_sms_provider(
    app_configs: Iterable[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """With a pretend provider no sign-in code ever reaches a family."""
    provider = str(_setting("KARGAH_SMS_PROVIDER", "console"))
    if provider in PRETEND_SMS_PROVIDERS:
        return [
            Error(
                f"KARGAH_SMS_PROVIDER={provider!r} sends no SMS: sign-in codes never arrive.",
                hint="Set KARGAH_SMS_PROVIDER=kavenegar with KAVENEGAR_API_KEY and "
                "KAVENEGAR_SENDER.",
                id="kargah.E009",
            )
        ]
    required = {
        "kavenegar": ("KAVENEGAR_API_KEY", "KAVENEGAR_SENDER"),
        "smsir": ("SMSIR_API_KEY", "SMSIR_LINE_NUMBER"),
    }
    if provider in required:
        missing = [name for name in required[provider] if not str(_setting(name, "")).strip()]
        if missing:
            return [
                Error(
                    f"{provider} is the SMS provider but {' and '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} empty.",
                    hint=f"Set {' and '.join(required[provider])} from the provider's panel.",
                    id="kargah.E010",
                )
            ]
        return []
    return [
        Error(
            f"KARGAH_SMS_PROVIDER={provider!r} is not a known SMS provider.",
            hint="Set KARGAH_SMS_PROVIDER=kavenegar or smsir.",
            id="kargah.E012",
        )
    ]


# E-mail backends that never reach a mailbox: files (the demo), the terminal, memory, nothing.
PRETEND_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)


@deploy_check
def check_email(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """A warning, not an error: SMS carries every message that must arrive, and a site may
    choose not to offer e-mail; but a guardian who chose e-mail would read nothing."""
    backend = str(_setting("EMAIL_BACKEND", ""))
    if backend in PRETEND_EMAIL_BACKENDS:
        return [
            Warning(
                f"EMAIL_BACKEND is {backend.rsplit('.', 2)[-2]}: e-mails to families are "
                "written locally, never sent.",
                hint="Set EMAIL_URL=smtp+tls://user:password@host:587.",
                id="kargah.W003",
            )
        ]
    return []


# Shared secrets anyone can read: BBB's documentation example and the old public test
# server's, and the secrets of Kargah's own tests and demo (the fake BBB).
WELL_KNOWN_BBB_SECRETS = frozenset(
    {
        "639259d4-9dd8-4b25-bf01-95f9567eaf4b",
        "8cd8ef52e8e101574e400365b55e11a6",
        "kargah-test-bbb-secret",
        "kargah-demo-bbb-secret",
    }
)


@deploy_check
def check_classroom(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The fake BBB server admits anyone who reads its secret; a known secret lets anyone
    sign join URLs as a moderator of any class."""
    problems = []
    if _setting("KARGAH_BBB_FAKE", False):
        problems.append("KARGAH_BBB_FAKE is on: the fake classroom server answers at /fake-bbb/.")
    secret = str(_setting("KARGAH_BBB_SECRET", "")).strip()
    if not secret:
        problems.append("KARGAH_BBB_SECRET is empty: no class can be joined.")
    elif secret in WELL_KNOWN_BBB_SECRETS:
        problems.append("KARGAH_BBB_SECRET is a well-known test secret.")
    url = urlsplit(str(_setting("KARGAH_BBB_URL", "")).strip())
    if url.scheme != "https" or not url.netloc:
        problems.append("KARGAH_BBB_URL must be the https address of BigBlueButton or Scalelite.")
    return [
        Error(
            problem,
            hint="Unset KARGAH_BBB_FAKE; set KARGAH_BBB_URL=https://bbb.example.ir/bigbluebutton/ "
            "and KARGAH_BBB_SECRET from `bbb-conf --secret` (or Scalelite's LOADBALANCER_SECRET).",
            id="kargah.E011",
        )
        for problem in problems
    ]


@deploy_check
def check_database(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """SQLite is the demo's embedded database: one writer at a time, row locks ignored."""
    engines = {str(db.get("ENGINE", "")) for db in settings.DATABASES.values()}
    if any(engine.endswith("sqlite3") for engine in engines):
        return [
            Error(
                "The database is SQLite, the demo's embedded file.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/kargah.",
                id="kargah.E013",
            )
        ]
    return []


@deploy_check
def check_secret_key(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Django's own W009 only warns; a known key lets anyone forge sessions and tokens."""
    try:
        key = str(settings.SECRET_KEY or "")
    except ImproperlyConfigured:  # Django refuses to read an empty key
        key = ""
    problem = ""
    if not key:
        problem = "DJANGO_SECRET_KEY is not set."
    elif key == _setting("KARGAH_DEMO_SECRET_KEY"):
        problem = "SECRET_KEY is the demo's published key."
    elif (
        key.startswith(SECRET_KEY_INSECURE_PREFIX)
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    ):
        problem = (
            f"SECRET_KEY is weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones, and no "
            f"{SECRET_KEY_INSECURE_PREFIX!r} prefix."
        )
    if problem:
        return [
            Error(
                problem,
                hint="Set DJANGO_SECRET_KEY to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="kargah.E014",
            )
        ]
    return []
