"""The digest emails: who wants which digest, and the durable record of each one sent. Written
only by the digests services."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority
from strategies.models import Strategy


class SubscriptionScope(models.TextChoices):
    """What a digest covers."""

    PORTFOLIO = "portfolio", _("The whole portfolio")
    AUTHORITIES = "authorities", _("My authorities")
    STRATEGIES = "strategies", _("Chosen strategies")
    INITIATIVES = "initiatives", _("Chosen initiatives")


class SubscriptionFrequency(models.TextChoices):
    """How often a digest goes out."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly, on Mondays")
    OFF = "off", _("Off")


class SubscriptionLanguage(models.TextChoices):
    """The language a digest is written in."""

    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Subscriptions that get digests at all: not off, active user with an address."""
        return self.exclude(frequency=SubscriptionFrequency.OFF).filter(user__is_active=True).exclude(user__email="")


class Subscription(models.Model):
    """A user's choice of digest email: scope, frequency and language."""

    user = models.OneToOneField(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="digest_subscription"
    )
    scope = models.CharField(
        _("scope"), max_length=12, choices=SubscriptionScope.choices, default=SubscriptionScope.AUTHORITIES
    )
    authorities = models.ManyToManyField(Authority, verbose_name=_("authorities"), blank=True, related_name="+")
    strategies = models.ManyToManyField(Strategy, verbose_name=_("strategies"), blank=True, related_name="+")
    initiatives = models.ManyToManyField(
        "initiatives.Initiative", verbose_name=_("initiatives"), blank=True, related_name="+"
    )
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=SubscriptionFrequency.choices, default=SubscriptionFrequency.DAILY
    )
    language = models.CharField(
        _("language"), max_length=2, choices=SubscriptionLanguage.choices, default=SubscriptionLanguage.DANISH
    )
    send_when_empty = models.BooleanField(
        _("send when nothing changed"),
        default=False,
        help_text=_("Send a summary even when nothing in its scope changed since the previous one."),
    )
    is_benchmark = models.BooleanField(
        _("benchmark"), default=False, help_text=_("Created by bench_digests; not a real person.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When the user (re)subscribed, and which initiatives were at risk then: what their first
    # digest compares against, as later ones compare against the previous digest.
    baseline_at = models.DateTimeField(_("subscribed at"), null=True, blank=True, editable=False)
    baseline_at_risk = models.JSONField(_("at risk when subscribed"), null=True, blank=True, editable=False)
    history = HistoricalRecords(
        m2m_fields=[authorities, strategies, initiatives], excluded_fields=["baseline_at", "baseline_at_risk"]
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("summary subscription")
        verbose_name_plural = _("summary subscriptions")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_scope_display()}, {self.get_frequency_display()}, {self.language}"


class DigestDispatch(models.Model):
    """One scheduling run for a date: proves the date was handled, so a missed one is caught up."""

    date = models.DateField(_("date"), unique=True)
    scheduled_at = models.DateTimeField(_("scheduled at"))
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("summary dispatch")
        verbose_name_plural = _("summary dispatches")

    def __str__(self) -> str:
        return f"{self.date}"


class DeliveryStatus(models.TextChoices):
    """Where one digest email is. Only pending → sending is ever claimed; sending and unknown are
    never resent automatically."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (nothing changed)")
    # The message was sent to the mail server whole, but its answer never came (the connection
    # dropped or timed out): it may have been delivered. Never resent automatically.
    UNKNOWN = "unknown", _("Outcome unknown")


class DigestDeliveryQuerySet(models.QuerySet):
    def baseline_for(self, date: datetime.date):
        """Deliveries a later digest compares against: those whose state the recipient saw or
        that found nothing to tell (a failed one was never read)."""
        return self.filter(date__lt=date, status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED])


class DigestDelivery(models.Model):
    """One recipient's digest for one date: at most one ever exists, and it is sent at most once.

    The unique (recipient, date) row is the durable guard against double sending, whatever the
    number of workers or beat firings; a conditional UPDATE pending → sending is the claim. The
    Message-ID is made at the first claim and every attempt uses it, so the mail server's log
    finds every copy it was given.
    """

    recipient = models.ForeignKey(
        "auth.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    language = models.CharField(_("language"), max_length=2, choices=SubscriptionLanguage.choices)
    to_address = models.EmailField(_("address"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # The message as built; emptied once sent (the snapshot is what later digests need).
    text_body = models.TextField(_("text part"), blank=True)
    html_body = models.TextField(_("HTML part"), blank=True)
    change_count = models.PositiveIntegerField(_("changes reported"), default=0)
    # The state the digest reported (health and at-risk per initiative in scope, milestones due
    # soon), so the next digest says what changed since this one.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    built_at = models.DateTimeField(_("built at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    objects = DigestDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "recipient_id"]
        verbose_name = _("summary delivery")
        verbose_name_plural = _("summary deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "date"],
                name="summary_delivery_once_per_recipient_and_date",
                violation_error_message=_("This recipient already has a summary for this date."),
            )
        ]
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.date} ({self.status})"


class SendPhase(models.TextChoices):
    """How far a message got in the SMTP conversation when an attempt ended."""

    CONNECT = "connect", _("connecting")
    ENVELOPE = "envelope", _("sender and recipients")
    BODY = "body", _("sending the message")
    # The whole message is with the server; only its reply is missing. A failure here is the one
    # after which the message may or may not have been delivered.
    REPLY = "reply", _("waiting for the server's answer to the message")
    DONE = "done", _("answered by the server")


class AttemptOutcome(models.TextChoices):
    """What one attempt at sending a digest came to."""

    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed for now; retried later")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Outcome unknown")


class DeliveryAttempt(models.Model):
    """One attempt at sending a digest: when, how far it got and how it ended. Never changed after."""

    delivery = models.ForeignKey(
        DigestDelivery, verbose_name=_("summary delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=AttemptOutcome.choices)
    # Blank when the mail backend does not tell (not SMTP, or the message was never handed over).
    phase = models.CharField(_("reached"), max_length=8, choices=SendPhase.choices, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["delivery_id", "number", "pk"]
        verbose_name = _("sending attempt")
        verbose_name_plural = _("sending attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} ({self.outcome})"


class AgreementNoticeQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=DeliveryStatus.PENDING)


class AgreementNotice(models.Model):
    """One email telling one coordinator of the other side about one step of a dependency agreement.

    The unique (transition, recipient) row is the durable guard: however often the task runs, each
    step reaches each recipient at most once; a conditional UPDATE pending → sending is the claim,
    as for the digests (digests.delivery).
    """

    transition = models.ForeignKey(
        "agreements.AgreementTransition", verbose_name=_("agreement step"), on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.ForeignKey(
        "auth.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="agreement_notices"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    language = models.CharField(_("language"), max_length=2, choices=SubscriptionLanguage.choices)
    to_address = models.EmailField(_("address"))
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text part"), blank=True)
    html_body = models.TextField(_("HTML part"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = AgreementNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("agreement email")
        verbose_name_plural = _("agreement emails")
        constraints = [
            models.UniqueConstraint(
                fields=["transition", "recipient"],
                name="agreement_notice_once_per_step_and_recipient",
                violation_error_message=_("This recipient already has an email about this step."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.transition_id} → {self.recipient_id} ({self.status})"


class ReportReminderDelivery(models.Model):
    """One reminder email of the status reports a user owes in a cycle, for one of its reminder days.

    Like a summary: the unique (recipient, reminder) row is the durable guard, a conditional UPDATE
    pending → sending the claim, so it goes out at most once whatever the number of workers."""

    recipient = models.ForeignKey(
        "auth.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="report_reminders"
    )
    reminder = models.ForeignKey(
        "reporting.CycleReminder", verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    language = models.CharField(_("language"), max_length=2, choices=SubscriptionLanguage.choices)
    to_address = models.EmailField(_("address"))
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text part"))
    html_body = models.TextField(_("HTML part"))
    report_count = models.PositiveIntegerField(_("reports owed"))
    built_at = models.DateTimeField(_("built at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-built_at", "recipient_id"]
        verbose_name = _("status report reminder")
        verbose_name_plural = _("status report reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reminder"],
                name="report_reminder_once_per_recipient_and_day",
                violation_error_message=_("This recipient already has this reminder."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.reminder_id} ({self.status})"
