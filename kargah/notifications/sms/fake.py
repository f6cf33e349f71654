"""A faithful fake for tests: keeps what was sent and can be told to be down."""

from __future__ import annotations

from dataclasses import dataclass, field

from kargah.notifications.sms import SmsSendError


@dataclass
class SentSms:
    recipient: str
    body: str
    reference: str


@dataclass
class FakeSmsProvider:
    sent: list[SentSms] = field(default_factory=list)
    down: bool = False

    def send(self, *, recipient: str, body: str) -> str:
        if self.down:
            raise SmsSendError("fake provider is down")
        reference = f"fake-{len(self.sent) + 1}"
        self.sent.append(SentSms(recipient=recipient, body=body, reference=reference))
        return reference

    def reset(self) -> None:
        self.sent.clear()
        self.down = False
