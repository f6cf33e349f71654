"""`manage.py demo_certificates`: a finished class with certificates (run after demo_seed)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.certificates.demo import TITLE, seed_certificates_demo


class Command(BaseCommand):
    help = "Load the certificates demo: a finished class whose families download certificates."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = seed_certificates_demo()
        self.stdout.write(
            f"Certificates: «{TITLE}» finished with {counts['places']} places and "
            f"{counts['certificates']} certificates; 09120000001 downloads them from "
            "/enroll/schedule/, anyone checks a code at /certificates/verify/."
        )
