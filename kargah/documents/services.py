"""Writes of the documents app: a guardian uploads a document (R1), staff review it."""

from __future__ import annotations

import logging
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner, Role, User
from kargah.catalog.models import Course
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.locks import lock_keys
from kargah.core.services import audit_record, snapshot
from kargah.documents.checks import MAX_BYTES, check_content
from kargah.documents.models import DOCUMENT_TRANSITIONS, Document, DocumentStatus
from kargah.documents.selectors import may_review
from kargah.documents.signals import documents_reviewed
from kargah.documents.storage import private_storage, random_name
from kargah.notifications.services import notify

AUDIT_FIELDS = ["name", "status", "content_type", "size", "reason"]

logger = logging.getLogger(__name__)


def _read(file: IO[bytes] | Any) -> bytes:
    """At most one byte more than allowed: enough to tell that a file is too large."""
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_BYTES + 1)
    return bytes(data or b"")


def document_upload(
    *, guardian: User, learner: Learner, course: Course, name: str, file: Any
) -> Document:
    """Stores a document the course asks for, after checking its content. A document that
    is awaiting review or was rejected is replaced (and awaits review again); an approved
    one stays. Refused with a Persian message, and nothing written, for anything else."""
    if guardian.role != Role.GUARDIAN or learner.family.guardian_id != guardian.pk:
        raise NotAllowed(_("Only the child's guardian can hand in the child's documents."))
    name = (name or "").strip()
    if name not in (course.required_documents or []):
        raise DomainError(
            _("This course does not ask for a document called «%(name)s».") % {"name": name},
            code="unknown_document",
        )
    data = _read(file)
    checked = check_content(data)
    storage = private_storage()
    stored_name = storage.save(random_name(checked.content_type), ContentFile(data))
    try:
        with transaction.atomic():
            lock_keys(("document", f"{learner.pk}:{course.pk}:{name}"))
            document = (
                Document.objects.select_for_update()
                .filter(learner=learner, course=course, name=name)
                .first()
            )
            now = timezone.now()
            if document is None:
                document = Document.objects.create(
                    learner=learner,
                    course=course,
                    name=name,
                    file=stored_name,
                    content_type=checked.content_type,
                    size=checked.size,
                    uploaded_at=now,
                )
                audit_record(
                    actor=guardian,
                    action="document.uploaded",
                    obj=document,
                    after=snapshot(document, AUDIT_FIELDS),
                )
                return document
            if document.status == DocumentStatus.APPROVED:
                raise Conflict(
                    _("«%(name)s» is already approved; it cannot be replaced.") % {"name": name},
                    code="document_approved",
                )
            before = snapshot(document, AUDIT_FIELDS)
            old_file = document.file.name
            document.file.name = stored_name
            document.content_type = checked.content_type
            document.size = checked.size
            document.status = DocumentStatus.SUBMITTED
            document.reason = ""
            document.uploaded_at = now
            document.reviewed_at = None
            document.reviewed_by = None
            document.save()
            audit_record(
                actor=guardian,
                action="document.replaced",
                obj=document,
                before=before,
                after=snapshot(document, AUDIT_FIELDS),
            )
            if old_file and old_file != stored_name:
                transaction.on_commit(lambda: storage.delete(old_file))
            return document
    except BaseException:
        storage.delete(stored_name)  # nothing in the database points at it
        raise


def document_review(
    *, actor: User, document: Document, approve: bool, reason: str = ""
) -> Document:
    """Staff of the course's center (or an administrator) approve a submitted document, or
    reject it with a reason; the guardian is told by SMS. Deciding what is already decided
    the same way changes nothing. After an approval, the learner's paid places that waited
    for the course's documents are confirmed if nothing is missing or awaiting any more."""
    document = _review(actor=actor, document=document, approve=approve, reason=reason)
    if approve:  # also when it was approved before: a retry of the confirmation is harmless
        _confirm_waiting_enrollments(actor=actor, document=document)
    return document


def _confirm_waiting_enrollments(*, actor: User, document: Document) -> None:
    """Places that were paid and wait for the documents' approval are confirmed once every
    required document is approved (kargah.enrollment, which receives `documents_reviewed`).
    A failure there must not undo the review, which is committed: it is logged, and the next
    review retries it."""
    try:
        documents_reviewed.send(
            sender=Document, learner=document.learner, course=document.course, actor=actor
        )
    except Exception:
        logger.exception("documents: confirming the enrollments of document %s failed", document.pk)


def _review(*, actor: User, document: Document, approve: bool, reason: str) -> Document:
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError(_("Write why the document is rejected."), code="reason_required")
    target = DocumentStatus.APPROVED if approve else DocumentStatus.REJECTED
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .select_related("course", "learner__family__guardian")
            .get(pk=document.pk)
        )
        if not may_review(user=actor, course=document.course):
            raise NotAllowed(_("Only staff of the course's center can review its documents."))
        if document.status == target:
            return document
        if target not in DOCUMENT_TRANSITIONS[document.status]:
            raise Conflict(
                _("This document is %(status)s and cannot be reviewed now.")
                % {"status": document.get_status_display()},
                code="document_state",
            )
        before = snapshot(document, AUDIT_FIELDS)
        document.status = target
        document.reason = "" if approve else reason
        document.reviewed_at = timezone.now()
        document.reviewed_by = actor
        document.save(update_fields=["status", "reason", "reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor,
            action="document.approved" if approve else "document.rejected",
            obj=document,
            before=before,
            after=snapshot(document, AUDIT_FIELDS),
            reason=reason,
        )
        notify(
            user=document.learner.family.guardian,
            kind="document_approved" if approve else "document_rejected",
            context={
                "name": document.name,
                "learner": document.learner.full_name,
                "course": document.course.title,
                "reason": reason,
            },
            # One message per review: a document reviewed again after a new upload is new news.
            event_key=f"document:{document.pk}:{target}:{document.reviewed_at.isoformat()}",
        )
    return document
