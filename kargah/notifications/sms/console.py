"""The local provider: prints each message to the server's output (the demo reads codes there)."""

from __future__ import annotations

import sys
import uuid

from kargah.notifications.sms import DeliveryReport


class ConsoleSmsProvider:
    name = "console"
    reports_delivery = False

    def send(self, *, recipient: str, body: str) -> str:
        reference = uuid.uuid4().hex[:12]
        line = "─" * 48
        sys.stdout.write(f"\n{line}\nSMS to {recipient} [{reference}]\n{body}\n{line}\n")
        sys.stdout.flush()
        return reference

    def send_code(self, *, recipient: str, code: str, body: str) -> str:
        return self.send(recipient=recipient, body=body)

    def delivery_reports(self, references: list[str]) -> dict[str, DeliveryReport]:
        return {}
