"""factory_boy factories for the accounts app."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kargah.accounts.demo import national_code_for
from kargah.accounts.models import Center, Family, Gender, Learner, Province, Role, User


class ProvinceFactory(factory.django.DjangoModelFactory[Province]):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"province-{n}")
    name = factory.Sequence(lambda n: f"استان {n}")


class CenterFactory(factory.django.DjangoModelFactory[Center]):
    class Meta:
        model = Center

    name = factory.Sequence(lambda n: f"مرکز {n}")
    province = factory.SubFactory(ProvinceFactory)


class GuardianFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        # The related family points at the user; the user itself needs no second save.
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"+98912{n:07d}")
    username = factory.LazyAttribute(lambda o: o.mobile)
    role = Role.GUARDIAN
    first_name = "سارا"
    last_name = "محمدی"
    family = factory.RelatedFactory("kargah.accounts.tests.factories.FamilyFactory", "guardian")


class StaffFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.CENTER_STAFF
    center = factory.SubFactory(CenterFactory)
    is_staff = False  # the admin is the administrator's alone (issue 11)
    password = factory.PostGenerationMethodCall("set_password", "staff-pass-1403")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class FamilyFactory(factory.django.DjangoModelFactory[Family]):
    class Meta:
        model = Family
        django_get_or_create = ("guardian",)

    guardian = factory.SubFactory(GuardianFactory, family=None)


class LearnerFactory(factory.django.DjangoModelFactory[Learner]):
    class Meta:
        model = Learner

    family = factory.SubFactory(FamilyFactory)
    first_name = "نازنین"
    last_name = "محمدی"
    birth_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=9 * 365))
    national_code = factory.Sequence(lambda n: national_code_for(10_000 + n))
    gender = Gender.GIRL
    province = factory.SubFactory(ProvinceFactory)
    school_grade = 3
    data_confirmed_at = factory.LazyFunction(timezone.now)
