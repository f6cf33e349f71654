"""The audit log: written in the change's transaction, never edited or deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from kargah.accounts.models import Learner, Province
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, ProvinceFactory
from kargah.core.models import AuditLogEntry
from kargah.core.services import audit_record, snapshot


class _Boom(Exception):
    pass


# factory_boy's type hints say a factory call returns the factory; it returns the model.
def _province(**fields: Any) -> Province:
    return cast(Province, ProvinceFactory(**fields))


@pytest.mark.django_db
def test_record_keeps_who_what_and_the_states():
    guardian = GuardianFactory()
    province = _province(code="tehran", name="تهران")
    with transaction.atomic():
        entry = audit_record(
            actor=guardian,
            action="province.renamed",
            obj=province,
            before={"name": "طهران"},
            after={"name": "تهران"},
            reason="املای رسمی",
        )
    entry.refresh_from_db()
    assert entry.actor == guardian
    assert entry.action == "province.renamed"
    assert entry.object_type == "accounts.province"
    assert entry.object_id == str(province.pk)
    assert entry.before == {"name": "طهران"}
    assert entry.after == {"name": "تهران"}
    assert entry.reason == "املای رسمی"
    assert entry.created_at is not None


@pytest.mark.django_db
def test_anonymous_or_missing_actor_is_stored_as_none():
    province = _province()
    with transaction.atomic():
        first = audit_record(actor=AnonymousUser(), action="a", obj=province)
        second = audit_record(actor=None, action="b", obj=province)
    assert first.actor_id is None
    assert second.actor_id is None


@pytest.mark.django_db
def test_saving_an_existing_entry_again_is_refused():
    province = _province()
    with transaction.atomic():
        entry = audit_record(actor=None, action="x.created", obj=province)
    entry.reason = "rewritten history"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == ""


@pytest.mark.django_db
def test_deleting_an_entry_is_refused():
    province = _province()
    with transaction.atomic():
        entry = audit_record(actor=None, action="x.created", obj=province)
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    province = _province()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="x.created", obj=province)
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_record_rolls_back_with_the_change():
    province = _province()
    with pytest.raises(_Boom), transaction.atomic():
        audit_record(actor=None, action="x.changed", obj=province)
        raise _Boom
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_snapshot_is_json_safe():
    learner = cast(Learner, LearnerFactory(birth_date=dt.date(2016, 7, 2), school_grade=3))
    picture = snapshot(learner, ["first_name", "birth_date", "province", "school_grade"])
    assert picture == {
        "first_name": learner.first_name,
        "birth_date": "2016-07-02",
        "province": learner.province.pk,
        "school_grade": 3,
    }
