"""The API's endpoints (/api/v1/). Every list starts from the model's `visible_to(user)`, the rule the admin,
the imports and the exports use: a token reads exactly what its user may read in the admin."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework import serializers as rest_serializers
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from authorities.models import Authority
from common.versions import Tracked, version_of
from initiatives.filters import InitiativeFilterSet
from initiatives.models import Dependency, Initiative, Milestone, Participation
from initiatives.services import initiative_update
from strategies.models import FocusArea, Strategy
from summaries.freshness import summaries_freshness
from summaries.impact import MAX_DELAY_DAYS, RULE, NotDelayable, impact_of_delay

from . import serializers
from .caching import CachedListMixin


def _etag(initiative: Initiative) -> str:
    """The initiative's version (its newest history row), as an ETag a PATCH may send back in If-Match."""
    return f'"{version_of(initiative, (Tracked.record(Initiative),))}"'


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


class InitiativeViewSet(CachedListMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Initiatives with their health and, when the engine counts one at risk, what puts it at risk.

    Filters are the initiative list page's (`strategy=2022-2025`, `level`, `lead_id`, `health`, `at_risk`, …).
    The lead's coordinator (and the secretariat) may PATCH an initiative: see `partial_update`.
    """

    serializer_class = serializers.InitiativeSerializer
    filterset_class = InitiativeFilterSet
    ordering_fields = ["id", "code", "forecast_end", "baseline_end", "updated_at"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return Initiative.objects.visible_to(self.request.user).select_related(
            "strategy", "lead", "summary", "summary__risk_initiative__strategy", "summary__risk_authority"
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = _etag(self.get_object())
        return response

    @extend_schema(
        request=serializers.InitiativeChangeSerializer,
        responses=serializers.InitiativeSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="the ETag the client read; a change made since is refused with 412")],
    )
    def partial_update(self, request, *args, **kwargs):
        """Change the initiative's titles, descriptions, status or forecast, as its lead's coordinator does in the
        admin: through the same service (health recomputed, history kept with the token's user, the summaries
        recomputed). Any other field is refused, naming it; the baseline changes only by a rebaseline request."""
        initiative = self.get_object()
        if not initiative.is_editable_by(request.user):
            raise PermissionDenied(_("Only the lead authority's coordinator or the secretariat may change this initiative."))
        changes = serializers.InitiativeChangeSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        unknown = sorted(set(request.data) - set(changes.fields))
        if unknown:
            raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
        with transaction.atomic():
            locked = Initiative.objects.select_for_update().order_by().get(pk=initiative.pk)
            expected = request.headers.get("If-Match")
            if expected and expected.strip('"') != _etag(locked).strip('"'):
                return Response({"detail": _("The initiative changed since you read it: read it again, then change it.")},
                                status=412)
            try:
                initiative_update(initiative=locked, **changes.validated_data)
            except DjangoValidationError as refused:
                # A rule across fields (a constraint) is Django's "__all__", REST framework's non_field_errors;
                # its message names the fields in words.
                errors = refused.message_dict
                raise ValidationError({("non_field_errors" if name == "__all__" else name): messages
                                       for name, messages in errors.items()}) from None
        saved = self.get_queryset().get(pk=initiative.pk)
        return Response(serializers.InitiativeSerializer(saved, context=self.get_serializer_context()).data,
                        headers={"ETag": _etag(saved)})

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


class DependencyViewSet(CachedListMixin, viewsets.ReadOnlyModelViewSet):
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
