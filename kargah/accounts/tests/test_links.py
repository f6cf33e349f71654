"""One child, two guardians (issue 8, item 5 and finding 8): a national code already
registered gets the same neutral answer whether or not it exists or the birth date matches;
a link request goes to the owner, who (or the center) approves, rejects or revokes it; the
linked family sees the child, its classes and documents only while the link is approved, and
no answer shows the other family's data. Adds are limited a day (no enumeration)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts import selectors, services
from kargah.accounts.demo import national_code_for
from kargah.accounts.models import (
    Gender,
    Learner,
    LearnerAddAttempt,
    LearnerLink,
    LinkStatus,
    User,
)
from kargah.accounts.tests.factories import (
    CenterFactory,
    GuardianFactory,
    LearnerFactory,
    ProvinceFactory,
    StaffFactory,
)
from kargah.accounts.tests.support import row_counts
from kargah.catalog.tests.factories import CourseFactory, EnrollmentFactory
from kargah.core.errors import DomainError, NotAllowed, Throttled
from kargah.core.persian import format_jalali_date, to_latin_digits
from kargah.core.selectors import audit_trail
from kargah.documents.models import Document
from kargah.documents.selectors import document_get_for_download, document_list_for_guardian
from kargah.enrollment.selectors import enrollments_for_guardian
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2016, 7, 2)


def neutral(language: str | None = None) -> str:
    """The neutral answer, in the active language or in `language`."""
    with translation.override(language or translation.get_language()):
        return str(services.LINK_NEUTRAL_MESSAGE)


@pytest.fixture
def owner() -> User:
    return GuardianFactory.create(first_name="مریم", last_name="صادقی", mobile="+989121110001")


@pytest.fixture
def child(owner: User) -> Learner:
    return LearnerFactory.create(
        family=owner.family, birth_date=BIRTH, national_code=national_code_for(7)
    )


@pytest.fixture
def second() -> User:
    """The other parent, with no account data in common with the owner."""
    return GuardianFactory.create(first_name="علی", last_name="کریمی", mobile="+989351230002")


def _data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "آرش",
        "last_name": "صادقی",
        "birth_date": BIRTH,
        "national_code": national_code_for(7),
        "gender": Gender.BOY,
        "province": ProvinceFactory.create(),
        "school_grade": 3,
        "data_confirmed": True,
    }
    data.update(overrides)
    return data


def _request_link(guardian: User, child: Learner) -> LearnerLink:
    services.learner_add(guardian=guardian, **_data(national_code=child.national_code))
    return LearnerLink.objects.get(learner=child, family=guardian.family)


def _link_messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind__startswith="learner_link").order_by("id"))


class TestAdding:
    def test_a_new_national_code_creates_the_child(self, second):
        added = services.learner_add(guardian=second, **_data())

        assert added.learner is not None
        assert added.learner.family == second.family
        assert LearnerAddAttempt.objects.get(guardian=second).outcome == "created"

    def test_a_registered_code_with_its_birth_date_asks_the_owner(self, owner, child, second):
        added = services.learner_add(guardian=second, **_data())

        assert added.learner is None
        assert added.message == neutral()
        link = LearnerLink.objects.get(learner=child)
        assert (link.family, link.status, link.requested_by) == (
            second.family,
            LinkStatus.REQUESTED,
            second,
        )
        assert audit_trail(obj=link).get().action == "learner_link.requested"
        assert Learner.objects.filter(national_code=child.national_code).count() == 1
        # The owner is told by SMS; the requester's number only masked.
        (message,) = _link_messages()
        assert message.recipient == owner.mobile
        assert "۰۹۳۵***۰۰۰۲" in message.body
        assert "09351230002" not in message.body and "۰۹۳۵۱۲۳۰۰۰۲" not in message.body

    def test_a_wrong_birth_date_gets_the_same_answer_and_creates_nothing(
        self, owner, child, second
    ):
        before = row_counts()

        added = services.learner_add(guardian=second, **_data(birth_date=dt.date(2016, 7, 3)))

        assert added.learner is None
        assert added.message == neutral()
        assert not LearnerLink.objects.exists()
        assert row_counts() == before  # no learner, no audit row, no message
        assert LearnerAddAttempt.objects.get(guardian=second).outcome == "mismatch"

    def test_asking_again_sends_nothing_twice(self, owner, child, second):
        services.learner_add(guardian=second, **_data())
        again = services.learner_add(guardian=second, **_data())

        assert again.learner is None and again.message == neutral()
        assert LearnerLink.objects.count() == 1
        assert len(_link_messages()) == 1

    def test_the_own_child_is_said_to_be_in_the_family(self, owner, child):
        with pytest.raises(DomainError) as exc_info:
            services.learner_add(guardian=owner, **_data())
        assert exc_info.value.code == "own_child"

    def test_the_answer_names_nothing_of_the_other_family(self, owner, child, second):
        added = services.learner_add(guardian=second, **_data())
        for secret in ("مریم", "صادقی", "09121110001", child.first_name):
            assert secret not in added.message


class TestRateLimit:
    def test_six_adds_a_day_are_refused_alike_for_new_and_registered_codes(
        self, monkeypatch, owner, child, second
    ):
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", 3)
        services.learner_add(guardian=second, **_data(national_code=national_code_for(101)))
        services.learner_add(guardian=second, **_data(birth_date=dt.date(2016, 1, 1)))
        services.learner_add(guardian=second, **_data(birth_date=dt.date(2016, 1, 2)))
        before = row_counts()

        answers = []
        for code in (national_code_for(102), child.national_code):
            with pytest.raises(Throttled) as exc_info:
                services.learner_add(guardian=second, **_data(national_code=code))
            answers.append((exc_info.value.code, str(exc_info.value.message)))

        assert answers[0] == answers[1]
        assert answers[0][0] == "learner_adds"
        assert row_counts() == before
        assert not LearnerLink.objects.exists()

    def test_the_day_passes(self, monkeypatch, owner, child, second):
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", 1)
        services.learner_add(guardian=second, **_data(birth_date=dt.date(2016, 1, 1)))
        LearnerAddAttempt.objects.update(created_at=timezone.now() - dt.timedelta(days=1, hours=1))

        services.learner_add(guardian=second, **_data())

        assert LearnerLink.objects.filter(learner=child).exists()

    def test_changing_a_national_code_counts_and_says_nothing_of_the_other_child(
        self, monkeypatch, owner, child, second
    ):
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", 1)
        own = LearnerFactory.create(family=second.family)
        with pytest.raises(DomainError) as exc_info:
            services.learner_update(
                guardian=second,
                learner=own,
                data_confirmed=True,
                national_code=child.national_code,
            )
        assert exc_info.value.code == "national_code"
        assert "registered" not in str(exc_info.value.message)
        with pytest.raises(Throttled):
            services.learner_update(
                guardian=second,
                learner=own,
                data_confirmed=True,
                national_code=national_code_for(555),
            )


class TestDecisions:
    def test_the_owner_approves_and_the_requester_is_told(self, owner, child, second):
        link = _request_link(second, child)

        services.learner_link_approve(actor=owner, link=link)

        link.refresh_from_db()
        assert (link.status, link.decided_by) == (LinkStatus.APPROVED, owner)
        assert link.decided_at is not None
        assert [e.action for e in audit_trail(obj=link).order_by("id")] == [
            "learner_link.requested",
            "learner_link.approved",
        ]
        told = _link_messages()[-1]
        assert told.recipient == second.mobile
        assert owner.mobile not in told.body and "مریم" not in told.body

    def test_a_rejection_is_recorded_and_not_told(self, owner, child, second):
        link = _request_link(second, child)
        sent = len(_link_messages())

        services.learner_link_reject(actor=owner, link=link)

        link.refresh_from_db()
        assert link.status == LinkStatus.REJECTED
        assert audit_trail(obj=link).order_by("-id")[0].action == "learner_link.rejected"
        assert len(_link_messages()) == sent  # silence, as for a code nobody registered
        assert not selectors.learners_linked_to(user=second).exists()

    def test_a_rejected_link_can_be_asked_for_again(self, owner, child, second):
        link = _request_link(second, child)
        services.learner_link_reject(actor=owner, link=link)

        services.learner_add(guardian=second, **_data())

        link.refresh_from_db()
        assert link.status == LinkStatus.REQUESTED and link.decided_by is None

    def test_the_owner_revokes_and_the_child_disappears(self, owner, child, second):
        link = _request_link(second, child)
        services.learner_link_approve(actor=owner, link=link)
        assert list(selectors.learners_linked_to(user=second)) == [child]

        services.learner_link_revoke(actor=owner, link=link)

        link.refresh_from_db()
        assert link.status == LinkStatus.REVOKED
        assert audit_trail(obj=link).order_by("-id")[0].action == "learner_link.revoked"
        assert not selectors.learners_linked_to(user=second).exists()
        assert _link_messages()[-1].recipient == second.mobile

    def test_a_decided_request_cannot_be_decided_again(self, owner, child, second):
        link = _request_link(second, child)
        services.learner_link_reject(actor=owner, link=link)
        with pytest.raises(DomainError) as exc_info:
            services.learner_link_approve(actor=owner, link=link)
        assert exc_info.value.code == "link_state"
        with pytest.raises(DomainError):
            services.learner_link_revoke(actor=owner, link=link)

    def test_neither_the_requester_nor_a_stranger_may_decide(self, owner, child, second):
        link = _request_link(second, child)
        for user in (second, GuardianFactory.create(), StaffFactory.create()):
            with pytest.raises(NotAllowed):
                services.learner_link_approve(actor=user, link=link)
        link.refresh_from_db()
        assert link.status == LinkStatus.REQUESTED

    def test_staff_of_the_childs_center_approve(self, owner, child, second):
        link = _request_link(second, child)
        provincial = StaffFactory.create(center=CenterFactory.create(province=child.province))
        other = StaffFactory.create()  # another province's center, the child not in it
        assert list(selectors.learner_links_for_staff(user=provincial)) == [link]
        assert not selectors.learner_links_for_staff(user=other).exists()

        services.learner_link_approve(actor=provincial, link=link)

        link.refresh_from_db()
        assert (link.status, link.decided_by) == (LinkStatus.APPROVED, provincial)

    def test_staff_of_a_center_the_child_is_enrolled_in_see_the_request(self, owner, child, second):
        enrollment = EnrollmentFactory.create(learner=child)
        staff = StaffFactory.create(center=enrollment.offering.center)
        link = _request_link(second, child)
        assert list(selectors.learner_links_for_staff(user=staff)) == [link]


def _document(learner: Learner) -> Document:
    return Document.objects.create(
        learner=learner,
        course=CourseFactory.create(),
        name="رضایت‌نامه ولی",
        file="x.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_at=timezone.now(),
    )


class TestVisibility:
    def test_the_linked_family_sees_the_child_its_classes_and_documents_only_when_approved(
        self, owner, child, second
    ):
        enrollment = EnrollmentFactory.create(learner=child)
        document = _document(child)
        stranger_child = LearnerFactory.create(family=owner.family)  # the owner's other child
        EnrollmentFactory.create(learner=stranger_child)
        link = _request_link(second, child)

        def seen() -> tuple[list[Learner], list[int], list[int]]:
            return (
                list(selectors.learners_linked_to(user=second)),
                [e.pk for e in enrollments_for_guardian(guardian=second)],
                [d.pk for d in document_list_for_guardian(guardian=second)],
            )

        assert seen() == ([], [], [])
        services.learner_link_approve(actor=owner, link=link)
        assert seen() == ([child], [enrollment.pk], [document.pk])
        assert document_get_for_download(user=second, document_id=document.pk) == document
        services.learner_link_revoke(actor=owner, link=link)
        assert seen() == ([], [], [])

    def test_the_owner_still_sees_everything_once_and_edits_alone(self, owner, child, second):
        enrollment = EnrollmentFactory.create(learner=child)
        link = _request_link(second, child)
        services.learner_link_approve(actor=owner, link=link)
        # A third family linked too: the owner's rows must not be doubled by the joins.
        third = GuardianFactory.create()
        services.learner_link_approve(actor=owner, link=_request_link(third, child))

        assert [e.pk for e in enrollments_for_guardian(guardian=owner)] == [enrollment.pk]
        with pytest.raises(NotAllowed) as exc_info:
            services.learner_update(
                guardian=second, learner=child, data_confirmed=True, first_name="x"
            )
        assert exc_info.value.code == "not_owner"


# --- pages ------------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: Any) -> dict[str, Any]:
    form = {
        "first_name": "آرش",
        "last_name": "صادقی",
        "birth_date": "۱۳۹۵/۰۴/۱۲",  # 2016-07-02
        "national_code": national_code_for(7),
        "gender": "boy",
        "province": ProvinceFactory.create().pk,
        "school_grade": "3",
        "data_confirmed": "on",
    }
    form.update(overrides)
    return form


def _page_text(response: Any) -> str:
    return response.content.decode()


class TestPages:
    def test_the_add_page_answers_alike_for_a_match_a_mismatch_and_shows_no_owner_data(
        self, owner, child, second
    ):
        client = signed_in(second)
        url = reverse("accounts:learner_add")
        matched = client.post(url, _form(), follow=True)
        other = signed_in(GuardianFactory.create())
        mismatched = other.post(url, _form(birth_date="۱۳۹۵/۰۴/۱۳"), follow=True)

        for response in (matched, mismatched):
            assert response.redirect_chain == [(reverse("accounts:family"), 302)]
            messages = [str(m) for m in response.context["messages"]]
            assert messages == [neutral("fa")]  # Persian first
            text = _page_text(response)
            for secret in ("مریم", "09121110001", "۰۹۱۲۱۱۱۰۰۰۱", child.first_name):
                assert secret not in text
        assert LearnerLink.objects.filter(learner=child).count() == 1

    def test_the_owner_sees_the_masked_request_and_approves_it(self, owner, child, second):
        link = _request_link(second, child)
        client = signed_in(owner)

        page = _page_text(client.get(reverse("accounts:family")))
        assert "۰۹۳۵***۰۰۰۲" in page
        assert "۰۹۳۵۱۲۳۰۰۰۲" not in page and "09351230002" not in page

        response = client.post(reverse("accounts:learner_link_decide", args=[link.pk, "approve"]))
        assert response.status_code == 302
        link.refresh_from_db()
        assert link.status == LinkStatus.APPROVED

    def test_nobody_else_decides_on_the_family_page(self, owner, child, second):
        link = _request_link(second, child)
        for user in (second, GuardianFactory.create()):
            url = reverse("accounts:learner_link_decide", args=[link.pk, "approve"])
            assert signed_in(user).post(url).status_code == 404
        link.refresh_from_db()
        assert link.status == LinkStatus.REQUESTED

    def test_the_linked_family_page_and_classes_show_the_child_only_once_approved(
        self, owner, child, second
    ):
        enrollment = EnrollmentFactory.create(learner=child)
        link = _request_link(second, child)
        client = signed_in(second)
        family_url, classes_url = reverse("accounts:family"), reverse("enrollment:schedule")

        assert child.first_name not in _page_text(client.get(family_url))
        assert enrollment.offering.course.title not in _page_text(client.get(classes_url))

        services.learner_link_approve(actor=owner, link=link)
        family_page = _page_text(client.get(family_url))
        assert child.full_name in family_page
        assert reverse("accounts:learner_edit", args=[child.pk]) not in family_page
        classes = client.get(classes_url)
        assert enrollment.offering.course.title in _page_text(classes)
        # Seen, not acted on: no drop or switch for the other family's registration.
        assert reverse("enrollment:drop", args=[enrollment.pk]) not in _page_text(classes)
        assert "مریم" not in _page_text(classes) and "مریم" not in family_page
        # The edit page stays the owner's.
        edit = client.get(reverse("accounts:learner_edit", args=[child.pk]))
        assert edit.status_code == 404

    def test_the_linked_family_sees_the_documents_but_not_the_upload_page(
        self, owner, child, second
    ):
        document = _document(child)
        services.learner_link_approve(actor=owner, link=_request_link(second, child))
        upload = reverse("documents:upload", args=[child.pk, document.course_id])

        linked_page = _page_text(signed_in(second).get(reverse("documents:list")))
        owner_page = _page_text(signed_in(owner).get(reverse("documents:list")))

        assert reverse("documents:download", args=[document.pk]) in linked_page
        assert upload not in linked_page and upload in owner_page
        assert signed_in(second).get(upload).status_code == 404

    def test_staff_list_and_decide_their_centers_requests(self, owner, child, second):
        link = _request_link(second, child)
        staff = StaffFactory.create(center=CenterFactory.create(province=child.province))
        client = signed_in(staff)

        page = client.get(reverse("accounts:staff_link_requests"))
        assert page.status_code == 200
        # Found from the menu of every staff page.
        assert f'href="{reverse("accounts:staff_link_requests")}"' in _page_text(page)
        assert child.full_name in _page_text(page)
        response = client.post(reverse("accounts:staff_link_decide", args=[link.pk, "reject"]))
        assert response.status_code == 302
        link.refresh_from_db()
        assert (link.status, link.decided_by) == (LinkStatus.REJECTED, staff)

        outsider = signed_in(StaffFactory.create())
        assert child.full_name not in _page_text(
            outsider.get(reverse("accounts:staff_link_requests"))
        )
        assert signed_in(second).get(reverse("accounts:staff_link_requests")).status_code == 403


# --- API --------------------------------------------------------------------------------------

LEARNERS = "/api/v1/learners"
LINKS = "/api/v1/learner-links"


def authed(user: User) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _body(**overrides: Any) -> dict[str, Any]:
    body = _form(**overrides)
    body["birth_date_jalali"] = body.pop("birth_date")
    body["data_confirmed"] = True
    body["school_grade"] = 3
    return body


class TestApi:
    def test_a_registered_code_is_a_neutral_202_alike_with_or_without_a_match(
        self, owner, child, second
    ):
        matched = authed(second).post(LEARNERS, _body(), format="json")
        mismatched = authed(GuardianFactory.create()).post(
            LEARNERS, _body(birth_date="۱۳۹۵/۰۴/۱۳"), format="json"
        )

        for response in (matched, mismatched):
            assert response.status_code == 202
            assert response.json() == {"detail": neutral("fa"), "code": "link_requested"}
        assert LearnerLink.objects.filter(learner=child).count() == 1

    def test_a_new_code_is_a_201(self, second):
        response = authed(second).post(
            LEARNERS, _body(national_code=national_code_for(8)), format="json"
        )
        assert response.status_code == 201
        assert response.json()["relation"] == "own"

    def test_the_rate_limit_is_a_429(self, monkeypatch, second):
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", 0)
        response = authed(second).post(LEARNERS, _body(), format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "learner_adds"

    def test_the_linked_child_is_seen_read_only_once_approved(self, owner, child, second):
        link = _request_link(second, child)
        client = authed(second)
        detail = f"{LEARNERS}/{child.pk}"

        assert client.get(LEARNERS).json() == []
        assert client.get(detail).status_code == 404

        assert authed(owner).post(f"{LINKS}/{link.pk}/approve").status_code == 200
        (listed,) = client.get(LEARNERS).json()
        assert (listed["id"], listed["relation"]) == (child.pk, "linked")
        assert client.get(detail).json()["relation"] == "linked"
        patch = client.patch(detail, {"first_name": "x", "data_confirmed": True}, format="json")
        assert patch.status_code == 403
        assert patch.json()["code"] == "not_owner"
        assert authed(owner).get(detail).json()["relation"] == "own"

    def test_linked_enrollments_are_listed_once_approved(self, owner, child, second):
        enrollment = EnrollmentFactory.create(learner=child)
        link = _request_link(second, child)
        client = authed(second)
        assert [e["id"] for e in client.get("/api/v1/enrollments").json()["results"]] == []
        services.learner_link_approve(actor=owner, link=link)
        assert [e["id"] for e in client.get("/api/v1/enrollments").json()["results"]] == [
            enrollment.pk
        ]

    def test_a_linked_guardian_cannot_drop_the_owners_place_nor_register_the_child_twice(
        self, owner, child, second
    ):
        enrollment = EnrollmentFactory.create(learner=child)
        services.learner_link_approve(actor=owner, link=_request_link(second, child))
        client = authed(second)

        drop = client.post(f"/api/v1/enrollments/{enrollment.pk}/drop")
        register = client.post(
            "/api/v1/enrollments",
            {"offering": enrollment.offering_id, "learner": child.pk, "accept_terms": True},
            format="json",
        )

        # The owner's place is theirs (not_payer); the child has it already (one place).
        assert (drop.status_code, drop.json()["code"]) == (403, "not_payer")
        assert (register.status_code, register.json()["code"]) == (400, "already_enrolled")
        enrollment.refresh_from_db()
        assert enrollment.status == "confirmed"
        assert enrollment.learner.enrollments.count() == 1

    def test_the_owner_lists_decides_and_revokes_others_get_404(self, owner, child, second):
        link = _request_link(second, child)
        (listed,) = authed(owner).get(LINKS).json()
        assert listed["requester_mobile"] == "0935***0002"
        assert listed["status"] == "requested"
        assert authed(second).get(LINKS).json() == []
        assert authed(second).post(f"{LINKS}/{link.pk}/approve").status_code == 404
        assert authed(owner).post(f"{LINKS}/{link.pk}/nonsense").status_code == 404

        assert authed(owner).post(f"{LINKS}/{link.pk}/approve").json()["status"] == "approved"
        again = authed(owner).post(f"{LINKS}/{link.pk}/approve")
        assert (again.status_code, again.json()["code"]) == (400, "link_state")
        assert authed(owner).post(f"{LINKS}/{link.pk}/revoke").json()["status"] == "revoked"

    def test_the_schema_documents_the_neutral_answer(self, api_schema):
        post = api_schema["paths"]["/api/v1/learners"]["post"]["responses"]
        assert {"201", "202", "429"} <= set(post)
        assert post["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/NeutralAnswer"
        )
        decide = api_schema["paths"]["/api/v1/learner-links/{link_id}/{action}"]["post"]
        (action,) = [p for p in decide["parameters"] if p["name"] == "action"]
        assert action["schema"]["enum"] == ["approve", "reject", "revoke"]


@pytest.fixture
def api_schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


class TestNeutrality:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(days=st.integers(min_value=-3000, max_value=3000))
    @example(days=0)  # the right birth date: a request is made, and the answer is the same
    def test_any_birth_date_for_a_registered_code_gets_one_answer(
        self, monkeypatch, owner, child, days
    ):
        """Whatever birth date is typed with a registered code (the right one or not), the
        answer is byte for byte the same, and nothing of the other family is in it."""
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", 10_000)
        birth = BIRTH + dt.timedelta(days=days)
        if not 2 <= (timezone.localdate() - birth).days // 366 <= 19:
            birth = BIRTH  # keep within the ages the service accepts
        response = authed(GuardianFactory.create()).post(
            LEARNERS,
            _body(birth_date=_jalali(birth), national_code=child.national_code),
            format="json",
        )
        assert response.status_code == 202
        assert response.content == _neutral_bytes()

    def test_staff_use_the_api_for_their_centers_requests(self, owner, child, second):
        link = _request_link(second, child)
        staff = authed(StaffFactory.create(center=CenterFactory.create(province=child.province)))
        assert [row["id"] for row in staff.get(LINKS).json()] == [link.pk]
        assert staff.post(f"{LINKS}/{link.pk}/approve").json()["status"] == "approved"
        assert authed(StaffFactory.create()).get(LINKS).json() == []


def _jalali(day: dt.date) -> str:
    return to_latin_digits(format_jalali_date(day))


def _neutral_bytes() -> bytes:
    return json.dumps(
        {"detail": neutral("fa"), "code": "link_requested"},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


class TestWhoMayDecideInOneQuery:
    """may_decide_link reads what it needs in one query, whoever asks (the owner, another
    guardian, staff of the child's center or of another, an administrator)."""

    def test_one_query_each(self, owner, child, second, django_assert_num_queries):
        link = _request_link(second, child)
        provincial = StaffFactory.create(center=CenterFactory.create(province=child.province))
        virtual = StaffFactory.create(center=CenterFactory.create(is_virtual=True))
        administrator = User.objects.create_superuser(username="root", password="x-pass-1403")
        cases = [
            (owner, True),
            (second, False),
            (provincial, True),
            (virtual, True),
            (StaffFactory.create(), False),
            (administrator, True),
        ]
        link = LearnerLink.objects.get(pk=link.pk)  # nothing related loaded
        for user, allowed in cases:
            fresh = User.objects.get(pk=user.pk)  # nor the staff's center
            with django_assert_num_queries(1):
                assert services.may_decide_link(user=fresh, link=link) is allowed, user
