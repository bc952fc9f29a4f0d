"""The computation: every figure the summary tables hold, in memory, in named phases.

Upstream figures are computed in topological order (what an initiative depends on first),
downstream figures in reverse order; sets of initiatives, authorities and levels are ints used
as bitsets. A cycle (which only a bulk import could bring) is computed to a fixpoint instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agreements.models import AgreementRisk, AgreementState
from initiatives.models import OPEN_STATUSES, DependencyKind, Health, Status

from ..models import LEVELS, RiskReason
from .graph import Graph

logger = logging.getLogger(__name__)

# An authority's level is a bit in a 4-bit mask.
LEVEL_BIT = {level: 1 << i for i, level in enumerate(LEVELS)}

# When several upstream causes are equally near, the worst one is named.
RISK_RANK = {
    RiskReason.CANCELLED: 0,
    RiskReason.PAUSED: 1,
    RiskReason.RED: 2,
    RiskReason.AGREEMENT_DECLINED: 3,
    RiskReason.AGREEMENT_UNANSWERED: 4,
    RiskReason.AGREEMENT_COMMITTED_LATE: 5,
    RiskReason.LATE_FOR_NEEDED_BY: 6,
    RiskReason.LATE_FOR_START: 7,
}

# Why an initiative is at risk: (distance, rank of the reason, number of the cause, reason).
# Tuples compare nearest first, then worst, so the least one is named.
Cause = tuple[int, int, int, str]


@dataclass
class Figures:
    """Everything the summary tables hold, computed in memory."""

    upstream_direct: list[int]
    downstream_direct: list[int]
    upstream_total: list[int]
    downstream_total: list[int]
    upstream_authorities: list[int]
    upstream_levels: list[int]
    upstream_depth: list[int]
    risk: list[Cause | None]
    at_risk_count: int
    authority_rows: list[tuple]
    pair_rows: list[tuple]  # (source authority number, target, edges, high, at risk, shared, *agreement counts)
    # strategy id → (level, level) → [edges, high, at risk, *agreement counts]
    level_cells: dict[int | None, dict[tuple[str, str], list[int]]]


@dataclass
class _Shape:
    """The edges indexed both ways, and the order to visit initiatives in."""

    n: int
    edges_from: list[list[int]]  # per initiative: its edges (it depends on their targets)
    targets: list[list[int]]  # per initiative: what it depends on directly
    sources: list[list[int]]  # per initiative: what depends on it directly
    order: list[int]
    cyclic: bool

    @property
    def passes(self) -> int:
        # Without a cycle one pass in order is final; with one, repeat until nothing changes.
        return self.n + 1 if self.cyclic else 1


@dataclass
class _Upstream:
    closed: list[int]  # per initiative: bitset of itself and everything it depends on
    authorities: list[int]  # leads of everything upstream
    levels: list[int]
    depth: list[int]
    risk: list[Cause | None]
    edge_at_risk: list[bool]


@dataclass
class _Downstream:
    closed: list[int]  # per initiative: bitset of itself and everything depending on it
    leads: list[int]
    participants: list[int]


@dataclass
class _AuthorityEdges:
    depends_direct: list[set[int]]  # per authority: authorities its initiatives depend on directly
    depended_direct: list[set[int]]
    pairs: dict[tuple[int, int], list[int]]  # (source, target authority) → [edges, high, at risk]
    level_cells: dict[int | None, dict[tuple[str, str], list[int]]]
    # (asking authority, asked authority) → AGREEMENT_COUNTS; per authority, those it is party to.
    pair_agreements: dict[tuple[int, int], list[int]]
    authority_agreements: list[list[int]]


def _agreement_counts(agreement: tuple[str, str | None]) -> tuple[int, int, int, int]:
    """Requested, overdue, committed late, declined: in the order of the `agreements_*` figures (write.py)."""
    state, risk = agreement
    return (
        state == AgreementState.REQUESTED,
        risk == AgreementRisk.UNANSWERED,
        risk == AgreementRisk.COMMITTED_LATE,
        state == AgreementState.DECLINED,
    )


def compute(graph: Graph) -> Figures:
    shape = _shape(graph)
    lead_bit = [1 << a for a in graph.lead]
    up = _walk_upstream(graph, shape, lead_bit)
    down = _walk_downstream(graph, shape, lead_bit)
    edges = _count_edges_between_authorities(graph, up.edge_at_risk)
    initiatives_of = graph.authority_initiatives
    return Figures(
        upstream_direct=[len(t) for t in shape.targets],
        downstream_direct=[len(s) for s in shape.sources],
        upstream_total=[c.bit_count() - 1 for c in up.closed],
        downstream_total=[c.bit_count() - 1 for c in down.closed],
        upstream_authorities=[a.bit_count() for a in up.authorities],
        upstream_levels=[levels.bit_count() for levels in up.levels],
        upstream_depth=up.depth,
        risk=up.risk,
        at_risk_count=sum(cause is not None for cause in up.risk),
        authority_rows=_authority_rows(graph, up, down, edges),
        pair_rows=[
            (a, b, count, high, at_risk, (initiatives_of[a] & initiatives_of[b]).bit_count(),
             *edges.pair_agreements.get((a, b), (0, 0, 0, 0)))
            for (a, b), (count, high, at_risk) in edges.pairs.items()
        ],
        level_cells=edges.level_cells,
    )


def _shape(graph: Graph) -> _Shape:
    n = len(graph.ids)
    edges_from: list[list[int]] = [[] for _ in range(n)]
    sources: list[list[int]] = [[] for _ in range(n)]
    targets: list[list[int]] = [[] for _ in range(n)]
    for e, (s, t) in enumerate(zip(graph.edge_source, graph.edge_target, strict=True)):
        edges_from[s].append(e)
        targets[s].append(t)
        sources[t].append(s)
    order, cyclic = _topological_order(n, targets, sources)
    return _Shape(n, edges_from, targets, sources, order, cyclic)


def _topological_order(n: int, targets: list[list[int]], sources: list[list[int]]) -> tuple[list[int], bool]:
    """Initiatives with what they depend on first (Kahn). The bool says whether a cycle was found."""
    remaining = [len(t) for t in targets]
    order = [i for i in range(n) if remaining[i] == 0]
    for node in order:  # the list grows while it is walked
        for source in sources[node]:
            remaining[source] -= 1
            if remaining[source] == 0:
                order.append(source)
    if len(order) == n:
        return order, False
    # The services refuse cycles, but a bulk import could bring one: compute anyway, to a fixpoint.
    placed = set(order)
    logger.error("The dependency graph has a cycle among %s initiatives; summaries are approximate.",
                 n - len(order))
    return order + [i for i in range(n) if i not in placed], True


def _own_risk_reasons(graph: Graph) -> list[str | None]:
    """What makes an initiative a risk to those that depend on it, by itself."""
    reasons: list[str | None] = []
    for status, health in zip(graph.status, graph.health, strict=True):
        if status == Status.CANCELLED:
            reasons.append(RiskReason.CANCELLED)
        elif status == Status.PAUSED:
            reasons.append(RiskReason.PAUSED)
        elif health == Health.RED and status != Status.COMPLETED:
            reasons.append(RiskReason.RED)
        else:
            reasons.append(None)
    return reasons


def _direct_causes(graph: Graph, is_open: list[bool]) -> list[Cause | None]:
    """Per edge of an open initiative: the risk its target is by itself (its status or health), what
    the edge's agreement says (declined, unanswered, committed late), or finishing after it is needed.
    What puts the target itself at risk is added by the walk."""
    own_reason = _own_risk_reasons(graph)
    status, forecast_start, forecast_end = graph.status, graph.forecast_start, graph.forecast_end
    prerequisite, completed = DependencyKind.PREREQUISITE, Status.COMPLETED
    late_needed_by, late_start = RiskReason.LATE_FOR_NEEDED_BY, RiskReason.LATE_FOR_START
    causes: list[Cause | None] = [None] * len(graph.edge_source)
    for e, (s, t) in enumerate(zip(graph.edge_source, graph.edge_target, strict=True)):
        if not is_open[s]:
            continue
        reason = own_reason[t]
        if reason is None and (agreement := graph.edge_agreement[e]) is not None:
            reason = agreement[1]
        if reason is None and status[t] != completed and forecast_end[t] is not None:
            needed_by = graph.edge_needed_by[e]
            if needed_by is not None and forecast_end[t] > needed_by:
                reason = late_needed_by
            elif (needed_by is None and graph.edge_kind[e] == prerequisite
                  and forecast_start[s] is not None and forecast_end[t] > forecast_start[s]):
                reason = late_start
        if reason is not None:
            causes[e] = (1, RISK_RANK[reason], t, reason)
    return causes


def _walk_upstream(graph: Graph, shape: _Shape, lead_bit: list[int]) -> _Upstream:
    """In topological order: each initiative's upstream set, leads, levels, longest chain and the
    nearest (then worst) cause that puts it at risk."""
    n = shape.n
    level_bit_of_authority = [LEVEL_BIT.get(level, 0) for level in graph.authority_level]
    lead_level_bit = [level_bit_of_authority[a] for a in graph.lead]
    is_open = [s in OPEN_STATUSES for s in graph.status]
    direct_cause = _direct_causes(graph, is_open)
    edges_from, edge_target = shape.edges_from, graph.edge_target
    closed_up, up_authorities, up_levels, depth = [0] * n, [0] * n, [0] * n, [0] * n
    risk: list[Cause | None] = [None] * n
    edge_at_risk = [False] * len(edge_target)
    for _ in range(shape.passes):
        changed = False
        for x in shape.order:
            closed, authorities, levels, longest, best = 1 << x, 0, 0, 0, None
            is_open_x = is_open[x]
            for e in edges_from[x]:
                t = edge_target[e]
                closed |= closed_up[t]
                authorities |= up_authorities[t] | lead_bit[t]
                levels |= up_levels[t] | lead_level_bit[t]
                if depth[t] >= longest:
                    longest = depth[t] + 1
                if not is_open_x:
                    continue
                # The target itself, its lateness, or (one further) whatever puts the target at risk.
                cause = direct_cause[e]
                if cause is None:
                    inherited = risk[t]
                    if inherited is None:
                        continue
                    distance, rank, root, reason = inherited
                    cause = (distance + 1, rank, root, reason)
                edge_at_risk[e] = True
                if best is None or cause < best:
                    best = cause
            if shape.cyclic:
                longest = min(longest, n)
                if (closed, authorities, levels, longest, best) != (
                    closed_up[x], up_authorities[x], up_levels[x], depth[x], risk[x]
                ):
                    changed = True
            closed_up[x], up_authorities[x], up_levels[x], depth[x], risk[x] = (
                closed, authorities, levels, longest, best
            )
        if not changed:
            break
    return _Upstream(closed_up, up_authorities, up_levels, depth, risk, edge_at_risk)


def _walk_downstream(graph: Graph, shape: _Shape, lead_bit: list[int]) -> _Downstream:
    """In reverse order: the closed set of each initiative's dependants, their leads and participants."""
    n = shape.n
    closed_down, down_leads, down_participants = [0] * n, [0] * n, [0] * n
    participants, sources = graph.participants, shape.sources
    for _ in range(shape.passes):
        changed = False
        for x in reversed(shape.order):
            closed, leads, parts = 1 << x, 0, 0
            for s in sources[x]:
                closed |= closed_down[s]
                leads |= down_leads[s] | lead_bit[s]
                parts |= down_participants[s] | participants[s]
            if shape.cyclic and (closed, leads, parts) != (closed_down[x], down_leads[x], down_participants[x]):
                changed = True
            closed_down[x], down_leads[x], down_participants[x] = closed, leads, parts
        if not changed:
            break
    return _Downstream(closed_down, down_leads, down_participants)


def _count_edges_between_authorities(graph: Graph, edge_at_risk: list[bool]) -> _AuthorityEdges:
    """Each edge counted for the pair of lead authorities and for their levels (overall and per strategy)."""
    m, lead, authority_level = len(graph.authority_ids), graph.lead, graph.authority_level
    counted = _AuthorityEdges(
        depends_direct=[set() for _ in range(m)],
        depended_direct=[set() for _ in range(m)],
        pairs={},
        level_cells={strategy_id: {} for strategy_id in [None, *graph.strategy_ids]},
        pair_agreements={},
        authority_agreements=[[0, 0, 0, 0] for _ in range(m)],
    )
    pairs, level_cells = counted.pairs, counted.level_cells
    for e, (s, t) in enumerate(zip(graph.edge_source, graph.edge_target, strict=True)):
        a, b = lead[s], lead[t]
        high, at_risk = graph.edge_high[e], edge_at_risk[e]
        if a != b:
            counted.depends_direct[a].add(b)
            counted.depended_direct[b].add(a)
            cell = pairs.get((a, b))
            if cell is None:
                cell = pairs[(a, b)] = [0, 0, 0]
            cell[0] += 1
            cell[1] += high
            cell[2] += at_risk
            if (agreement := graph.edge_agreement[e]) is not None:
                _count_agreement(counted, a, b, _agreement_counts(agreement))
        level_pair = (authority_level[a], authority_level[b])
        if level_pair[0] and level_pair[1]:
            # Every agreement counts in its levels' cell (the agreement list filtered to the two
            # levels shows the same rows), one whose two initiatives now share a lead included.
            agreement = graph.edge_agreement[e]
            for strategy_id in (None, graph.strategy[s]):
                cells = level_cells.get(strategy_id)
                if cells is None:
                    continue
                cell = cells.get(level_pair)
                if cell is None:
                    cell = cells[level_pair] = [0, 0, 0, 0, 0, 0, 0]
                cell[0] += 1
                cell[1] += high
                cell[2] += at_risk
                if agreement is not None:
                    requested, overdue, late, declined = _agreement_counts(agreement)
                    cell[3] += requested
                    cell[4] += overdue
                    cell[5] += late
                    cell[6] += declined
    return counted


def _count_agreement(counted: _AuthorityEdges, a: int, b: int, counts: tuple[int, int, int, int]) -> None:
    pair = counted.pair_agreements.setdefault((a, b), [0, 0, 0, 0])
    for totals in (pair, counted.authority_agreements[a], counted.authority_agreements[b]):
        for i, count in enumerate(counts):
            totals[i] += count


def _risk_between_authorities(graph: Graph, risk: list[Cause | None]) -> tuple[list[int], list[int]]:
    """Per authority: own initiatives at risk because of others' initiatives, and the reverse."""
    m, lead = len(graph.authority_ids), graph.lead
    at_risk_from_others, others_at_risk_from = [0] * m, [0] * m
    for i, cause in enumerate(risk):
        if cause is not None:
            cause_lead = lead[cause[2]]
            if cause_lead != lead[i]:
                at_risk_from_others[lead[i]] += 1
                others_at_risk_from[cause_lead] += 1
    return at_risk_from_others, others_at_risk_from


def _authority_rows(graph: Graph, up: _Upstream, down: _Downstream, edges: _AuthorityEdges) -> list[tuple]:
    """One row per authority, in the order of AuthoritySummary's figures."""
    led_by: list[list[int]] = [[] for _ in graph.authority_ids]
    for i, a in enumerate(graph.lead):
        led_by[a].append(i)
    at_risk_from_others, others_at_risk_from = _risk_between_authorities(graph, up.risk)
    rows = []
    for a, led in enumerate(led_by):
        own_bit = 1 << a
        upstream = downstream_leads = downstream_parts = downstream = 0
        for x in led:
            upstream |= up.authorities[x]
            downstream_leads |= down.leads[x]
            downstream_parts |= down.participants[x]
            downstream |= down.closed[x] ^ (1 << x)
        rows.append((
            len(led),
            graph.participating[a],
            len(edges.depends_direct[a]),
            (upstream & ~own_bit).bit_count(),
            len(edges.depended_direct[a]),
            (downstream_leads & ~own_bit).bit_count(),
            downstream.bit_count(),
            (downstream_parts & ~own_bit).bit_count(),
            at_risk_from_others[a],
            others_at_risk_from[a],
            *edges.authority_agreements[a],
        ))
    return rows
