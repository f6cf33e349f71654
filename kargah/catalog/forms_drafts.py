"""Forms of the draft edit pages (issue 11 item 1): the course and offering forms, filled
from the row, without what does not change there (the center, the course of an offering,
the conditions, which get versions of their own)."""

from __future__ import annotations

from typing import Any

from kargah.accounts.models import User
from kargah.catalog.forms_staff import CourseForm, OfferingForm, offering_initial
from kargah.catalog.models import Course, Offering


class CourseEditForm(CourseForm):
    def __init__(self, *args: Any, user: User, course: Course, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": course.title,
                "category": course.category_id,
                "age_group": course.age_group_id,
                "description": course.description,
                "syllabus": course.syllabus,
                "session_count": course.session_count,
                "session_minutes": course.session_minutes,
                "certificate_attendance_percent": course.certificate_attendance_percent,
                "required_documents": "\n".join(course.required_documents or []),
                "confirmation_waits_for_documents": course.confirmation_waits_for_documents,
            },
        )
        super().__init__(*args, user=user, **kwargs)
        self.course = course
        self.fields.pop("center", None)
        del self.fields["conditions_text"]

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        del kwargs["center"], kwargs["conditions_text"]
        return kwargs


class OfferingEditForm(OfferingForm):
    def __init__(self, *args: Any, user: User, offering: Offering, **kwargs: Any) -> None:
        pattern = offering.weekly_pattern or []
        kwargs.setdefault(
            "initial",
            {
                **offering_initial(offering),
                "term": offering.term_id,
                "fee_rials": offering.fee_rials,
                "weekdays": [slot["weekday"] for slot in pattern],
                "start_time": pattern[0]["start"] if pattern else None,
                "first_date": offering.first_date,
            },
        )
        super().__init__(*args, user=user, **kwargs)
        self.offering = offering
        del self.fields["course"]
        # Instructors of the offering's own center only (an administrator sees them all).
        self.fields["instructors"].queryset = self.fields["instructors"].queryset.filter(  # type: ignore[attr-defined]
            center_id=offering.center_id
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        # The same course, not a field here: the preview (and its warnings) plans with it.
        cleaned["course"] = self.offering.course
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        del kwargs["course"]
        return kwargs
