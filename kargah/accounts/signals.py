"""Signals of accounts, so that the apps built on it act on its changes without accounts importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that revokes an approved link between a family and a child
# (`learner_link_revoke`), with `link` (revoked) and `actor`. A receiver that raises undoes
# the revoke: the enrollment app takes the child off the family's waiting lists here.
learner_link_revoked = Signal()
