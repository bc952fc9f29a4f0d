"""A mail server that takes the whole message and then drops the connection (or answers slower than
EMAIL_TIMEOUT) may have delivered it: the summary is recorded as "outcome unknown" and never sent
again automatically. A drop before the message was sent whole, or a 4xx answer, is retried, with
the same Message-ID; every attempt is kept."""

import email
import io
import smtplib

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils.html import escape

from digests.delivery import classify_failure, deliveries_send
from digests.models import AttemptOutcome, DeliveryStatus, DigestDelivery, SendPhase
from digests.schedule import schedule_digests
from digests.smtp import PhaseRecordingEmailBackend
from digests.tasks import send_digest

from .builders import DAY, FlakySink, free_port, start_sink, travel

RETRY, FAILED, UNKNOWN = AttemptOutcome.RETRY, AttemptOutcome.FAILED, AttemptOutcome.UNKNOWN


@pytest.mark.parametrize(
    ("error", "phase", "outcome"),
    [
        # The whole message is with the server and no answer came: whatever the error, unknown.
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), SendPhase.REPLY, UNKNOWN),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out"), SendPhase.REPLY, UNKNOWN),
        (TimeoutError(), SendPhase.REPLY, UNKNOWN),
        (ConnectionResetError(), SendPhase.REPLY, UNKNOWN),
        # Dropped before the message was sent whole: the server has nothing, retry.
        (ConnectionRefusedError(), SendPhase.CONNECT, RETRY),
        (smtplib.SMTPServerDisconnected("gone"), SendPhase.CONNECT, RETRY),
        (smtplib.SMTPServerDisconnected("gone"), SendPhase.ENVELOPE, RETRY),
        (smtplib.SMTPServerDisconnected("Server not connected"), SendPhase.BODY, RETRY),
        (OSError("Network is unreachable"), SendPhase.ENVELOPE, RETRY),
        # The server answered: its code decides.
        (smtplib.SMTPConnectError(421, "busy"), SendPhase.CONNECT, RETRY),
        (smtplib.SMTPRecipientsRefused({"a@b": (452, b"mailbox full")}), SendPhase.ENVELOPE, RETRY),
        (smtplib.SMTPRecipientsRefused({"a@b": (550, b"no such user")}), SendPhase.ENVELOPE, FAILED),
        (smtplib.SMTPDataError(451, "later"), SendPhase.DONE, RETRY),
        (smtplib.SMTPDataError(554, "no"), SendPhase.DONE, FAILED),
        # A drop after the server answered, or from a backend that cannot tell how far it got: unknown.
        (smtplib.SMTPServerDisconnected("gone"), SendPhase.DONE, UNKNOWN),
        (smtplib.SMTPServerDisconnected("gone"), None, UNKNOWN),
        (smtplib.SMTPDataError(451, "later"), None, RETRY),
        # Not the mail server's doing (the message could not be built): permanent.
        (ValueError("bad header"), SendPhase.CONNECT, FAILED),
        (ValueError("bad header"), None, FAILED),
    ],
)
def test_a_failure_is_classed_by_the_error_and_how_far_the_message_got(error, phase, outcome):
    assert classify_failure(error, phase=phase) == outcome


def backend_for(controller, *, timeout: float = 5) -> PhaseRecordingEmailBackend:
    return PhaseRecordingEmailBackend(
        host=controller.hostname, port=controller.port, username="", password="", use_tls=False, timeout=timeout,
        fail_silently=False,
    )


def send(backend: PhaseRecordingEmailBackend) -> None:
    backend.open()
    backend.send_messages([mail.EmailMessage("S", "B", "f@example.invalid", ["t@example.invalid"])])


def test_the_backend_records_a_drop_after_the_whole_message_was_sent():
    sink = FlakySink(drop_after_data=1)
    controller = start_sink(sink)
    backend = backend_for(controller)
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send(backend)
        assert backend.message_phase == SendPhase.REPLY
    finally:
        backend.close()
        controller.stop()
    assert len(sink.messages) == 1  # the server has it


def test_the_backend_records_a_reply_slower_than_the_timeout_like_a_drop():
    sink = FlakySink(reply_delay=3)
    controller = start_sink(sink)
    backend = backend_for(controller, timeout=1)
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            send(backend)
        assert backend.message_phase == SendPhase.REPLY
    finally:
        backend.close()
        controller.stop()


def test_the_backend_records_a_drop_before_data_a_4xx_answer_and_a_success():
    sink = FlakySink(drop_at_rcpt=1, refuse_first=1, refuse_code=451)
    controller = start_sink(sink)
    backend = backend_for(controller)
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send(backend)
        assert backend.message_phase == SendPhase.ENVELOPE
        backend.close()
        with pytest.raises(smtplib.SMTPDataError):
            send(backend)
        assert backend.message_phase == SendPhase.DONE  # answered 451
        backend.close()
        send(backend)
        assert backend.message_phase == SendPhase.DONE
        # The next message over the same connection starts afresh: dropped at RCPT, nothing of it sent.
        sink.drop_at_rcpt = 1
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send(backend)
        assert backend.message_phase == SendPhase.ENVELOPE
    finally:
        backend.close()
        controller.stop()
    assert len(sink.messages) == 1


def test_the_backend_records_a_refused_connection_as_nothing_sent():
    backend = PhaseRecordingEmailBackend(host="127.0.0.1", port=free_port(), username="", password="",
                                         use_tls=False, timeout=5, fail_silently=False)
    with pytest.raises(ConnectionRefusedError):
        backend.open()
    assert backend.message_phase == SendPhase.CONNECT


# --- Through the delivery service, the task and the command ------------------------------------


@pytest.fixture
def deliveries(portfolio):
    with travel(DAY, 6):
        result = schedule_digests()
    assert result.pending == 2
    return list(DigestDelivery.objects.filter(pk__in=result.pending_ids).select_related("recipient").order_by("pk"))


def smtp_to(controller, timeout: int = 5):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=controller.hostname,
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=timeout,
    )


def received_message_id(envelope) -> str:
    return email.message_from_bytes(envelope.original_content)["Message-ID"]


@pytest.mark.django_db
def test_a_drop_after_data_is_recorded_as_outcome_unknown_and_never_retried(deliveries):
    sink = FlakySink(drop_after_data=1)
    controller = start_sink(sink)
    delivery = deliveries[0]
    try:
        with smtp_to(controller):
            # throw=False: any retry would run in-process at once, as a worker would after the backoff.
            result = send_digest.apply(args=[delivery.pk], throw=False)
            assert result.result == DeliveryStatus.UNKNOWN
            # A second task for the same summary (beat firing again, a requeued message) sends nothing.
            assert send_digest.apply(args=[delivery.pk], throw=False).result == "not claimed"
            assert deliveries_send([delivery.pk]).not_claimed == 1
    finally:
        controller.stop()

    assert len(sink.messages) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN
    assert delivery.message_id == received_message_id(sink.messages[0])
    assert delivery.attempts == 1 and delivery.sent_at is None
    assert "SMTPServerDisconnected" in delivery.error
    assert delivery.text_body  # kept, so the secretariat can have it sent again
    [attempt] = delivery.attempt_log.all()
    assert (attempt.number, attempt.outcome, attempt.phase) == (1, AttemptOutcome.UNKNOWN, SendPhase.REPLY)
    assert "Connection unexpectedly closed" in attempt.error


@pytest.mark.django_db
def test_a_reply_slower_than_email_timeout_is_outcome_unknown(deliveries):
    sink = FlakySink(reply_delay=3)
    controller = start_sink(sink)
    try:
        with smtp_to(controller, timeout=1):
            report = deliveries_send([deliveries[0].pk], final_attempt=False)
    finally:
        controller.stop()
    assert report.unknown == [deliveries[0].pk] and report.retry == [] and report.sent == 0
    assert DigestDelivery.objects.get(pk=deliveries[0].pk).status == DeliveryStatus.UNKNOWN
    assert len(sink.messages) == 1


@pytest.mark.django_db
def test_a_drop_before_data_is_retried_with_the_same_message_id_and_every_attempt_kept(deliveries):
    sink = FlakySink(drop_at_rcpt=1, refuse_first=1, refuse_code=451)
    controller = start_sink(sink)
    delivery = deliveries[0]
    try:
        with smtp_to(controller):
            first = deliveries_send([delivery.pk], final_attempt=False)
            assert first.retry == [delivery.pk]
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.PENDING
            message_id = delivery.message_id  # made when first claimed
            assert message_id
            assert deliveries_send([delivery.pk], final_attempt=False).retry == [delivery.pk]  # 451
            assert deliveries_send([delivery.pk], final_attempt=False).sent == 1
    finally:
        controller.stop()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert delivery.message_id == message_id
    # The copy refused with 451 and the one delivered carry the same Message-ID.
    assert [received_message_id(envelope) for envelope in sink.data_received] == [message_id, message_id]
    assert len(sink.messages) == 1
    assert [(a.number, a.outcome, a.phase) for a in delivery.attempt_log.all()] == [
        (1, AttemptOutcome.RETRY, SendPhase.ENVELOPE),
        (2, AttemptOutcome.RETRY, SendPhase.DONE),
        (3, AttemptOutcome.SENT, SendPhase.DONE),
    ]
    assert "451" in delivery.attempt_log.get(number=2).error


@pytest.mark.django_db
def test_one_unknown_outcome_does_not_stop_the_others(deliveries):
    sink = FlakySink(drop_after_data=1)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            report = deliveries_send([d.pk for d in deliveries], final_attempt=False)
    finally:
        controller.stop()
    assert len(report.unknown) == 1 and report.sent == 1
    assert sorted(DigestDelivery.objects.values_list("status", flat=True)) == [
        DeliveryStatus.SENT, DeliveryStatus.UNKNOWN,
    ]
    assert sorted(received_message_id(e) for e in sink.messages) == sorted(
        DigestDelivery.objects.values_list("message_id", flat=True)
    )


def run_command(*args) -> str:
    out = io.StringIO()
    with travel(DAY, 7):
        call_command("send_digests", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_send_digests_reports_outcome_unknown_and_a_second_run_sends_nothing(portfolio):
    sink = FlakySink(drop_after_data=1)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            first = run_command("--to", "kk-coordinator")
            second = run_command("--to", "kk-coordinator")
    finally:
        controller.stop()

    delivery = DigestDelivery.objects.get(recipient__username="kk-coordinator")
    assert delivery.status == DeliveryStatus.UNKNOWN
    [received] = sink.messages
    assert received.rcpt_tos == ["kk@example.invalid"]
    assert received_message_id(received) == delivery.message_id
    assert "Sent 0, failed 0, outcome unknown 1" in first
    assert "retrying" not in first
    assert f"outcome unknown: kk-coordinator <kk@example.invalid> Message-ID {delivery.message_id}" in first
    assert "Look each Message-ID up in the mail server's log" in first
    assert "1 already there" in second and "Sent 0, failed 0, outcome unknown 0" in second
    assert delivery.attempt_log.count() == 1


# --- What the secretariat sees and does ----------------------------------------------------------


@pytest.fixture
def unknown_delivery(deliveries):
    sink = FlakySink(drop_after_data=1)
    controller = start_sink(sink)
    try:
        with smtp_to(controller):
            deliveries_send([deliveries[0].pk], final_attempt=False)
    finally:
        controller.stop()
    delivery = DigestDelivery.objects.get(pk=deliveries[0].pk)
    assert delivery.status == DeliveryStatus.UNKNOWN
    return delivery


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def eager_tasks():
    """Tasks enqueued by a page run in-process, even when REDIS_URL is set."""
    from portfolio.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


@pytest.mark.django_db
def test_the_secretariat_finds_outcome_unknown_summaries_and_what_to_do(client, analyst, unknown_delivery, english):
    client.force_login(analyst)
    listing = client.get("/admin/digests/digestdelivery/", {"status__exact": "unknown"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Outcome unknown" in page  # the filter and the row's status
    assert f"/admin/digests/digestdelivery/{unknown_delivery.pk}/change/" in page
    assert f"/admin/digests/digestdelivery/{deliveries_pk(unknown_delivery)}/change/" not in page

    page = client.get(f"/admin/digests/digestdelivery/{unknown_delivery.pk}/change/").content.decode()
    assert "it may have been delivered. It is not sent again automatically." in page
    assert "Look its Message-ID up in the mail server&#x27;s log" in page
    assert escape(unknown_delivery.message_id) in page
    # The attempt, with how far it got.
    assert "waiting for the server&#x27;s answer to the message" in page
    assert "Connection unexpectedly closed" in page


def deliveries_pk(delivery) -> int:
    """The other delivery of the day (still pending)."""
    return DigestDelivery.objects.exclude(pk=delivery.pk).get().pk


@pytest.mark.django_db
def test_the_secretariat_sends_an_unknown_summary_again_with_the_same_message_id(
    client, analyst, unknown_delivery, eager_tasks, django_capture_on_commit_callbacks, english
):
    sink = FlakySink()
    controller = start_sink(sink)
    client.force_login(analyst)
    try:
        with smtp_to(controller), django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/digests/digestdelivery/", {
                "action": "send_again", "_selected_action": [unknown_delivery.pk, deliveries_pk(unknown_delivery)],
                "index": 0,
            }, follow=True)
    finally:
        controller.stop()
    page = response.content.decode()
    assert "1 summary is being sent again." in page
    assert "1 summary was not sent again: only failed ones and ones whose outcome is unknown are." in page
    [received] = sink.messages
    assert received_message_id(received) == unknown_delivery.message_id
    unknown_delivery.refresh_from_db()
    assert unknown_delivery.status == DeliveryStatus.SENT and unknown_delivery.attempts == 2
    assert [a.outcome for a in unknown_delivery.attempt_log.all()] == [AttemptOutcome.UNKNOWN, AttemptOutcome.SENT]
    assert LogEntry.objects.get(object_id=str(unknown_delivery.pk)).user == analyst
