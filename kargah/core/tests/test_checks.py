"""Production guards (issue 8, finding 2): `check --deploy` fails on a demo set-up."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from kargah.core import checks

STRONG_KEY = "r7Qm2-xN9vLk4TzP0aWc8JhE3uYsB6dFgR1oKpV5iXnM_qZtCeHwLjA"


def _production(settings: Any) -> None:
    """Everything production must set, set (docs/operations.md)."""
    settings.DEBUG = False
    settings.KARGAH_DEMO = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECRET_KEY = STRONG_KEY
    settings.KARGAH_PAYMENT_GATEWAY = "zarinpal"
    settings.KARGAH_ALLOW_SANDBOX_GATEWAY = False
    settings.ZARINPAL_MERCHANT_ID = "1344b5d4-0048-11e8-94db-005056a205be"
    settings.ZARINPAL_SANDBOX = False
    settings.KARGAH_SITE_URL = "https://kargah.example.ir"
    settings.KARGAH_SMS_PROVIDER = "kavenegar"
    settings.KAVENEGAR_API_KEY = "a-kavenegar-key"
    settings.KAVENEGAR_SENDER = "10004346"
    settings.KARGAH_BBB_FAKE = False
    settings.KARGAH_BBB_URL = "https://bbb.kargah.example.ir/bigbluebutton/"
    settings.KARGAH_BBB_SECRET = "y0bK2hWq8vN4pL6sT1xZ3cR5mJ7dF9gA"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    _production(settings)
    # Overriding DATABASES through settings warns (and warnings are errors here); the check
    # only reads the setting, so the test database itself is untouched.
    databases = copy.deepcopy(django_settings.DATABASES)
    databases["default"]["ENGINE"] = "django.db.backends.postgresql"
    monkeypatch.setattr(django_settings, "DATABASES", databases)
    return settings


def _ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def _kargah_deploy_messages() -> list[Any]:
    return [message for check in checks.DEPLOY_CHECKS for message in check(None)]


def test_check_deploy_fails_with_the_sandbox_gateway(production):
    production.KARGAH_PAYMENT_GATEWAY = "sandbox"
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True)
    assert "kargah.E005" in str(raised.value)


def test_check_deploy_passes_with_a_real_gateway_and_provider(production, capsys):
    call_command("check", deploy=True, fail_level="ERROR")
    assert _kargah_deploy_messages() == []
    assert "kargah." not in capsys.readouterr().err


def test_the_checks_run_only_with_deploy(settings):
    settings.KARGAH_PAYMENT_GATEWAY = "sandbox"
    settings.KARGAH_ALLOW_SANDBOX_GATEWAY = False
    call_command("check")  # the demo and development are not refused


def test_every_guard_is_registered_for_deploy_under_the_security_tag():
    from django.core.checks import registry

    deploy = registry.registry.get_checks(include_deployment_checks=True)
    plain = registry.registry.get_checks(include_deployment_checks=False)
    for check in checks.DEPLOY_CHECKS:
        assert check in deploy
        assert check not in plain
        assert "security" in check.tags


def test_debug_on_is_refused(production):
    production.DEBUG = True
    assert _ids(checks.check_debug()) == ["kargah.E001"]
    assert isinstance(checks.check_debug()[0], Error)


def test_the_demo_mode_and_insecure_cookies_are_refused(production):
    production.KARGAH_DEMO = True
    assert _ids(checks.check_demo_mode()) == ["kargah.E002"]
    production.KARGAH_DEMO = False
    production.SESSION_COOKIE_SECURE = False
    assert _ids(checks.check_demo_mode()) == ["kargah.E003"]


def test_the_sandbox_gateway_is_an_error_without_the_staging_setting(production):
    production.KARGAH_PAYMENT_GATEWAY = "sandbox"
    [message] = checks.check_payment_gateway()
    assert (message.id, type(message)) == ("kargah.E005", Error)


def test_the_sandbox_gateway_is_a_warning_on_a_declared_staging_site(production):
    production.KARGAH_PAYMENT_GATEWAY = "sandbox"
    production.KARGAH_ALLOW_SANDBOX_GATEWAY = True
    [message] = checks.check_payment_gateway()
    assert (message.id, type(message)) == ("kargah.W001", Warning)
    # A warning does not fail the deploy: staging can deploy.
    call_command("check", deploy=True, fail_level="ERROR")


def test_an_unknown_gateway_is_refused(production):
    production.KARGAH_PAYMENT_GATEWAY = "mellat"
    assert _ids(checks.check_payment_gateway()) == ["kargah.E004"]


@pytest.mark.parametrize("merchant", ["", "   "])
def test_zarinpal_without_a_merchant_id_is_refused(production, merchant):
    production.ZARINPAL_MERCHANT_ID = merchant
    assert _ids(checks.check_payment_gateway()) == ["kargah.E006"]


def test_zarinpals_test_host_is_refused_unless_on_staging(production):
    production.ZARINPAL_SANDBOX = True
    assert _ids(checks.check_payment_gateway()) == ["kargah.E007"]
    production.KARGAH_ALLOW_SANDBOX_GATEWAY = True
    assert _ids(checks.check_payment_gateway()) == ["kargah.W002"]


@pytest.mark.parametrize(
    "site", ["", "http://kargah.example.ir", "kargah.example.ir", "https://", "ftp://x.ir"]
)
def test_a_real_gateway_needs_the_sites_https_address(production, site):
    production.KARGAH_SITE_URL = site
    assert _ids(checks.check_payment_gateway()) == ["kargah.E008"]


@pytest.mark.parametrize("provider", ["console", "fake"])
def test_a_pretend_sms_provider_is_refused(production, provider):
    production.KARGAH_SMS_PROVIDER = provider
    assert _ids(checks.check_sms_provider()) == ["kargah.E009"]


@pytest.mark.parametrize(
    ("key", "sender", "named"),
    [
        ("", "10004346", "KAVENEGAR_API_KEY"),
        ("a-key", "", "KAVENEGAR_SENDER"),
        ("", "", "KAVENEGAR_API_KEY and KAVENEGAR_SENDER"),
    ],
)
def test_kavenegar_needs_its_key_and_sender(production, key, sender, named):
    production.KAVENEGAR_API_KEY = key
    production.KAVENEGAR_SENDER = sender
    [message] = checks.check_sms_provider()
    assert message.id == "kargah.E010"
    assert named in message.msg


def test_an_unknown_sms_provider_is_refused(production):
    production.KARGAH_SMS_PROVIDER = "magfa"
    assert _ids(checks.check_sms_provider()) == ["kargah.E012"]


def test_smsir_needs_its_key_and_line(production):
    production.KARGAH_SMS_PROVIDER = "smsir"
    production.SMSIR_API_KEY = "an-smsir-key"
    production.SMSIR_LINE_NUMBER = ""
    [message] = checks.check_sms_provider()
    assert message.id == "kargah.E010"
    assert "SMSIR_LINE_NUMBER" in message.msg
    production.SMSIR_LINE_NUMBER = "30007732900000"
    assert checks.check_sms_provider() == []


def test_e_mail_written_to_files_is_a_warning(production):
    production.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    [message] = checks.check_email()
    assert (message.id, type(message)) == ("kargah.W003", Warning)
    call_command("check", deploy=True, fail_level="ERROR")  # a warning: the deploy goes on


def test_sqlite_is_refused(production, monkeypatch):
    databases = copy.deepcopy(django_settings.DATABASES)
    databases["default"]["ENGINE"] = "django.db.backends.sqlite3"
    monkeypatch.setattr(django_settings, "DATABASES", databases)
    assert _ids(checks.check_database()) == ["kargah.E013"]


@pytest.mark.parametrize(
    "key",
    [
        "kargah-local-demo-key-not-for-production",  # the demo's published default
        "short-but-random-Q9x",  # shorter than Django's 50
        "ab" * 40,  # long, but two different characters
        "django-insecure-" + STRONG_KEY,  # startproject's placeholder prefix
    ],
)
def test_a_default_or_weak_secret_key_is_refused(production, key):
    production.SECRET_KEY = key
    assert _ids(checks.check_secret_key()) == ["kargah.E014"]


def test_a_missing_secret_key_is_refused(production):
    production.SECRET_KEY = ""
    [message] = checks.check_secret_key()
    assert message.id == "kargah.E014"
    assert "not set" in message.msg


def test_the_fake_classroom_is_refused(production):
    production.KARGAH_BBB_FAKE = True
    assert _ids(checks.check_classroom()) == ["kargah.E011"]


@pytest.mark.parametrize(
    "secret", ["", "639259d4-9dd8-4b25-bf01-95f9567eaf4b", "8cd8ef52e8e101574e400365b55e11a6"]
)
def test_a_missing_or_well_known_classroom_secret_is_refused(production, secret):
    production.KARGAH_BBB_SECRET = secret
    assert _ids(checks.check_classroom()) == ["kargah.E011"]


@pytest.mark.parametrize("url", ["", "http://bbb.example.ir/bigbluebutton/"])
def test_the_classroom_needs_an_https_address(production, url):
    production.KARGAH_BBB_URL = url
    assert _ids(checks.check_classroom()) == ["kargah.E011"]


def test_the_demo_key_is_the_settings_fallback():
    assert django_settings.KARGAH_DEMO_SECRET_KEY == "kargah-local-demo-key-not-for-production"


def test_docs_operations_names_every_setting_base_reads():
    """docs/operations.md lists every setting (issue 8, item 2): one base.py reads from the
    environment and the docs leave out would be a setting production cannot know about."""
    root = Path(django_settings.BASE_DIR)
    source = (root / "config" / "settings" / "base.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"DJANGO_SECRET_KEY", "KARGAH_ALLOW_SANDBOX_GATEWAY", "KARGAH_DEMO"} <= names
    operations = (root / "docs" / "operations.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in operations)
    assert missing == []


def test_docs_operations_names_every_guard():
    operations = (Path(django_settings.BASE_DIR) / "docs" / "operations.md").read_text()
    source = Path(checks.__file__).read_text()
    ids = set(re.findall(r'"(kargah\.[EW]\d{3})"', source))
    assert len(ids) >= 14
    assert sorted(i for i in ids if i not in operations) == []
    assert "kargah.E011" in operations  # the classroom's guard
