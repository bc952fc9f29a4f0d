"""Reads for the interdependencies page's network: authorities or initiatives as nodes, their
dependencies as edges, within caps that keep the picture readable (dashboard's network.json)."""

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from authorities.models import Authority, Kind, Level, localized, localized_name
from initiatives.models import Criticality, Dependency, Initiative, code_with_strategy
from strategies.models import Strategy
from summaries.models import AuthorityPairSummary

from .scales import LEVEL_ORDER

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
            "label": localized_name(row["name_da"], row["name_en"]),
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
        "pk", "code", "strategy__start_year", "strategy__end_year", "title_da", "title_en", "lead__level",
        "lead__name_da", "lead__name_en", "status", "health", "is_illustrative", "summary__at_risk",
    )
    nodes = [
        {
            "id": f"i{row['pk']}",
            "label": f"{code_with_strategy(row['code'], row['strategy__start_year'], row['strategy__end_year'])} "
                     f"{localized(row['title_da'], row['title_en'])}",
            "level": row["lead__level"] or "",
            "kind": localized_name(row["lead__name_da"], row["lead__name_en"]),
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
