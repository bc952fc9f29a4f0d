"""What the API returns: the portfolio's records as their pages show them, every code with its strategy.

Read-only representations (writes go through the apps' services, not through these serializers). Names
come in Danish and English (`*_da`, `*_en`); choices as their stored values, which the schema lists.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.forms import TEXT_LIMIT
from agreements.models import Agreement
from authorities.models import Authority
from benefits.models import Benefit
from common.listing import MAX_ID
from funding.models import FundingShare
from initiatives.models import Dependency, Initiative, Milestone, Participation
from reporting.models import Cycle, StatusReport
from reporting.selectors import can_read_texts
from risks.models import Risk
from strategies.models import FocusArea, Strategy
from summaries.impact import MAX_DELAY_DAYS
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary, LevelMatrixCell


class StrategySerializer(serializers.ModelSerializer):
    class Meta:
        model = Strategy
        fields = ["id", "code", "name_da", "name_en", "start_year", "end_year", "kind", "parties", "summary",
                  "source_url"]


class FocusAreaSerializer(serializers.ModelSerializer):
    strategy = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = FocusArea
        fields = ["id", "strategy", "code", "name_da", "name_en", "is_illustrative"]


class AuthorityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "name_da", "name_en", "level"]


class AuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "name_da", "name_en", "level", "kind", "code", "cvr", "parent", "region", "website",
                  "is_illustrative"]


class InitiativeRefSerializer(serializers.ModelSerializer):
    """Another initiative named in a record: its id, its code with its strategy, and its titles."""

    # null for the few initiatives outside the strategies (MitID), whose codes are unique on their own.
    strategy = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Initiative
        fields = ["id", "strategy", "code", "code_with_strategy", "title_da", "title_en"]


class RiskSerializer(serializers.Serializer):
    """Why the engine counts the initiative at risk: what it depends on, and whose that is. The cause may lie
    several dependencies upstream: an initiative the token may not read is not named (null), its authority is."""

    reason = serializers.CharField(source="risk_reason")
    initiative = serializers.SerializerMethodField()
    authority = AuthorityRefSerializer(source="risk_authority", allow_null=True)

    @extend_schema_field(InitiativeRefSerializer(allow_null=True))
    def get_initiative(self, summary) -> dict | None:
        if summary.risk_initiative is None or not self.context.get("risk_initiative_readable"):
            return None
        return InitiativeRefSerializer(summary.risk_initiative).data


def risk_of(summary, *, readable: bool) -> dict | None:
    """The summary's risk, naming its initiative only where the token may read it (`readable`, annotated on
    the query by api.views.risk_initiative_readable)."""
    if summary is None or not summary.at_risk:
        return None
    return RiskSerializer(summary, context={"risk_initiative_readable": readable}).data


class InitiativeSerializer(serializers.ModelSerializer):
    strategy = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    lead = AuthorityRefSerializer(read_only=True)
    at_risk = serializers.SerializerMethodField()
    risk = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "id", "strategy", "focus_area", "code", "code_with_strategy", "title_da", "title_en", "lead", "status",
            "baseline_start", "baseline_end", "forecast_start", "forecast_end", "baseline_budget", "forecast_cost",
            "health", "schedule_health", "cost_health", "benefits_health", "at_risk", "risk", "is_illustrative",
            "updated_at", "web_url",
        ]

    def _summary(self, initiative):
        return getattr(initiative, "summary", None)

    def get_at_risk(self, initiative) -> bool | None:
        """null until the engine has summarised the initiative."""
        summary = self._summary(initiative)
        return None if summary is None else summary.at_risk

    @extend_schema_field(RiskSerializer(allow_null=True))
    def get_risk(self, initiative) -> dict | None:
        return risk_of(self._summary(initiative), readable=getattr(initiative, "risk_initiative_readable", False))

    def get_web_url(self, initiative) -> str:
        return self.context["request"].build_absolute_uri(initiative.get_absolute_url())


class ParticipationSerializer(serializers.ModelSerializer):
    initiative = InitiativeRefSerializer(read_only=True)
    authority = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "initiative", "authority", "role"]


class DependencySerializer(serializers.ModelSerializer):
    """`source` depends on `target` (needs it)."""

    source = InitiativeRefSerializer(read_only=True)
    target = InitiativeRefSerializer(read_only=True)

    class Meta:
        model = Dependency
        fields = ["id", "source", "target", "kind", "criticality", "needed_by", "note", "is_illustrative"]


class MilestoneSerializer(serializers.ModelSerializer):
    initiative = InitiativeRefSerializer(read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "initiative", "title_da", "title_en", "baseline_date", "forecast_date", "done_on"]


class ImpactQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DELAY_DAYS)


class ImpactedSerializer(serializers.Serializer):
    initiative = InitiativeRefSerializer()
    distance = serializers.IntegerField(help_text="dependency edges from the delayed initiative")
    pushed_days = serializers.IntegerField(help_text="how far its end moves (0: it only misses a needed-by date)")
    old_start = serializers.DateField(allow_null=True)
    new_start = serializers.DateField(allow_null=True)
    old_end = serializers.DateField(allow_null=True)
    new_end = serializers.DateField(allow_null=True)
    late_before_days = serializers.IntegerField(help_text="lateness that existed before the slip, not charged to it")
    missed_needed_by = serializers.ListField(child=serializers.DateField())


class ImpactSerializer(serializers.Serializer):
    initiative = InitiativeRefSerializer()
    days = serializers.IntegerField()
    old_end = serializers.DateField(allow_null=True)
    new_end = serializers.DateField(allow_null=True)
    rule = serializers.CharField()
    initiatives = ImpactedSerializer(many=True, help_text="the impacted initiatives this token may read, nearest first")
    not_shown = serializers.IntegerField(help_text="impacted initiatives this token may not read")


class InitiativeChangeSerializer(serializers.ModelSerializer):
    """What a PATCH may change: the lead's own account of the initiative. Not the baseline (start, end, budget:
    changed only by a rebaseline request the secretariat approves), not the lead, not the strategy or code."""

    class Meta:
        model = Initiative
        fields = ["title_da", "title_en", "description_da", "description_en", "status", "forecast_start",
                  "forecast_end", "forecast_cost"]
        # Validation is the model's own (full_clean in initiatives.services.initiative_update): one rule.
        validators = []
        extra_kwargs = {name: {"validators": []} for name in fields}


# --- Agreements, risks, reporting, funding, benefits -------------------------------------------------


class DependencyRefSerializer(serializers.ModelSerializer):
    """The dependency an agreement is about: `source` (the requester's initiative) needs `target` (the provider's)."""

    source = InitiativeRefSerializer(read_only=True)
    target = InitiativeRefSerializer(read_only=True)

    class Meta:
        model = Dependency
        fields = ["id", "source", "target", "criticality", "needed_by"]


class AgreementSerializer(serializers.ModelSerializer):
    dependency = DependencyRefSerializer(read_only=True)
    requester = AuthorityRefSerializer(read_only=True, help_text="the lead of the dependant initiative, who asks")
    provider = AuthorityRefSerializer(read_only=True, help_text="the lead of the initiative depended on, who answers")

    class Meta:
        model = Agreement
        fields = ["id", "dependency", "requester", "provider", "state", "needed_by", "what_needed", "requested_at",
                  "committed_date", "proposed_date", "reason", "answered_at", "updated_at"]


class AgreementRequestSerializer(serializers.Serializer):
    """Ask for an agreement on a dependency across authorities (as the dependant's lead)."""

    dependency = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    needed_by = serializers.DateField()
    what_needed = serializers.CharField(max_length=TEXT_LIMIT)


class AgreementCommitSerializer(serializers.Serializer):
    committed_date = serializers.DateField()


class AgreementProposeSerializer(serializers.Serializer):
    proposed_date = serializers.DateField()
    reason = serializers.CharField(max_length=TEXT_LIMIT)


class AgreementDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_LIMIT)


class AgreementAcceptSerializer(serializers.Serializer):
    """Accepting takes nothing: the commitment or the proposed date is accepted as it stands."""


class AgreementReopenSerializer(serializers.Serializer):
    needed_by = serializers.DateField(required=False, help_text="the requester may ask for a new date")
    what_needed = serializers.CharField(required=False, max_length=TEXT_LIMIT)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)


class RegisterRiskSerializer(serializers.ModelSerializer):
    """A risk in the risk register (not the engine's "at risk", which is `InitiativeSerializer.risk`)."""

    initiative = InitiativeRefSerializer(read_only=True)
    owner = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = Risk
        fields = ["id", "initiative", "title", "description", "probability", "impact", "score", "owner", "mitigation",
                  "review_date", "status", "agreement", "escalated", "escalated_at"]


class CycleSerializer(serializers.ModelSerializer):
    strategies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "code", "period_start", "period_end", "deadline", "strategies", "state", "frozen_at"]


class StatusReportSerializer(serializers.ModelSerializer):
    """A status report: the computed lights captured at submission, the lead's assessment and texts. Who wrote,
    approved or reviewed it is left out (persons)."""

    cycle = serializers.SlugRelatedField(slug_field="code", read_only=True)
    initiative = InitiativeRefSerializer(read_only=True)

    class Meta:
        model = StatusReport
        fields = ["id", "cycle", "initiative", "state", "computed_schedule", "computed_cost", "computed_benefits",
                  "computed_overall", "assessed", "rationale", "progress", "next_steps", "main_risks", "track",
                  "submitted_at", "approved_at", "reviewed_at"]


class FundingShareSerializer(serializers.ModelSerializer):
    """One party's share of an initiative's budget for a year, and what it has spent (DKK, as decimal text)."""

    initiative = InitiativeRefSerializer(source="funding_year.initiative", read_only=True)
    year = serializers.IntegerField(source="funding_year.year", read_only=True)
    ministry = AuthorityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FundingShare
        fields = ["id", "initiative", "year", "party", "ministry", "budget", "actual"]


class BenefitSerializer(serializers.ModelSerializer):
    initiative = InitiativeRefSerializer(read_only=True)
    realised_by = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = Benefit
        fields = ["id", "initiative", "kind", "title_da", "title_en", "indicator", "higher_is_better", "from_year",
                  "baseline", "forecast", "realised", "realised_by"]


# --- The interdependency summaries ---------------------------------------------------------------------


class InitiativeSummarySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="initiative_id", read_only=True, help_text="the initiative's id")
    initiative = InitiativeRefSerializer(read_only=True)
    risk = serializers.SerializerMethodField()

    class Meta:
        model = InitiativeSummary
        fields = ["id", "initiative", "upstream_direct", "upstream_total", "downstream_direct", "downstream_total",
                  "upstream_authorities", "upstream_levels", "upstream_depth", "at_risk", "risk", "computed_at"]

    @extend_schema_field(RiskSerializer(allow_null=True))
    def get_risk(self, summary) -> dict | None:
        return risk_of(summary, readable=getattr(summary, "risk_initiative_readable", False))


class AuthoritySummarySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="authority_id", read_only=True, help_text="the authority's id")
    authority = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = AuthoritySummary
        fields = ["id", "authority", "initiatives_led", "initiatives_participating", "depends_on_direct",
                  "depends_on_total", "depended_by_direct", "depended_by_total", "exposure_initiatives",
                  "exposure_authorities", "at_risk_because_of_others", "others_at_risk_because_of_it",
                  "agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined",
                  "computed_at"]


class AuthorityPairSummarySerializer(serializers.ModelSerializer):
    """Dependencies from initiatives led by `source` onto initiatives led by `target`."""

    source = AuthorityRefSerializer(read_only=True)
    target = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = AuthorityPairSummary
        fields = ["id", "source", "target", "edges", "high_edges", "at_risk_edges", "shared_initiatives",
                  "agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined",
                  "computed_at"]


class LevelMatrixCellSerializer(serializers.ModelSerializer):
    """Dependencies from initiatives led at one level onto another, in one strategy or (null) in all."""

    strategy = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = LevelMatrixCell
        fields = ["id", "strategy", "source_level", "target_level", "edges", "high_edges", "at_risk_edges",
                  "computed_at"]


# --- An initiative as frozen in a reporting cycle (the initiatives list with ?cycle= or ?as_of=) --------


class SnapshotLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lead_id")
    name_da = serializers.CharField(source="lead_da")
    name_en = serializers.CharField(source="lead_en")


class SnapshotFiguresSerializer(serializers.Serializer):
    """The interdependency figures as the engine had them when the cycle was frozen."""

    upstream_direct = serializers.IntegerField()
    upstream_total = serializers.IntegerField()
    downstream_direct = serializers.IntegerField()
    downstream_total = serializers.IntegerField()
    upstream_authorities = serializers.IntegerField()
    upstream_levels = serializers.IntegerField()
    upstream_depth = serializers.IntegerField()
    at_risk = serializers.BooleanField()
    risk_reason = serializers.CharField(allow_blank=True)
    risk_initiative = serializers.CharField(allow_blank=True, help_text="its code with its strategy")
    risk_authority_da = serializers.CharField(allow_blank=True)
    risk_authority_en = serializers.CharField(allow_blank=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class SnapshotTextsSerializer(serializers.Serializer):
    rationale = serializers.CharField(allow_blank=True)
    progress = serializers.CharField(allow_blank=True)
    next_steps = serializers.CharField(allow_blank=True)
    main_risks = serializers.CharField(allow_blank=True)


class InitiativeSnapshotSerializer(serializers.Serializer):
    """An initiative as it stood when the cycle was frozen (reporting.snapshots' row): its fields, its lights
    computed and assessed, its report's state, its interdependency figures. `id` is the initiative's."""

    id = serializers.IntegerField(source="initiative_id")
    cycle = serializers.CharField(source="cycle.code")
    strategy = serializers.CharField(source="data.strategy", allow_blank=True)
    code = serializers.CharField(source="data.code")
    code_with_strategy = serializers.CharField(source="data.code_with_strategy")
    focus_area = serializers.CharField(source="data.focus_area", allow_blank=True, help_text="the focus area's code")
    title_da = serializers.CharField(source="data.title_da")
    title_en = serializers.CharField(source="data.title_en", allow_blank=True)
    lead = SnapshotLeadSerializer(source="data")
    status = serializers.CharField(source="data.status")
    baseline_version = serializers.IntegerField(source="data.baseline_version", allow_null=True)
    baseline_start = serializers.DateField(source="data.baseline_start", allow_null=True)
    baseline_end = serializers.DateField(source="data.baseline_end", allow_null=True)
    baseline_budget = serializers.IntegerField(source="data.baseline_budget", allow_null=True)
    forecast_start = serializers.DateField(source="data.forecast_start", allow_null=True)
    forecast_end = serializers.DateField(source="data.forecast_end", allow_null=True)
    forecast_cost = serializers.IntegerField(source="data.forecast_cost", allow_null=True)
    computed_schedule = serializers.CharField(source="data.computed_schedule", allow_blank=True)
    computed_cost = serializers.CharField(source="data.computed_cost", allow_blank=True)
    computed_benefits = serializers.CharField(source="data.computed_benefits", allow_blank=True)
    computed_overall = serializers.CharField(source="data.computed_overall", allow_blank=True)
    assessed = serializers.CharField(source="data.assessed", allow_blank=True)
    track = serializers.CharField(source="data.track", allow_blank=True)
    report_state = serializers.CharField(source="data.report_state")
    submitted_at = serializers.DateTimeField(source="data.submitted_at", allow_null=True)
    approved_at = serializers.DateTimeField(source="data.approved_at", allow_null=True)
    interdependencies = serializers.SerializerMethodField()
    texts = serializers.SerializerMethodField()

    @extend_schema_field(SnapshotFiguresSerializer(allow_null=True))
    def get_interdependencies(self, snapshot) -> dict | None:
        """The figures; the initiative that put it at risk named only to a token that may read it (`readable_codes`
        in the context: the codes with strategy it may read, None for all)."""
        figures = snapshot.data.get("interdependencies")
        if figures is None:
            return None
        readable = self.context.get("readable_codes", frozenset())
        if readable is not None and figures.get("risk_initiative") not in readable:
            figures = {**figures, "risk_initiative": ""}
        return SnapshotFiguresSerializer(figures).data

    @extend_schema_field(SnapshotTextsSerializer(allow_null=True))
    def get_texts(self, snapshot) -> dict | None:
        """The report's texts, for those who may read them (as on the steering group's report); else null."""
        if not can_read_texts(self.context["request"].user, snapshot.data):
            return None
        return SnapshotTextsSerializer(snapshot.data).data
