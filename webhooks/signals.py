"""The portfolio's announced changes (common.events) go into the outbox, in the transaction that
made them; their sending is enqueued once it commits."""

from functools import partial

from django.db import transaction

from common.events import Change, portfolio_changed

from .services import events_record
from .tasks import deliveries_enqueue


def portfolio_change_announced(sender, event: str, changes: list[Change], **kwargs) -> None:
    ids = events_record(event=event, changes=changes)
    if ids:
        # robust: the change is committed whatever happens to the enqueueing (the sweep catches up).
        transaction.on_commit(partial(deliveries_enqueue, ids), robust=True)


def connect() -> None:
    portfolio_changed.connect(portfolio_change_announced, dispatch_uid="webhooks-record-events")
