"""Enrollment: a learner in an offering, with the conditions the guardian accepted."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "kargah.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")
