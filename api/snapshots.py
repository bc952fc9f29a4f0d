"""Reading a frozen reporting cycle's rows through the initiatives list: `?cycle=CODE`, or `?as_of=DATE` for
the latest cycle frozen on or before that day. The rows are reporting.snapshots' frozen rows, of the
initiatives the token may read."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError

from common.roles import reads_everything
from initiatives.models import Initiative, code_with_strategy
from reporting.models import Cycle, CycleSnapshot

from .pagination import Cursor

SNAPSHOT_PARAMETERS = ("cycle", "as_of")
# What may come with a snapshot read: paging. Filters and ordering are the live list's.
PAGING_PARAMETERS = {"cursor", "page_size", "format"}

PARAMETERS = [
    OpenApiParameter("cycle", str, required=False, description=(
        "A frozen reporting cycle's code (e.g. 2025-H1): the rows as frozen in it, in the report's order, of the "
        "initiatives this token may read. Unknown: 404; not frozen yet: 400. Not with filters or ordering.")),
    OpenApiParameter("as_of", OpenApiTypes.DATE, required=False, description=(
        "A date (YYYY-MM-DD): the rows of the latest cycle frozen on or before it (404 when none was). Not with "
        "`cycle`, filters or ordering.")),
]


class SnapshotQuery(serializers.Serializer):
    cycle = serializers.CharField(required=False, max_length=20)
    as_of = serializers.DateField(required=False)

    def validate(self, attrs):
        if "cycle" in attrs and "as_of" in attrs:
            raise ValidationError({"as_of": [_("Give either a cycle or a date, not both.")]})
        return attrs


def asks_for_snapshot(query_params) -> bool:
    return any(name in query_params for name in SNAPSHOT_PARAMETERS)


def frozen_cycle(query_params) -> Cycle:
    """The frozen cycle the query names, or a clear 400/404."""
    query = SnapshotQuery(data=query_params)
    query.is_valid(raise_exception=True)
    others = sorted(set(query_params) - set(SNAPSHOT_PARAMETERS) - PAGING_PARAMETERS)
    if others:
        raise ValidationError({name: [_("Filters and ordering apply to the live list, not to a frozen cycle's rows.")]
                               for name in others})
    if "cycle" in query.validated_data:
        code = query.validated_data["cycle"]
        cycle = Cycle.objects.filter(code=code).first()
        if cycle is None:
            raise NotFound(_("There is no reporting cycle %(code)s.") % {"code": code})
        if not cycle.is_frozen:
            raise ValidationError({"cycle": [_("Cycle %(code)s is not frozen yet: it has no snapshot to read.")
                                             % {"code": code}]})
        return cycle
    day = query.validated_data["as_of"]
    cycle = Cycle.objects.frozen().filter(frozen_at__date__lte=day).order_by("-frozen_at", "-pk").first()
    if cycle is None:
        raise NotFound(_("No reporting cycle was frozen on or before %(date)s.") % {"date": day.isoformat()})
    return cycle


def snapshot_rows(cycle: Cycle, user):
    """The cycle's frozen rows of the initiatives `user` may read (their current right to read them)."""
    visible = Initiative.objects.visible_to(user).values("pk")
    return CycleSnapshot.objects.filter(cycle=cycle, initiative__in=visible).select_related("cycle")


def readable_codes(user) -> frozenset[str] | None:
    """The codes with strategy of the initiatives `user` may read (None: all), for naming what put a frozen row
    at risk: the row keeps only its code. One query; a coordinator reads a few hundred initiatives at most."""
    if reads_everything(user):
        return None
    rows = Initiative.objects.visible_to(user).values_list("code", "strategy__start_year", "strategy__end_year")
    return frozenset(code_with_strategy(code, start, end) for code, start, end in rows)


class SnapshotCursor(Cursor):
    """In the report's order (strategy, focus area, code), unique within a cycle."""

    ordering = ("position",)
