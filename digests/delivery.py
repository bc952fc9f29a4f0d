"""Sending the stored digests, each at most once.

Sending claims a row with a conditional UPDATE pending → sending; only the claimer sends. The
claim gives the row its Message-ID, once: a resent message carries the same one. A row left in
`sending` by a crash is never resent automatically: the secretariat sees it in the admin.

A failed attempt is classed by the error and by how far the message got (digests.smtp):
- the mail server answered 4xx, or the connection failed before the whole message was sent: the
  server has nothing, so the row goes back to pending and the task retries with backoff;
- it answered 5xx (or the message could not be built): `failed`, and the others go on;
- the whole message was sent but the server's answer never came (dropped, timed out): the server
  may have it, so the row is `unknown` and never resent automatically (at most once wins).
Every attempt is kept as a DeliveryAttempt.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import make_msgid

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AttemptOutcome, DeliveryAttempt, DeliveryStatus, DigestDelivery, SendPhase
from .smtp import digest_connection
from .subscriptions import unsubscribe_url

logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 50

# The phases in which a failure leaves nothing with the server.
NOTHING_SENT = (SendPhase.CONNECT, SendPhase.ENVELOPE, SendPhase.BODY)


class TransientDeliveryError(Exception):
    """The mail server could not take the message now; it was not sent and may be retried."""


def is_transient(error: BaseException) -> bool:
    """4xx replies, dropped or refused connections and socket errors are worth retrying; 5xx not.
    Whether retrying is safe also depends on how far the message got (classify_failure)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (socket.error, TimeoutError, ConnectionError))


def classify_failure(error: BaseException, *, phase: SendPhase | None) -> AttemptOutcome:
    """RETRY, FAILED or UNKNOWN for a failed attempt. `phase` is how far the message got; None when
    the mail backend cannot tell."""
    if phase == SendPhase.REPLY:
        # The whole message is with the server; whatever broke, its answer never came.
        return AttemptOutcome.UNKNOWN
    if isinstance(error, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)):
        # The server answered, so it is known not to have taken the message.
        return AttemptOutcome.RETRY if is_transient(error) else AttemptOutcome.FAILED
    if is_transient(error):
        # No answer at all: safe to retry only if the message cannot have reached the server.
        return AttemptOutcome.RETRY if phase in NOTHING_SENT else AttemptOutcome.UNKNOWN
    return AttemptOutcome.FAILED


def delivery_message(delivery: DigestDelivery, *, connection=None) -> mail.EmailMultiAlternatives:
    """The stored digest as an email with its unsubscribe headers (RFC 8058) and the Message-ID its
    claim gave it."""
    if not delivery.message_id:
        raise ValueError(f"Digest delivery {delivery.pk} has no Message-ID: claim it before sending.")
    unsubscribe = unsubscribe_url(delivery.recipient)
    message = mail.EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text_body,
        to=[delivery.to_address],
        connection=connection,
        headers={
            "Message-ID": delivery.message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(delivery.html_body, "text/html")
    return message


def deliveries_claim(ids: list[int]) -> list[int]:
    """Claim pending deliveries for sending: pending → sending, once. Returns the ids we own.

    On PostgreSQL the rows are locked with SKIP LOCKED first, so two workers claiming overlapping
    batches never wait on each other; the conditional UPDATE is the guard on every database. A row
    claimed for the first time gets its Message-ID here, in the same transaction.
    """
    with transaction.atomic():
        free = list(
            DigestDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=DeliveryStatus.PENDING)
            .values_list("pk", flat=True)
        )
        if not free:
            return []
        DigestDelivery.objects.filter(pk__in=free, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        claimed = list(
            DigestDelivery.objects.filter(pk__in=free, status=DeliveryStatus.SENDING).values_list("pk", flat=True)
        )
        _give_message_ids(claimed)
        return claimed


def _give_message_ids(claimed: list[int]) -> None:
    """A Message-ID for each claimed row that has none yet; a row claimed again keeps its own."""
    domain = settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    rows = list(DigestDelivery.objects.filter(pk__in=claimed, message_id="").only("pk"))
    for row in rows:
        row.message_id = make_msgid(idstring=f"digest-{row.pk}", domain=domain)
    DigestDelivery.objects.bulk_update(rows, ["message_id"])


# What each attempt's outcome makes of the delivery.
STATUS_AFTER = {
    AttemptOutcome.SENT: DeliveryStatus.SENT,
    AttemptOutcome.RETRY: DeliveryStatus.PENDING,
    AttemptOutcome.FAILED: DeliveryStatus.FAILED,
    AttemptOutcome.UNKNOWN: DeliveryStatus.UNKNOWN,
}


def _finish_attempt(
    delivery: DigestDelivery, *, started: datetime.datetime, outcome: AttemptOutcome, phase: SendPhase | None,
    error: BaseException | None = None,
) -> None:
    """Record how the attempt ended, on the row and in its attempt log, together."""
    finished = timezone.now()
    described = f"{type(error).__name__}: {error}"[:2000] if error is not None else ""
    changes = {"status": STATUS_AFTER[outcome], "error": described}
    if outcome == AttemptOutcome.SENT:
        # The bodies are emptied: they are in the recipient's inbox, and a year of them would be
        # large; the snapshot (what later digests compare against) stays. Kept for any other
        # outcome, so the secretariat can have the digest sent again.
        changes.update(sent_at=finished, text_body="", html_body="")
    with transaction.atomic():
        DigestDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**changes)
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=started, finished_at=finished, outcome=outcome,
            phase=phase or "", error=described,
        )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    not_claimed: int = 0


def deliveries_send(
    ids: list[int], *, final_attempt: bool = True, connection_factory: Callable | None = None,
    batch_size: int = SEND_BATCH_SIZE,
) -> SendReport:
    """Claim and send many deliveries, reusing one SMTP connection per batch.

    A failure that left nothing with the server puts the delivery back to pending (listed in
    `retry`) unless this is the final attempt; a permanent one records `failed`; one after the
    whole message was sent records `unknown`; none stops the rest of the batch.
    """
    report = SendReport()
    connection_factory = connection_factory or digest_connection
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        claimed = deliveries_claim(batch)
        report.not_claimed += len(batch) - len(claimed)
        if claimed:
            _send_claimed(claimed, connection_factory, final_attempt=final_attempt, report=report)
    return report


def _send_claimed(claimed: list[int], connection_factory: Callable, *, final_attempt: bool, report: SendReport) -> None:
    """Send the claimed deliveries over one connection, recording each attempt's outcome."""
    deliveries = list(DigestDelivery.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"))
    connection = connection_factory()
    try:
        for delivery in deliveries:
            started = timezone.now()
            try:
                message = delivery_message(delivery, connection=connection)
                connection.open()
                connection.send_messages([message])
            except Exception as error:  # noqa: BLE001 - every failure is recorded on its row
                phase = getattr(connection, "message_phase", None)
                outcome = classify_failure(error, phase=phase)
                if outcome == AttemptOutcome.RETRY and final_attempt:
                    outcome = AttemptOutcome.FAILED
                _finish_attempt(delivery, started=started, outcome=outcome, phase=phase, error=error)
                _report_failure(delivery, error, outcome, phase, report)
                # The session may be broken after an error: start the next message afresh.
                _close(connection)
                continue
            phase = getattr(connection, "message_phase", None)
            _finish_attempt(delivery, started=started, outcome=AttemptOutcome.SENT, phase=phase)
            report.sent += 1
    finally:
        _close(connection)


def _report_failure(
    delivery: DigestDelivery, error: BaseException, outcome: AttemptOutcome, phase: SendPhase | None,
    report: SendReport,
) -> None:
    if outcome == AttemptOutcome.UNKNOWN:
        report.unknown.append(delivery.pk)
        logger.error(
            "Digest %s to %s: outcome unknown (the message was sent, the mail server's answer never came: %s). "
            "Not resent; look up Message-ID %s in the mail server's log.",
            delivery.pk, delivery.to_address, error, delivery.message_id,
        )
        return
    if outcome == AttemptOutcome.RETRY:
        report.retry.append(delivery.pk)
    else:
        report.failed += 1
    logger.warning("Digest %s to %s failed (%s, reached %s): %s", delivery.pk, delivery.to_address, outcome,
                   phase or "?", error)


def _close(connection) -> None:
    """Close the connection; a session that already broke may fail to say QUIT, which is harmless."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the outcome is already recorded; nothing left to lose
        logger.debug("Closing the mail connection failed", exc_info=True)


def delivery_send(*, delivery_id: int, final_attempt: bool) -> str:
    """Send one delivery (the Celery task's service). Raises TransientDeliveryError to retry."""
    report = deliveries_send([delivery_id], final_attempt=final_attempt)
    if report.retry:
        raise TransientDeliveryError(
            DigestDelivery.objects.filter(pk=delivery_id).values_list("error", flat=True).first() or ""
        )
    if report.sent:
        return DeliveryStatus.SENT
    if report.unknown:
        return DeliveryStatus.UNKNOWN
    if report.failed:
        return DeliveryStatus.FAILED
    return "not claimed"


def deliveries_send_again(ids: list[int]) -> list[int]:
    """Put failed or outcome-unknown deliveries back to pending, to be sent again with the same
    Message-ID: the secretariat's decision, after the mail server's log showed no copy. Returns
    the ids put back."""
    with transaction.atomic():
        ids = list(
            DigestDelivery.objects.select_for_update()
            .filter(pk__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN])
            .values_list("pk", flat=True)
        )
        DigestDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING)
    return ids
