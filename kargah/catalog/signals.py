"""Signals of the catalog, so that apps built on it act on a class's life without the catalog importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the commit of a class's end (`offering.finished`), with `offering_id` and `now`:
# the certificates app issues the certificates of completion. Sent with `send_robust`, so a
# receiver's failure never undoes the class's end (the certificates job looks again later).
offering_finished = Signal()
