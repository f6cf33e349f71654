"""Signals of documents, so that the apps that wait for documents act on a review without documents importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after staff approved a document (`document_review`), its review committed, with
# `learner`, `course` and `actor`: the enrollment app confirms the places that waited for
# the course's documents. A receiver's failure is logged by the sender, not raised.
documents_reviewed = Signal()
