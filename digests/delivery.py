"""Sending the stored digests, each at most once.

Sending claims a row with a conditional UPDATE pending → sending; only the claimer sends. A row
left in `sending` by a crash is never resent automatically: the secretariat sees it in the admin.
A transient SMTP failure puts the row back to pending (nothing was accepted) and the task retries
with backoff; a permanent one records `failed` and the others go on.
"""

from __future__ import annotations

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

from .models import DeliveryStatus, DigestDelivery
from .subscriptions import unsubscribe_url

logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 50


class TransientDeliveryError(Exception):
    """The mail server could not take the message now; it was not sent and may be retried."""


def is_transient(error: BaseException) -> bool:
    """4xx replies, dropped or refused connections and socket errors are worth retrying; 5xx not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (socket.error, TimeoutError, ConnectionError))


def delivery_message(delivery: DigestDelivery, *, connection=None) -> mail.EmailMultiAlternatives:
    """The stored digest as an email with its unsubscribe headers (RFC 8058) and Message-ID."""
    domain = settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    message_id = delivery.message_id or make_msgid(idstring=f"digest-{delivery.pk}", domain=domain)
    unsubscribe = unsubscribe_url(delivery.recipient)
    message = mail.EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text_body,
        to=[delivery.to_address],
        connection=connection,
        headers={
            "Message-ID": message_id,
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
    batches never wait on each other; the conditional UPDATE is the guard on every database.
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
        return list(DigestDelivery.objects.filter(pk__in=free, status=DeliveryStatus.SENDING).values_list("pk", flat=True))


def _mark_sent(delivery: DigestDelivery, message_id: str) -> None:
    # The bodies are emptied: they are in the recipient's inbox, and a year of them would be
    # large; the snapshot (what later digests compare against) stays.
    DigestDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), message_id=message_id, error="", text_body="",
        html_body="",
    )


def _mark_failed(delivery: DigestDelivery, error: BaseException, *, retry: bool) -> None:
    status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
    DigestDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, error=f"{type(error).__name__}: {error}"[:2000]
    )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)
    not_claimed: int = 0


def deliveries_send(
    ids: list[int], *, final_attempt: bool = True, connection_factory: Callable | None = None,
    batch_size: int = SEND_BATCH_SIZE,
) -> SendReport:
    """Claim and send many deliveries, reusing one SMTP connection per batch.

    A transient failure puts the delivery back to pending (listed in `retry`) unless this is the
    final attempt; a permanent one records `failed`; neither stops the rest of the batch.
    """
    report = SendReport()
    connection_factory = connection_factory or (lambda: mail.get_connection(fail_silently=False))
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        claimed = deliveries_claim(batch)
        report.not_claimed += len(batch) - len(claimed)
        if claimed:
            _send_claimed(claimed, connection_factory, final_attempt=final_attempt, report=report)
    return report


def _send_claimed(claimed: list[int], connection_factory: Callable, *, final_attempt: bool, report: SendReport) -> None:
    """Send the claimed deliveries over one connection, recording each outcome on its row."""
    deliveries = list(DigestDelivery.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"))
    connection = connection_factory()
    try:
        for delivery in deliveries:
            message = delivery_message(delivery, connection=connection)
            try:
                connection.open()
                connection.send_messages([message])
            except Exception as error:  # noqa: BLE001 - every failure is recorded on its row
                retry = is_transient(error) and not final_attempt
                _mark_failed(delivery, error, retry=retry)
                logger.warning("Digest %s to %s failed: %s", delivery.pk, delivery.to_address, error)
                if retry:
                    report.retry.append(delivery.pk)
                else:
                    report.failed += 1
                # The session may be broken after an error: start the next message afresh.
                connection.close()
                continue
            _mark_sent(delivery, message.extra_headers["Message-ID"])
            report.sent += 1
    finally:
        connection.close()


def delivery_send(*, delivery_id: int, final_attempt: bool) -> str:
    """Send one delivery (the Celery task's service). Raises TransientDeliveryError to retry."""
    report = deliveries_send([delivery_id], final_attempt=final_attempt)
    if report.retry:
        raise TransientDeliveryError(
            DigestDelivery.objects.filter(pk=delivery_id).values_list("error", flat=True).first() or ""
        )
    if report.sent:
        return DeliveryStatus.SENT
    if report.failed:
        return DeliveryStatus.FAILED
    return "not claimed"
