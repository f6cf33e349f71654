"""Signals the classroom sends to the rest of Kargah."""

from django.dispatch import Signal

# Sent once per session, after the commit that first sees a moderator (an instructor)
# inside its room, from a callback or a poll: sender=Session, kwargs `session` and `at`.
# The session lifecycle (scheduled → held) listens to it.
teaching_seen = Signal()
