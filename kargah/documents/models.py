"""Documents an applicant hands in for a course (R1), one per required name and learner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner
from kargah.catalog.models import Course
from kargah.documents.storage import EXTENSIONS, private_storage


class DocumentStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The allowed next states; a rejected document is replaced by uploading it again, which
# makes it submitted (kargah.documents.services.document_upload).
DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    DocumentStatus.SUBMITTED: frozenset({DocumentStatus.APPROVED, DocumentStatus.REJECTED}),
    DocumentStatus.APPROVED: frozenset(),
    DocumentStatus.REJECTED: frozenset({DocumentStatus.SUBMITTED}),
}


def _upload_to(instance: Any, filename: str) -> str:
    # The services give every file a random name already (storage.random_name).
    return filename


class Document(models.Model):
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="documents", verbose_name=_("learner")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="documents", verbose_name=_("course")
    )
    # One of the course's required document names.
    name = models.CharField(_("document"), max_length=200)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=_upload_to, max_length=200
    )
    # What the checks found in the content (never what the browser or the file name said).
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices,
        default=DocumentStatus.SUBMITTED,
    )  # fmt: skip
    reason = models.TextField(_("reason for rejection"), blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("reviewed by"),
    )  # fmt: skip

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["status", "uploaded_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course", "name"], name="document_one_per_name"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="document_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.learner}"

    @property
    def download_name(self) -> str:
        """The name the browser saves the file under: the document's name and its type."""
        return f"{self.name}{EXTENSIONS.get(self.content_type, '')}"
