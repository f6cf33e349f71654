"""Reads of the documents app, with their access rules: a family sees its own documents;
staff of a course's center (and administrators) see, review and download them; everyone
else gets 404."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from kargah.accounts.models import Learner, Role, User
from kargah.accounts.selectors import learner_visible_list_for, visible_to_family
from kargah.catalog.models import Course
from kargah.documents.models import Document, DocumentStatus
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    WaitingListEntry,
)


def required_documents(course: Course) -> list[str]:
    """The names of the documents a course asks for, tidied and each once, in its order."""
    seen: dict[str, None] = {}
    for name in course.required_documents or []:
        if isinstance(name, str) and name.strip():
            seen.setdefault(name.strip(), None)
    return list(seen)


def documents_missing(*, learner: Learner, course: Course) -> list[str]:
    """The course's required document names (in the course's order) for which the learner
    has nothing submitted or approved: never handed in, or rejected and not yet replaced."""
    required = required_documents(course)
    if not required:
        return []
    present = set(
        Document.objects.filter(
            learner=learner,
            course=course,
            name__in=required,
            status__in=[DocumentStatus.SUBMITTED, DocumentStatus.APPROVED],
        ).values_list("name", flat=True)
    )
    return [name for name in required if name not in present]


def documents_awaiting_approval(*, learner: Learner, course: Course) -> bool:
    """True while some required document of the learner is not approved (missing, awaiting
    review or rejected); False when the course asks for none or all are approved."""
    required = required_documents(course)
    if not required:
        return False
    approved = set(
        Document.objects.filter(
            learner=learner, course=course, name__in=required, status=DocumentStatus.APPROVED
        ).values_list("name", flat=True)
    )
    return not set(required) <= approved


def document_list_for_guardian(
    *, guardian: User, learner: Learner | None = None, course: Course | None = None
) -> QuerySet[Document]:
    """The family's documents, with those of children linked to it by an approved link
    (none for anyone but a guardian), newest first."""
    family = getattr(guardian, "family", None) if guardian.role == Role.GUARDIAN else None
    if family is None:
        return Document.objects.none()
    queryset = Document.objects.filter(visible_to_family(family_id=family.pk)).select_related(
        "learner", "course"
    )
    if learner is not None:
        queryset = queryset.filter(learner=learner)
    if course is not None:
        queryset = queryset.filter(course=course)
    return queryset


def may_review(*, user: User, course: Course) -> bool:
    """Center staff of the course's center, and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_administrator:
        return True
    return (
        user.role == Role.CENTER_STAFF
        and user.center_id is not None
        and user.center_id == course.center_id
    )


def documents_for_review(*, user: User, status: str | None = None) -> QuerySet[Document]:
    """The documents a staff member may review: their center's courses' (every center's
    for an administrator; none for anyone else), oldest upload first."""
    queryset = Document.objects.select_related(
        "learner", "learner__family__guardian", "course", "reviewed_by"
    ).order_by("uploaded_at", "id")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if not user.is_administrator:
        if user.role != Role.CENTER_STAFF or user.center_id is None:
            return queryset.none()
        queryset = queryset.filter(course__center_id=user.center_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def document_get_for_review(*, user: User, document_id: int) -> Document:
    document = documents_for_review(user=user).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


def document_get_for_download(*, user: User, document_id: int) -> Document:
    """The document if the user is of its family (or of a family the child is linked to by
    an approved link), staff of its course's center or an administrator; otherwise 404 (a
    guessed id says nothing)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    queryset = Document.objects.select_related("learner__family", "course").filter(pk=document_id)
    if not user.is_administrator:
        rules = Q(learner__family__guardian=user)
        family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
        if family is not None:
            rules |= visible_to_family(family_id=family.pk)
        if user.role == Role.CENTER_STAFF and user.center_id is not None:
            rules |= Q(course__center_id=user.center_id)
        queryset = queryset.filter(rules)
    document = queryset.first()
    if document is None:
        raise Http404
    return document


@dataclass(frozen=True)
class DocumentNeed:
    """One document a course asks of a learner, with what was handed in (None: nothing)."""

    name: str
    document: Document | None
    # False for a document the course no longer asks for (its list changed): still shown.
    required: bool = True

    @property
    def missing(self) -> bool:
        return self.required and (
            self.document is None or self.document.status == DocumentStatus.REJECTED
        )


@dataclass(frozen=True)
class CourseNeeds:
    """What one course asks of one learner; `own` is False for a child linked to the family
    by a second guardian's approved link, whose documents only the child's own guardian
    hands in (docs/learner-links.md): the family sees them, read-only."""

    learner: Learner
    course: Course
    needs: list[DocumentNeed]
    own: bool

    @property
    def missing(self) -> list[str]:
        return [need.name for need in self.needs if need.missing]


def document_needs(
    *, learner: Learner, course: Course, handed_in: Iterable[Document] | None = None
) -> list[DocumentNeed]:
    """The course's required documents (in the course's order) with the learner's document
    of each name, if any (R1); then the learner's documents for the course that it no
    longer asks for. `handed_in`, when the caller read them already, are the learner's
    documents for the course, oldest first (the newest of a name wins)."""
    required = required_documents(course)
    if handed_in is None:
        handed_in = Document.objects.filter(learner=learner, course=course).order_by("uploaded_at")
    documents = {d.name: d for d in handed_in}
    needs = [DocumentNeed(name=name, document=documents.pop(name, None)) for name in required]
    return needs + [
        DocumentNeed(name=name, document=document, required=False)
        for name, document in documents.items()
    ]


def family_document_overview(*, guardian: User) -> list[CourseNeeds]:
    """Every child the guardian sees (own and linked) with each course that asks for
    documents and that the child is registered for, is about to register for (a place
    awaiting payment or approval, a waiting-list place) or has handed documents in for."""
    family = getattr(guardian, "family", None) if guardian.role == Role.GUARDIAN else None
    if family is None:
        return []
    learners = list(learner_visible_list_for(user=guardian).order_by("first_name", "pk"))
    ids = [learner.pk for learner in learners]
    pairs: dict[tuple[int, int], None] = {}
    for learner_id, course_id in (
        Enrollment.objects.filter(learner_id__in=ids, status__in=ACTIVE_STATUSES)
        .order_by("-pk")
        .values_list("learner_id", "offering__course_id")
    ):
        pairs.setdefault((learner_id, course_id), None)
    for learner_id, course_id in (
        WaitingListEntry.objects.filter(learner_id__in=ids, status__in=WAITING_OPEN_STATUSES)
        .order_by("-pk")
        .values_list("learner_id", "offering__course_id")
    ):
        pairs.setdefault((learner_id, course_id), None)
    # Every document of these children in one read (not one per child and course).
    handed_in: dict[tuple[int, int], list[Document]] = {}
    for document in Document.objects.filter(learner_id__in=ids).order_by("-uploaded_at"):
        key = (document.learner_id, document.course_id)
        pairs.setdefault(key, None)
        handed_in.setdefault(key, []).insert(0, document)  # oldest first
    courses = Course.objects.in_bulk({course_id for _, course_id in pairs})
    courses_of: dict[int, list[int]] = {}
    for learner_id, course_id in pairs:
        courses_of.setdefault(learner_id, []).append(course_id)
    overview = []
    for learner in learners:
        for course_id in courses_of.get(learner.pk, []):
            course = courses.get(course_id)
            if course is None:
                continue
            needs = document_needs(
                learner=learner,
                course=course,
                handed_in=handed_in.get((learner.pk, course_id), []),
            )
            if needs:
                overview.append(
                    CourseNeeds(
                        learner=learner,
                        course=course,
                        needs=needs,
                        own=learner.family_id == family.pk,
                    )
                )
    return overview
