"""The emails about dependency agreements: each step of an agreement's round (agreements.services)
tells the coordinators of the other side, in their subscription's language, once.

A step is told to the side that did not take it (both sides when the secretariat took it).
Recipients are that authority's active coordinators with an address who have not unsubscribed
(their summary subscription is not off). Building stores one `AgreementNotice` per recipient (the
unique row makes it at most one, however often it runs); sending claims each row pending → sending
and records the outcome, with the digests' classification of failures (digests.delivery).
"""

from __future__ import annotations

import logging
from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import AgreementTransition
from authorities.models import Coordinator
from common.validators import CONTROL_CHARACTERS

from .delivery import classify_failure
from .models import AgreementNotice, AttemptOutcome, DeliveryStatus, Subscription, SubscriptionFrequency
from .smtp import digest_connection
from .subscriptions import unsubscribe_url

logger = logging.getLogger(__name__)

STATUS_AFTER = {
    AttemptOutcome.SENT: DeliveryStatus.SENT,
    AttemptOutcome.RETRY: DeliveryStatus.FAILED,  # one step's email is not worth a retry queue
    AttemptOutcome.FAILED: DeliveryStatus.FAILED,
    AttemptOutcome.UNKNOWN: DeliveryStatus.UNKNOWN,
}


def _told_authority_ids(step: AgreementTransition) -> list[int]:
    """The other side's authority (both, when the secretariat took the step)."""
    agreement = step.agreement
    requester, provider = agreement.requester_id, agreement.provider_id
    if step.by_authority_id == requester:
        return [provider]
    if step.by_authority_id == provider:
        return [requester]
    return [requester, provider]


def notice_recipients(step: AgreementTransition) -> list[tuple[User, str]]:
    """(user, language) for every coordinator to tell, the one who took the step excepted."""
    users = (
        User.objects.filter(
            pk__in=Coordinator.objects.filter(authority_id__in=_told_authority_ids(step)).values("user_id"),
            is_active=True,
        )
        .exclude(email="")
        .exclude(pk=step.by_user_id)
        .order_by("pk")
    )
    subscriptions = {
        s.user_id: s for s in Subscription.objects.filter(user__in=users).only("user_id", "frequency", "language")
    }
    recipients = []
    for user in users:
        subscription = subscriptions.get(user.pk)
        if subscription is not None and subscription.frequency == SubscriptionFrequency.OFF:
            continue  # unsubscribed: no email from the product
        recipients.append((user, subscription.language if subscription else settings.LANGUAGE_CODE))
    return recipients


def _render(step: AgreementTransition, user: User, language: str) -> tuple[str, str, str]:
    agreement = step.agreement
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        context = {
            "step": step,
            "agreement": agreement,
            "source": agreement.dependency.source,
            "target": agreement.dependency.target,
            "recipient": user,
            "language": language,
            "agreement_url": settings.SITE_URL + agreement.get_absolute_url(),
            "settings_url": settings.SITE_URL + reverse("subscription_settings"),
            "unsubscribe_url": unsubscribe_url(user),
        }
        subject = " ".join(_plain("emails/agreement_notice_subject.txt", context).split())
        text = _plain("emails/agreement_notice.txt", context)
        html = CONTROL_CHARACTERS.sub("", render_to_string("emails/agreement_notice.html", context))
    return subject[:300], text, html


def _plain(template_name: str, context: dict) -> str:
    return CONTROL_CHARACTERS.sub("", str.__str__(render_to_string(template_name, context)))


def notices_create(*, transition_id: int) -> list[int]:
    """Store the step's emails, one per recipient (none twice); returns the ids still to send."""
    step = AgreementTransition.objects.select_related(
        "agreement__dependency__source__strategy", "agreement__dependency__source__lead",
        "agreement__dependency__target__strategy", "agreement__dependency__target__lead",
        "by_user", "by_authority",
    ).get(pk=transition_id)
    rows = []
    for user, language in notice_recipients(step):
        subject, text, html = _render(step, user, language)
        rows.append(AgreementNotice(
            transition=step, recipient=user, language=language, to_address=user.email, subject=subject,
            text_body=text, html_body=html,
        ))
    AgreementNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return list(AgreementNotice.objects.filter(transition=step).pending().values_list("pk", flat=True))


def _claim(notice_id: int) -> bool:
    domain = settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    with transaction.atomic():
        claimed = AgreementNotice.objects.filter(pk=notice_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=timezone.now(),
            message_id=make_msgid(idstring=f"agreement-{notice_id}", domain=domain),
        )
    return claimed == 1


def notice_send(*, notice_id: int, connection=None) -> str:
    """Send one stored email at most once: only the claimer sends; the outcome is recorded."""
    if not _claim(notice_id):
        return "not claimed"
    notice = AgreementNotice.objects.select_related("recipient").get(pk=notice_id)
    unsubscribe = unsubscribe_url(notice.recipient)
    connection = connection or digest_connection()
    message = mail.EmailMultiAlternatives(
        subject=notice.subject, body=notice.text_body, to=[notice.to_address], connection=connection,
        headers={
            "Message-ID": notice.message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(notice.html_body, "text/html")
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - every failure is recorded on its row
        outcome = classify_failure(error, phase=getattr(connection, "message_phase", None))
        logger.warning("Agreement email %s to %s: %s (%s)", notice.pk, notice.to_address, outcome, error)
        AgreementNotice.objects.filter(pk=notice.pk, status=DeliveryStatus.SENDING).update(
            status=STATUS_AFTER[outcome], error=f"{type(error).__name__}: {error}"[:2000]
        )
        return STATUS_AFTER[outcome]
    AgreementNotice.objects.filter(pk=notice.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), text_body="", html_body=""
    )
    return DeliveryStatus.SENT
