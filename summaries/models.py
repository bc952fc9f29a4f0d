"""The interdependency engine's stored figures: derived data, written only by the engine
(summaries.engine), read by the dashboard and the emails. No history: recomputed from scratch."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, Level
from strategies.models import Strategy

# The scope of the bookkeeping and of a full recompute: the whole portfolio.
SCOPE_ALL = "all"

# The level matrix's rows and columns, and the impact analysis' levels, in this order.
LEVELS: tuple[str, ...] = (Level.CENTRAL, Level.REGIONAL, Level.MUNICIPAL, Level.PARTNER)


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

    scope = models.CharField(max_length=40, unique=True, default=SCOPE_ALL)
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

    scope = models.CharField(max_length=40, default=SCOPE_ALL)
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
