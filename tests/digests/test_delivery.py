"""Sending summaries to a real SMTP server (a local aiosmtpd sink): retried on a transient
failure and still sent once, recorded as failed on a permanent one without holding up others."""

import email

import pytest
from django.test import override_settings

from digests.delivery import deliveries_send, is_transient
from digests.models import DeliveryStatus, DigestDelivery
from digests.schedule import schedule_digests
from digests.tasks import send_digest

from .builders import DAY, FlakySink, start_sink, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries(portfolio):
    with travel(DAY, 6):
        result = schedule_digests()
    assert result.pending == 2
    return list(DigestDelivery.objects.filter(pk__in=result.pending_ids).select_related("recipient").order_by("pk"))


def smtp_to(controller):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=controller.hostname,
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    )


def test_a_transient_smtp_failure_is_retried_and_the_summary_goes_out_once(deliveries):
    sink = FlakySink(refuse_first=1, refuse_code=421)
    controller = start_sink(sink)
    delivery = deliveries[0]
    try:
        with smtp_to(controller):
            # throw=False: run the retry in-process, as a worker would after the backoff.
            result = send_digest.apply(args=[delivery.pk], throw=False)
    finally:
        controller.stop()

    assert result.successful(), result.traceback
    assert result.result == DeliveryStatus.SENT
    assert len(sink.messages) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    received = email.message_from_bytes(sink.messages[0].original_content)
    assert received["Message-ID"] == delivery.message_id
    assert received["To"] == delivery.to_address


def test_a_transient_failure_on_the_last_attempt_is_recorded_as_failed(deliveries):
    sink = FlakySink(refuse_first=100, refuse_code=451)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            report = deliveries_send([d.pk for d in deliveries], final_attempt=True)
    finally:
        controller.stop()
    assert report.failed == 2 and report.sent == 0
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}


def test_a_permanent_failure_is_recorded_and_the_others_still_go_out(deliveries):
    refused, other = deliveries
    sink = FlakySink(refuse_to={refused.to_address}, refuse_code=550)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            report = deliveries_send([refused.pk, other.pk], final_attempt=False)
    finally:
        controller.stop()

    assert report.failed == 1 and report.sent == 1 and report.retry == []
    refused.refresh_from_db()
    other.refresh_from_db()
    assert refused.status == DeliveryStatus.FAILED
    assert "550" in refused.error
    assert other.status == DeliveryStatus.SENT
    assert [m.rcpt_tos for m in sink.messages] == [[other.to_address]]
    # A failed summary is not sent again by a later run either.
    with smtp_to(controller):
        assert deliveries_send([refused.pk]).not_claimed == 1


def test_a_sent_summary_carries_one_click_unsubscribe_headers_and_both_parts(deliveries):
    sink = FlakySink()
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            deliveries_send([deliveries[0].pk])
    finally:
        controller.stop()

    received = email.message_from_bytes(sink.messages[0].original_content)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = "".join(received["List-Unsubscribe"].split())  # unfolded
    assert unsubscribe.startswith("<http://127.0.0.1:8000/unsubscribe/") and unsubscribe.endswith("/>")
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in received.walk()
             if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "Citizen service" in parts["text/plain"]
    assert "Citizen service" in parts["text/html"]
    # The stored bodies are emptied once sent; the snapshot stays for the next summary.
    delivery = DigestDelivery.objects.get(pk=deliveries[0].pk)
    assert delivery.text_body == "" and delivery.snapshot["health"]


def test_transient_and_permanent_errors_are_told_apart():
    import smtplib

    assert is_transient(smtplib.SMTPServerDisconnected("gone"))
    assert is_transient(smtplib.SMTPConnectError(421, "busy"))
    assert is_transient(smtplib.SMTPDataError(451, "later"))
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert not is_transient(smtplib.SMTPDataError(554, "no"))
    assert not is_transient(smtplib.SMTPRecipientsRefused({"a@b": (550, b"no such user")}))
    assert is_transient(smtplib.SMTPRecipientsRefused({"a@b": (452, b"mailbox full")}))


def test_a_transient_failure_is_retried_later_with_growing_backoff_not_at_once(deliveries, monkeypatch):
    """What a worker does: each retry is scheduled after an exponential, jittered pause (up to 30 s,
    then up to 1, 2, 4 ... minutes), and the delivery waits as pending, not failed."""
    from celery.exceptions import Retry

    countdowns = []

    def record_retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        raise Retry("retry scheduled", when=countdown)

    monkeypatch.setattr(send_digest, "retry", record_retry)
    monkeypatch.setattr("random.randrange", lambda stop: stop - 1)  # jitter at its widest
    sink = FlakySink(refuse_first=100, refuse_code=421)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            for retries in range(3):
                send_digest.apply(args=[deliveries[0].pk], retries=retries, throw=False)
    finally:
        controller.stop()

    assert countdowns == [30, 60, 120]
    assert DigestDelivery.objects.get(pk=deliveries[0].pk).status == DeliveryStatus.PENDING
    assert sink.messages == []
