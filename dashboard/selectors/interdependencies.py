"""Reads for the interdependencies page: dependencies between levels of government and between
the busiest authorities. The level matrix is on the overview too."""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority
from initiatives.models import Criticality, Dependency
from strategies.models import Strategy
from summaries.models import AuthorityPairSummary, LevelMatrixCell

from .scales import LEVEL_ORDER, heat_class

# What the level matrix can show: its cells' dependencies (with those at risk), or the agreements.
SHOW_DEPENDENCIES, SHOW_AGREEMENTS = "dependencies", "agreements"

# The agreement counts of a cell: the stored figure, what it counts, and the agreement list's
# filter that lists exactly those agreements (agreements.views._filtered).
AGREEMENT_COUNTS = (
    ("agreements_requested", _("awaiting an answer"), {"state": "requested"}),
    ("agreements_overdue", _("overdue"), {"overdue": "on"}),
    ("agreements_committed_late", _("committed late"), {"committed_late": "on"}),
    ("agreements_declined", _("declined"), {"state": "declined"}),
)


@dataclass
class LevelMatrix:
    """Dependencies between levels of government: rows depend on columns."""

    levels: list
    rows: list = field(default_factory=list)
    total: int = 0
    maximum: int = 0
    show: str = SHOW_DEPENDENCIES
    agreement_labels: list = field(default_factory=list)


def agreement_level_matrix(strategy: Strategy | None, *, links: bool) -> LevelMatrix:
    """The agreements between levels by what they say, from LevelMatrixCell (one query); with
    `links`, each count links to the secretariat's agreement list filtered to exactly its rows."""
    cells = {(cell.source_level, cell.target_level): cell for cell in LevelMatrixCell.objects.filter(strategy=strategy)}
    matrix = LevelMatrix(
        levels=[{"value": lv.value, "label": lv.label} for lv in LEVEL_ORDER],
        show=SHOW_AGREEMENTS,
        agreement_labels=[label for _name, label, _filter in AGREEMENT_COUNTS],
    )
    list_url = reverse("agreements:list")
    matrix.maximum = max((sum(getattr(c, name) for name, _l, _f in AGREEMENT_COUNTS) for c in cells.values()),
                         default=0)
    for source in LEVEL_ORDER:
        row = {"level": source.value, "label": source.label, "cells": []}
        for target in LEVEL_ORDER:
            cell = cells.get((source.value, target.value))
            scope = {"requester_level": source.value, "provider_level": target.value}
            if strategy is not None:
                scope["strategy"] = strategy.code
            counts = [
                {"label": label, "count": getattr(cell, name, 0) if cell else 0,
                 "url": f"{list_url}?{urlencode({**wanted, **scope})}" if links else ""}
                for name, label, wanted in AGREEMENT_COUNTS
            ]
            row["cells"].append({
                "target": target.value, "target_label": target.label, "agreements": counts,
                "edges": cell.edges if cell else 0,
                "heat": heat_class(sum(c["count"] for c in counts), matrix.maximum),
            })
            matrix.total += cell.edges if cell else 0
        matrix.rows.append(row)
    return matrix


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
