"""Recording events in the outbox and delivering them, each at least once.

How an event reaches a receiver
-------------------------------
1. A lower app announces a change (common.events) inside the transaction that makes it;
   `events_record` writes one Delivery per hook that asked for the event, in that transaction:
   the row exists exactly when the change committed. After the commit a task is enqueued.
2. `deliveries_send` claims due rows (pending → sending, attempts + 1) under a row lock (SELECT ...
   FOR UPDATE SKIP LOCKED on PostgreSQL: two workers never take the same row; the conditional
   UPDATE is the guard on every database), then POSTs each signed body (signing.py).
3. A 2xx answer: delivered. Anything else (another status, refused, timed out, an address refused):
   back to pending, due again after a backoff that doubles from WEBHOOK_RETRY_FIRST_SECONDS (30 s) up
   to 30 minutes, and the
   hook's count of failures in a row goes up; at WEBHOOK_PAUSE_AFTER_FAILURES the hook is paused
   and the secretariat emailed. A paused hook's deliveries wait; resuming it sends them.
4. The beat sweep (`due_deliveries_send`, every minute) sends whatever is due and puts back rows
   whose sender died mid-attempt (claimed longer than CLAIM_LEASE ago): nothing is lost to a
   broker outage or a crash, at the price of a possible second copy (receivers de-duplicate on the
   event id).
"""

from __future__ import annotations

import datetime
import http.client
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common.events import Change
from common.roles import secretariat_users

from . import transport
from .addresses import AddressRefused
from .models import Delivery, DeliveryStatus, EventType, Hook, HookState, new_secret
from .payloads import RECORDS, event_body
from .signing import signed_headers

logger = logging.getLogger(__name__)

# Below CELERY_VISIBILITY_TIMEOUT, the longest countdown a task may wait for in a worker.
RETRY_MAX_SECONDS = 30 * 60
# A row claimed longer ago than this lost its sender (an attempt takes at most a few timeouts).
CLAIM_LEASE = datetime.timedelta(minutes=5)
SEND_BATCH_SIZE = 50
# The sweep stops starting attempts after this long, well within a task's time limit.
SWEEP_SECONDS = 120


# --- Recording ------------------------------------------------------------------------------------


def events_record(*, event: str, changes: list[Change], now: datetime.datetime | None = None) -> list[int]:
    """One Delivery per change and hook that asked for `event`, in the caller's transaction.
    Returns their ids. A few queries whatever the number of changes."""
    if event not in EventType.values or not changes:
        return []
    hooks = Hook.objects.listening_to(event)
    if not hooks:
        return []
    now = now or timezone.now()
    key, load = RECORDS[event]
    records = load(sorted({change.record_id for change in changes}))
    rows = []
    for change in changes:
        record = records.get(change.record_id)
        if record is None:
            continue  # deleted in the same transaction: nothing left to describe
        event_id = uuid.uuid4()
        body = event_body(event=event, event_id=event_id, occurred_at=now, record=record, old=change.old,
                          new=change.new)
        rows.extend(
            Delivery(hook_id=hook.pk, event=event, event_id=event_id, body=body, next_attempt_at=now)
            for hook in hooks
        )
    return [delivery.pk for delivery in Delivery.objects.bulk_create(rows, batch_size=500)]


# --- Claiming and sending -------------------------------------------------------------------------


def deliveries_claim(ids: list[int], *, now: datetime.datetime) -> list[int]:
    """Claim due deliveries for one attempt each: pending → sending, attempts + 1. Returns the
    ids this caller owns; a row another worker holds or already took is left out."""
    with transaction.atomic():
        free = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .due(now)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        # Row by row, so that the count each UPDATE reports says which rows are ours: where rows are
        # not locked (SQLite), a second claimer's UPDATE waits for the first and then matches nothing.
        return [
            pk for pk in free
            if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
            )
        ]


@dataclass
class SendReport:
    delivered: int = 0
    not_claimed: int = 0
    # (delivery id, when it is due again)
    retry: list[tuple[int, datetime.datetime]] = field(default_factory=list)
    paused_hooks: list[int] = field(default_factory=list)


def deliveries_send(ids: list[int], *, now: datetime.datetime | None = None) -> SendReport:
    """Claim and attempt the due deliveries among `ids`, each once; record every outcome."""
    report = SendReport()
    for start in range(0, len(ids), SEND_BATCH_SIZE):
        batch = ids[start:start + SEND_BATCH_SIZE]
        claimed = deliveries_claim(batch, now=now or timezone.now())
        report.not_claimed += len(batch) - len(claimed)
        for delivery in Delivery.objects.filter(pk__in=claimed).select_related("hook").order_by("pk"):
            _attempt(delivery, report)
    return report


@dataclass
class AttemptOutcome:
    status_code: int | None = None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_post(delivery: Delivery) -> AttemptOutcome:
    """POST the stored body, signed now with the hook's secret; what the receiver answered."""
    body = delivery.body.encode()
    headers = signed_headers(
        secret=delivery.hook.secret, timestamp=int(time.time()), body=body, event=delivery.event,
        event_id=str(delivery.event_id),
    )
    try:
        status = transport.post(delivery.hook.url, body=body, headers=headers,
                                timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    except (AddressRefused, OSError, http.client.HTTPException, ValueError) as error:
        return AttemptOutcome(error=f"{type(error).__name__}: {error}"[:2000])
    if 200 <= status < 300:
        return AttemptOutcome(status_code=status)
    return AttemptOutcome(status_code=status, error=f"HTTP {status}")


def _attempt(delivery: Delivery, report: SendReport) -> None:
    outcome = delivery_post(delivery)
    finished = timezone.now()
    if outcome.delivered:
        _record_delivered(delivery, outcome, finished)
        report.delivered += 1
        return
    due_again = finished + retry_delay(delivery.attempts)
    paused = _record_failed(delivery, outcome, finished, due_again)
    report.retry.append((delivery.pk, due_again))
    if paused:
        report.paused_hooks.append(delivery.hook_id)
    logger.warning("Webhook delivery %s to hook %s failed (attempt %s): %s; due again at %s",
                   delivery.pk, delivery.hook_id, delivery.attempts, outcome.error, due_again.isoformat())


def retry_delay(attempts: int) -> datetime.timedelta:
    """WEBHOOK_RETRY_FIRST_SECONDS (30) after the first failed attempt, doubling, at most 30 minutes."""
    first = settings.WEBHOOK_RETRY_FIRST_SECONDS
    return datetime.timedelta(seconds=min(RETRY_MAX_SECONDS, first * 2 ** min(max(0, attempts - 1), 20)))


def _mine(delivery: Delivery):
    """The row as this attempt claimed it: a later claim (the lease ran out) is not overwritten."""
    return Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts)


def _record_delivered(delivery: Delivery, outcome: AttemptOutcome, finished: datetime.datetime) -> None:
    with transaction.atomic():
        _mine(delivery).update(status=DeliveryStatus.DELIVERED, delivered_at=finished,
                               last_status_code=outcome.status_code, last_error="")
        Hook.objects.filter(pk=delivery.hook_id).exclude(consecutive_failures=0).update(consecutive_failures=0)


def _record_failed(
    delivery: Delivery, outcome: AttemptOutcome, finished: datetime.datetime, due_again: datetime.datetime
) -> bool:
    """Back to pending, due again later; count the failure on the hook and pause it at the limit.
    Returns whether this failure paused the hook."""
    with transaction.atomic():
        _mine(delivery).update(status=DeliveryStatus.PENDING, next_attempt_at=due_again,
                               last_status_code=outcome.status_code, last_error=outcome.error)
        hook = Hook.objects.select_for_update().get(pk=delivery.hook_id)
        hook.consecutive_failures += 1
        Hook.objects.filter(pk=hook.pk).update(consecutive_failures=hook.consecutive_failures)
        limit = settings.WEBHOOK_PAUSE_AFTER_FAILURES
        if hook.state != HookState.ACTIVE or hook.consecutive_failures < limit:
            return False
        reason = translation.gettext(
            "Paused automatically after %(count)s failed attempts in a row; the last one: %(error)s"
        ) % {"count": hook.consecutive_failures, "error": outcome.error}
        hook_pause(hook=hook, reason=reason, now=finished)
        transaction.on_commit(lambda: secretariat_notify_paused(hook_id=hook.pk), robust=True)
        return True


# --- The sweep ------------------------------------------------------------------------------------


def stale_claims_release(*, now: datetime.datetime) -> int:
    """Put back rows whose sender died mid-attempt (claimed longer than CLAIM_LEASE ago), due now.
    The receiver may have had them: at least once means they are sent again."""
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now,
        last_error="The attempt was not finished (the worker stopped); sent again.",
    )


def due_deliveries_send(*, now: datetime.datetime | None = None, seconds: float = SWEEP_SECONDS) -> SendReport:
    """The beat's sweep: release stale claims, then send what is due, oldest first, for at most
    `seconds` (the rest waits for the next sweep)."""
    now = now or timezone.now()
    stale_claims_release(now=now)
    report = SendReport()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        ids = list(Delivery.objects.due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:SEND_BATCH_SIZE])
        if not ids:
            break
        batch = deliveries_send(ids, now=now)
        report.delivered += batch.delivered
        report.not_claimed += batch.not_claimed
        report.retry += batch.retry
        report.paused_hooks += batch.paused_hooks
        if batch.not_claimed == len(ids):
            break  # another worker holds them all
    return report


# --- The secretariat's hook actions ---------------------------------------------------------------


def hook_pause(*, hook: Hook, reason: str, now: datetime.datetime | None = None) -> Hook:
    """Stop sending to the hook; its events are kept and sent when it is resumed."""
    hook.state = HookState.PAUSED
    hook.paused_at = now or timezone.now()
    hook.paused_reason = reason
    hook._change_reason = reason[:100]
    hook.save(update_fields=["state", "paused_at", "paused_reason"])
    return hook


@transaction.atomic
def hook_resume(*, hook: Hook, now: datetime.datetime | None = None) -> list[int]:
    """Send to the hook again, starting with what waited while it was paused (due now). Returns
    the ids of its pending deliveries."""
    now = now or timezone.now()
    hook = Hook.objects.select_for_update().get(pk=hook.pk)
    hook.state, hook.paused_at, hook.paused_reason, hook.consecutive_failures = HookState.ACTIVE, None, "", 0
    hook.save(update_fields=["state", "paused_at", "paused_reason", "consecutive_failures"])
    waiting = Delivery.objects.filter(hook=hook, status=DeliveryStatus.PENDING)
    waiting.update(next_attempt_at=now)
    return list(waiting.order_by("pk").values_list("pk", flat=True))


def hook_new_secret(*, hook: Hook) -> Hook:
    """A new signing secret; the old one stops being used at once."""
    hook.secret = new_secret()
    hook._change_reason = "New secret"
    hook.save(update_fields=["secret"])
    return hook


def secretariat_notify_paused(*, hook_id: int) -> int:
    """Email the secretariat that a hook was paused and why. Returns how many were written to."""
    hook = Hook.objects.get(pk=hook_id)
    recipients = list(secretariat_users().exclude(email="").order_by("pk").values_list("email", flat=True))
    if not recipients:
        logger.error("Webhook %s (%s) was paused, and no secretariat user has an email address.", hook.pk, hook.name)
        return 0
    context = {
        "hook": hook,
        "link": settings.SITE_URL + reverse("admin:webhooks_hook_change", args=[hook.pk]),
        "limit": settings.WEBHOOK_PAUSE_AFTER_FAILURES,
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/webhook_paused_subject.txt", context).split())
        text = render_to_string("emails/webhook_paused.txt", context)
        html = render_to_string("emails/webhook_paused.html", context)
    # One message per recipient: the secretariat's addresses are not shown to each other.
    for address in recipients:
        message = EmailMultiAlternatives(subject=subject, body=text, to=[address])
        message.attach_alternative(html, "text/html")
        message.send()
    return len(recipients)
