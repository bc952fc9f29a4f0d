"""Reads for the dashboard pages: each function fetches everything a page section shows in a fixed
number of queries, whatever the size of the portfolio, mostly from the summary tables.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Authority, Kind, Level, localized
from initiatives.models import Criticality, Dependency, Health, Initiative, Milestone, Participation, Status
from strategies.models import Strategy
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary, LevelMatrixCell

# The order levels are shown in, everywhere: government first, partners last.
LEVEL_ORDER = [Level.CENTRAL, Level.REGIONAL, Level.MUNICIPAL, Level.PARTNER]
HEAT_CLASSES = 6  # heat-0 (none) .. heat-5 (most)
HEALTH_ORDER = [Health.RED, Health.YELLOW, Health.GREEN]
STATUS_ORDER = [Status.ACTIVE, Status.PLANNED, Status.PAUSED, Status.COMPLETED, Status.CANCELLED]


def heat_class(value: int, maximum: int) -> str:
    """A CSS class for a heat-map cell: heat-0 for nothing, heat-1..5 in proportion to the maximum."""
    if not value or not maximum:
        return "heat-0"
    step = min(HEAT_CLASSES - 1, 1 + int((HEAT_CLASSES - 2) * value / maximum + 0.0001))
    return f"heat-{step}"


# --- Overview ----------------------------------------------------------------------------------


@dataclass
class CountBar:
    """One bar of a count chart: the stored value, its label and its share of the total."""

    value: str
    label: str
    count: int
    percent: int = 0


def counts_by_status_and_health(strategy: Strategy) -> tuple[list[CountBar], list[CountBar], int]:
    """Initiatives of the strategy by status and by health, in one grouped query."""
    pairs = Counter()
    for row in (
        Initiative.objects.filter(strategy=strategy)
        .order_by()
        .values("status", "health")
        .annotate(n=Count("pk"))
    ):
        pairs[(row["status"], row["health"])] = row["n"]
    total = sum(pairs.values())
    by_status = [
        CountBar(status.value, status.label, sum(n for (s, _h), n in pairs.items() if s == status))
        for status in STATUS_ORDER
    ]
    # Health speaks to work in progress: completed and cancelled initiatives keep their last light.
    by_health = [
        CountBar(health.value, health.label, sum(n for (_s, h), n in pairs.items() if h == health))
        for health in HEALTH_ORDER
    ]
    for bar in by_status + by_health:
        bar.percent = round(100 * bar.count / total) if total else 0
    return by_status, by_health, total


def at_risk_summaries(strategy: Strategy, *, risk_level: str = "", limit: int = 25):
    """The strategy's at-risk initiatives, the most consequential first, with who puts them at risk."""
    queryset = (
        InitiativeSummary.objects.filter(initiative__strategy=strategy, at_risk=True)
        .select_related(
            "initiative",
            "initiative__lead",
            "risk_initiative",
            "risk_initiative__lead",
            "risk_authority",
        )
        .order_by("-downstream_total", "initiative__code")
    )
    if risk_level:
        queryset = queryset.filter(risk_authority__level=risk_level)
    return list(queryset[:limit])


def at_risk_by_level(strategy: Strategy) -> tuple[list[dict], int]:
    """How many of the strategy's initiatives are at risk, by the level of the authority behind it."""
    rows = (
        InitiativeSummary.objects.filter(initiative__strategy=strategy, at_risk=True)
        .order_by()
        .values("risk_authority__level")
        .annotate(n=Count("pk"))
    )
    counts = {row["risk_authority__level"] or "": row["n"] for row in rows}
    levels = [
        {"value": level.value, "label": level.label, "count": counts.get(level.value, 0)}
        for level in LEVEL_ORDER
    ]
    return levels, sum(counts.values())


@dataclass
class LevelMatrix:
    """Dependencies between levels of government: rows depend on columns."""

    levels: list
    rows: list = field(default_factory=list)
    total: int = 0
    maximum: int = 0


def level_matrix(
    strategy: Strategy | None, *, criticality: str = ""
) -> LevelMatrix:
    """From LevelMatrixCell (one query); with a criticality filter, grouped from Dependency rows."""
    cells: dict[tuple[str, str], dict] = {}
    if criticality and criticality != Criticality.HIGH:
        dependencies = Dependency.objects.filter(criticality=criticality)
        if strategy is not None:
            dependencies = dependencies.filter(source__strategy=strategy)
        for row in (
            dependencies.order_by()
            .values("source__lead__level", "target__lead__level")
            .annotate(edges=Count("pk"), at_risk=Count("pk", filter=Q(source__summary__at_risk=True)))
        ):
            cells[(row["source__lead__level"], row["target__lead__level"])] = {
                "edges": row["edges"],
                "at_risk": row["at_risk"],
            }
    else:
        for cell in LevelMatrixCell.objects.filter(strategy=strategy):
            edges = cell.high_edges if criticality == Criticality.HIGH else cell.edges
            cells[(cell.source_level, cell.target_level)] = {
                "edges": edges,
                "at_risk": cell.at_risk_edges,
                "high": cell.high_edges,
            }
    matrix = LevelMatrix(levels=[{"value": lv.value, "label": lv.label} for lv in LEVEL_ORDER])
    matrix.maximum = max((c["edges"] for c in cells.values()), default=0)
    for source in LEVEL_ORDER:
        row = {"level": source.value, "label": source.label, "cells": []}
        for target in LEVEL_ORDER:
            cell = cells.get((source.value, target.value), {"edges": 0, "at_risk": 0})
            row["cells"].append(
                {
                    "target": target.value,
                    "target_label": target.label,
                    "edges": cell["edges"],
                    "at_risk": cell.get("at_risk", 0),
                    "heat": heat_class(cell["edges"], matrix.maximum),
                }
            )
            matrix.total += cell["edges"]
        matrix.rows.append(row)
    return matrix


@dataclass
class Change:
    """One line of "what changed": when, who, what kind of change, to what."""

    when: datetime.datetime
    who: str
    action: str
    subject: str
    detail: str
    initiative_id: int | None


def recent_changes(strategy: Strategy, *, days: int = 7, limit: int = 12) -> list[Change]:
    """The latest changes to the strategy's initiatives, dependencies, participations and milestones.

    Four queries, each limited; the historical rows carry their own copies of the fields, so a
    deleted object still reads well.
    """
    since = timezone.now() - datetime.timedelta(days=days)
    changes: list[Change] = []
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}

    for record in (
        Initiative.history.filter(history_date__gte=since, strategy_id=strategy.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    ):
        changes.append(
            Change(
                when=record.history_date,
                who=_who(record),
                action=kinds.get(record.history_type, record.history_type),
                subject=_("Initiative %(code)s") % {"code": record.code},
                detail=_localized_title(record),
                initiative_id=record.id,
            )
        )
    for record in (
        Dependency.history.filter(history_date__gte=since, source__strategy_id=strategy.pk)
        .select_related("history_user", "source", "target")
        .order_by("-history_date")[:limit]
    ):
        changes.append(
            Change(
                when=record.history_date,
                who=_who(record),
                action=kinds.get(record.history_type, record.history_type),
                subject=_("Dependency %(source)s → %(target)s")
                % {"source": record.source.code, "target": record.target.code},
                detail=record.get_criticality_display(),
                initiative_id=record.source_id,
            )
        )
    for record in (
        Participation.history.filter(history_date__gte=since, initiative__strategy_id=strategy.pk)
        .select_related("history_user", "initiative", "authority")
        .order_by("-history_date")[:limit]
    ):
        changes.append(
            Change(
                when=record.history_date,
                who=_who(record),
                action=kinds.get(record.history_type, record.history_type),
                subject=_("Participation in %(code)s") % {"code": record.initiative.code},
                detail=f"{record.authority.name} ({record.get_role_display()})",
                initiative_id=record.initiative_id,
            )
        )
    for record in (
        Milestone.history.filter(history_date__gte=since, initiative__strategy_id=strategy.pk)
        .select_related("history_user", "initiative")
        .order_by("-history_date")[:limit]
    ):
        changes.append(
            Change(
                when=record.history_date,
                who=_who(record),
                action=kinds.get(record.history_type, record.history_type),
                subject=_("Milestone of %(code)s") % {"code": record.initiative.code},
                detail=_localized_title(record),
                initiative_id=record.initiative_id,
            )
        )
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:limit]


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _localized_title(record) -> str:
    return localized(record.title_da, record.title_en)


# --- Interdependencies: the authority × authority matrix ------------------------------------


@dataclass
class AuthorityMatrix:
    """The top authorities by dependencies, grouped by level; rows depend on columns."""

    authorities: list
    groups: list
    rows: list
    maximum: int
    limit: int
    source: str  # "summaries" or "dependencies"


def authority_matrix(
    strategy: Strategy | None, *, criticality: str = "", limit: int = 20
) -> AuthorityMatrix:
    """The top `limit` authorities by dependency edges and the edges among them.

    Without filters it reads AuthorityPairSummary (global); with a strategy or criticality it
    groups Dependency rows by the leads' authorities, limited to the top authorities so the
    work stays bounded. Four queries either way.
    """
    if strategy is None and not criticality:
        pairs = AuthorityPairSummary.objects.all()
        source_field, target_field, weight = "source_id", "target_id", Sum("edges")
        at_risk = Sum("at_risk_edges")
        origin = "summaries"
    else:
        pairs = Dependency.objects.all()
        if strategy is not None:
            pairs = pairs.filter(source__strategy=strategy)
        if criticality:
            pairs = pairs.filter(criticality=criticality)
        source_field, target_field, weight = "source__lead_id", "target__lead_id", Count("pk")
        at_risk = Count("pk", filter=Q(source__summary__at_risk=True))
        origin = "dependencies"

    totals: Counter = Counter()
    for field_name in (source_field, target_field):
        for row in (
            pairs.order_by().values(field_name).annotate(n=weight).order_by("-n", field_name)[:limit]
        ):
            totals[row[field_name]] += row["n"] or 0
    # Authorities with edges on both sides count both; keep the `limit` busiest.
    top_ids = [pk for pk, _n in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]]
    edges: dict[tuple[int, int], dict] = {}
    for row in (
        pairs.filter(**{f"{source_field}__in": top_ids, f"{target_field}__in": top_ids})
        .order_by()
        .values(source_field, target_field)
        .annotate(edges=weight, at_risk=at_risk)
    ):
        edges[(row[source_field], row[target_field])] = {"edges": row["edges"] or 0, "at_risk": row["at_risk"] or 0}

    authorities = sorted(
        Authority.objects.filter(pk__in=top_ids).only("pk", "name_da", "name_en", "level", "kind", "is_illustrative"),
        key=lambda a: (LEVEL_ORDER.index(a.level) if a.level in LEVEL_ORDER else 9, a.name_da),
    )
    groups = []
    for level in LEVEL_ORDER:
        members = [a for a in authorities if a.level == level]
        if members:
            groups.append({"level": level.value, "label": level.label, "span": len(members)})
    maximum = max((cell["edges"] for cell in edges.values()), default=0)
    rows = []
    for source in authorities:
        cells = []
        for target in authorities:
            cell = edges.get((source.pk, target.pk), {"edges": 0, "at_risk": 0})
            cells.append({**cell, "target": target, "heat": heat_class(cell["edges"], maximum)})
        rows.append({"authority": source, "cells": cells})
    return AuthorityMatrix(
        authorities=authorities,
        groups=groups,
        rows=rows,
        maximum=maximum,
        limit=limit,
        source=origin,
    )


# --- Interdependencies: the network ----------------------------------------------------------

NETWORK_NODE_CAP = 300
# Beyond about one and a half links per node the picture is a hairball; the heaviest links go first.
NETWORK_EDGE_CAP = 450


def _within_caps(rows: list[tuple], *, cap: int, edge_cap: int = NETWORK_EDGE_CAP) -> tuple[list[int], list[tuple]]:
    """Take (source, target, ...) rows in order while the nodes stay within `cap` and the edges within `edge_cap`."""
    node_ids: list[int] = []
    seen: set[int] = set()
    kept = []
    for row in rows:
        if len(kept) >= edge_cap:
            break
        new = [pk for pk in dict.fromkeys(row[:2]) if pk not in seen]
        if len(seen) + len(new) > cap:
            continue
        seen.update(new)
        node_ids.extend(new)
        kept.append(row)
    return node_ids, kept


def _level_label(level: str) -> str:
    return Level(level).label if level in Level.values else _("No level")


def authority_network(
    strategy: Strategy | None, *, level: str = "", criticality: str = "", cap: int = NETWORK_NODE_CAP
) -> dict:
    """Authorities as nodes, dependency counts as edges, the heaviest edges first up to `cap` nodes."""
    if strategy is None and not criticality:
        pairs = AuthorityPairSummary.objects.exclude(source_id=F("target_id"))
        if level:
            pairs = pairs.filter(Q(source__level=level) | Q(target__level=level))
        rows = (
            pairs.order_by("-edges", "source_id", "target_id")
            .values("source_id", "target_id", "edges", "high_edges", "at_risk_edges")[: cap * 3]
        )
        edge_rows = [
            (r["source_id"], r["target_id"], r["edges"], r["high_edges"], r["at_risk_edges"]) for r in rows
        ]
        total_edges = pairs.count()
    else:
        dependencies = Dependency.objects.exclude(source__lead_id=F("target__lead_id"))
        if strategy is not None:
            dependencies = dependencies.filter(source__strategy=strategy)
        if criticality:
            dependencies = dependencies.filter(criticality=criticality)
        if level:
            dependencies = dependencies.filter(Q(source__lead__level=level) | Q(target__lead__level=level))
        grouped = (
            dependencies.order_by()
            .values("source__lead_id", "target__lead_id")
            .annotate(
                edges=Count("pk"),
                high=Count("pk", filter=Q(criticality=Criticality.HIGH)),
                at_risk=Count("pk", filter=Q(source__summary__at_risk=True)),
            )
            .order_by("-edges", "source__lead_id", "target__lead_id")
        )
        edge_rows = [
            (r["source__lead_id"], r["target__lead_id"], r["edges"], r["high"], r["at_risk"])
            for r in grouped[: cap * 3]
        ]
        total_edges = None

    node_ids, kept_rows = _within_caps(edge_rows, cap=cap)
    kept = [
        {"source": f"a{source}", "target": f"a{target}", "weight": edges, "high": high, "at_risk": at_risk}
        for source, target, edges, high, at_risk in kept_rows
    ]
    authorities = Authority.objects.filter(pk__in=node_ids).values(
        "pk", "name_da", "name_en", "level", "kind", "is_illustrative"
    )
    nodes = [
        {
            "id": f"a{row['pk']}",
            "label": localized(row["name_da"], row["name_en"]),
            "level": row["level"] or "",
            "kind": Kind(row["kind"]).label if row["kind"] in Kind.values else row["kind"],
            "illustrative": row["is_illustrative"],
            "url": reverse("authorities:detail", args=[row["pk"]]),
        }
        for row in authorities
    ]
    return _network_payload("authorities", nodes, kept, cap=cap, more=len(kept) < len(edge_rows) or (
        total_edges is not None and total_edges > len(edge_rows)))


def initiative_network(
    strategy: Strategy | None, *, level: str = "", criticality: str = "", cap: int = NETWORK_NODE_CAP
) -> dict:
    """Initiatives as nodes, dependencies as edges; the most critical first, up to `cap` nodes."""
    dependencies = Dependency.objects.all()
    if strategy is not None:
        # A strategy's dependencies are those of its initiatives (the dependent side), as in the
        # matrices; what they depend on may lie in another strategy and still shows as a node.
        dependencies = dependencies.filter(source__strategy=strategy)
    if criticality:
        dependencies = dependencies.filter(criticality=criticality)
    if level:
        dependencies = dependencies.filter(Q(source__lead__level=level) | Q(target__lead__level=level))
    rows = list(
        dependencies.annotate(
            rank=Case(When(criticality=Criticality.HIGH, then=Value(0)), When(criticality=Criticality.MEDIUM, then=Value(1)),
                      default=Value(2), output_field=IntegerField())
        )
        .order_by("rank", "source_id", "target_id")
        .values_list("source_id", "target_id", "criticality")[: cap * 3]
    )
    node_ids, kept_rows = _within_caps(rows, cap=cap)
    kept = [
        {
            "source": f"i{source}",
            "target": f"i{target}",
            "weight": 1,
            "high": 1 if criticality_value == Criticality.HIGH else 0,
            "criticality": Criticality(criticality_value).label,
        }
        for source, target, criticality_value in kept_rows
    ]
    initiatives = Initiative.objects.filter(pk__in=node_ids).values(
        "pk", "code", "title_da", "title_en", "lead__level", "lead__name_da", "lead__name_en",
        "status", "health", "is_illustrative", "summary__at_risk",
    )
    nodes = [
        {
            "id": f"i{row['pk']}",
            "label": f"{row['code']} {localized(row['title_da'], row['title_en'])}",
            "level": row["lead__level"] or "",
            "kind": localized(row["lead__name_da"], row["lead__name_en"]),
            "health": row["health"],
            "at_risk": bool(row["summary__at_risk"]),
            "illustrative": row["is_illustrative"],
            "url": reverse("initiatives:detail", args=[row["pk"]]),
        }
        for row in initiatives
    ]
    at_risk_ids = {node["id"] for node in nodes if node["at_risk"]}
    for edge in kept:
        edge["at_risk"] = 1 if edge["source"] in at_risk_ids else 0
    return _network_payload("initiatives", nodes, kept, cap=cap, more=len(kept) < len(rows) or len(rows) >= cap * 3)


def _network_payload(kind: str, nodes: list, edges: list, *, cap: int, more: bool) -> dict:
    levels_present = {node["level"] for node in nodes}
    return {
        "kind": kind,
        "levels": [
            {"id": f"level-{level}", "level": level, "label": _level_label(level)}
            for level in [lv.value for lv in LEVEL_ORDER] + [""]
            if level in levels_present
        ],
        "nodes": sorted(nodes, key=lambda node: node["label"]),
        "edges": edges,
        "cap": cap,
        "truncated": more or len(nodes) >= cap,
    }


# --- Interdependencies: the map --------------------------------------------------------------

MAP_MEASURES = {
    "participation": gettext_lazy("Participation: initiatives led or taken part in"),
    "exposure": gettext_lazy("Dependency exposure: initiatives downstream"),
}


def map_figures() -> dict:
    """Participation and exposure of each municipality and region (one query), with heat bins."""
    rows = list(
        AuthoritySummary.objects.filter(
            authority__kind__in=[Kind.MUNICIPALITY, Kind.REGION], authority__code__gt=""
        )
        .order_by("authority__kind", "authority__name_da")
        .values(
            "authority_id", "authority__code", "authority__kind", "authority__name_da", "authority__name_en",
            "initiatives_led", "initiatives_participating", "exposure_initiatives", "exposure_authorities",
        )
    )
    areas = {"municipality": [], "region": []}
    for row in rows:
        kind = "municipality" if row["authority__kind"] == Kind.MUNICIPALITY else "region"
        areas[kind].append(
            {
                "id": row["authority_id"],
                "code": row["authority__code"],
                "name": localized(row["authority__name_da"], row["authority__name_en"]),
                # A participation row exists for the lead too, so "taken part in" includes led.
                "participation": max(row["initiatives_participating"], row["initiatives_led"]),
                "led": row["initiatives_led"],
                "exposure": row["exposure_initiatives"],
                "exposure_authorities": row["exposure_authorities"],
            }
        )
    legends = {}
    for kind, items in areas.items():
        legends[kind] = {}
        for measure in MAP_MEASURES:
            breaks = _breaks([item[measure] for item in items])
            legends[kind][measure] = _legend(breaks)
            for item in items:
                item[f"{measure}_bin"] = _bin(item[measure], breaks)
    return {"areas": areas, "legends": legends, "measures": MAP_MEASURES}


def _breaks(values: list[int]) -> list[int]:
    """Upper bounds of up to five classes over the non-zero values, by quantile, strictly rising."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    breaks: list[int] = []
    for i in range(1, HEAT_CLASSES):
        bound = positive[min(len(positive) - 1, round(i * len(positive) / (HEAT_CLASSES - 1)) - 1)]
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    if breaks[-1] < positive[-1]:
        breaks.append(positive[-1])
    return breaks[: HEAT_CLASSES - 1]


def _bin(value: int, breaks: list[int]) -> int:
    if value <= 0 or not breaks:
        return 0
    for index, bound in enumerate(breaks, start=1):
        if value <= bound:
            return index
    return len(breaks)


def _legend(breaks: list[int]) -> list[dict]:
    legend = [{"bin": 0, "label": "0"}]
    low = 1
    for index, bound in enumerate(breaks, start=1):
        legend.append({"bin": index, "label": str(bound) if bound == low else f"{low}–{bound}"})
        low = bound + 1
    return legend
