"""The center's roster (issue 11, item 5): the guardian's number masked and revealed with an
audit row, the money each place paid read from the ledger (a switched place carries what it
came from), the XLSX export with Persian headers and national codes for the center's staff,
and access: another center's offering is a 404, an instructor may neither reveal nor export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.catalog.tests.factories import OfferingFactory
from kargah.core.errors import NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import format_jalali_date, mask_mobile
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.teaching import selectors, services
from kargah.teaching.tests.conftest import World
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_of(world: World, **kwargs: object) -> User:
    return StaffFactory.create(center=world.offering.center, **kwargs)


def pay(place: Enrollment, rials: int, cause: str = "paid") -> None:
    """Money of a place moving between the family's wallet and course revenue, referenced
    by the place as the enrollment services post it (the wallet topped up first)."""
    ledger_post(
        reference=f"test-top-up:{place.pk}:{cause}",
        kind=TransactionKind.TOP_UP,
        entries=[
            (system_account(AccountKind.GATEWAY_CLEARING), -rials),
            (family_wallet(place.family), rials),
        ],
    )
    ledger_post(
        reference=f"enrollment:{place.pk}:{cause}",
        kind=TransactionKind.ENROLLMENT_PAYMENT if rials > 0 else TransactionKind.DROP_CREDIT,
        entries=[
            (family_wallet(place.family), -rials),
            (system_account(AccountKind.COURSE_REVENUE), rials),
        ],
    )


def test_mask_mobile_keeps_four_digits_each_side() -> None:
    assert mask_mobile("+989121234567") == "0912***4567"
    assert mask_mobile("") == "***"


def test_roster_masks_the_guardians_number_in_persian_digits(world: World) -> None:
    page = client_of(staff_of(world)).get(
        reverse("teaching_staff:staff_roster", args=[world.offering.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    mobile = world.guardian.mobile
    assert mobile is not None
    assert "۰۹۱۲***" + "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in mobile[-4:]) in html
    assert (
        mobile[3:] not in html
        and "۰" + "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in mobile[3:]) not in html
    )
    assert world.child.national_code not in html  # national codes only in the export
    assert 'class="bg-body-tertiary k-staff"' in html  # the staff look
    assert html.count('data-testid="staff-roster-row"') == 2


def test_reveal_shows_the_number_and_writes_an_audit_row(world: World) -> None:
    staff = staff_of(world)
    url = reverse("teaching_staff:staff_roster_reveal", args=[world.offering.pk, world.child.pk])
    answer = client_of(staff).post(url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert 'href="tel:0' + (world.guardian.mobile or "")[3:] + '"' in answer.content.decode()
    entry = AuditLogEntry.objects.get(action="roster.mobile_revealed")
    assert entry.actor == staff
    assert entry.object_id == str(world.guardian.pk)
    assert entry.after == {"offering": world.offering.pk, "learner": world.child.pk}
    # Without htmx the whole page comes back with that one number shown.
    page = client_of(staff).post(url)
    assert page.content.decode().count('data-testid="guardian-mobile-revealed"') == 1
    assert AuditLogEntry.objects.filter(action="roster.mobile_revealed").count() == 2


def test_reveal_of_a_learner_not_on_the_roster_is_404_and_writes_nothing(world: World) -> None:
    stranger = LearnerFactory.create(family=GuardianFactory.create().family)
    url = reverse("teaching_staff:staff_roster_reveal", args=[world.offering.pk, stranger.pk])
    assert client_of(staff_of(world)).post(url).status_code == 404
    assert not AuditLogEntry.objects.filter(action="roster.mobile_revealed").exists()


def test_paid_comes_from_the_ledger_and_follows_a_switch(world: World) -> None:
    child_place = Enrollment.objects.get(learner=world.child, offering=world.offering)
    pay(child_place, 5_000_000)
    # The other child came by a switch: 3,000,000 paid in the old class, 1,000,000 more
    # (the difference) posted under the old place, as the switch does.
    old_offering = OfferingFactory.create(course__center=world.offering.center)
    other_place = Enrollment.objects.get(learner=world.other_child, offering=world.offering)
    old = Enrollment.objects.create(
        learner=world.other_child, family=world.other_child.family, offering=old_offering,
        status=EnrollmentStatus.SWITCHED, conditions=old_offering.course.conditions.get(),
        conditions_accepted_at=timezone.now(), fee_rials=3_000_000, switched_to=other_place,
    )  # fmt: skip
    pay(old, 3_000_000)
    pay(old, 1_000_000, cause="switch")
    # A place of another class is not counted on this roster.
    elsewhere = OfferingFactory.create(course__center=world.offering.center)
    third = Enrollment.objects.create(
        learner=world.child, family=world.child.family, offering=elsewhere,
        status=EnrollmentStatus.CONFIRMED, conditions=elsewhere.course.conditions.get(),
        conditions_accepted_at=timezone.now(), fee_rials=7_000_000,
    )  # fmt: skip
    pay(third, 7_000_000)
    rows = {row.learner.pk: row for row in selectors.staff_roster(offering=world.offering)}
    assert rows[world.child.pk].paid_rials == 5_000_000
    assert rows[world.other_child.pk].paid_rials == 4_000_000
    html = (
        client_of(staff_of(world))
        .get(reverse("teaching_staff:staff_roster", args=[world.offering.pk]))
        .content.decode()
    )
    assert "۵۰۰٬۰۰۰ تومان" in html and "۴۰۰٬۰۰۰ تومان" in html


def test_export_has_persian_headers_national_codes_and_jalali_dates(world: World) -> None:
    place = Enrollment.objects.get(learner=world.child, offering=world.offering)
    pay(place, 2_500_000)
    staff = staff_of(world)
    answer = client_of(staff).post(
        reverse("teaching_staff:staff_roster_export", args=[world.offering.pk])
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:6] == ("فراگیر", "کد ملی", "تاریخ تولد", "سن", "ولی", "شماره همراه ولی")
    assert lines[0][-1] == "پرداختی (تومان)"
    by_name = {line[0]: line for line in lines[1:]}
    assert len(by_name) == 2
    child = by_name[world.child.full_name]
    assert child[1] == world.child.national_code
    assert child[5] == "0" + (world.guardian.mobile or "")[3:]
    assert child[-1] == 250_000
    assert child[2] == format_jalali_date(world.child.birth_date) and child[2][0] in "۰۱۲۳۴۵۶۷۸۹"
    entry = AuditLogEntry.objects.get(action="roster.exported")
    assert entry.actor == staff and entry.after == {"learners": 2}


@pytest.mark.parametrize("page", ["roster", "reveal", "export"])
def test_another_centers_staff_get_404(world: World, page: str) -> None:
    outsider = StaffFactory.create()  # a center of its own
    client = client_of(outsider)
    if page == "roster":
        answer = client.get(reverse("teaching_staff:staff_roster", args=[world.offering.pk]))
    elif page == "reveal":
        answer = client.post(
            reverse("teaching_staff:staff_roster_reveal", args=[world.offering.pk, world.child.pk])
        )
    else:
        answer = client.post(
            reverse("teaching_staff:staff_roster_export", args=[world.offering.pk])
        )
    assert answer.status_code == 404
    assert not AuditLogEntry.objects.filter(action__startswith="roster.").exists()


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.GUARDIAN, Role.FINANCE, Role.QUALITY])
def test_other_roles_may_neither_see_reveal_nor_export(world: World, role: str) -> None:
    user = world.instructor if role == Role.INSTRUCTOR else (
        world.guardian if role == Role.GUARDIAN else staff_of(world, role=role)
    )  # fmt: skip
    client = client_of(user)
    assert (
        client.get(reverse("teaching_staff:staff_roster", args=[world.offering.pk])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("teaching_staff:staff_roster_reveal", args=[world.offering.pk, world.child.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("teaching_staff:staff_roster_export", args=[world.offering.pk])
        ).status_code
        == 403
    )
    assert not AuditLogEntry.objects.filter(action__startswith="roster.").exists()


def test_the_services_refuse_an_instructor_too(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.guardian_mobile_reveal(
            actor=world.instructor, offering=world.offering, learner=world.child
        )
    with pytest.raises(NotAllowed):
        services.roster_export(actor=world.instructor, offering=world.offering)
    assert not AuditLogEntry.objects.filter(action__startswith="roster.").exists()


def test_an_administrator_sees_any_centers_roster(world: World) -> None:
    admin = StaffFactory.create(role=Role.ADMINISTRATOR)
    page = client_of(admin).get(reverse("teaching_staff:staff_roster", args=[world.offering.pk]))
    assert page.status_code == 200


def test_an_empty_roster_says_so_without_an_export(world: World) -> None:
    empty = OfferingFactory.create(course__center=world.offering.center)
    html = (
        client_of(staff_of(world))
        .get(reverse("teaching_staff:staff_roster", args=[empty.pk]))
        .content.decode()
    )
    assert 'data-testid="empty-state"' in html
    assert 'data-testid="roster-export"' not in html
