"""Migration enrollment.0003 on PostgreSQL: every place and waiting-list entry made before
two guardians existed gets the child's own family as its paying family, and the column is
then required, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.enrollment.models import Enrollment, WaitingListEntry
from kargah.enrollment.tests.conftest import make_child, make_offering
from kargah.testing.races import require_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("enrollment", "0002_enrollment_payment_waiting_list")]
AFTER = [("enrollment", "0003_enrollment_family")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _every_app_migrated_again() -> Iterator[None]:
    """Going back before enrollment.0003 also takes back every migration that depends on it
    (certificates.0001…); the later tests need the whole schema, so all is migrated again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_earlier_places_and_waiting_entries_are_paid_by_the_childs_family(clock):
    require_postgresql()
    places = [EnrollmentFactory.create(learner=make_child()) for _ in range(3)]
    full = make_offering(capacity=1, quorum=1)
    entry = WaitingListEntry.objects.create(
        offering=full, learner=(child := make_child()), family=child.family
    )

    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'enrollment_enrollment' AND column_name = 'family_id'"
        )
        assert cursor.fetchone() == (0,)  # really back before the column
    _migrate(AFTER)

    assert {e.pk: e.family_id for e in Enrollment.objects.all()} == {
        p.pk: p.learner.family_id for p in places
    }
    assert WaitingListEntry.objects.get(pk=entry.pk).family_id == child.family_id
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'enrollment_enrollment' AND column_name = 'family_id'"
        )
        assert cursor.fetchone() == ("NO",)
