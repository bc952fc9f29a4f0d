"""The interdependency engine's stored figures: derived data, written only by the engine
(summaries.engine), read by the dashboard and the emails. No history: recomputed from scratch."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementRisk
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
    # What a dependency agreement says (agreements.models.agreement_risk is the rule).
    AGREEMENT_DECLINED = AgreementRisk.DECLINED.value, AgreementRisk.DECLINED.label
    AGREEMENT_UNANSWERED = AgreementRisk.UNANSWERED.value, AgreementRisk.UNANSWERED.label
    AGREEMENT_COMMITTED_LATE = AgreementRisk.COMMITTED_LATE.value, AgreementRisk.COMMITTED_LATE.label


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
    # Dependency agreements it is party to (asked by it or of it), by what they say.
    agreements_requested = models.PositiveIntegerField(_("agreements awaiting an answer"), default=0)
    agreements_overdue = models.PositiveIntegerField(_("agreements unanswered after the needed-by date"), default=0)
    agreements_committed_late = models.PositiveIntegerField(_("agreements committed late"), default=0)
    agreements_declined = models.PositiveIntegerField(_("agreements declined"), default=0)
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
    # Dependency agreements the first asked of the second, by what they say.
    agreements_requested = models.PositiveIntegerField(_("agreements awaiting an answer"), default=0)
    agreements_overdue = models.PositiveIntegerField(_("agreements unanswered after the needed-by date"), default=0)
    agreements_committed_late = models.PositiveIntegerField(_("agreements committed late"), default=0)
    agreements_declined = models.PositiveIntegerField(_("agreements declined"), default=0)
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
    # Dependency agreements from the first level onto the second (requester's, provider's), by what they say.
    agreements_requested = models.PositiveIntegerField(_("agreements awaiting an answer"), default=0)
    agreements_overdue = models.PositiveIntegerField(_("agreements unanswered after the needed-by date"), default=0)
    agreements_committed_late = models.PositiveIntegerField(_("agreements committed late"), default=0)
    agreements_declined = models.PositiveIntegerField(_("agreements declined"), default=0)
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


class SummaryChange(models.Model):
    """A committed change to portfolio data that the summaries do not reflect yet.

    Append-only: every writing transaction inserts one row, and a recompute deletes the rows it saw
    before it read the data. No writer updates a row another writer needs, so a long transaction
    (an import, a slow form) never holds up anybody else's edit, and a change that commits while
    the broker is down still leaves a row the sweep will find. The id is the change's number.
    """

    id = models.BigAutoField(primary_key=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change not yet summarised")
        verbose_name_plural = _("changes not yet summarised")

    def __str__(self) -> str:
        return f"change {self.pk} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class SummaryState(models.Model):
    """Per scope: which change the summaries reflect and whether a recompute has been enqueued.

    Only recomputes and the enqueue claim (after a commit, in its own short transaction) write it;
    what is owed is the `SummaryChange` rows.
    """

    scope = models.CharField(max_length=40, unique=True, default=SCOPE_ALL)
    computed_version = models.BigIntegerField(default=0)  # the newest change number reflected
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary states")

    def __str__(self) -> str:
        return f"{self.scope}: summaries reflect change {self.computed_version}"


class SummaryRun(models.Model):
    """One recompute: when, why, how long, and the newest change number it reflects (`data_version`)."""

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
