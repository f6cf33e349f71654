"""Reference data loaded by migration: Iran's 31 provinces and the Kanoon's centers."""

import pytest

from kargah.accounts.demo import CENTERS, seed_demo
from kargah.accounts.models import Center, Province

pytestmark = pytest.mark.django_db


def test_every_province_of_iran_is_there_without_the_demo():
    assert Province.objects.count() == 31
    names = dict(Province.objects.values_list("code", "name"))
    assert names["tehran"] == "تهران"
    assert names["sistan-baluchestan"] == "سیستان و بلوچستان"
    assert names["kohgiluyeh-boyer-ahmad"] == "کهگیلویه و بویراحمد"
    assert names["alborz"] == "البرز"
    assert names["west-azerbaijan"] == "آذربایجان غربی"


def test_the_virtual_center_and_the_demo_centers_are_there_without_the_demo():
    assert set(CENTERS) <= set(Center.objects.values_list("name", flat=True))
    virtual = Center.objects.get(name="مرکز مجازی کانون")
    assert virtual.is_virtual
    assert virtual.province is None
    shiraz = Center.objects.select_related("province").get(name="مرکز فرهنگی‌هنری شماره ۲ شیراز")
    assert shiraz.province is not None
    assert shiraz.province.code == "fars"


def test_the_demo_uses_the_reference_rows_and_adds_none():
    before = (Province.objects.count(), Center.objects.count())
    seed_demo()
    assert (Province.objects.count(), Center.objects.count()) == before
