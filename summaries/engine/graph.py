"""Loading the portfolio as plain lists indexed by initiative number, one query per table."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from agreements.models import Agreement, AgreementState, agreement_risk
from authorities.models import Authority
from initiatives.models import Criticality, Dependency, Initiative, Participation
from strategies.models import Strategy


@dataclass
class Graph:
    """The portfolio as plain lists indexed by initiative number (0..n-1), one query per table."""

    ids: list[int]
    lead: list[int]  # authority number
    strategy: list[int | None]
    status: list[str]
    forecast_start: list[datetime.date | None]
    forecast_end: list[datetime.date | None]
    health_inputs: list[tuple]  # (baseline_end, forecast_end, budget, cost, benefits, schedule, cost, overall)
    health: list[str]  # overall light, reconciled before the computation
    authority_ids: list[int]
    authority_level: list[str]  # effective level (resolve_levels); "" when neither it nor an ancestor has one
    # Edges, source depends on target, as initiative numbers.
    edge_source: list[int]
    edge_target: list[int]
    edge_kind: list[str]
    edge_high: list[bool]
    edge_needed_by: list[datetime.date | None]
    edge_agreement: list[tuple[str, str | None] | None]  # (state, risk) of the edge's agreement, if any
    participants: list[int]  # per initiative: bitset over authority numbers (every role)
    authority_initiatives: list[int]  # per authority: bitset over initiative numbers (every role)
    participating: list[int]  # per authority: initiatives taken part in without leading them
    strategy_ids: list[int]


@dataclass
class _Edges:
    source: list[int]
    target: list[int]
    kind: list[str]
    high: list[bool]
    needed_by: list[datetime.date | None]
    agreement: list[tuple[str, str | None] | None]


@dataclass
class _Participation:
    participants: list[int]
    authority_initiatives: list[int]
    participating: list[int]


INITIATIVE_COLUMNS = (
    "id", "lead_id", "strategy_id", "status", "forecast_start", "forecast_end",
    "baseline_end", "baseline_budget", "forecast_cost", "benefits_health",
    "schedule_health", "cost_health", "health",
)


def load_graph() -> Graph:
    # The one rule for an authority's level; the dict's keys are every authority, one query.
    levels = Authority.objects.effective_levels()
    authority_ids = list(levels)
    authority_number = {pk: i for i, pk in enumerate(authority_ids)}
    rows = list(Initiative.objects.order_by().values_list(*INITIATIVE_COLUMNS))
    ids = [row[0] for row in rows]
    number = {pk: i for i, pk in enumerate(ids)}
    lead = [authority_number[row[1]] for row in rows]
    edges = _load_edges(number)
    participation = _load_participation(number, authority_number, lead)
    return Graph(
        ids=ids,
        lead=lead,
        strategy=[row[2] for row in rows],
        status=[row[3] for row in rows],
        forecast_start=[row[4] for row in rows],
        forecast_end=[row[5] for row in rows],
        health_inputs=[(row[6], row[5], row[7], row[8], row[9], row[10], row[11], row[12]) for row in rows],
        health=[row[12] for row in rows],
        authority_ids=authority_ids,
        authority_level=[levels[pk] for pk in authority_ids],
        edge_source=edges.source,
        edge_target=edges.target,
        edge_kind=edges.kind,
        edge_high=edges.high,
        edge_needed_by=edges.needed_by,
        edge_agreement=edges.agreement,
        participants=participation.participants,
        authority_initiatives=participation.authority_initiatives,
        participating=participation.participating,
        strategy_ids=list(Strategy.objects.order_by("start_year").values_list("id", flat=True)),
    )


def _load_edges(number: dict[int, int]) -> _Edges:
    edges = _Edges([], [], [], [], [], [])
    high = Criticality.HIGH
    agreements = _load_agreements()
    for pk, source_id, target_id, kind, criticality, needed_by in Dependency.objects.order_by().values_list(
        "pk", "source_id", "target_id", "kind", "criticality", "needed_by"
    ):
        edges.agreement.append(agreements.get(pk))
        edges.source.append(number[source_id])
        edges.target.append(number[target_id])
        edges.kind.append(kind)
        edges.high.append(criticality == high)
        edges.needed_by.append(needed_by)
    return edges


def _load_agreements() -> dict[int, tuple[str, str | None]]:
    """Per dependency with an agreement: its state and what it says about the dependant's risk
    (agreements' own rule, as of today: an unanswered request turns overdue with the date, which
    the nightly recompute picks up)."""
    today = timezone.localdate()
    return {
        dependency_id: (AgreementState(state), agreement_risk(state, needed_by, committed_date, today))
        for dependency_id, state, needed_by, committed_date in Agreement.objects.engine_rows()
    }


def _load_participation(number: dict[int, int], authority_number: dict[int, int], lead: list[int]) -> _Participation:
    """Who takes part in what, as bitsets both ways; the lead takes part in its own initiative."""
    n, m = len(number), len(authority_number)
    # Bits are set in byte arrays and turned into ints once: OR-ing 250,000 single bits into
    # ints directly would copy a growing int each time.
    participant_bytes = [bytearray((m + 8) // 8) for _ in range(n)]
    initiative_bytes = [bytearray((n + 8) // 8) for _ in range(m)]
    participating = [0] * m
    with connection.cursor() as cursor:
        # A plain cursor: 250,000 rows through the ORM's row handling would cost more than the rest.
        cursor.execute(
            f"SELECT initiative_id, authority_id FROM {Participation._meta.db_table}"  # noqa: S608 (table name)
        )
        for initiative_id, authority_id in cursor.fetchall():
            i, a = number[initiative_id], authority_number[authority_id]
            participant_bytes[i][a >> 3] |= 1 << (a & 7)
            initiative_bytes[a][i >> 3] |= 1 << (i & 7)
            if lead[i] != a:
                participating[a] += 1
    for i in range(n):  # the lead takes part in its own initiative, whatever the rows say
        a = lead[i]
        participant_bytes[i][a >> 3] |= 1 << (a & 7)
        initiative_bytes[a][i >> 3] |= 1 << (i & 7)
    return _Participation(
        participants=[int.from_bytes(b, "little") for b in participant_bytes],
        authority_initiatives=[int.from_bytes(b, "little") for b in initiative_bytes],
        participating=participating,
    )
