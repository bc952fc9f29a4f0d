import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority, Level, localized


class StrategyKind(models.TextChoices):
    """Who agreed a strategy."""

    JOINT_PUBLIC = "joint_public", _("Joint public-sector")
    NATIONAL = "national", _("National")
    JOINT_MUNICIPAL_REGIONAL = "joint_municipal_regional", _("Joint municipal/regional")
    SECTOR = "sector", _("Sector")


class StrategyQuerySet(models.QuerySet):
    def current(self, today: datetime.date | None = None):
        """The strategy running today, else the latest that has started."""
        year = (today or timezone.localdate()).year
        running = self.filter(start_year__lte=year, end_year__gte=year).order_by("-start_year")
        return running.first() or self.filter(start_year__lte=year).order_by("-start_year").first()


class Strategy(models.Model):
    """A multi-year digital strategy agreed by central government, regions and municipalities."""

    code = models.SlugField(
        _("code"), max_length=20, unique=True, help_text=_("The period, e.g. 2022-2025.")
    )
    name_da = models.CharField(_("name (Danish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"))
    end_year = models.PositiveSmallIntegerField(_("end year"))
    kind = models.CharField(
        _("kind"), max_length=32, choices=StrategyKind.choices, default=StrategyKind.JOINT_PUBLIC
    )
    parties = models.CharField(_("parties"), max_length=300, blank=True)
    structure = models.CharField(_("structure"), max_length=200, blank=True)
    planned_initiative_count = models.PositiveSmallIntegerField(
        _("initiatives in the published strategy"), null=True, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    source_note = models.CharField(
        _("source note"), max_length=300, blank=True, help_text=_("What the sources do not confirm.")
    )
    history = HistoricalRecords()

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["start_year"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__lte=models.F("end_year")),
                name="strategy_start_before_end",
                violation_error_message=_("The start year must not be after the end year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_year}–{self.end_year})"

    @property
    def name(self) -> str:
        return localized(self.name_da, self.name_en)

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"


class FocusArea(models.Model):
    """A focus area, track or vision of a strategy."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="focus_areas"
    )
    code = models.CharField(_("code"), max_length=20)
    name_da = models.CharField(_("name (Danish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["strategy__start_year", "order", "code"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "code"],
                name="focus_area_code_unique_per_strategy",
                violation_error_message=_("This strategy already has a focus area with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localized(self.name_da, self.name_en)


# --- Interdependency summaries: written only by portfolio.services (the engine), read by the
# dashboard and the emails. They are derived data: no history, recomputed from scratch.


class RiskReason(models.TextChoices):
    """Why an upstream initiative puts its dependants at risk."""

    RED = "red", _("health is red")
    PAUSED = "paused", _("paused")
    CANCELLED = "cancelled", _("cancelled")
    LATE_FOR_NEEDED_BY = "late_needed_by", _("forecast to finish after it is needed")
    LATE_FOR_START = "late_start", _("forecast to finish after the dependant starts")


class InitiativeSummary(models.Model):
    """Dependency figures for one initiative, as of the last recompute."""

    initiative = models.OneToOneField(
        "initiatives.Initiative", on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    upstream_direct = models.PositiveIntegerField(_("depends on (direct)"), default=0)
    upstream_total = models.PositiveIntegerField(_("depends on (transitive)"), default=0)
    downstream_direct = models.PositiveIntegerField(_("depended on by (direct)"), default=0)
    downstream_total = models.PositiveIntegerField(_("depended on by (transitive)"), default=0)
    upstream_authorities = models.PositiveIntegerField(_("authorities upstream"), default=0)
    upstream_levels = models.PositiveSmallIntegerField(_("levels upstream"), default=0)
    upstream_depth = models.PositiveSmallIntegerField(_("longest upstream chain"), default=0)
    at_risk = models.BooleanField(_("at risk"), default=False, db_index=True)
    risk_reason = models.CharField(
        _("risk reason"), max_length=20, choices=RiskReason.choices, blank=True
    )
    risk_initiative = models.ForeignKey(
        "initiatives.Initiative",
        verbose_name=_("risk from initiative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    risk_authority = models.ForeignKey(
        Authority,
        verbose_name=_("risk from authority"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("initiative summary")
        verbose_name_plural = _("initiative summaries")

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.upstream_total} up, {self.downstream_total} down"


class AuthoritySummary(models.Model):
    """Dependency figures for one authority, as of the last recompute."""

    authority = models.OneToOneField(
        Authority, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    initiatives_led = models.PositiveIntegerField(_("initiatives led"), default=0)
    initiatives_participating = models.PositiveIntegerField(_("initiatives taken part in"), default=0)
    depends_on_direct = models.PositiveIntegerField(_("authorities depended on (direct)"), default=0)
    depends_on_total = models.PositiveIntegerField(_("authorities depended on (transitive)"), default=0)
    depended_by_direct = models.PositiveIntegerField(_("dependent authorities (direct)"), default=0)
    depended_by_total = models.PositiveIntegerField(_("dependent authorities (transitive)"), default=0)
    exposure_initiatives = models.PositiveIntegerField(_("initiatives downstream"), default=0)
    exposure_authorities = models.PositiveIntegerField(_("other authorities downstream"), default=0)
    at_risk_because_of_others = models.PositiveIntegerField(_("own initiatives at risk from others"), default=0)
    others_at_risk_because_of_it = models.PositiveIntegerField(_("others' initiatives at risk from it"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("authority summary")
        verbose_name_plural = _("authority summaries")

    def __str__(self) -> str:
        return f"{self.authority_id}: exposure {self.exposure_initiatives}"


class AuthorityPairSummary(models.Model):
    """Edges from initiatives led by one authority onto initiatives led by another."""

    source = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    edges = models.PositiveIntegerField(_("dependencies"), default=0)
    high_edges = models.PositiveIntegerField(_("high criticality"), default=0)
    at_risk_edges = models.PositiveIntegerField(_("at risk"), default=0)
    shared_initiatives = models.PositiveIntegerField(_("initiatives both take part in"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("authority pair summary")
        verbose_name_plural = _("authority pair summaries")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="authority_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}: {self.edges}"


class LevelMatrixCell(models.Model):
    """Edges from one level of government onto another, for a strategy or (strategy empty) for all."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    source_level = models.CharField(max_length=16, choices=Level.choices)
    target_level = models.CharField(max_length=16, choices=Level.choices)
    edges = models.PositiveIntegerField(_("dependencies"), default=0)
    high_edges = models.PositiveIntegerField(_("high criticality"), default=0)
    at_risk_edges = models.PositiveIntegerField(_("at risk"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("level matrix cell")
        verbose_name_plural = _("level matrix cells")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "source_level", "target_level"],
                condition=Q(strategy__isnull=False),
                name="level_cell_unique_per_strategy",
            ),
            models.UniqueConstraint(
                fields=["source_level", "target_level"],
                condition=Q(strategy__isnull=True),
                name="level_cell_unique_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id or 'all'}: {self.source_level} → {self.target_level}"


class SummaryTrigger(models.TextChoices):
    """What started a recompute."""

    CHANGE = "change", _("a change")
    SWEEP = "sweep", _("catch-up sweep")
    NIGHTLY = "nightly", _("nightly recompute")
    MANUAL = "manual", _("by hand")


class SummaryState(models.Model):
    """Durable bookkeeping per scope: which data version the summaries reflect and what is owed.

    `data_version` is bumped in the same transaction as every change to portfolio data, so a
    change that commits while the broker is down still leaves a marker the sweep will find.
    """

    scope = models.CharField(max_length=40, unique=True, default="all")
    data_version = models.BigIntegerField(default=0)
    computed_version = models.BigIntegerField(default=0)
    dirty_since = models.DateTimeField(null=True, blank=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary states")

    def __str__(self) -> str:
        return f"{self.scope}: data v{self.data_version}, summaries v{self.computed_version}"

    @property
    def is_stale(self) -> bool:
        return self.data_version > self.computed_version


class SummaryRun(models.Model):
    """One recompute: when, why, how long, and which data version it reflects."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    scope = models.CharField(max_length=40, default="all")
    trigger = models.CharField(max_length=10, choices=SummaryTrigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    data_version = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("summary run")
        verbose_name_plural = _("summary runs")
        indexes = [models.Index(fields=["scope", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.trigger} {self.started_at:%Y-%m-%d %H:%M:%S} ({self.status})"


# --- Summary emails: who wants which summary, and the durable record of each one sent. Written
# only by portfolio.notifications.


class SubscriptionScope(models.TextChoices):
    """What a summary covers."""

    PORTFOLIO = "portfolio", _("The whole portfolio")
    AUTHORITIES = "authorities", _("My authorities")
    STRATEGIES = "strategies", _("Chosen strategies")
    INITIATIVES = "initiatives", _("Chosen initiatives")


class SubscriptionFrequency(models.TextChoices):
    """How often a summary goes out."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly, on Mondays")
    OFF = "off", _("Off")


class SubscriptionLanguage(models.TextChoices):
    """The language a summary is written in."""

    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Subscriptions that get summaries at all: not off, active user with an address."""
        return self.exclude(frequency=SubscriptionFrequency.OFF).filter(user__is_active=True).exclude(user__email="")

    def due_on(self, date: datetime.date):
        """Subscriptions whose summary is due on `date` (weekly ones on Mondays only)."""
        frequencies = [SubscriptionFrequency.DAILY]
        if date.weekday() == 0:
            frequencies.append(SubscriptionFrequency.WEEKLY)
        return self.receiving().filter(frequency__in=frequencies)


class Subscription(models.Model):
    """A user's choice of summary email: scope, frequency and language."""

    user = models.OneToOneField(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="summary_subscription"
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
        _("benchmark"), default=False, help_text=_("Created by bench_summary_emails; not a real person.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When the user (re)subscribed, and which initiatives were at risk then: what their first
    # summary compares against, as later ones compare against the previous summary.
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


class SummaryDispatch(models.Model):
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
    """Where one summary email is. Only pending → sending is ever claimed; sending is never resent."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (nothing changed)")


class SummaryDeliveryQuerySet(models.QuerySet):
    def baseline_for(self, date: datetime.date):
        """Deliveries a later summary compares against: those whose state the recipient saw or
        that found nothing to tell (a failed one was never read)."""
        return self.filter(date__lt=date, status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED])


class SummaryDelivery(models.Model):
    """One recipient's summary for one date: at most one ever exists, and it is sent at most once.

    The unique (recipient, date) row is the durable guard against double sending, whatever the
    number of workers or beat firings; a conditional UPDATE pending → sending is the claim.
    """

    recipient = models.ForeignKey(
        "auth.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="summary_deliveries"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    language = models.CharField(_("language"), max_length=2, choices=SubscriptionLanguage.choices)
    to_address = models.EmailField(_("address"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # The message as built; emptied once sent (the snapshot is what later summaries need).
    text_body = models.TextField(_("text part"), blank=True)
    html_body = models.TextField(_("HTML part"), blank=True)
    change_count = models.PositiveIntegerField(_("changes reported"), default=0)
    # The state the summary reported (health and at-risk per initiative in scope, milestones due
    # soon), so the next summary says what changed since this one.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    built_at = models.DateTimeField(_("built at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    objects = SummaryDeliveryQuerySet.as_manager()

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
