"""Reminder emails of the status reports owed in a reporting cycle: on each of the cycle's reminder
days, every coordinator whose authority still owes reports (drafts, returned ones) and every
approver with reports waiting for their approval gets one email listing them, in their summary
language, at most once.

The summaries' machinery, reused: a row unique per recipient and reminder day is the durable
guard (two workers, or beat firing twice, create it once), a conditional UPDATE pending → sending
is the claim (only the claimer sends), and a failed attempt is classed as the summaries' are
(digests.delivery.classify_failure: retried, failed, or outcome unknown and never resent).
"""

import datetime
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from authorities.models import Coordinator
from reporting.models import OWED_BY_APPROVER, Approver, CycleReminder, CycleState, StatusReport

from .delivery import classify_failure
from .models import AttemptOutcome, DeliveryStatus, ReportReminderDelivery, Subscription
from .rendering import CONTROL_CHARACTERS
from .smtp import digest_connection

# A reminder day missed (beat down) is still sent within this many days.
CATCH_UP_DAYS = 7


@dataclass
class OwedReport:
    code_with_strategy: str
    title: str
    to_approve: bool  # else to submit
    url: str


def reminders_due(date: datetime.date) -> list[CycleReminder]:
    """The reminder days of open cycles that have come, within the catch-up window."""
    return list(
        CycleReminder.objects.filter(
            remind_on__lte=date, remind_on__gt=date - datetime.timedelta(days=CATCH_UP_DAYS),
            cycle__state=CycleState.OPEN,
        ).select_related("cycle").order_by("remind_on", "pk")
    )


def _owed_by_recipient(reminder: CycleReminder, date: datetime.date) -> dict[int, list[StatusReport]]:
    """Who owes which of the cycle's reports: its lead's coordinators the submission, its lead's
    approvers (not the one who submitted it) the approval. Three queries."""
    reports = list(
        StatusReport.objects.filter(cycle=reminder.cycle).owed_on(date)
        .select_related("initiative__strategy").order_by("initiative__strategy__start_year", "initiative__code", "pk")
    )
    leads = {report.initiative.lead_id for report in reports}
    coordinators, approvers = {}, {}
    for user_id, authority_id in Coordinator.objects.filter(authority_id__in=leads).values_list("user_id", "authority_id"):
        coordinators.setdefault(authority_id, set()).add(user_id)
    for user_id, authority_id in Approver.objects.filter(authority_id__in=leads).values_list("user_id", "authority_id"):
        approvers.setdefault(authority_id, set()).add(user_id)
    owed: dict[int, list[StatusReport]] = {}
    for report in reports:
        if report.state in OWED_BY_APPROVER:
            users = approvers.get(report.initiative.lead_id, set()) - {report.submitted_by_id}
        else:
            users = coordinators.get(report.initiative.lead_id, set())
        for user_id in users:
            owed.setdefault(user_id, []).append(report)
    return owed


def _render(reminder: CycleReminder, reports: list[StatusReport], language: str) -> tuple[str, str, str]:
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        context = {
            "cycle": reminder.cycle,
            "reminder": reminder,
            "reports": [
                OwedReport(r.initiative.code_with_strategy, r.initiative.title, r.state in OWED_BY_APPROVER,
                           settings.SITE_URL + reverse("reporting:report", args=[r.pk]))
                for r in reports
            ],
            "site_url": settings.SITE_URL,
            "accessibility_url": settings.SITE_URL + reverse("accessibility_statement"),
        }
        subject = " ".join(render_to_string("emails/report_reminder_subject.txt", context).split())
        text = str.__str__(render_to_string("emails/report_reminder.txt", context))
        html = render_to_string("emails/report_reminder.html", context)
    return (CONTROL_CHARACTERS.sub("", subject)[:300], CONTROL_CHARACTERS.sub("", text),
            CONTROL_CHARACTERS.sub("", html))


def reminders_schedule(date: datetime.date) -> list[int]:
    """Create the reminder emails due on `date` not created yet; the ids of those waiting to be sent."""
    from django.contrib.auth import get_user_model

    due = reminders_due(date)
    now = timezone.now()
    for reminder in due:
        owed = _owed_by_recipient(reminder, date)
        have = set(ReportReminderDelivery.objects.filter(reminder=reminder).values_list("recipient_id", flat=True))
        users = get_user_model().objects.filter(pk__in=set(owed) - have, is_active=True).exclude(email="")
        languages = dict(Subscription.objects.filter(user__in=users).values_list("user_id", "language"))
        rows = []
        for user in users:
            language = languages.get(user.pk, settings.LANGUAGE_CODE)
            subject, text, html = _render(reminder, owed[user.pk], language)
            rows.append(ReportReminderDelivery(
                recipient=user, reminder=reminder, language=language, to_address=user.email, subject=subject,
                text_body=text, html_body=html, report_count=len(owed[user.pk]), built_at=now,
            ))
        # Another worker may create the same rows meanwhile: the unique row is the guard.
        ReportReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        ReportReminderDelivery.objects.filter(reminder__in=due, status=DeliveryStatus.PENDING)
        .order_by("pk").values_list("pk", flat=True)
    )


def _claim(delivery_id: int) -> ReportReminderDelivery | None:
    """pending → sending, once; the claimer gets the row (with its Message-ID), anyone else None."""
    domain = settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    with transaction.atomic():
        claimed = ReportReminderDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=timezone.now(),
        )
        if not claimed:
            return None
        delivery = ReportReminderDelivery.objects.get(pk=delivery_id)
        if not delivery.message_id:
            delivery.message_id = make_msgid(idstring=f"reminder-{delivery.pk}", domain=domain)
            delivery.save(update_fields=["message_id"])
        return delivery


STATUS_AFTER = {
    AttemptOutcome.SENT: DeliveryStatus.SENT,
    AttemptOutcome.RETRY: DeliveryStatus.PENDING,
    AttemptOutcome.FAILED: DeliveryStatus.FAILED,
    AttemptOutcome.UNKNOWN: DeliveryStatus.UNKNOWN,
}


def reminders_send(ids: list[int]) -> int:
    """Claim and send the reminders; how many were sent. One connection for all."""
    sent = 0
    connection = digest_connection()
    try:
        for delivery_id in ids:
            delivery = _claim(delivery_id)
            if delivery is None:
                continue  # another worker has it, or it went out already
            message = mail.EmailMultiAlternatives(
                subject=delivery.subject, body=delivery.text_body, to=[delivery.to_address], connection=connection,
                headers={"Message-ID": delivery.message_id, "Auto-Submitted": "auto-generated"},
            )
            message.attach_alternative(delivery.html_body, "text/html")
            error, phase = None, None
            try:
                message.send()
                outcome = AttemptOutcome.SENT
            except Exception as caught:  # classified as the summaries' failures are
                error, phase = caught, getattr(connection, "message_phase", None)
                outcome = classify_failure(caught, phase=phase)
            changes = {"status": STATUS_AFTER[outcome], "error": f"{type(error).__name__}: {error}"[:2000] if error else ""}
            if outcome == AttemptOutcome.SENT:
                changes["sent_at"] = timezone.now()
                sent += 1
            ReportReminderDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**changes)
    finally:
        connection.close()
    return sent
