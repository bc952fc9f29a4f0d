"""The API's endpoints (/api/v1/). Every list starts from the model's `visible_to(user)`, the rule the admin,
the imports and the exports use: a token reads exactly what its user may read in the admin."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as rest_serializers
from rest_framework import viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from authorities.models import Authority
from initiatives.filters import InitiativeFilterSet
from initiatives.models import Dependency, Initiative, Milestone, Participation
from strategies.models import FocusArea, Strategy
from summaries.freshness import summaries_freshness
from summaries.impact import MAX_DELAY_DAYS, RULE, NotDelayable, impact_of_delay

from . import serializers


class StrategyViewSet(viewsets.ReadOnlyModelViewSet):
    """The joint strategies since 2001 (public reference data: every user reads them all)."""

    queryset = Strategy.objects.all()
    serializer_class = serializers.StrategySerializer
    ordering_fields = ["id", "start_year", "code"]


class FocusAreaViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = FocusArea.objects.select_related("strategy")
    serializer_class = serializers.FocusAreaSerializer
    filterset_fields = ["strategy"]
    ordering_fields = ["id", "order"]


class AuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """Authorities the token's user may see in the admin: all for the secretariat, their own for a coordinator."""

    serializer_class = serializers.AuthoritySerializer
    filterset_fields = ["level", "kind"]
    ordering_fields = ["id", "name_da"]

    def get_queryset(self):
        return Authority.objects.visible_to(self.request.user)


class InitiativeViewSet(viewsets.ReadOnlyModelViewSet):
    """Initiatives with their health and, when the engine counts one at risk, what puts it at risk.

    Filters are the initiative list page's (`strategy=2022-2025`, `level`, `lead_id`, `health`, `at_risk`, …).
    """

    serializer_class = serializers.InitiativeSerializer
    filterset_class = InitiativeFilterSet
    ordering_fields = ["id", "code", "forecast_end", "baseline_end", "updated_at"]

    def get_queryset(self):
        return Initiative.objects.visible_to(self.request.user).select_related(
            "strategy", "lead", "summary", "summary__risk_initiative__strategy", "summary__risk_authority"
        )

    @extend_schema(
        parameters=[OpenApiParameter("days", int, required=True, description=f"the delay in days, 1 to {MAX_DELAY_DAYS}")],
        responses=serializers.ImpactSerializer,
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def impact(self, request, pk=None):
        """What a delay of `days` to this initiative would push or make miss a needed-by date downstream
        (finish to start; see `rule`). Impacted initiatives the token may not read are counted, not shown."""
        initiative = self.get_object()
        query = serializers.ImpactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["days"]
        try:
            impact = impact_of_delay(initiative, days)
        except NotDelayable as refused:
            raise ValidationError({"initiative": [str(refused)]}) from None
        visible = set(
            Initiative.objects.visible_to(request.user)
            .filter(pk__in=[item.initiative.pk for item in impact.initiatives])
            .values_list("pk", flat=True)
        )
        shown = [item for item in impact.initiatives if item.initiative.pk in visible]
        data = {
            "initiative": initiative,
            "days": impact.days,
            "old_end": impact.old_end,
            "new_end": impact.new_end,
            "rule": str(RULE),
            "initiatives": [
                {
                    "initiative": item.initiative,
                    "distance": item.distance,
                    "pushed_days": item.pushed_days,
                    "old_start": item.old_start,
                    "new_start": item.new_start,
                    "old_end": item.old_end,
                    "new_end": item.new_end,
                    "late_before_days": item.late_before_days,
                    "missed_needed_by": [need.needed_by for need in item.missed],
                }
                for item in shown
            ],
            "not_shown": len(impact.initiatives) - len(shown),
        }
        return Response(serializers.ImpactSerializer(data).data)


class ParticipationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ParticipationSerializer
    filterset_fields = ["initiative", "authority", "role"]

    def get_queryset(self):
        return Participation.objects.visible_to(self.request.user).select_related("initiative__strategy", "authority")


class DependencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Dependencies of the initiatives the token may read (`source` needs `target`; the target may be anyone's)."""

    serializer_class = serializers.DependencySerializer
    filterset_fields = ["source", "target", "kind", "criticality"]

    def get_queryset(self):
        return Dependency.objects.visible_to(self.request.user).select_related("source__strategy", "target__strategy")


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MilestoneSerializer
    filterset_fields = ["initiative"]

    def get_queryset(self):
        return Milestone.objects.visible_to(self.request.user).select_related("initiative__strategy")



class FreshnessSerializer(rest_serializers.Serializer):
    as_of = rest_serializers.DateTimeField(allow_null=True, help_text="when the data the summaries reflect was read")
    pending = rest_serializers.BooleanField(help_text="data changed since: a recompute is owed and scheduled")
    dirty_since = rest_serializers.DateTimeField(allow_null=True, help_text="the first change not reflected yet")


@extend_schema(responses=FreshnessSerializer)
@api_view(["GET"])
def freshness(request):
    """How current the interdependency summaries (at risk, cause, counts) are: the dashboard's "as of" line."""
    state = summaries_freshness()
    return Response(FreshnessSerializer(
        {"as_of": state.as_of, "pending": state.pending, "dirty_since": state.dirty_since}
    ).data)
