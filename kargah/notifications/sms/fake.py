"""A faithful fake for tests and the benchmark: keeps what was sent, can be told to be down,
to refuse a number for good, to be slow, and reports delivery as a real provider does."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from kargah.notifications.sms import DeliveryReport, DeliveryState, SmsSendError


@dataclass
class SentSms:
    recipient: str
    body: str
    reference: str
    code: str = ""  # set when sent through the template ("verify") service


@dataclass
class FakeSmsProvider:
    name = "fake"
    reports_delivery = True

    sent: list[SentSms] = field(default_factory=list)
    down: bool = False
    # Fail only the next N sends (a provider that hiccups), then work again.
    fail_next: int = 0
    # Numbers the provider refuses for good (e.g. not a mobile number): dead letter at once.
    refused: set[str] = field(default_factory=set)
    # Numbers whose messages are taken but never arrive (the phone is off for days).
    unreachable: set[str] = field(default_factory=set)
    # Seconds each send takes, as an HTTP call would (the race tests widen the window with it).
    latency: float = 0.0
    # How many times each reference is asked about before the operator answers.
    reports_pending_for: int = 0
    _asked: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, *, recipient: str, body: str) -> str:
        return self._take(recipient=recipient, body=body, code="")

    def send_code(self, *, recipient: str, code: str, body: str) -> str:
        return self._take(recipient=recipient, body=body, code=code)

    def _take(self, *, recipient: str, body: str, code: str) -> str:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            if self.down:
                raise SmsSendError("fake provider is down")
            if self.fail_next > 0:
                self.fail_next -= 1
                raise SmsSendError("fake provider failed this once")
            if recipient in self.refused:
                raise SmsSendError("fake provider refuses this number", permanent=True)
            reference = f"fake-{len(self.sent) + 1}"
            self.sent.append(
                SentSms(recipient=recipient, body=body, reference=reference, code=code)
            )
            return reference

    def delivery_reports(self, references: list[str]) -> dict[str, DeliveryReport]:
        if self.down:
            raise SmsSendError("fake provider is down")
        with self._lock:
            by_reference = {s.reference: s for s in self.sent}
            reports: dict[str, DeliveryReport] = {}
            for reference in references:
                message = by_reference.get(reference)
                if message is None:
                    continue
                asked = self._asked.get(reference, 0) + 1
                self._asked[reference] = asked
                if asked <= self.reports_pending_for:
                    reports[reference] = DeliveryReport(DeliveryState.PENDING, "sent to operator")
                elif message.recipient in self.unreachable:
                    reports[reference] = DeliveryReport(DeliveryState.FAILED, "undelivered")
                else:
                    reports[reference] = DeliveryReport(DeliveryState.DELIVERED, "delivered")
            return reports

    def sent_to(self, recipient: str) -> list[SentSms]:
        return [s for s in self.sent if s.recipient == recipient]

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._asked.clear()
            self.refused.clear()
            self.unreachable.clear()
            self.down = False
            self.fail_next = 0
            self.latency = 0.0
            self.reports_pending_for = 0
