"""Adding and editing a family's children: R3 confirmation, unique national code, a sane
birth date, only one's own children, and an audit row for every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kargah.accounts import services
from kargah.accounts.demo import national_code_for
from kargah.accounts.models import Gender, Learner
from kargah.accounts.tests.factories import (
    GuardianFactory,
    LearnerFactory,
    ProvinceFactory,
    StaffFactory,
)
from kargah.accounts.tests.support import audit_changes, row_counts
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.selectors import audit_trail

pytestmark = pytest.mark.django_db


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - dt.timedelta(days=days)


def _data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": " آرش ",
        "last_name": "محمدی",
        "birth_date": dt.date(2016, 7, 2),
        "national_code": national_code_for(1),
        "gender": Gender.BOY,
        "province": ProvinceFactory.create(),
        "school_grade": 3,
        "data_confirmed": True,
    }
    data.update(overrides)
    return data


class TestCreate:
    def test_adds_the_child_to_the_guardians_family_with_an_audit_row(self):
        guardian = GuardianFactory.create()
        data = _data()

        learner = services.learner_create(guardian=guardian, **data)

        learner.refresh_from_db()
        assert learner.family == guardian.family
        assert learner.first_name == "آرش"  # trimmed
        assert learner.birth_date == dt.date(2016, 7, 2)
        assert learner.national_code == national_code_for(1)
        assert learner.data_confirmed_at is not None
        [entry] = audit_trail(obj=learner)
        assert entry.action == "learner.created"
        assert entry.actor == guardian
        assert entry.before is None
        assert entry.after == {
            "first_name": "آرش",
            "last_name": "محمدی",
            "birth_date": "2016-07-02",
            "national_code": national_code_for(1),
            "gender": "boy",
            "province": data["province"].pk,
            "school_grade": 3,
            "data_confirmed_at": str(learner.data_confirmed_at),
        }

    def test_without_the_guardians_confirmation_nothing_is_created(self):
        """R3: the guardian confirms that the learner's data are true."""
        guardian = GuardianFactory.create()
        data = _data(data_confirmed=False)
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_create(guardian=guardian, **data)

        assert exc_info.value.code == "confirm"
        assert row_counts() == before

    def test_a_national_code_already_registered_is_refused(self):
        LearnerFactory.create(national_code=national_code_for(1))  # another family's child
        guardian = GuardianFactory.create()
        data = _data()
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_create(guardian=guardian, **data)

        assert exc_info.value.code == "duplicate_national_code"
        assert row_counts() == before

    @pytest.mark.parametrize("days_ahead", [0, 1, 400])
    def test_a_birth_date_today_or_in_the_future_is_refused(self, days_ahead):
        guardian = GuardianFactory.create()
        data = _data(birth_date=timezone.localdate() + dt.timedelta(days=days_ahead))
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_create(guardian=guardian, **data)

        assert exc_info.value.code == "birth_date"
        assert row_counts() == before

    @pytest.mark.parametrize(
        "birth_date",
        [
            pytest.param(years_ago(2, days=-1), id="one day short of two"),
            pytest.param(years_ago(21), id="twenty-one"),
            pytest.param(years_ago(60), id="sixty"),
            pytest.param(dt.date(1300, 1, 1), id="long ago"),
        ],
    )
    def test_an_age_outside_two_to_twenty_is_refused(self, birth_date):
        guardian = GuardianFactory.create()
        data = _data(birth_date=birth_date)
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_create(guardian=guardian, **data)

        assert exc_info.value.code == "birth_date"
        assert row_counts() == before

    @pytest.mark.parametrize(
        "birth_date",
        [
            pytest.param(years_ago(2), id="two today"),
            pytest.param(years_ago(21, days=-1), id="twenty, a day before twenty-one"),
        ],
    )
    def test_ages_at_the_edges_are_accepted(self, birth_date):
        learner = services.learner_create(
            guardian=GuardianFactory.create(), **_data(birth_date=birth_date)
        )
        assert 2 <= learner.age_on(timezone.localdate()) <= 20

    def test_staff_cannot_add_children(self):
        staff = StaffFactory.create()
        data = _data()
        before = row_counts()

        with pytest.raises(NotAllowed):
            services.learner_create(guardian=staff, **data)

        assert row_counts() == before

    def test_a_guardian_may_have_several_children(self):
        guardian = GuardianFactory.create()
        services.learner_create(guardian=guardian, **_data())
        services.learner_create(
            guardian=guardian, **_data(national_code=national_code_for(2), first_name="ستایش")
        )
        assert guardian.family.learners.count() == 2


class TestUpdate:
    def test_edits_an_own_child_and_records_before_and_after(self, clock):
        learner = LearnerFactory.create(first_name="نازنین", school_grade=3)
        guardian = learner.family.guardian
        confirmed_before = learner.data_confirmed_at
        clock.advance(days=1)

        updated = services.learner_update(
            guardian=guardian,
            learner=learner,
            data_confirmed=True,
            first_name=" هستی ",
            school_grade=4,
        )

        learner.refresh_from_db()
        assert updated.pk == learner.pk
        assert learner.first_name == "هستی"
        assert learner.school_grade == 4
        # R3: the data are confirmed again with every change.
        assert learner.data_confirmed_at == clock.current
        assert learner.data_confirmed_at != confirmed_before
        [entry] = audit_trail(obj=learner).filter(action="learner.updated")
        assert entry.actor == guardian
        assert audit_changes(entry) == {
            "first_name": ("نازنین", "هستی"),
            "school_grade": (3, 4),
            "data_confirmed_at": (str(confirmed_before), str(clock.current)),
        }

    def test_another_familys_child_cannot_be_edited(self):
        learner = LearnerFactory.create(first_name="نازنین")
        stranger = GuardianFactory.create()
        before = row_counts()

        with pytest.raises(NotAllowed):
            services.learner_update(
                guardian=stranger, learner=learner, data_confirmed=True, first_name="دزد"
            )

        learner.refresh_from_db()
        assert learner.first_name == "نازنین"
        assert row_counts() == before
        assert not audit_trail(obj=learner).exists()

    def test_without_the_guardians_confirmation_nothing_changes(self):
        """R3: every edit is confirmed again by the guardian."""
        learner = LearnerFactory.create(first_name="نازنین")
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_update(
                guardian=learner.family.guardian,
                learner=learner,
                data_confirmed=False,
                first_name="هستی",
            )

        assert exc_info.value.code == "confirm"
        learner.refresh_from_db()
        assert learner.first_name == "نازنین"
        assert row_counts() == before

    def test_taking_another_childs_national_code_is_refused(self):
        other = LearnerFactory.create()
        learner = LearnerFactory.create()
        own_code = learner.national_code
        before = row_counts()

        with pytest.raises(DomainError) as exc_info:
            services.learner_update(
                guardian=learner.family.guardian,
                learner=learner,
                data_confirmed=True,
                national_code=other.national_code,
            )

        # Refused without saying that the code is another child's (issue 8, finding 8).
        assert exc_info.value.code == "national_code"
        learner.refresh_from_db()
        assert learner.national_code == own_code
        assert row_counts() == before

    def test_keeping_the_own_national_code_is_no_duplicate(self):
        learner = LearnerFactory.create()
        services.learner_update(
            guardian=learner.family.guardian,
            learner=learner,
            data_confirmed=True,
            national_code=learner.national_code,
            last_name="کاظمی",
        )
        learner.refresh_from_db()
        assert learner.last_name == "کاظمی"

    def test_a_birth_date_in_the_future_is_refused(self):
        learner = LearnerFactory.create()
        old_birth_date = learner.birth_date

        with pytest.raises(DomainError) as exc_info:
            services.learner_update(
                guardian=learner.family.guardian,
                learner=learner,
                data_confirmed=True,
                birth_date=timezone.localdate() + dt.timedelta(days=3),
            )

        assert exc_info.value.code == "birth_date"
        learner.refresh_from_db()
        assert learner.birth_date == old_birth_date

    def test_fields_outside_the_learners_data_cannot_be_set(self):
        learner = LearnerFactory.create()
        stranger_family = GuardianFactory.create().family

        with pytest.raises(ValueError, match="family"):
            services.learner_update(
                guardian=learner.family.guardian,
                learner=learner,
                data_confirmed=True,
                family=stranger_family,
            )

        assert Learner.objects.get(pk=learner.pk).family_id == learner.family_id
