"""Who downloads and who revokes: the child's family downloads from *My classes* (other
families get a 404), the center's staff and administrators revoke with a reason (other
centers get a 404, other roles a 403)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.models import Role
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.certificates import services
from kargah.certificates.models import Certificate
from kargah.certificates.tests.conftest import World
from kargah.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(world: World, now: dt.datetime) -> Certificate:
    issued = services.certificate_issue(enrollment=world.place, now=now)
    assert issued is not None
    return issued


def _client(user: object | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def download(certificate: Certificate, user: object | None) -> int:
    return _client(user).get(reverse("certificates:download", args=[certificate.pk])).status_code


def test_the_family_downloads_its_pdf_from_my_classes(
    certificate: Certificate, world: World
) -> None:
    client = _client(world.guardian)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    link = reverse("certificates:download", args=[certificate.pk])
    assert link in page and certificate.display_code in page

    answer = client.get(link)

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert f"certificate-{certificate.code}.pdf" in answer["Content-Disposition"]
    assert "no-cache" in answer["Cache-Control"] or "private" in answer["Cache-Control"]


def test_another_family_gets_a_404_and_sees_no_link(certificate: Certificate, world: World) -> None:
    assert download(certificate, world.other_guardian) == 404
    assert download(certificate, GuardianFactory.create()) == 404
    page = _client(world.other_guardian).get(reverse("enrollment:schedule")).content.decode()
    assert reverse("certificates:download", args=[certificate.pk]) not in page


def test_anonymous_is_sent_to_sign_in(certificate: Certificate) -> None:
    assert download(certificate, None) == 302


def test_staff_of_the_center_and_administrators_may_print_others_not(
    certificate: Certificate, world: World
) -> None:
    assert download(certificate, world.staff) == 200
    assert download(certificate, StaffFactory.create(role=Role.ADMINISTRATOR)) == 200
    assert download(certificate, StaffFactory.create()) == 404  # another center
    assert download(certificate, world.instructor) == 404
    assert download(certificate, StaffFactory.create(role=Role.FINANCE)) == 404


def test_a_revoked_certificate_is_no_longer_downloaded(
    certificate: Certificate, world: World
) -> None:
    services.certificate_revoke(actor=world.staff, certificate=certificate, reason="اشتباه")
    assert download(certificate, world.guardian) == 404
    page = _client(world.guardian).get(reverse("enrollment:schedule")).content.decode()
    assert 'data-testid="certificate-download"' not in page and "اشتباه" in page


def _revoke(
    user: object | None, certificate: Certificate, reason: str = "حضور اشتباه ثبت شد"
) -> int:
    url = reverse("certificates_staff:staff_certificate_revoke", args=[certificate.pk])
    return _client(user).post(url, {"reason": reason}).status_code


def test_staff_revoke_from_the_class_page(certificate: Certificate, world: World) -> None:
    listing = reverse("certificates_staff:staff_certificates", args=[world.offering.pk])
    page = _client(world.staff).get(listing)
    assert page.status_code == 200 and certificate.display_code in page.content.decode()

    assert _revoke(world.staff, certificate) == 302

    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoke_reason == "حضور اشتباه ثبت شد"
    assert (
        AuditLogEntry.objects.filter(action="certificate.revoked", actor=world.staff).count() == 1
    )


def test_a_revocation_without_a_reason_changes_nothing(
    certificate: Certificate, world: World
) -> None:
    assert _revoke(world.staff, certificate, reason="  ") == 400
    certificate.refresh_from_db()
    assert not certificate.is_revoked


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_center", 404), ("instructor", 403), ("guardian", 403), ("finance", 403)],
)
def test_nobody_else_revokes(certificate: Certificate, world: World, who: str, status: int) -> None:
    user = {
        "other_center": StaffFactory.create(),
        "instructor": world.instructor,
        "guardian": world.guardian,
        "finance": StaffFactory.create(role=Role.FINANCE),
    }[who]
    assert _revoke(user, certificate) == status
    listing = reverse("certificates_staff:staff_certificates", args=[world.offering.pk])
    assert _client(user).get(listing).status_code == status
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_staff_issue_what_is_due_after_correcting_attendance(world: World) -> None:
    world.offering.course.certificate_attendance_percent = 50
    world.offering.course.save()
    url = reverse("certificates_staff:staff_certificates_issue", args=[world.offering.pk])

    assert _client(world.staff).post(url).status_code == 302
    assert Certificate.objects.count() == 2
    assert AuditLogEntry.objects.filter(action="certificate.issued", actor=world.staff).count() == 2
    assert _client(StaffFactory.create()).post(url).status_code == 404


def test_my_classes_links_nowhere_that_answers_404(certificate: Certificate, world: World) -> None:
    """The finished class's card names it without a link to its catalog page, which is gone."""
    client = _client(world.guardian)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    assert world.offering.course.title in page
    assert reverse("catalog:detail", args=[world.offering.pk]) not in page
    assert client.get(reverse("catalog:detail", args=[world.offering.pk])).status_code == 404
