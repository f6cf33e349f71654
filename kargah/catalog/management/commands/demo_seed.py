"""`manage.py demo_seed`: the Persian demo data (safe to run again); in catalog, which seeds both apps."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.accounts.demo import DEMO_PASSWORD, seed_demo
from kargah.catalog.demo import seed_catalog_demo


class Command(BaseCommand):
    help = (
        "Load realistic Persian demo data: centers, staff, instructors, families with children, "
        "and the catalog (categories, age groups, terms, offerings with sessions, enrolments)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = seed_demo()
        self.stdout.write(
            "Demo data: {centers} centers, {staff} staff, {families} families, {learners} learners.".format(
                **counts
            )
        )
        catalog = seed_catalog_demo()
        self.stdout.write(
            "Catalog: {categories} categories, {age_groups} age groups, {terms} terms, "
            "{courses} courses, {offerings} offerings ({published} published), "
            "{sessions} sessions, {enrollments} enrolments, {holidays} holidays; "
            "now {learners} learners and {instructors} instructors.".format(**catalog)
        )
        self.stdout.write(
            f"Staff sign in at /accounts/staff/sign-in/ with password {DEMO_PASSWORD}"
        )
        self.stdout.write(
            "Guardians sign in with 09120000001 … 09120000004 and the code printed below."
        )
