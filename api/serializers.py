"""What the API returns: the portfolio's records as their pages show them, every code with its strategy.

Read-only representations (writes go through the apps' services, not through these serializers). Names
come in Danish and English (`*_da`, `*_en`); choices as their stored values, which the schema lists.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorities.models import Authority
from initiatives.models import Dependency, Initiative, Milestone, Participation
from strategies.models import FocusArea, Strategy
from summaries.impact import MAX_DELAY_DAYS


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
    """Why the engine counts the initiative at risk: what it depends on, and whose that is."""

    reason = serializers.CharField(source="risk_reason")
    initiative = InitiativeRefSerializer(source="risk_initiative", allow_null=True)
    authority = AuthorityRefSerializer(source="risk_authority", allow_null=True)


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
        summary = self._summary(initiative)
        if summary is None or not summary.at_risk:
            return None
        return RiskSerializer(summary).data

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
