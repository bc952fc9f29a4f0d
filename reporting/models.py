"""Reporting cycles: the half-yearly status reports, their approval and assessment, the approved
baselines of initiatives, and the frozen snapshot the steering group is shown.

Rules that hold whatever writes the rows are constraints here (and, for the snapshots, database
triggers: migrations/0002); the workflows are reporting.services.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority, coordinated_authority_ids
from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters
from initiatives.models import Health, Initiative


class CycleState(models.TextChoices):
    """An open cycle takes reports; a frozen one is a fixed record."""

    OPEN = "open", _("Open")
    FROZEN = "frozen", _("Frozen")


class ReportState(models.TextChoices):
    """Where a status report is in its round: the lead fills it in, its management approves it,
    the secretariat accepts it or returns it."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


# The reports whose author may still change them.
EDITABLE_REPORT_STATES = frozenset({ReportState.DRAFT, ReportState.RETURNED})
# Who owes what of a report not yet approved: its author the submission, an approver the approval.
OWED_BY_AUTHOR = (ReportState.DRAFT, ReportState.RETURNED)
OWED_BY_APPROVER = (ReportState.SUBMITTED,)


class Track(models.TextChoices):
    """Statens It-råd: every yellow or red initiative takes one of three tracks."""

    BACK_TO_PLAN = "back_to_plan", _("Back to plan")
    NEW_PLAN = "new_plan", _("New plan")
    CLOSE = "close", _("Close down")


class RequestState(models.TextChoices):
    """A rebaseline request waits for the secretariat's decision."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def approved_authority_ids(user) -> frozenset[int]:
    """The authorities whose status reports this user approves (empty for anyone else).
    Cached on the user object, like coordinated_authority_ids."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_approved_authority_ids", None)
    if cached is None:
        cached = frozenset(Approver.objects.filter(user=user).values_list("authority_id", flat=True))
        user._approved_authority_ids = cached
    return cached


class Approver(models.Model):
    """A user in an authority's management who approves its status reports before the secretariat sees them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="approver_roles"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="approvers"
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "authority"],
                name="approver_unique",
                violation_error_message=_("This user already approves for this authority."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.authority}"


class CycleQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=CycleState.OPEN)

    def frozen(self):
        return self.filter(state=CycleState.FROZEN)


cycle_code_validator = RegexValidator(
    r"^[0-9]{4}-[A-Za-z0-9]{1,8}$", _('A code like "2027-H1": the year, a hyphen, then the period.')
)


class Cycle(models.Model):
    """A reporting round: every open initiative of the strategies it covers owes one status report."""

    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[cycle_code_validator],
        help_text=_('E.g. "2027-H1".'),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    deadline = models.DateField(_("deadline"), help_text=_("The day reports must be submitted and approved by."))
    strategies = models.ManyToManyField(
        "strategies.Strategy", verbose_name=_("strategies covered"), related_name="reporting_cycles"
    )
    state = models.CharField(_("state"), max_length=8, choices=CycleState.choices, default=CycleState.OPEN)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("frozen by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[strategies])

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "code"]
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="cycle_period_ordered",
                violation_error_message=_("The period start must not be after the period end."),
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("period_start")),
                name="cycle_deadline_after_start",
                violation_error_message=_("The deadline must not be before the period starts."),
            ),
            models.CheckConstraint(
                condition=Q(state=CycleState.OPEN, frozen_at__isnull=True)
                | Q(state=CycleState.FROZEN, frozen_at__isnull=False),
                name="cycle_frozen_has_time",
                violation_error_message=_("A frozen cycle has the time it was frozen, an open one none."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_frozen(self) -> bool:
        return self.state == CycleState.FROZEN


class CycleReminder(models.Model):
    """A day on which those who still owe a report of the cycle are reminded."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="reminders")
    remind_on = models.DateField(_("remind on"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "remind_on"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "remind_on"],
                name="cycle_reminder_unique",
                violation_error_message=_("This cycle already has a reminder on this day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle.code}: {self.remind_on}"


class StatusReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports a user may see: all for the secretariat; for a coordinator or an approver,
        those of the initiatives their authorities lead."""
        if reads_everything(user):
            return self
        ids = coordinated_authority_ids(user) | approved_authority_ids(user)
        return self.filter(initiative__lead_id__in=ids)

    def editable_by(self, user):
        """Reports a user may fill in: those of the initiatives they may edit (Initiative.editable_by)."""
        if is_secretariat(user):
            return self
        return self.filter(initiative__in=Initiative.objects.editable_by(user).values("pk"))

    def owed_on(self, date):
        """Reports still owed on `date` in open cycles whose deadline has passed or whose reminder
        day has come: drafts and returned ones (owed by their lead's coordinators) and submitted
        ones (owed an approval by the lead's approvers)."""
        reminded = CycleReminder.objects.filter(cycle=models.OuterRef("cycle"), remind_on__lte=date)
        return self.filter(
            Q(cycle__deadline__lt=date) | models.Exists(reminded),
            cycle__state=CycleState.OPEN, state__in=[*OWED_BY_AUTHOR, *OWED_BY_APPROVER],
        )

    def approvable_by(self, user):
        """Submitted reports of the authorities the user approves for, not submitted by the user."""
        return self.filter(
            state=ReportState.SUBMITTED, initiative__lead_id__in=approved_authority_ids(user)
        ).exclude(submitted_by=user)


class StatusReport(models.Model):
    """One initiative's report in one cycle, owed by its lead authority."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="reports")
    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="status_reports"
    )
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    # The computed lights as they were when the report was submitted, each with its reason.
    computed_schedule = models.CharField(_("computed schedule"), max_length=6, choices=Health.choices, blank=True)
    computed_schedule_reason = models.CharField(_("why this schedule light"), max_length=300, blank=True)
    computed_cost = models.CharField(_("computed cost"), max_length=6, choices=Health.choices, blank=True)
    computed_cost_reason = models.CharField(_("why this cost light"), max_length=300, blank=True)
    computed_benefits = models.CharField(_("computed benefits"), max_length=6, choices=Health.choices, blank=True)
    computed_overall = models.CharField(_("computed overall"), max_length=6, choices=Health.choices, blank=True)
    assessed = models.CharField(
        _("assessed status"), max_length=6, choices=Health.choices, blank=True,
        help_text=_("Your professional judgement; it may differ from the computed light only with a rationale."),
    )
    rationale = models.TextField(
        _("rationale"), blank=True, validators=[no_control_characters],
        help_text=_("Why the assessed status differs from the computed one."),
    )
    progress = models.TextField(_("progress since the last report"), blank=True, validators=[no_control_characters])
    next_steps = models.TextField(_("next steps"), blank=True, validators=[no_control_characters])
    main_risks = models.TextField(_("main risks"), blank=True, validators=[no_control_characters])
    track = models.CharField(
        _("track"), max_length=12, choices=Track.choices, blank=True,
        help_text=_("Required for a yellow or red assessment."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted or returned by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    reviewed_at = models.DateTimeField(_("accepted or returned at"), null=True, blank=True)
    return_comment = models.TextField(_("comment on return"), blank=True, validators=[no_control_characters])
    history = HistoricalRecords()

    objects = StatusReportQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "initiative__strategy__start_year", "initiative__code"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "initiative"],
                name="status_report_one_per_cycle",
                violation_error_message=_("This initiative already has a report in this cycle."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=EDITABLE_REPORT_STATES) | (~Q(assessed="") & ~Q(computed_overall="")),
                name="status_report_submitted_is_assessed",
                violation_error_message=_("A submitted report has an assessed and a computed status."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=EDITABLE_REPORT_STATES) | Q(assessed=models.F("computed_overall"))
                | ~Q(rationale=""),
                name="status_report_divergence_has_rationale",
                violation_error_message=_("An assessed status that differs from the computed one needs a rationale."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=EDITABLE_REPORT_STATES) | Q(assessed=Health.GREEN) | ~Q(track=""),
                name="status_report_yellow_red_has_track",
                violation_error_message=_("A yellow or red report needs a track."),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(submitted_by__isnull=True)
                | ~Q(approved_by=models.F("submitted_by")),
                name="status_report_not_approved_by_submitter",
                violation_error_message=_("Nobody approves their own submission."),
            ),
        ]
        indexes = [models.Index(fields=["cycle", "state"])]

    def __str__(self) -> str:
        return f"{self.cycle.code}: {self.initiative}"

    @property
    def diverges(self) -> bool:
        return bool(self.assessed and self.computed_overall and self.assessed != self.computed_overall)

    @property
    def is_editable_state(self) -> bool:
        return self.state in EDITABLE_REPORT_STATES

    def is_editable_by(self, user) -> bool:
        """Its lead's coordinator (or the secretariat) fills it in."""
        return self.initiative.is_editable_by(user)


class BaselineVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.visible_to(user).values("pk"))


class BaselineVersion(models.Model):
    """One approved baseline of an initiative; the newest is the one health is computed against."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="baseline_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    baseline_start = models.DateField(_("baseline start"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline end"), null=True, blank=True)
    baseline_budget = models.BigIntegerField(_("baseline budget (DKK)"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"))
    reason = models.TextField(_("reason"), validators=[no_control_characters])
    history = HistoricalRecords()

    objects = BaselineVersionQuerySet.as_manager()

    class Meta:
        ordering = ["initiative", "-number"]
        verbose_name = _("baseline version")
        verbose_name_plural = _("baseline versions")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "number"],
                name="baseline_version_unique",
                violation_error_message=_("This initiative already has a baseline with this version."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True) | Q(baseline_end__isnull=True)
                | Q(baseline_start__lte=models.F("baseline_end")),
                name="baseline_version_dates_ordered",
                violation_error_message=_("The baseline start must not be after the baseline end."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_budget__isnull=True) | Q(baseline_budget__gte=0),
                name="baseline_version_budget_not_negative",
                violation_error_message=_("The baseline budget cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code} v{self.number}"


class RebaselineRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """All for the secretariat; requests for initiatives their authorities lead for a coordinator."""
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.editable_by(user).values("pk"))

    def pending(self):
        return self.filter(state=RequestState.PENDING)


class RebaselineRequest(models.Model):
    """A proposed new baseline (from a "new plan" track or on its own), decided by the secretariat."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="rebaseline_requests"
    )
    report = models.ForeignKey(
        StatusReport, verbose_name=_("status report"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="rebaseline_requests",
        help_text=_("The report whose new-plan track asked for it, if any."),
    )
    baseline_start = models.DateField(_("new baseline start"), null=True, blank=True)
    baseline_end = models.DateField(_("new baseline end"), null=True, blank=True)
    baseline_budget = models.BigIntegerField(_("new baseline budget (DKK)"), null=True, blank=True)
    reason = models.TextField(_("reason"), validators=[no_control_characters])
    state = models.CharField(_("state"), max_length=8, choices=RequestState.choices, default=RequestState.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment on the decision"), blank=True, validators=[no_control_characters])
    # Both go with their initiative; neither outlives the other.
    version = models.OneToOneField(
        BaselineVersion, verbose_name=_("resulting baseline version"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="request",
    )
    history = HistoricalRecords()

    objects = RebaselineRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("rebaseline request")
        verbose_name_plural = _("rebaseline requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True) | Q(baseline_end__isnull=True)
                | Q(baseline_start__lte=models.F("baseline_end")),
                name="rebaseline_dates_ordered",
                violation_error_message=_("The new baseline end must not be before its start."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_budget__isnull=True) | Q(baseline_budget__gte=0),
                name="rebaseline_budget_not_negative",
                violation_error_message=_("The new baseline budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(state=RequestState.APPROVED, version__isnull=False)
                | (~Q(state=RequestState.APPROVED) & Q(version__isnull=True)),
                name="rebaseline_approved_has_version",
                violation_error_message=_("An approved request has the baseline version it made, no other has one."),
            ),
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(state=RequestState.PENDING),
                name="rebaseline_one_pending_per_initiative",
                violation_error_message=_("This initiative already has a rebaseline request waiting for a decision."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.get_state_display()}"

    def is_editable_by(self, user) -> bool:
        return self.initiative.is_editable_by(user)


class CycleSnapshot(models.Model):
    """A covered initiative as it stood when its cycle was frozen. Never updated or deleted
    (database triggers refuse it, migrations/0002): the steering group's record."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="snapshots")
    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.PROTECT, related_name="+"
    )
    # The order of the report and the export: strategy, focus area, code (as text, ties by id).
    position = models.PositiveIntegerField(_("position"))
    data = models.JSONField(_("snapshot"))
    # What a comparison of cycles reads, also as columns (copies of `data`'s keys): read out of
    # 20,000 JSON documents, they made the comparison page slow.
    code_with_strategy = models.CharField(_("code"), max_length=40)
    title_da = models.CharField(_("title (Danish)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    status = models.CharField(_("status"), max_length=12)
    assessed = models.CharField(_("assessed status"), max_length=6, blank=True)
    track = models.CharField(_("track"), max_length=12, blank=True)
    forecast_end = models.DateField(_("forecast end"), null=True, blank=True)
    baseline_version = models.PositiveIntegerField(_("baseline version"), null=True, blank=True)
    report_state = models.CharField(_("state"), max_length=10)
    # What the steering group's report picks and counts by, also as columns: one strategy's page
    # reads its rows through an index instead of every JSON document of the cycle. Null only in
    # rows frozen before they existed (migrations/0004 filled those in from `data`).
    strategy = models.CharField(_("strategy"), max_length=20, null=True, blank=True)
    at_risk = models.BooleanField(_("at risk"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "position"]
        verbose_name = _("cycle snapshot")
        verbose_name_plural = _("cycle snapshots")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "initiative"], name="cycle_snapshot_unique"),
            models.UniqueConstraint(fields=["cycle", "position"], name="cycle_snapshot_position_unique"),
        ]
        indexes = [models.Index(fields=["cycle", "strategy", "position"], name="cycle_snapshot_strategy")]

    def __str__(self) -> str:
        return f"{self.cycle_id}: {self.data.get('code', '')}"
