"""Portfolio events: a lower app announces that a watched value changed; a higher app (webhooks)
listens. The announcing app never imports the listener, so the layers hold.

An announcement is made inside the transaction that makes the change, so a listener that writes
(the webhooks' outbox) writes in the same transaction: its record exists exactly when the change
committed. One announcement carries every change of one kind that a write made (a recompute's
hundreds of at-risk flips are one call), so a listener can record them in a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# Sent with `event` (a name such as "initiative.health_changed") and `changes` (list[Change]).
portfolio_changed = Signal()


@dataclass(frozen=True)
class Change:
    """One record's watched value, before and after (None: the record had none)."""

    record_id: int
    old: Any
    new: Any


def announce(event: str, changes: list[Change]) -> None:
    """Tell the listeners about the changes of one kind; nothing when there are none."""
    if changes:
        portfolio_changed.send(sender=None, event=event, changes=changes)
