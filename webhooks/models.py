"""Webhooks: receivers registered by the secretariat, and the outbox of deliveries to them.
Written only by the webhooks services."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.events import AGREEMENT_STATE_CHANGED
from common.validators import no_control_characters
from initiatives.events import HEALTH_CHANGED
from reporting.events import CYCLE_FROZEN
from summaries.events import AT_RISK_CHANGED

from .addresses import webhook_url_errors


class EventType(models.TextChoices):
    """The events a receiver can ask for. A new one is one line here (and a payload in payloads.py)."""

    HEALTH_CHANGED = HEALTH_CHANGED, _("Initiative health changed")
    AT_RISK_CHANGED = AT_RISK_CHANGED, _("Initiative at risk changed")
    CYCLE_FROZEN = CYCLE_FROZEN, _("Reporting cycle frozen")
    AGREEMENT_STATE_CHANGED = AGREEMENT_STATE_CHANGED, _("Dependency agreement state changed")


class HookState(models.TextChoices):
    """Whether a receiver is sent to. Events for a paused one are kept and sent once it is resumed."""

    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


def new_secret() -> str:
    """A hook's signing secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."), code="events")
    unknown = [event for event in value if event not in EventType.values]
    if unknown:
        raise ValidationError(
            _("Unknown event: %(events)s") % {"events": ", ".join(map(str, unknown))}, code="events"
        )


class HookQuerySet(models.QuerySet):
    def listening_to(self, event: str) -> list["Hook"]:
        """The hooks (active or paused) that asked for `event`. Few rows: filtered in Python, the
        same on SQLite and PostgreSQL."""
        return [hook for hook in self.only("pk", "events") if event in hook.events]


class Hook(models.Model):
    """A receiver's URL, the events it gets, its signing secret and whether it is sent to."""

    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    url = models.CharField(
        _("URL"), max_length=500, help_text=_("http:// or https:// address that receives the events as POST requests.")
    )
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    secret = models.CharField(_("secret"), max_length=100, default=new_secret, editable=False)
    state = models.CharField(_("state"), max_length=8, choices=HookState.choices, default=HookState.ACTIVE)
    paused_reason = models.TextField(_("why paused"), blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    # Failed attempts since the last success; at WEBHOOK_PAUSE_AFTER_FAILURES the hook is paused.
    consecutive_failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The secret stays out of the history (it is shown on the hook's own page only); the failure
    # counter changes with every attempt and is not an edit.
    history = HistoricalRecords(excluded_fields=["secret", "consecutive_failures"])

    objects = HookQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(state=HookState.ACTIVE, paused_at__isnull=True) | Q(state=HookState.PAUSED),
                name="webhook_active_not_paused",
                violation_error_message=_("An active webhook has no pause time."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = webhook_url_errors(self.url)
        if errors:
            raise ValidationError({"url": errors})


class DeliveryStatus(models.TextChoices):
    """Where one event's delivery to one hook is. Pending rows are sent when due; a claimed one is
    `sending` until the attempt ends (or its lease runs out: the worker died, and it is sent again)."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        """Pending deliveries whose next attempt is due, to hooks that are active."""
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, hook__state=HookState.ACTIVE)


class Delivery(models.Model):
    """One event for one hook: the exact body sent on every attempt, and how the attempts went.

    The row is written in the transaction that made the change (the outbox), so it exists exactly
    when the change committed. Each attempt claims the row (pending → sending, attempts + 1) under a
    row lock; only the claimer sends that attempt.
    """

    hook = models.ForeignKey(Hook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    # The same for every hook's delivery of one change: receivers de-duplicate on it.
    event_id = models.UUIDField(_("event id"))
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["hook", "event_id"], name="webhook_delivery_once_per_hook_and_event",
                violation_error_message=_("This webhook already has a delivery of this event."),
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.hook_id} ({self.status})"
