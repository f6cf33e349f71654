"""Issue 8: no text typed into any form or sent to any serializer gives a 500 or an English
message. Every form and input serializer of kargah is found by walking the apps' modules
and must be listed below (a new one fails the listing test until it is); hypothesis then
fills every field with arbitrary Unicode, digits of every script, huge strings and JSON
values, in Persian, and checks that validation answers and each message is Persian (no
Latin letters, once the echoed input is taken out)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django import forms
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

import kargah
from kargah.accounts import api as accounts_api
from kargah.accounts import forms as accounts_forms
from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import CenterFactory, LearnerFactory, StaffFactory
from kargah.catalog import api as catalog_api
from kargah.catalog import forms_drafts, forms_public, forms_staff, forms_terms
from kargah.catalog.tests.factories import OfferingFactory
from kargah.certificates import forms as certificates_forms
from kargah.core import forms as core_forms
from kargah.core import serializers as core_serializers
from kargah.core.forms import PersianDigitsMixin
from kargah.core.serializers import LatinDigitsMixin
from kargah.devicecheck import api as devicecheck_api
from kargah.devicecheck import forms as devicecheck_forms
from kargah.documents import api as documents_api
from kargah.documents import forms as documents_forms
from kargah.enrollment import api as enrollment_api
from kargah.enrollment import forms as enrollment_forms
from kargah.enrollment import forms_messages as enrollment_forms_messages
from kargah.notifications import api as notifications_api
from kargah.notifications import forms as notifications_forms
from kargah.notifications import forms_staff as notifications_forms_staff
from kargah.payments import forms as payments_forms
from kargah.sla import forms as sla_forms
from kargah.teaching import api as teaching_api
from kargah.teaching import forms as teaching_forms
from kargah.wallet import api as wallet_api
from kargah.wallet import forms as wallet_forms

pytestmark = pytest.mark.django_db

LATIN_LETTERS = re.compile(r"[A-Za-z]")
# What a Persian message may carry in Latin letters, not being English: the IR of a Sheba
# number and its example, a path on the site (/wallet/), a file format (PDF, XLSX) and the
# hours:minutes pattern of a time.
NOT_ENGLISH = re.compile(r"\bIR(?=[\d\s]|\b)|(?<![A-Za-z])/[a-z0-9/_-]*/|\b[A-Z]{2,5}\b|HH:MM")
EXAMPLES = 60


def _kargah_modules() -> Iterator[Any]:
    """Every app's forms and API modules (forms.py, forms_*.py, api.py)."""
    for info in pkgutil.walk_packages(kargah.__path__, "kargah."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".tests" in info.name or not (leaf == "api" or leaf.startswith("forms")):
            continue
        yield importlib.import_module(info.name)


def _declared(base: type) -> set[type]:
    found: set[type] = set()
    for module in _kargah_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module.__name__:
                found.add(cls)
    return found


# --- what is under test, and how each is built -------------------------------------------------

Build = Callable[[dict[str, Any]], Any]


class World:
    """The rows the forms need: a staff member, an administrator and a family's child."""

    def __init__(self) -> None:
        center = CenterFactory.create()
        self.staff = StaffFactory.create(center=center)
        self.admin = User.objects.create(username="admin-props", role=Role.ADMINISTRATOR)
        self.learner = LearnerFactory.create()
        self.offering = OfferingFactory.create()
        self.published = OfferingFactory.create(published=True, course__center=center)


def form_builders(world: World) -> dict[type, Build]:
    today = dt.date(2024, 5, 4)
    return {
        accounts_forms.MobileForm: lambda d: accounts_forms.MobileForm(d),
        accounts_forms.CodeForm: lambda d: accounts_forms.CodeForm(d),
        accounts_forms.LearnerForm: lambda d: accounts_forms.LearnerForm(d),
        forms_public.CatalogFilterForm: lambda d: forms_public.CatalogFilterForm(
            d, learners=[world.learner], today=today
        ),
        forms_public.FamilyChildForm: lambda d: forms_public.FamilyChildForm(
            d, learners=[world.learner], today=today
        ),
        forms_staff.CourseForm: lambda d: forms_staff.CourseForm(d, user=world.admin),
        forms_staff.OfferingForm: lambda d: forms_staff.OfferingForm(d, user=world.staff),
        forms_staff.OfferingChangeForm: lambda d: forms_staff.OfferingChangeForm(
            d, user=world.staff, offering=world.published
        ),
        forms_drafts.CourseEditForm: lambda d: forms_drafts.CourseEditForm(
            d, user=world.staff, course=world.published.course
        ),
        forms_drafts.OfferingEditForm: lambda d: forms_drafts.OfferingEditForm(
            d, user=world.staff, offering=world.published
        ),
        forms_staff.RescheduleForm: lambda d: forms_staff.RescheduleForm(d),
        forms_staff.SessionCancelForm: lambda d: forms_staff.SessionCancelForm(d),
        forms_staff.MakeupSlotForm: lambda d: forms_staff.MakeupSlotForm(d),
        forms_staff.HolidayForm: lambda d: forms_staff.HolidayForm(d, user=world.admin),
        forms_staff.HolidayMoveForm: lambda d: forms_staff.HolidayMoveForm(d),
        forms_staff.ImportForm: lambda d: forms_staff.ImportForm(d, {}),
        forms_terms.TermForm: lambda d: forms_terms.TermForm(d, user=world.admin),
        forms_terms.ConditionsForm: lambda d: forms_terms.ConditionsForm(d),
        sla_forms.SlaVersionForm: lambda d: sla_forms.SlaVersionForm(d),
        documents_forms.DocumentUploadForm: lambda d: documents_forms.DocumentUploadForm(
            d, {}, names=["کارنامه"]
        ),
        documents_forms.DocumentReviewForm: lambda d: documents_forms.DocumentReviewForm(d),
        enrollment_forms.RegisterForm: lambda d: enrollment_forms.RegisterForm(
            d, learners=[world.learner]
        ),
        enrollment_forms.WaitingListForm: lambda d: enrollment_forms.WaitingListForm(
            d, learners=[world.learner]
        ),
        enrollment_forms.CenterCancelForm: lambda d: enrollment_forms.CenterCancelForm(d),
        enrollment_forms.SwitchForm: lambda d: enrollment_forms.SwitchForm(
            d, offerings=[world.offering]
        ),
        enrollment_forms_messages.FamilyMessageForm: (
            lambda d: enrollment_forms_messages.FamilyMessageForm(d)
        ),
        notifications_forms_staff.OutboxFilterForm: (
            lambda d: notifications_forms_staff.OutboxFilterForm(d, kinds=["otp", "staff_message"])
        ),
        payments_forms.TopUpForm: lambda d: payments_forms.TopUpForm(d),
        wallet_forms.RefundRequestForm: lambda d: wallet_forms.RefundRequestForm(d),
        wallet_forms.RefundRejectForm: lambda d: wallet_forms.RefundRejectForm(d),
        wallet_forms.RefundPaidForm: lambda d: wallet_forms.RefundPaidForm(d),
        wallet_forms.LedgerPeriodForm: lambda d: wallet_forms.LedgerPeriodForm(d),
        devicecheck_forms.DeviceCheckForm: lambda d: devicecheck_forms.DeviceCheckForm(d),
        teaching_forms.AttendanceMarkForm: lambda d: teaching_forms.AttendanceMarkForm(d),
        teaching_forms.ConductNoteForm: lambda d: teaching_forms.ConductNoteForm(d),
        teaching_forms.ProblemReportForm: lambda d: teaching_forms.ProblemReportForm(d),
        certificates_forms.VerifyForm: lambda d: certificates_forms.VerifyForm(d),
        certificates_forms.RevokeForm: lambda d: certificates_forms.RevokeForm(d),
        notifications_forms.NotificationPreferencesForm: (
            lambda d: notifications_forms.NotificationPreferencesForm(d)
        ),
    }


# Bases of the forms above, never built alone.
ABSTRACT_FORMS = {
    core_forms.Form,
    core_forms.ModelForm,
    core_forms.ConfirmWarningsMixin,
    enrollment_forms._LearnerForm,
}

INPUT_SERIALIZERS: list[type[serializers.Serializer]] = [
    accounts_api.MobileSerializer,
    accounts_api.CodeSerializer,
    accounts_api.LearnerSerializer,
    catalog_api.OfferingFilterSerializer,
    enrollment_api.EnrollmentCreateSerializer,
    enrollment_api.EnrollmentSwitchSerializer,
    enrollment_api.TopUpInputSerializer,
    wallet_api.RefundRequestInputSerializer,
    documents_api.DocumentUploadSerializer,
    teaching_api.AttendanceQuerySerializer,
    teaching_api.AttendanceMarkSerializer,
    devicecheck_api.DeviceCheckCreateSerializer,
]
# Serializers that only shape answers: no request body or query is read through them.
OUTPUT_SERIALIZERS = {
    notifications_api.InboxItemSerializer,
    notifications_api.UnreadCountSerializer,
    notifications_api.MarkedSerializer,
    accounts_api.TokenSerializer,
    accounts_api.StaffTokenSerializer,
    accounts_api.CodeSentSerializer,
    accounts_api.NeutralAnswerSerializer,
    accounts_api.LearnerLinkSerializer,
    accounts_api.MeSerializer,
    catalog_api.CategorySerializer,
    catalog_api.ProvinceSerializer,
    catalog_api.CenterSerializer,
    catalog_api.AgeGroupSerializer,
    catalog_api.WeeklySlotSerializer,
    catalog_api.SessionSerializer,
    catalog_api.ConditionsSerializer,
    catalog_api.OfferingListSerializer,
    catalog_api.OfferingDetailSerializer,
    enrollment_api.ErrorSerializer,
    enrollment_api.EnrollmentSerializer,
    enrollment_api.WalletEntrySerializer,
    enrollment_api.WalletSerializer,
    enrollment_api.TopUpSerializer,
    wallet_api.RefundRequestSerializer,
    documents_api.DocumentSerializer,
    documents_api.DocumentNeedSerializer,
    documents_api.CourseNeedsSerializer,
    documents_api.DocumentOverviewSerializer,
    teaching_api.AttendanceRowSerializer,
    teaching_api.AttendanceSheetSerializer,
    devicecheck_api.DeviceCheckSerializer,
    devicecheck_api.LearnerDeviceCheckSerializer,
}


def test_every_form_of_kargah_is_under_test() -> None:
    listed = set(_FORM_CLASSES) | ABSTRACT_FORMS
    missing = _declared(forms.BaseForm) - listed
    assert not missing, f"add these forms to form_builders: {sorted(c.__name__ for c in missing)}"


def test_every_serializer_of_kargah_is_under_test() -> None:
    bases = {core_serializers.Serializer, core_serializers.ModelSerializer}
    listed = set(INPUT_SERIALIZERS) | OUTPUT_SERIALIZERS | bases
    missing = _declared(serializers.BaseSerializer) - listed
    assert not missing, f"list these serializers: {sorted(c.__name__ for c in missing)}"


def test_every_form_has_a_builder(world: World) -> None:
    assert set(form_builders(world)) == set(_FORM_CLASSES)


def test_every_form_and_input_serializer_reads_any_digits() -> None:
    assert all(issubclass(cls, PersianDigitsMixin) for cls in _FORM_CLASSES)
    assert all(issubclass(cls, LatinDigitsMixin) for cls in INPUT_SERIALIZERS)


def test_every_number_field_has_a_maximum(world: World) -> None:
    """A number past its column is a form error, never an overflow (25 nines as a fee)."""
    unbounded = [
        f"{cls.__name__}.{name}"
        for cls, build in form_builders(world).items()
        for name, field in build({}).fields.items()
        if isinstance(field, forms.IntegerField) and field.max_value is None
    ] + [
        f"{cls.__name__}.{name}"
        for cls in INPUT_SERIALIZERS
        for name, field in cls().fields.items()
        if isinstance(field, serializers.IntegerField)
        and not field.read_only
        and field.max_value is None
    ]
    assert not unbounded


def test_every_model_choice_refuses_an_id_past_the_integers(world: World) -> None:
    """On SQLite (the demo) Django lets an id like 25 nines reach the database, which raises
    OverflowError (a 500); the core fields make it a choice that is not in the list."""
    plain = [
        f"{cls.__name__}.{name}"
        for cls, build in form_builders(world).items()
        for name, field in build({}).fields.items()
        if isinstance(field, forms.ModelChoiceField)
        and not isinstance(field, core_forms.ModelChoiceField | core_forms.ModelMultipleChoiceField)
    ]
    assert not plain


def test_a_model_choice_past_the_integers_is_a_persian_error(monkeypatch: Any) -> None:
    from django.db.models.query import QuerySet

    from kargah.accounts.models import Province

    def overflow(*args: Any, **kwargs: Any) -> Any:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(QuerySet, "get", overflow)
    monkeypatch.setattr(QuerySet, "__iter__", overflow)
    single = core_forms.ModelChoiceField(queryset=Province.objects.all())
    many = core_forms.ModelMultipleChoiceField(queryset=Province.objects.all())
    for field, value in ((single, "9" * 25), (many, ["9" * 25])):
        with translation.override("fa"), pytest.raises(core_forms.ValidationError) as refused:
            field.clean(value)
        assert not _english({"f": refused.value.messages}, {"f": value})


_FORM_CLASSES = [
    accounts_forms.MobileForm,
    accounts_forms.CodeForm,
    accounts_forms.LearnerForm,
    forms_public.CatalogFilterForm,
    forms_public.FamilyChildForm,
    forms_staff.CourseForm,
    forms_staff.OfferingForm,
    forms_staff.OfferingChangeForm,
    forms_drafts.CourseEditForm,
    forms_drafts.OfferingEditForm,
    forms_staff.RescheduleForm,
    forms_staff.SessionCancelForm,
    forms_staff.MakeupSlotForm,
    forms_staff.HolidayForm,
    forms_staff.HolidayMoveForm,
    forms_terms.TermForm,
    forms_terms.ConditionsForm,
    sla_forms.SlaVersionForm,
    forms_staff.ImportForm,
    documents_forms.DocumentUploadForm,
    documents_forms.DocumentReviewForm,
    enrollment_forms.RegisterForm,
    enrollment_forms.WaitingListForm,
    enrollment_forms.SwitchForm,
    enrollment_forms.CenterCancelForm,
    enrollment_forms_messages.FamilyMessageForm,
    notifications_forms_staff.OutboxFilterForm,
    payments_forms.TopUpForm,
    wallet_forms.RefundRequestForm,
    wallet_forms.RefundRejectForm,
    wallet_forms.RefundPaidForm,
    wallet_forms.LedgerPeriodForm,
    devicecheck_forms.DeviceCheckForm,
    teaching_forms.AttendanceMarkForm,
    teaching_forms.ConductNoteForm,
    teaching_forms.ProblemReportForm,
    certificates_forms.VerifyForm,
    certificates_forms.RevokeForm,
    notifications_forms.NotificationPreferencesForm,
]


# --- what is typed -----------------------------------------------------------------------------

HUGE = [
    "9" * 25,
    "۹" * 25,
    "١" * 400,
    "9" * 5000,
    "آ" * 100_000,
    "\u200c" * 1000,
    "a" * 2000,
    "\u0651" * 50,
    "-" + "9" * 30,
    "1e400",
    "۱٬۰۰۰٬۰۰۰",
    "1.5",
    "NaN",
    "0x10",
    "²",
    "½",
]

TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60),  # UTF-8 has no lone surrogates
    st.text(st.characters(categories=["Nd", "No", "Nl"]), max_size=25),  # any script's digits
    st.text(alphabet="۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789٬,/:. -", max_size=25),
    st.sampled_from(HUGE),
)
JSON = st.one_of(
    TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(TEXT, max_size=3),
    st.dictionaries(st.text(max_size=5), TEXT, max_size=2),
)


def _form_data(cls: type[forms.BaseForm], world: World) -> st.SearchStrategy[dict[str, Any]]:
    fields = form_builders(world)[cls]({}).fields
    values = {
        name: st.lists(TEXT, max_size=3) if isinstance(field, forms.MultipleChoiceField) else TEXT
        for name, field in fields.items()
    }
    return st.fixed_dictionaries({}, optional=values)


def _serializer_data(cls: type[serializers.Serializer]) -> st.SearchStrategy[dict[str, Any]]:
    names = [name for name, field in cls().fields.items() if not field.read_only]
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, JSON))


def _without_echo(message: str, submitted: Any) -> str:
    """A message without the values it quotes back (Django's "… is not one of the choices")
    and without the Latin tokens a Persian message may name (NOT_ENGLISH)."""
    values = submitted if isinstance(submitted, list) else [submitted]
    for value in values:
        for text in sorted({str(value), str(value).strip()}, key=len, reverse=True):
            if text:
                message = message.replace(text, "")
    return NOT_ENGLISH.sub("", message)


def test_the_english_check_can_fail() -> None:
    assert _english({"f": ["Enter a whole number."]}, {}) == {"f": ["Enter a whole number."]}
    assert _english({"f": ["شبا با IR آغاز می‌شود؛ مانند /wallet/ یا PDF"]}, {}) == {}
    assert _english({"f": ["«abc» گزینهٔ معتبری نیست."]}, {"f": "abc"}) == {}


def _english(messages: dict[str, list[str]], data: dict[str, Any]) -> dict[str, list[str]]:
    return {
        field: [m for m in texts if LATIN_LETTERS.search(_without_echo(m, data.get(field, "")))]
        for field, texts in messages.items()
        if any(LATIN_LETTERS.search(_without_echo(m, data.get(field, ""))) for m in texts)
    }


def _flat(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flat(value)]
    if isinstance(detail, list):
        return [text for value in detail for text in _flat(value)]
    return [str(detail)]


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.mark.parametrize("cls", _FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_no_text_breaks_a_form_or_speaks_english(cls: type[forms.BaseForm], world: World) -> None:
    build = form_builders(world)[cls]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=_form_data(cls, world))
    def check(data: dict[str, Any]) -> None:
        with translation.override("fa"):
            form = build(data)
            form.is_valid()
            messages = {field: list(errors) for field, errors in form.errors.items()}
            assert not _english(messages, form.data), messages

    check()


@pytest.mark.parametrize("cls", INPUT_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_no_json_breaks_a_serializer_or_speaks_english(
    cls: type[serializers.Serializer], world: World
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=_serializer_data(cls))
    def check(data: dict[str, Any]) -> None:
        with translation.override("fa"):
            serializer = cls(data=data)
            serializer.is_valid()
            messages = {field: _flat(detail) for field, detail in serializer.errors.items()}
            assert not _english(messages, data), messages

    check()


# --- the same through the pages, where a valid form reaches the services ------------------------


class Page:
    """A page's form posted as a person would: a valid body with one field replaced."""

    def __init__(self, url: str, user: User, body: dict[str, Any]) -> None:
        self.url, self.user, self.body = url, user, body


def pages(world: World) -> dict[str, Page]:
    from kargah.accounts.tests.factories import GuardianFactory, ProvinceFactory
    from kargah.catalog.tests.factories import (
        AgeGroupFactory,
        CategoryFactory,
        CourseFactory,
        InstructorFactory,
        TermFactory,
    )
    from kargah.catalog.tests.test_staff_pages import _offering_post
    from kargah.wallet.tests.test_refunds import top_up

    center = world.staff.center
    guardian = GuardianFactory.create()
    top_up(guardian.family, 5_000_000)
    province = ProvinceFactory.create()
    return {
        "learner": Page(
            "/accounts/family/learners/add/",
            guardian,
            {
                "first_name": "آرش",
                "last_name": "محمدی",
                "birth_date": "۱۳۹۵/۰۴/۱۲",
                "national_code": "۰۴۹۹۳۷۰۸۹۹",
                "gender": "boy",
                "province": str(province.pk),
                "school_grade": "۳",
                "data_confirmed": "on",
            },
        ),
        "course": Page(
            "/staff/courses/new/",
            world.staff,
            {
                "title": "داستان‌گویی",
                "category": str(CategoryFactory.create().pk),
                "age_group": str(AgeGroupFactory.create().pk),
                "description": "قصه‌گویی برای کودکان",
                "session_count": "۸",
                "session_minutes": "٤٥",
            },
        ),
        "offering": Page(
            "/staff/offerings/new/",
            world.staff,
            _offering_post(
                CourseFactory.create(center=center, session_count=4),
                TermFactory.create(center=center),
                InstructorFactory.create(center=center),
            ),
        ),
        "refund": Page(
            "/wallet/refund/",
            guardian,
            {
                "amount": "۲۰٬۰۰۰",
                "sheba": "IR۰۵ ۰۱۷۰ ۰۰۰۰ ۰۰۱۲ ۳۴۵۶ ۷۸۹۰ ۱۲",
                "account_holder": "سارا محمدی",
            },
        ),
        "top-up": Page("/payments/wallet/top-up/", guardian, {"amount": "۵۰٬۰۰۰"}),
    }


PAGES = ["learner", "course", "offering", "refund", "top-up"]


@pytest.mark.parametrize("which", PAGES)
def test_no_text_posted_to_a_page_is_a_500_or_english(which: str, world: World) -> None:
    from django.test import Client

    page = pages(world)[which]
    client = Client(raise_request_exception=True)
    client.force_login(page.user)
    assert client.post(page.url, page.body).status_code == 302, "the valid body is accepted"

    @settings(
        max_examples=EXAMPLES // 2,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(field=st.sampled_from(sorted(page.body)), value=TEXT)
    def check(field: str, value: str) -> None:
        body = {**page.body, field: value}
        response = client.post(page.url, body)
        assert response.status_code in (200, 302), response.status_code
        form = (response.context or {}).get("form") if response.status_code == 200 else None
        if form is not None:
            with translation.override("fa"):
                messages = {name: list(errors) for name, errors in form.errors.items()}
            assert not _english(messages, form.data), messages

    check()


# What broke pages before (issue 8): numbers past every column, digits int() cannot read,
# invisible names; each is typed into every field of every page, one field at a time.
HOSTILE = ["9" * 25, "۹" * 25, "-" + "9" * 30, "1e400", "²", "\u200c" * 1000, "😀", "\u202e"]


@pytest.mark.parametrize("which", PAGES)
def test_every_field_of_a_page_takes_hostile_values(which: str, world: World) -> None:
    from django.test import Client

    page = pages(world)[which]
    client = Client(raise_request_exception=True)
    client.force_login(page.user)
    for field in sorted(page.body):
        for value in HOSTILE:
            response = client.post(page.url, {**page.body, field: value})
            assert response.status_code in (200, 302), (field, value)
            if response.status_code == 200 and response.context.get("form") is not None:
                form = response.context["form"]
                with translation.override("fa"):
                    messages = {name: list(errors) for name, errors in form.errors.items()}
                assert not _english(messages, form.data), messages


# --- the API: each input serializer's endpoint, one field at a time --------------------------------

JSON_HOSTILE: list[Any] = [*HOSTILE, 10**30, -(10**30), 1.5, -1, 0, None, True, [], {}, ["۵"]]


def api_calls(world: World) -> dict[str, tuple[str, str, User | None, dict[str, Any]]]:
    from kargah.accounts.tests.factories import GuardianFactory, ProvinceFactory
    from kargah.wallet.tests.test_refunds import top_up

    guardian = world.learner.family.guardian
    top_up(guardian.family, 5_000_000)
    return {
        "learner": (
            "post",
            "/api/v1/learners",
            GuardianFactory.create(),
            {
                "first_name": "کیان",
                "last_name": "نوری",
                "birth_date_jalali": "۱۳۹۵/۰۴/۱۲",
                "national_code": "۰۴۹۹۳۷۰۸۹۹",
                "gender": "boy",
                "province": ProvinceFactory.create().pk,
                "school_grade": "۳",
                "data_confirmed": True,
            },
        ),
        "refund": (
            "post",
            "/api/v1/refund-requests",
            guardian,
            {"amount": 20_000, "sheba": "IR050170000000123456789012", "account_holder": "سارا"},
        ),
        "top-up": ("post", "/api/v1/wallet/top-up", guardian, {"amount": "۵۰٬۰۰۰"}),
        "enrollment": (
            "post",
            "/api/v1/enrollments",
            guardian,
            {"offering": world.offering.pk, "learner": world.learner.pk, "accept_terms": True},
        ),
        "otp": ("post", "/api/v1/auth/otp/request", None, {"mobile": "09121234567"}),
        "catalog": ("get", "/api/v1/offerings", None, {"fee_min": "۱۰۰۰", "q": "نقاشی"}),
    }


@pytest.mark.parametrize("which", ["learner", "refund", "top-up", "enrollment", "otp", "catalog"])
def test_every_field_of_an_api_call_takes_hostile_values(which: str, world: World) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    method, url, user, body = api_calls(world)[which]
    client = APIClient(raise_request_exception=True)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    for field in sorted(body):
        values = HOSTILE if method == "get" else JSON_HOSTILE
        for value in values:
            sent = {**body, field: value}
            if method == "get":
                response = client.get(url, sent)
            else:
                response = client.post(url, sent, format="json")
            assert response.status_code < 500, (field, value, response.content[:300])
            answer = response.json() if response.status_code >= 400 else {}
            if isinstance(answer, dict) and isinstance(answer.get(field), list):
                with translation.override("fa"):
                    assert not _english({field: _flat(answer[field])}, sent), answer
