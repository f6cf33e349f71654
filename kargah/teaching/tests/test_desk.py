"""The instructor's desk (issue 10, item 7): today's and the week's sessions in Tehran time,
the roster without national codes or phone numbers, the sheet, conduct notes (R6) seen by
the child's family only, and a class one does not teach as a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.tests.support import Clock
from kargah.catalog.models import SessionStatus
from kargah.catalog.tests.factories import InstructorFactory, SessionFactory
from kargah.core.models import AuditLogEntry
from kargah.core.persian import to_persian_digits
from kargah.teaching import services
from kargah.teaching.models import Attendance, AttendanceStatus, ConductNote
from kargah.teaching.tests.conftest import TODAY, World, tehran

pytestmark = pytest.mark.django_db


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_desk_lists_today_and_the_rest_of_the_week_in_tehran_time(
    world: World, clock: Clock
) -> None:
    # 00:30 Tehran on Thursday is still Wednesday in UTC: the day is Tehran's.
    thursday = SessionFactory.create(
        offering=world.offering, number=2, starts_at=tehran(TODAY + dt.timedelta(days=1), 0, 30),
        ends_at=tehran(TODAY + dt.timedelta(days=1), 1, 30),
    )  # fmt: skip
    saturday_next = SessionFactory.create(
        offering=world.offering, number=3, starts_at=tehran(TODAY + dt.timedelta(days=3), 16),
        ends_at=tehran(TODAY + dt.timedelta(days=3), 17),
    )  # fmt: skip
    page = client_of(world.instructor).get(reverse("teaching:desk"))
    assert page.status_code == 200
    day = page.context["day"]
    assert [item.session for item in day.today] == [world.session]
    assert [item.session for item in day.week] == [thursday]  # the week ends on Friday
    assert saturday_next not in [item.session for item in day.week]
    html = page.content.decode()
    assert "۱۶:۰۰" in html and "۰۰:۳۰" in html  # Tehran time, Persian digits
    assert "۱۴ آذر ۱۴۰۳" in html  # Jalali date of Wednesday 2024-12-04


def test_start_button_shows_from_the_join_window_to_the_end(world: World, clock: Clock) -> None:
    client = client_of(world.instructor)
    assert 'data-testid="start-class"' not in client.get(reverse("teaching:desk")).content.decode()
    clock.current = tehran(TODAY, 15, 55)
    html = client.get(reverse("teaching:desk")).content.decode()
    assert f'href="/class/session/{world.session.pk}/join/"' in html
    clock.current = tehran(TODAY, 17)
    assert 'data-testid="start-class"' not in client.get(reverse("teaching:desk")).content.decode()


def test_the_desk_is_for_instructors(world: World) -> None:
    assert client_of(world.guardian).get(reverse("teaching:desk")).status_code == 403
    assert Client().get(reverse("teaching:desk")).status_code == 302  # to the staff sign-in


def test_roster_shows_age_documents_attendance_and_no_personal_codes(
    world: World, clock: Clock
) -> None:
    world.offering.course.required_documents = ["گواهی سلامت"]
    world.offering.course.save()
    world.child.birth_date = dt.date(2015, 12, 5)  # nine tomorrow: eight today
    world.child.save()
    clock.current = tehran(TODAY, 17, 1)
    services.attendance_fill_from_classroom(session=world.session, seen=[])
    page = client_of(world.instructor).get(reverse("teaching:roster", args=[world.offering.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.child.full_name in html and world.other_child.full_name in html
    assert "۸ سال" in html
    for learner in (world.child, world.other_child):
        assert learner.national_code not in html
        assert learner.national_code_masked not in html
    for guardian in (world.guardian, world.other_guardian):
        tail = (guardian.mobile or "")[-7:]
        assert tail not in html and to_persian_digits(tail) not in html
    rows = page.context["rows"]
    assert [row.age for row in rows] == [8, world.other_child.age_on(TODAY)]
    assert rows[0].attendance["absent"] == 1
    assert rows[0].documents_missing == 1
    assert rows[0].device_check is None


@pytest.mark.parametrize("page", ["roster", "sheet", "mark", "note_add", "report"])
def test_another_instructor_and_a_family_get_404(world: World, page: str) -> None:
    arg = world.offering.pk if page in ("roster", "note_add") else world.session.pk
    url = reverse(f"teaching:{page}", args=[arg])
    for user in (InstructorFactory.create(center=world.offering.center), world.guardian):
        client = client_of(user)
        answer = client.post(url, {"learner": world.child.pk}) if page in (
            "mark", "note_add") else client.get(url)  # fmt: skip
        assert answer.status_code == 404, (page, user)


def test_marking_on_the_sheet(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 16, 20)
    client = client_of(world.instructor)
    url = reverse("teaching:mark", args=[world.session.pk])
    answer = client.post(url, {"learner": world.child.pk, "status": "late"})
    assert answer.status_code == 302
    row = Attendance.objects.get(session=world.session, learner=world.child)
    assert row.status == AttendanceStatus.LATE and row.confirmed_by == world.instructor
    assert AuditLogEntry.objects.filter(action="attendance.corrected").count() == 1
    # After the window the sheet is read-only for the instructor and a post changes nothing.
    clock.current = world.session.ends_at + dt.timedelta(days=4)
    page = client.get(reverse("teaching:sheet", args=[world.session.pk]))
    assert 'data-testid="sheet-closed"' in page.content.decode()
    assert 'data-testid="mark"' not in page.content.decode()
    client.post(url, {"learner": world.child.pk, "status": "present"})
    assert Attendance.objects.get(pk=row.pk).status == AttendanceStatus.LATE


def test_conduct_notes_reach_the_family_of_the_child_only(world: World, clock: Clock) -> None:
    client = client_of(world.instructor)
    url = reverse("teaching:note_add", args=[world.offering.pk])
    text = "در گفتگوی کلاس با احترام و به موضوع صحبت کرد."
    assert client.post(url, {"learner": world.child.pk, "text": text}).status_code == 302
    note = ConductNote.objects.get()
    assert (note.learner, note.author) == (world.child, world.instructor)
    assert AuditLogEntry.objects.filter(action="conduct_note.added", object_id=str(note.pk))
    clock.current = tehran(TODAY, 17, 5)
    own = client_of(world.guardian).get(reverse("enrollment:schedule")).content.decode()
    other = client_of(world.other_guardian).get(reverse("enrollment:schedule")).content.decode()
    assert text in own
    assert text not in other
    # Staff of the center see it on the roster.
    from kargah.accounts.tests.factories import StaffFactory

    staff = StaffFactory.create(center=world.offering.center)
    roster = client_of(staff).get(reverse("teaching:roster", args=[world.offering.pk]))
    assert text in roster.content.decode()


def test_staff_reading_the_roster_go_back_to_the_class_not_to_the_desk(world: World) -> None:
    """The instructor's desk is a 403 for center staff: their way back is the class's page."""
    from kargah.accounts.tests.factories import StaffFactory

    staff = StaffFactory.create(center=world.offering.center)
    roster = client_of(staff).get(reverse("teaching:roster", args=[world.offering.pk]))
    desk_link = f'href="{reverse("teaching:desk")}"'
    assert desk_link not in roster.content.decode()
    assert (
        reverse("catalog_staff:offering_detail", args=[world.offering.pk])
        in roster.content.decode()
    )
    sheet = (
        client_of(staff).get(reverse("teaching:sheet", args=[world.session.pk])).content.decode()
    )
    assert desk_link not in sheet
    assert client_of(staff).get(reverse("teaching:desk")).status_code == 403
    own = client_of(world.instructor).get(reverse("teaching:roster", args=[world.offering.pk]))
    assert desk_link in own.content.decode()


def test_an_instructor_writes_notes_only_on_own_learners(world: World) -> None:
    from kargah.accounts.tests.factories import LearnerFactory
    from kargah.core.errors import DomainError, NotAllowed

    with pytest.raises(DomainError):
        services.conduct_note_add(
            actor=world.instructor, offering=world.offering, learner=LearnerFactory.create(),
            text="یادداشت",
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        services.conduct_note_add(
            actor=InstructorFactory.create(), offering=world.offering, learner=world.child,
            text="یادداشت",
        )  # fmt: skip
    assert not ConductNote.objects.exists()


def test_the_family_sees_attendance_and_the_r7_sentence(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 5)
    services.attendance_fill_from_classroom(session=world.session, seen=[])
    html = client_of(world.guardian).get(reverse("enrollment:schedule")).content.decode()
    assert 'data-testid="family-attendance"' in html
    assert "غایب" in html
    assert 'data-testid="r7-note"' in html
    assert "جبرانی" in html  # the sentence names the make-up (R7 and P3)


def test_a_session_cancelled_by_the_center_is_not_an_absence(world: World, clock: Clock) -> None:
    world.session.status = SessionStatus.CANCELLED
    world.session.save()
    clock.current = tehran(TODAY, 17, 5)
    html = client_of(world.guardian).get(reverse("enrollment:schedule")).content.decode()
    row = html.split('data-testid="attendance-row"')[1].split("</li>")[0]
    assert "لغو از سوی مرکز" in row and "غایب" not in row
    page = client_of(world.instructor).get(reverse("teaching:sheet", args=[world.session.pk]))
    assert 'data-testid="sheet"' not in page.content.decode()


def test_roster_shows_who_passed_the_device_check_and_when(world: World, clock: Clock) -> None:
    from kargah.devicecheck.models import DeviceCheck

    DeviceCheck.objects.create(
        learner=world.child, passed=True, checked_at=clock.current - dt.timedelta(days=2)
    )
    DeviceCheck.objects.create(
        learner=world.other_child, passed=True, checked_at=clock.current - dt.timedelta(days=31)
    )
    page = client_of(world.instructor).get(reverse("teaching:roster", args=[world.offering.pk]))
    rows = {row.learner: row for row in page.context["rows"]}
    assert rows[world.child].device_check_counts
    assert not rows[world.other_child].device_check_counts  # older than 30 days
    html = page.content.decode()
    assert "موفق در ۱۴۰۳/۰۹/۱۲" in html  # passed two days before Wednesday 1403/09/14
    assert "ناموفق یا قدیمی" in html


def test_a_session_cancelled_after_its_proposal_counts_for_nobody(
    world: World, clock: Clock
) -> None:
    clock.current = tehran(TODAY, 17, 5)
    services.attendance_fill_from_classroom(session=world.session, seen=[])
    world.session.status = SessionStatus.CANCELLED  # the lifecycle job: the instructor never came
    world.session.save()
    page = client_of(world.instructor).get(reverse("teaching:roster", args=[world.offering.pk]))
    assert all(sum(row.attendance.values()) == 0 for row in page.context["rows"])


def test_an_instructor_signs_in_to_the_desk_and_staff_reach_the_roster(world: World) -> None:
    from kargah.accounts.tests.factories import StaffFactory

    world.instructor.set_password("desk-pass-1403")
    world.instructor.save()
    answer = Client().post(
        reverse("accounts:staff_sign_in"),
        {"username": world.instructor.username, "password": "desk-pass-1403"},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("teaching:desk")
    staff = StaffFactory.create(center=world.offering.center)
    page = client_of(staff).get(reverse("catalog_staff:offering_detail", args=[world.offering.pk]))
    assert reverse("teaching:roster", args=[world.offering.pk]) in page.content.decode()
