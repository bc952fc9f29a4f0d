import datetime
import functools
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority, coordinated_authority_ids, localized
from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters


class Status(models.TextChoices):
    """Where an initiative is in its life."""

    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


# The one definition of "open": not yet completed or cancelled. Only open initiatives can be at
# risk, be delayed, or put others at risk by a slip.
OPEN_STATUSES = frozenset({Status.PLANNED, Status.ACTIVE, Status.PAUSED})
# The open initiatives already under way: their start is history, so a delay upstream can move only their end.
STARTED_STATUSES = frozenset({Status.ACTIVE, Status.PAUSED})


class Health(models.TextChoices):
    """A traffic light, ordered from good to bad."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


# The approved baseline: set when an initiative is created, then changed only by an approved
# rebaseline request (reporting.services.rebaseline_request_approve), never by an edit or an import.
BASELINE_FIELDS = ("baseline_start", "baseline_end", "baseline_budget")


HEALTH_RANK = {Health.GREEN: 0, Health.YELLOW: 1, Health.RED: 2}


def worst_health(*lights: str) -> str:
    return max(lights, key=lambda light: HEALTH_RANK[light])


class Role(models.TextChoices):
    """How an authority takes part in an initiative."""

    LEAD = "lead", _("Lead")
    CO_OWNER = "co_owner", _("Co-owner")
    CONTRIBUTOR = "contributor", _("Contributor")
    IMPLEMENTER = "implementer", _("Implementer")
    CONSULTED = "consulted", _("Consulted")


class DependencyKind(models.TextChoices):
    """What the target delivers to the source."""

    PREREQUISITE = "prerequisite", _("Prerequisite")
    SHARED_INFRASTRUCTURE = "shared_infrastructure", _("Shared infrastructure")
    DATA_EXCHANGE = "data_exchange", _("Data exchange")
    LEGAL_BASIS = "legal_basis", _("Legal basis")
    FUNDING = "funding", _("Funding")


class Criticality(models.TextChoices):
    """How badly the source suffers if the target fails to deliver."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


@dataclass(frozen=True)
class HealthAssessment:
    """The three lights and overall health, each with the reason for its colour."""

    schedule: str
    schedule_reason: str
    cost: str
    cost_reason: str
    benefits: str
    benefits_reason: str
    overall: str


def schedule_light(baseline_end: datetime.date | None, forecast_end: datetime.date | None) -> str:
    """The schedule light alone (what `assess_schedule` says, without composing its reason), for the engine's
    pass over every initiative."""
    if not baseline_end or not forecast_end:
        return Health.GREEN
    red_after, yellow_from = _schedule_thresholds(
        baseline_end, settings.HEALTH_SCHEDULE_RED_MONTHS, settings.HEALTH_SCHEDULE_YELLOW_MONTHS
    )
    if forecast_end > red_after:
        return Health.RED
    if forecast_end >= yellow_from and forecast_end > baseline_end:
        return Health.YELLOW
    return Health.GREEN


@functools.lru_cache(maxsize=32_768)
def _schedule_thresholds(baseline_end: datetime.date, red_months: int, yellow_months: int) -> tuple:
    # The engine asks for every initiative on every recompute; a worker keeps the answers between runs.
    return baseline_end + relativedelta(months=red_months), baseline_end + relativedelta(months=yellow_months)


def assess_schedule(baseline_end: datetime.date | None, forecast_end: datetime.date | None) -> tuple[str, str]:
    """Statens It-råd: red when more than RED months late, yellow from YELLOW months up to RED."""
    light = schedule_light(baseline_end, forecast_end)
    if not baseline_end or not forecast_end:
        return light, str(_("no baseline or forecast end date"))
    late_days = (forecast_end - baseline_end).days
    if light == Health.RED:
        return light, str(
            _("forecast end %(days)s days after baseline (more than %(months)s months)")
            % {"days": late_days, "months": settings.HEALTH_SCHEDULE_RED_MONTHS}
        )
    if light == Health.YELLOW:
        return light, str(
            _("forecast end %(days)s days after baseline (%(low)s to %(high)s months)")
            % {
                "days": late_days,
                "low": settings.HEALTH_SCHEDULE_YELLOW_MONTHS,
                "high": settings.HEALTH_SCHEDULE_RED_MONTHS,
            }
        )
    if late_days > 0:
        return light, str(_("forecast end %(days)s days after baseline") % {"days": late_days})
    return light, str(_("on or ahead of the baseline end"))


def cost_light(baseline_budget: int | None, forecast_cost: int | None) -> str:
    """The cost light alone (what `assess_cost` says, without composing its reason)."""
    if baseline_budget is None or forecast_cost is None:
        return Health.GREEN
    overrun = forecast_cost - baseline_budget
    if overrun <= 0:
        return Health.GREEN
    percent = (100 * overrun / baseline_budget) if baseline_budget else float("inf")
    if percent > settings.HEALTH_COST_RED_PERCENT or overrun > settings.HEALTH_COST_RED_DKK:
        return Health.RED
    return Health.YELLOW


def assess_cost(baseline_budget: int | None, forecast_cost: int | None) -> tuple[str, str]:
    """Statens It-råd: red when over by more than RED_PERCENT or RED_DKK, yellow when over at all."""
    light = cost_light(baseline_budget, forecast_cost)
    if baseline_budget is None or forecast_cost is None:
        return light, str(_("no baseline budget or forecast cost"))
    overrun = forecast_cost - baseline_budget
    if overrun <= 0:
        return light, str(_("within the baseline budget"))
    percent = (100 * overrun / baseline_budget) if baseline_budget else float("inf")
    params = {"dkk": f"{overrun:,}".replace(",", "."), "percent": f"{percent:.1f}"}
    if light == Health.RED:
        return light, str(
            _("DKK %(dkk)s (%(percent)s %%) over the baseline budget, beyond the red threshold")
            % params
        )
    return light, str(_("DKK %(dkk)s (%(percent)s %%) over the baseline budget") % params)


class InitiativeQuerySet(models.QuerySet):
    def open(self):
        """Initiatives not yet completed or cancelled (OPEN_STATUSES: planned, active or paused)."""
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """Initiatives a user may see in the admin, imports and exports: all for the secretariat;
        for a coordinator, those their authorities lead or take part in."""
        if reads_everything(user):
            return self
        ids = coordinated_authority_ids(user)
        # EXISTS rather than a join: no duplicate rows, so no DISTINCT that would break ordering.
        takes_part = Participation.objects.filter(initiative=OuterRef("pk"), authority_id__in=ids)
        return self.filter(Q(lead_id__in=ids) | Exists(takes_part))

    def editable_by(self, user):
        """Initiatives a user may change: all for the secretariat; those a coordinator's authorities lead."""
        if is_secretariat(user):
            return self
        return self.filter(lead_id__in=coordinated_authority_ids(user))

    def publishable(self):
        """Initiatives that may be published as open data: none of the demo's illustrative records
        (the initiative, its lead or its focus area marked illustrative) ever is."""
        return self.filter(is_illustrative=False, lead__is_illustrative=False).exclude(focus_area__is_illustrative=True)

    def for_authority(self, authority):
        """Initiatives the authority leads or takes part in."""
        return self.filter(Q(lead=authority) | Q(participations__authority=authority)).distinct()

    def led_by(self, authority):
        return self.filter(lead=authority)

    def in_strategy(self, strategy):
        return self.filter(strategy=strategy)


def code_with_strategy(code: str, start_year: int | None, end_year: int | None) -> str:
    """"4.2 · 2022–25": a code with its strategy's period (`Initiative.code_with_strategy`), for
    rows read as values. The century is left out of the end year only when it is the start year's."""
    if start_year is None or end_year is None:
        return code
    end_text = f"{end_year % 100:02d}" if start_year // 100 == end_year // 100 else str(end_year)
    return f"{code} · {start_year}–{end_text}"


class Initiative(models.Model):
    """A joint initiative: led by one authority, carried out with many others."""

    strategy = models.ForeignKey(
        "strategies.Strategy",
        verbose_name=_("strategy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        help_text=_("Empty for shared infrastructure outside the joint strategies."),
    )
    focus_area = models.ForeignKey(
        "strategies.FocusArea",
        verbose_name=_("focus area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    code = models.CharField(_("code"), max_length=20, help_text=_('E.g. "3.2"; unique within the strategy.'), validators=[no_control_characters])
    title_da = models.CharField(_("title (Danish)"), max_length=250, validators=[no_control_characters])
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True, validators=[no_control_characters])
    description_da = models.TextField(_("description (Danish)"), blank=True, validators=[no_control_characters])
    description_en = models.TextField(_("description (English)"), blank=True, validators=[no_control_characters])
    lead = models.ForeignKey(
        Authority, verbose_name=_("lead authority"), on_delete=models.PROTECT, related_name="initiatives_led"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    baseline_start = models.DateField(_("baseline start"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline end"), null=True, blank=True)
    forecast_start = models.DateField(_("forecast start"), null=True, blank=True)
    forecast_end = models.DateField(_("forecast end"), null=True, blank=True)
    baseline_budget = models.BigIntegerField(_("baseline budget (DKK)"), null=True, blank=True)
    forecast_cost = models.BigIntegerField(_("forecast cost (DKK)"), null=True, blank=True)
    expected_benefits = models.TextField(_("expected benefits"), blank=True, validators=[no_control_characters])
    benefits_health = models.CharField(
        _("benefits health"),
        max_length=6,
        choices=Health.choices,
        default=Health.GREEN,
        help_text=_("Set by hand only while no benefits are registered: will the expected benefits be realised?"),
    )
    # Kept by the benefits register (benefits.services) once an initiative has registered benefits:
    # the light is then computed from their forecasts against their baselines. The facts behind it
    # are stored (not a sentence), so its reason reads in the reader's language.
    benefits_computed = models.BooleanField(_("benefits light computed"), default=False, editable=False)
    benefits_shortfall = models.DecimalField(
        _("largest benefit shortfall (%)"), max_digits=6, decimal_places=1, null=True, blank=True, editable=False
    )
    benefits_worst_da = models.CharField(_("benefit furthest short (Danish)"), max_length=200, blank=True, editable=False)
    benefits_worst_en = models.CharField(_("benefit furthest short (English)"), max_length=200, blank=True, editable=False)
    # Stored copies of the derived lights, so lists filter and sort on them in the database.
    # services.initiative_* keep them current and every recompute reconciles them.
    schedule_health = models.CharField(_("schedule health"), max_length=6, choices=Health.choices, default=Health.GREEN)
    cost_health = models.CharField(_("cost health"), max_length=6, choices=Health.choices, default=Health.GREEN)
    health = models.CharField(_("health"), max_length=6, choices=Health.choices, default=Health.GREEN, db_index=True)
    reference_key = models.SlugField(
        _("reference key"), max_length=40, null=True, blank=True, unique=True,
        help_text=_("Set for the documented reference initiatives."),
    )
    source_url = models.CharField(_("source"), max_length=500, blank=True, validators=[no_control_characters])
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Generated for the demo or a benchmark; not a real initiative.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["strategy__start_year", "code"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "code"],
                name="initiative_code_unique_per_strategy",
                violation_error_message=_("This strategy already has an initiative with this code."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(strategy__isnull=True),
                name="initiative_code_unique_outside_strategies",
                violation_error_message=_("An initiative outside the strategies already has this code."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True) | Q(baseline_end__isnull=True)
                | Q(baseline_start__lte=models.F("baseline_end")),
                name="initiative_baseline_dates_ordered",
                violation_error_message=_("The baseline start must not be after the baseline end."),
            ),
            models.CheckConstraint(
                condition=Q(forecast_start__isnull=True) | Q(forecast_end__isnull=True)
                | Q(forecast_start__lte=models.F("forecast_end")),
                name="initiative_forecast_dates_ordered",
                violation_error_message=_("The forecast start must not be after the forecast end."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_budget__isnull=True) | Q(baseline_budget__gte=0),
                name="initiative_budget_not_negative",
                violation_error_message=_("The baseline budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(forecast_cost__isnull=True) | Q(forecast_cost__gte=0),
                name="initiative_cost_not_negative",
                violation_error_message=_("The forecast cost cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["strategy", "status"]), models.Index(fields=["lead", "status"])]

    def __str__(self) -> str:
        # Everywhere an initiative is named by itself (admin choices, history, messages): codes
        # recur in every strategy. Select the strategy with it when listing many.
        return f"{self.code_with_strategy} {self.title}"

    def get_absolute_url(self) -> str:
        # The dashboard's page; the admin's "view on site" leads here (scoped in admin_site.py).
        return reverse("initiatives:detail", args=[self.pk])

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)

    @property
    def code_with_strategy(self) -> str:
        """The code with its strategy's period, compactly ("4.2 · 2022–25"): codes recur in every
        strategy, so a code alone does not say which initiative it is. Codes outside the strategies
        are unique on their own. Select the strategy with the initiative when listing many."""
        if self.strategy_id is None:
            return self.code
        return code_with_strategy(self.code, self.strategy.start_year, self.strategy.end_year)

    @property
    def description(self) -> str:
        return localized(self.description_da, self.description_en)

    def assess_health(self) -> HealthAssessment:
        schedule, schedule_reason = assess_schedule(self.baseline_end, self.forecast_end)
        cost, cost_reason = assess_cost(self.baseline_budget, self.forecast_cost)
        return HealthAssessment(
            schedule=schedule,
            schedule_reason=schedule_reason,
            cost=cost,
            cost_reason=cost_reason,
            benefits=self.benefits_health,
            benefits_reason=self.benefits_reason(),
            overall=worst_health(schedule, cost, self.benefits_health),
        )

    def benefits_reason(self) -> str:
        """Why the benefits light has its colour, in the reader's language."""
        if not self.benefits_computed:
            return str(_("set by hand by the initiative's lead (no benefits registered): "
                         "will the expected benefits be realised?"))
        if not self.benefits_shortfall:
            return str(_("every registered benefit's forecast meets its baseline"))
        return str(_("“%(benefit)s” is forecast %(percent)s %% short of its baseline") % {
            "benefit": localized(self.benefits_worst_da, self.benefits_worst_en),
            "percent": number_format(self.benefits_shortfall, decimal_pos=1),
        })

    def is_editable_by(self, user) -> bool:
        """The lead's coordinator (or the secretariat) edits an initiative."""
        return is_secretariat(user) or self.lead_id in coordinated_authority_ids(user)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The overall light as stored, so a save can tell a change of it from a save that kept it
        # (health_change_on_save). Deferred when the query did not load it.
        if "health" in field_names:
            instance._stored_health = values[field_names.index("health")]
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "health" in fields:
            self._stored_health = self.health  # as stored now (after a rollback, say)

    def health_stored_as(self, health: str) -> None:
        """Tell an object not loaded from the database (a revert builds it from its history) the
        light stored now, so that its save can tell a change of it."""
        self._stored_health = health

    def health_change_on_save(self, *, created: bool) -> tuple[str, str] | None:
        """(stored light, saved light) when the save just made changed the overall light; None when
        it kept it or created the initiative. The saved light counts as stored after."""
        stored = None if created else getattr(self, "_stored_health", None)
        if stored is None:
            # Created now (a first light is no change), or loaded without its light: nothing to
            # compare without a query. Later saves of this object compare with what was saved.
            if created:
                self._stored_health = self.health
            return None
        self._stored_health = self.health
        if stored == self.health:
            return None
        return stored, self.health

    def refresh_health(self) -> bool:
        """Set the stored lights from the current dates and money; True when any changed."""
        assessment = self.assess_health()
        new = (assessment.schedule, assessment.cost, assessment.overall)
        changed = new != (self.schedule_health, self.cost_health, self.health)
        self.schedule_health, self.cost_health, self.health = new
        return changed

    def clean(self) -> None:
        if self.focus_area_id and self.focus_area.strategy_id != self.strategy_id:
            raise ValidationError(
                {"focus_area": _("The focus area belongs to another strategy than the initiative.")}
            )


class ParticipationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Participations in initiatives the user may see."""
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.visible_to(user).values("pk"))


class Participation(models.Model):
    """An authority's part in an initiative. The lead's row mirrors Initiative.lead."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="participations"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CONTRIBUTOR)
    history = HistoricalRecords()

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["initiative", "role", "authority__name_da"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "authority"],
                name="participation_unique",
                violation_error_message=_("This authority already takes part in this initiative."),
            ),
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(role="lead"),
                name="participation_one_lead",
                violation_error_message=_("An initiative has exactly one lead."),
            ),
        ]
        indexes = [models.Index(fields=["authority", "role"])]

    def __str__(self) -> str:
        return f"{self.authority} – {self.get_role_display()} – {self.initiative.code_with_strategy}"

    def is_editable_by(self, user) -> bool:
        """The lead coordinator edits every participation; a participant edits its own row."""
        if is_secretariat(user):
            return True
        ids = coordinated_authority_ids(user)
        return self.initiative.lead_id in ids or self.authority_id in ids

    def clean(self) -> None:
        if not (self.initiative_id and self.authority_id):
            return
        if self.role == Role.LEAD and self.authority_id != self.initiative.lead_id:
            raise ValidationError(
                {"role": _("Only the initiative's lead authority can have the lead role; change the lead on the initiative.")}
            )
        if self.role != Role.LEAD and self.authority_id == self.initiative.lead_id:
            raise ValidationError(
                {"role": _("This authority leads the initiative; its role is lead.")}
            )


class DependencyQuerySet(models.QuerySet):
    def publishable(self):
        """Dependencies that may be published as open data: not illustrative, between publishable initiatives."""
        publishable = Initiative.objects.publishable().values("pk")
        return self.filter(is_illustrative=False, source__in=publishable, target__in=publishable)

    def visible_to(self, user):
        """Dependencies *of* initiatives the user may see; the target may belong to anyone."""
        if reads_everything(user):
            return self
        return self.filter(source__in=Initiative.objects.visible_to(user).values("pk"))


class Dependency(models.Model):
    """`source` depends on `target`: the target must deliver for the source to succeed."""

    source = models.ForeignKey(
        Initiative, verbose_name=_("dependent initiative"), on_delete=models.CASCADE, related_name="dependencies"
    )
    target = models.ForeignKey(
        Initiative, verbose_name=_("depends on"), on_delete=models.CASCADE, related_name="dependants"
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=DependencyKind.choices, default=DependencyKind.PREREQUISITE
    )
    criticality = models.CharField(
        _("criticality"), max_length=8, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, validators=[no_control_characters])
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    history = HistoricalRecords()

    objects = DependencyQuerySet.as_manager()

    class Meta:
        ordering = ["source", "target"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("target")),
                name="dependency_not_on_itself",
                violation_error_message=_("An initiative cannot depend on itself."),
            ),
            models.UniqueConstraint(
                fields=["source", "target"],
                name="dependency_unique",
                violation_error_message=_("This dependency already exists."),
            ),
        ]
        indexes = [models.Index(fields=["target", "source"])]

    def __str__(self) -> str:
        return f"{self.source.code_with_strategy} → {self.target.code_with_strategy}"

    def is_editable_by(self, user) -> bool:
        """The source's lead coordinator (or the secretariat) maintains a dependency."""
        return is_secretariat(user) or self.source.lead_id in coordinated_authority_ids(user)

    # No clean() for the graph rule: a cycle check needs the whole graph (and a lock), so it is the
    # service's (dependency_check_acyclic), called by every write path, forms and imports included.


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Milestones of initiatives the user may see."""
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.visible_to(user).values("pk"))


class Milestone(models.Model):
    """A dated deliverable of an initiative."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="milestones"
    )
    title_da = models.CharField(_("title (Danish)"), max_length=250, validators=[no_control_characters])
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True, validators=[no_control_characters])
    baseline_date = models.DateField(_("baseline date"))
    forecast_date = models.DateField(_("forecast date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["initiative", "baseline_date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["forecast_date"])]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy}: {self.title}"

    def is_editable_by(self, user) -> bool:
        """The initiative's lead coordinator (or the secretariat) maintains its milestones."""
        return is_secretariat(user) or self.initiative.lead_id in coordinated_authority_ids(user)

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)

    @property
    def expected_date(self) -> datetime.date:
        return self.done_on or self.forecast_date or self.baseline_date

    def is_missed(self, today: datetime.date) -> bool:
        return self.done_on is None and (self.forecast_date or self.baseline_date) < today
