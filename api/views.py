"""The API's endpoints (/api/v1/). Every list starts from the model's `visible_to(user)`, the rule the admin,
the imports and the exports use: a token reads exactly what its user may read in the admin."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, viewsets
from rest_framework import serializers as rest_serializers
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from authorities.models import Authority
from benefits.models import Benefit
from common.versions import Tracked, version_of
from funding.models import FundingShare
from initiatives.filters import InitiativeFilterSet
from initiatives.models import Dependency, Initiative, Milestone, Participation
from initiatives.services import initiative_update
from reporting.models import Cycle, StatusReport
from risks.filters import RiskFilterSet
from risks.models import Risk
from strategies.models import FocusArea, Strategy
from summaries.freshness import summaries_freshness
from summaries.impact import MAX_DELAY_DAYS, RULE, NotDelayable, impact_of_delay

from . import serializers, snapshots
from .caching import CachedListMixin
from .filters import FundingShareFilterSet


def risk_initiative_readable(user, risk_initiative_id: str):
    """Whether the token may read the initiative that puts a row at risk (`risk_initiative_id`, the path to it
    from the row), as an annotation: the same queries whatever the number of rows."""
    return Exists(Initiative.objects.visible_to(user).filter(pk=OuterRef(risk_initiative_id)))


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
        ).annotate(risk_initiative_readable=risk_initiative_readable(self.request.user, "summary__risk_initiative_id"))

    @extend_schema(
        parameters=snapshots.PARAMETERS,
        responses=PolymorphicProxySerializer(
            component_name="InitiativeOrSnapshot",
            serializers=[serializers.InitiativeSerializer, serializers.InitiativeSnapshotSerializer],
            resource_type_field_name=None,
        ),
    )
    def list(self, request, *args, **kwargs):
        """The initiatives as they are now; with `cycle` or `as_of`, as frozen in that reporting cycle."""
        if not snapshots.asks_for_snapshot(request.query_params):
            return super().list(request, *args, **kwargs)
        cycle = snapshots.frozen_cycle(request.query_params)
        paginator = snapshots.SnapshotCursor()
        page = paginator.paginate_queryset(snapshots.snapshot_rows(cycle, request.user), request, view=self)
        context = {**self.get_serializer_context(), "readable_codes": snapshots.readable_codes(request.user)}
        rows = serializers.InitiativeSnapshotSerializer(page, many=True, context=context)
        return paginator.get_paginated_response(rows.data)

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


class RiskViewSet(viewsets.ReadOnlyModelViewSet):
    """The risk register: risks of the initiatives the token may read, highest score first by default."""

    serializer_class = serializers.RegisterRiskSerializer
    filterset_class = RiskFilterSet  # the risk register page's filters: one definition
    ordering_fields = ["id", "score", "review_date"]

    def get_queryset(self):
        return Risk.objects.visible_to(self.request.user).select_related("initiative__strategy", "owner")


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    """Reporting cycles (every user reads the list, as on the reporting pages). A frozen cycle's rows: the
    initiatives list with `?cycle=CODE`."""

    queryset = Cycle.objects.prefetch_related("strategies")
    serializer_class = serializers.CycleSerializer
    filterset_fields = ["state"]
    ordering_fields = ["id", "period_start", "deadline"]


class StatusReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Status reports the token's user may read: all for the secretariat; a coordinator's or approver's,
    those of the initiatives their authorities lead."""

    serializer_class = serializers.StatusReportSerializer
    filterset_fields = ["cycle", "initiative", "state", "assessed"]
    ordering_fields = ["id", "submitted_at"]

    def get_queryset(self):
        return StatusReport.objects.visible_to(self.request.user).select_related("cycle", "initiative__strategy")


class FundingShareViewSet(viewsets.ReadOnlyModelViewSet):
    """Each party's share of the yearly budgets of the initiatives the token may read."""

    serializer_class = serializers.FundingShareSerializer
    filterset_class = FundingShareFilterSet
    ordering_fields = ["id", "budget"]

    def get_queryset(self):
        return FundingShare.objects.visible_to(self.request.user).select_related(
            "funding_year__initiative__strategy", "ministry"
        )


class BenefitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.BenefitSerializer
    filterset_fields = ["initiative", "kind"]
    ordering_fields = ["id", "from_year"]

    def get_queryset(self):
        return Benefit.objects.visible_to(self.request.user).select_related("initiative__strategy", "realised_by")



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
