"""The interdependency summaries (/api/v1/summaries/…), as the engine stored them.

Per initiative: those of the initiatives the token may read. Per authority and per pair: those of the
authorities the token may read (`Authority.visible_to`), a pair by the authority whose initiatives depend
(`source`), as a coordinator reads those dependencies (`Dependency.visible_to`). Per level: the level matrix
every logged-in user reads on the dashboard (counts by level, naming no initiative or authority).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from authorities.models import Authority
from initiatives.models import Initiative
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary, LevelMatrixCell

from . import serializers
from .pagination import CursorByKey
from .views import risk_initiative_readable

# Keyed by their record's id (an initiative's, an authority's): a whole number, as every other id.
BY_KEY = extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]))


@BY_KEY
class InitiativeSummaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Dependency figures per initiative; `id` is the initiative's."""

    serializer_class = serializers.InitiativeSummarySerializer
    pagination_class = CursorByKey
    filterset_fields = ["at_risk", "risk_reason"]
    ordering_fields = ["pk", "upstream_total", "downstream_total"]

    def get_queryset(self):
        visible = Initiative.objects.visible_to(self.request.user).values("pk")
        return InitiativeSummary.objects.filter(initiative__in=visible).select_related(
            "initiative__strategy", "risk_initiative__strategy", "risk_authority"
        ).annotate(risk_initiative_readable=risk_initiative_readable(self.request.user, "risk_initiative_id"))


@BY_KEY
class AuthoritySummaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Dependency and agreement figures per authority; `id` is the authority's."""

    serializer_class = serializers.AuthoritySummarySerializer
    pagination_class = CursorByKey
    ordering_fields = ["pk", "exposure_initiatives", "depends_on_total", "depended_by_total"]

    def get_queryset(self):
        visible = Authority.objects.visible_to(self.request.user).values("pk")
        return AuthoritySummary.objects.filter(authority__in=visible).select_related("authority")


class AuthorityPairSummaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Dependencies from one authority's initiatives onto another's, of the `source` authorities the token may
    read."""

    serializer_class = serializers.AuthorityPairSummarySerializer
    filterset_fields = ["source", "target"]
    ordering_fields = ["id", "edges", "at_risk_edges"]

    def get_queryset(self):
        visible = Authority.objects.visible_to(self.request.user).values("pk")
        return AuthorityPairSummary.objects.filter(source__in=visible).select_related("source", "target")


class LevelMatrixViewSet(viewsets.ReadOnlyModelViewSet):
    """The level matrix, per strategy and (`strategy` null) for all: what the dashboard shows every user."""

    queryset = LevelMatrixCell.objects.select_related("strategy")
    serializer_class = serializers.LevelMatrixCellSerializer
    filterset_fields = ["strategy", "source_level", "target_level"]
    ordering_fields = ["id", "edges"]
