"""The interdependency engine: summaries of the dependency graph, kept current, and delay-impact analysis.

How the summaries stay current
------------------------------
Every change to portfolio data calls `mark_dirty()` (signals do it for model saves and deletes; bulk
paths that send no signals call it themselves). It bumps `SummaryState.data_version` *in the same
transaction* as the change, so the marker is as durable as the change, and registers one callback per
transaction that, after the commit, enqueues `recompute_summaries_task` with a short countdown. Only
one task is enqueued while another is still waiting to start (`SummaryState.last_enqueued_at` is the
claim), so a burst of edits coalesces into one run that reads the data after all of them.

A run takes a database lock (a PostgreSQL advisory lock, so several workers on several machines
never compute at once), clears the claim, reads the data version and only then the data, computes
everything in memory and replaces the summary tables in one transaction. It records the version it
read as `computed_version`; whatever committed later is still owed and will be computed by the next
task or by the periodic sweep, which also catches changes whose task could not be enqueued.

How the computation works
-------------------------
The graph is loaded with one query per table. Initiatives are numbered 0..n-1 and visited in
topological order (what an initiative depends on before the initiative itself); the set of
initiatives upstream of each one is a Python int used as a bitset, the OR of its direct targets'
sets, so every transitive closure costs one pass over the edges. Authorities and levels are
bitsets too, and `int.bit_count()` counts them. See /work/notes/engine-readme.md for the growth.
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from authorities.models import Authority, Level
from initiatives.models import (
    OPEN_STATUSES,
    Criticality,
    Dependency,
    DependencyKind,
    Health,
    Initiative,
    Milestone,
    Participation,
    Role,
    Status,
    assess_cost,
    assess_schedule,
    worst_health,
)
from strategies.models import Strategy

from .models import (
    AuthorityPairSummary,
    AuthoritySummary,
    InitiativeSummary,
    LevelMatrixCell,
    RiskReason,
    SummaryRun,
    SummaryState,
    SummaryTrigger,
)

logger = logging.getLogger(__name__)

SCOPE_ALL = "all"

# Key of the PostgreSQL advisory lock held by a recompute (initiatives.services uses 7_340_001).
SUMMARY_LOCK_KEY = 7_340_002

# A claim to have enqueued a recompute older than this is taken to be lost (say, Redis was
# flushed); the next change or the sweep enqueues afresh. A claim is normally cleared within
# the coalescing delay, when the task starts.
LOST_ENQUEUE_AFTER = datetime.timedelta(minutes=2)

# Statuses whose initiatives still have work ahead: they can be at risk and can be pushed.

# The level matrix's rows and columns, in this order; an authority's level is a bit in a 4-bit mask.
LEVELS: tuple[str, ...] = (Level.CENTRAL, Level.REGIONAL, Level.MUNICIPAL, Level.PARTNER)
LEVEL_BIT = {level: 1 << i for i, level in enumerate(LEVELS)}

# When several upstream causes are equally near, the worst one is named.
RISK_RANK = {
    RiskReason.CANCELLED: 0,
    RiskReason.PAUSED: 1,
    RiskReason.RED: 2,
    RiskReason.LATE_FOR_NEEDED_BY: 3,
    RiskReason.LATE_FOR_START: 4,
}

# Participants are listed by role, in the order the roles are declared (lead first).
ROLE_RANK = {role: rank for rank, role in enumerate(Role.values)}

# Serialises runs within one process where there is no advisory lock (SQLite, `make run`).
_local_lock = threading.Lock()


# --- Freshness: what the dashboard and the emails show next to the numbers ------------------


@dataclass(frozen=True)
class SummariesFreshness:
    """How current the stored summaries are: the "as of …" line and the stale warning."""

    as_of: datetime.datetime | None  # when the data the summaries reflect was read
    data_version: int  # bumped by every change to portfolio data
    computed_version: int  # the data version the summaries reflect
    pending: bool  # data changed since: a recompute is owed (and scheduled)
    dirty_since: datetime.datetime | None  # the first change the summaries do not reflect yet
    last_run: SummaryRun | None  # the last finished full recompute

    @property
    def is_stale(self) -> bool:
        return self.pending

    @property
    def has_summaries(self) -> bool:
        return self.as_of is not None


def summaries_freshness() -> SummariesFreshness:
    """As-of time, data version and whether a recompute is pending. Two queries."""
    state = SummaryState.objects.filter(scope=SCOPE_ALL).first()
    last_run = SummaryRun.objects.filter(scope=SCOPE_ALL, status=SummaryRun.Status.DONE).first()
    if state is None:
        return SummariesFreshness(None, 0, 0, False, None, last_run)
    return SummariesFreshness(
        as_of=state.last_computed_at,
        data_version=state.data_version,
        computed_version=state.computed_version,
        pending=state.data_version > state.computed_version,
        dirty_since=state.dirty_since,
        last_run=last_run,
    )


# --- Marking changes and scheduling recomputes ---------------------------------------------


def _coalesce_seconds() -> int:
    return settings.SUMMARY_COALESCE_SECONDS


def mark_dirty() -> None:
    """Record that portfolio data changed, in the current transaction, and schedule a recompute.

    Signals call this for every model save and delete; code that writes without signals
    (`QuerySet.update()`, `bulk_create`) must call it itself. Cheap to call often: within one
    transaction only the first call writes.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and _scheduled_in_this_transaction(conn, marked=True):
        return
    now = timezone.now()
    bump = {
        "data_version": F("data_version") + 1,
        "dirty_since": Coalesce(F("dirty_since"), Value(now, output_field=models.DateTimeField())),
    }
    if not SummaryState.objects.filter(scope=SCOPE_ALL).update(**bump):
        try:
            with transaction.atomic():
                SummaryState.objects.create(scope=SCOPE_ALL, data_version=1, dirty_since=now)
        except IntegrityError:  # created meanwhile by a concurrent first change
            SummaryState.objects.filter(scope=SCOPE_ALL).update(**bump)
    _register_enqueue(marked=True)


def schedule_recompute() -> None:
    """Enqueue a recompute once the current transaction commits (once per transaction)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and _scheduled_in_this_transaction(conn, marked=False):
        return
    _register_enqueue(marked=False)


class _RunCounter:
    """Counts recomputes run in this process: a change after an in-transaction recompute marks anew."""

    value = 0


def _register_enqueue(*, marked: bool) -> None:
    callback = functools.partial(enqueue_recompute)
    callback.summaries_marked = marked
    callback.summaries_generation = _RunCounter.value
    # robust: a failure to enqueue must not turn a saved change into an error page.
    transaction.on_commit(callback, robust=True)


def _scheduled_in_this_transaction(conn, *, marked: bool) -> bool:
    # Django drops the callbacks of a rolled-back savepoint, together with its version bump.
    for _ids, func, _robust in conn.run_on_commit:
        if getattr(func, "summaries_generation", None) == _RunCounter.value and (
            func.summaries_marked or not marked
        ):
            return True
    return False


def enqueue_recompute(*, trigger: str = SummaryTrigger.CHANGE) -> bool:
    """Enqueue a recompute after the coalescing delay unless one is already waiting to start.

    Returns whether a task was enqueued. When the broker is unreachable the change stays marked
    dirty and the sweep catches up; nothing is raised.
    """
    from .tasks import recompute_summaries_task

    now = timezone.now()
    claimed = (
        SummaryState.objects.filter(scope=SCOPE_ALL)
        .filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lt=now - LOST_ENQUEUE_AFTER))
        .update(last_enqueued_at=now)
    )
    if not claimed:
        return False  # a waiting task will read the data after this change committed
    try:
        recompute_summaries_task.apply_async(
            kwargs={"trigger": trigger},
            countdown=_coalesce_seconds(),
            # A dead broker must not hold up the request: one quick retry, then the sweep.
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
        )
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError, ...
        if recompute_summaries_task.app.conf.task_always_eager:
            raise  # in-process the task ran and failed: that is a bug, not a broker outage
        logger.warning("Could not enqueue a summaries recompute (%s); the sweep will catch up.", exc)
        SummaryState.objects.filter(scope=SCOPE_ALL, last_enqueued_at=now).update(last_enqueued_at=None)
        return False
    return True


# --- Running a recompute -------------------------------------------------------------------


@dataclass
class RecomputeResult:
    """What a call to `recompute_summaries` did."""

    status: str  # "done", "busy" (another run holds the lock), "current" (nothing owed)
    scope: str = SCOPE_ALL
    data_version: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    run: SummaryRun | None = None

    @property
    def ran(self) -> bool:
        return self.status == "done"


@contextmanager
def _summaries_lock(*, wait: bool) -> Iterator[bool]:
    """Hold the recompute lock; yields False at once if another run holds it and wait is False."""
    if connection.vendor == "postgresql":
        # A session-level advisory lock: held across the run's transactions, released by
        # PostgreSQL if the worker dies, and shared by every worker on every machine.
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [SUMMARY_LOCK_KEY])
                acquired = True
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [SUMMARY_LOCK_KEY])
                acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SUMMARY_LOCK_KEY])
    else:
        # SQLite serialises writers itself; this keeps two threads from computing at once, and
        # the version check before writing keeps an older result from replacing a newer one.
        acquired = _local_lock.acquire(blocking=wait, timeout=120 if wait else -1)
        try:
            yield acquired
        finally:
            if acquired:
                _local_lock.release()


def recompute_summaries(
    *,
    scope: str = SCOPE_ALL,
    trigger: str = SummaryTrigger.MANUAL,
    wait: bool = True,
    only_if_stale: bool = False,
    rewrite: bool = False,
) -> RecomputeResult:
    """Recompute the summary tables from the portfolio data.

    scope: "all", or a strategy code to rewrite only that strategy's initiatives and level
    matrix (the graph is still read whole: dependencies cross strategies). wait: block until
    another run finishes, else return status "busy" at once. only_if_stale: do nothing (status
    "current") when the summaries already reflect the latest data version. rewrite: replace every
    row, not only those whose figures changed.
    """
    strategy = None
    if scope != SCOPE_ALL:
        strategy = Strategy.objects.get(code=scope)
    run_scope = SCOPE_ALL if strategy is None else f"strategy:{strategy.code}"
    with _summaries_lock(wait=wait) as acquired:
        if not acquired:
            return RecomputeResult(status="busy", scope=run_scope)
        # Runs the previous holder of the lock left "running" died with their worker.
        SummaryRun.objects.filter(status=SummaryRun.Status.RUNNING).update(
            status=SummaryRun.Status.FAILED, error="interrupted (the worker was lost); redone by a later run"
        )
        if strategy is None:
            # From here on this run covers every committed change: later changes enqueue anew.
            SummaryState.objects.filter(scope=SCOPE_ALL).update(last_enqueued_at=None)
        state, _ = SummaryState.objects.get_or_create(scope=SCOPE_ALL)
        if only_if_stale and state.computed_version >= state.data_version:
            return RecomputeResult(status="current", scope=run_scope, data_version=state.data_version)
        # Changes that conflict with the write (an initiative deleted meanwhile) are rare and
        # are themselves newer versions: read everything again.
        for attempt in range(3):
            try:
                return _recompute_locked(strategy=strategy, run_scope=run_scope, trigger=trigger, rewrite=rewrite)
            except (IntegrityError, DatabaseError) as exc:
                if attempt == 2:
                    raise
                logger.info("Summaries recompute conflicted with a concurrent change (%s); retrying.", exc)
    raise AssertionError("unreachable")


def recompute_owed_summaries(*, trigger: str, wait: bool) -> RecomputeResult:
    """Recompute everything if any change is not reflected yet (what the task and the sweep run)."""
    return recompute_summaries(scope=SCOPE_ALL, trigger=trigger, wait=wait, only_if_stale=True)


def sweep_dirty_summaries(*, wait: bool = False) -> RecomputeResult | None:
    """Catch up on changes no queued task will cover (its enqueue failed or the task was lost)."""
    state = SummaryState.objects.filter(scope=SCOPE_ALL).first()
    if state is None or not state.is_stale:
        return None
    if state.last_enqueued_at and state.last_enqueued_at >= timezone.now() - LOST_ENQUEUE_AFTER:
        return None  # a task is on its way and will read the latest data
    return recompute_owed_summaries(trigger=SummaryTrigger.SWEEP, wait=wait)


def _recompute_locked(*, strategy: Strategy | None, run_scope: str, trigger: str, rewrite: bool) -> RecomputeResult:
    started_at = timezone.now()
    started = time.perf_counter()
    _RunCounter.value += 1
    # The version first, then the data: every change up to this version has committed (the bump
    # holds the state row until its transaction commits), so the data read below includes it.
    data_version = SummaryState.objects.get(scope=SCOPE_ALL).data_version
    run = SummaryRun.objects.create(scope=run_scope, trigger=trigger, started_at=started_at, data_version=data_version)
    try:
        graph = _load_graph()
        counts = {"health_lights_corrected": _reconcile_health(graph)}
        figures = _compute(graph)
        with transaction.atomic():
            newer = SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__gt=data_version).exists()
            if strategy is None and newer:
                # Only possible without the advisory lock (SQLite): never replace newer results.
                counts["skipped_newer_exists"] = 1
            else:
                counts.update(_write(graph, figures, strategy=strategy, computed_at=started_at, rewrite=rewrite))
        if strategy is None and not counts.get("skipped_newer_exists"):
            SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__lte=data_version).update(
                computed_version=Greatest(F("computed_version"), Value(data_version)),
                last_computed_at=started_at,
                dirty_since=Case(When(data_version__lte=data_version, then=Value(None)), default=F("dirty_since")),
            )
    except BaseException as exc:
        SummaryRun.objects.filter(pk=run.pk).update(
            status=SummaryRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    seconds = time.perf_counter() - started
    counts["at_risk"] = figures.at_risk_count
    run.status = SummaryRun.Status.DONE
    run.finished_at = timezone.now()
    run.duration_ms = round(seconds * 1000)
    run.counts = counts
    run.save(update_fields=["status", "finished_at", "duration_ms", "counts"])
    logger.info("Summaries recomputed (%s, %s) for data version %s in %.2f s: %s",
                run_scope, trigger, data_version, seconds, counts)
    return RecomputeResult(
        status="done", scope=run_scope, data_version=data_version, seconds=seconds, counts=counts, run=run
    )


# --- Loading the graph ----------------------------------------------------------------------


@dataclass
class _Graph:
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
    authority_level: list[str]  # "" when neither it nor a parent has one
    # Edges, source depends on target, as initiative numbers.
    edge_source: list[int]
    edge_target: list[int]
    edge_kind: list[str]
    edge_high: list[bool]
    edge_needed_by: list[datetime.date | None]
    participants: list[int]  # per initiative: bitset over authority numbers (every role)
    authority_initiatives: list[int]  # per authority: bitset over initiative numbers (every role)
    participating: list[int]  # per authority: initiatives taken part in without leading them
    strategy_ids: list[int]


def _effective_levels(rows: list[tuple[int, str, int | None]]) -> dict[int, str]:
    """An institution without a level of its own takes its parent's."""
    own = {pk: (level, parent) for pk, level, parent in rows}
    resolved: dict[int, str] = {}
    for pk in own:
        level, parent, seen = own[pk][0], own[pk][1], {pk}
        while not level and parent and parent not in seen:
            seen.add(parent)
            level, parent = own[parent]
        resolved[pk] = level or ""
    return resolved


def _load_graph() -> _Graph:
    authority_rows = list(Authority.objects.order_by().values_list("id", "level", "parent_id"))
    levels = _effective_levels(authority_rows)
    authority_ids = [row[0] for row in authority_rows]
    authority_number = {pk: i for i, pk in enumerate(authority_ids)}

    rows = list(
        Initiative.objects.order_by().values_list(
            "id", "lead_id", "strategy_id", "status", "forecast_start", "forecast_end",
            "baseline_end", "baseline_budget", "forecast_cost", "benefits_health",
            "schedule_health", "cost_health", "health",
        )
    )
    ids = [row[0] for row in rows]
    number = {pk: i for i, pk in enumerate(ids)}

    edge_source, edge_target, edge_kind, edge_high, edge_needed_by = [], [], [], [], []
    high = Criticality.HIGH
    for source_id, target_id, kind, criticality, needed_by in Dependency.objects.order_by().values_list(
        "source_id", "target_id", "kind", "criticality", "needed_by"
    ):
        edge_source.append(number[source_id])
        edge_target.append(number[target_id])
        edge_kind.append(kind)
        edge_high.append(criticality == high)
        edge_needed_by.append(needed_by)

    n, m = len(ids), len(authority_ids)
    lead = [authority_number[row[1]] for row in rows]
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

    return _Graph(
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
        edge_source=edge_source,
        edge_target=edge_target,
        edge_kind=edge_kind,
        edge_high=edge_high,
        edge_needed_by=edge_needed_by,
        participants=[int.from_bytes(b, "little") for b in participant_bytes],
        authority_initiatives=[int.from_bytes(b, "little") for b in initiative_bytes],
        participating=participating,
        strategy_ids=list(Strategy.objects.order_by("start_year").values_list("id", flat=True)),
    )


def _reconcile_health(graph: _Graph) -> int:
    """Set the stored lights from the current data and thresholds; returns how many changed.

    They drift when thresholds change in settings or a `QuerySet.update()` skipped the services.
    The same rules as `Initiative.refresh_health()`, memoised: many initiatives share inputs.
    """
    schedule_memo: dict[tuple, str] = {}
    cost_memo: dict[tuple, str] = {}
    changed: list[Initiative] = []
    for i, (baseline_end, forecast_end, budget, cost, benefits, old_schedule, old_cost, old_overall) in enumerate(
        graph.health_inputs
    ):
        key = (baseline_end, forecast_end)
        schedule = schedule_memo.get(key)
        if schedule is None:
            schedule = schedule_memo[key] = assess_schedule(baseline_end, forecast_end)[0]
        key = (budget, cost)
        cost_light = cost_memo.get(key)
        if cost_light is None:
            cost_light = cost_memo[key] = assess_cost(budget, cost)[0]
        overall = worst_health(schedule, cost_light, benefits)
        graph.health[i] = overall
        if (schedule, cost_light, overall) != (old_schedule, old_cost, old_overall):
            changed.append(
                Initiative(pk=graph.ids[i], schedule_health=schedule, cost_health=cost_light, health=overall)
            )
    if changed:
        # bulk_update sends no signals: correcting derived lights is not a change to the data.
        Initiative.objects.bulk_update(changed, ["schedule_health", "cost_health", "health"], batch_size=1000)
    return len(changed)


# --- The computation ------------------------------------------------------------------------


@dataclass
class _Figures:
    """Everything the summary tables hold, computed in memory."""

    upstream_direct: list[int]
    downstream_direct: list[int]
    upstream_total: list[int]
    downstream_total: list[int]
    upstream_authorities: list[int]
    upstream_levels: list[int]
    upstream_depth: list[int]
    risk: list[tuple[int, int, int, str] | None]  # (distance, rank, cause number, reason)
    at_risk_count: int
    authority_rows: list[tuple]
    pair_rows: list[tuple]  # (source authority number, target, edges, high, at risk, shared)
    level_cells: dict[int | None, dict[tuple[str, str], list[int]]]  # strategy id → cell → [edges, high, risk]


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


def _compute(graph: _Graph) -> _Figures:
    n = len(graph.ids)
    m = len(graph.authority_ids)
    lead = graph.lead
    status = graph.status
    edge_source, edge_target = graph.edge_source, graph.edge_target
    edges_from: list[list[int]] = [[] for _ in range(n)]
    sources: list[list[int]] = [[] for _ in range(n)]
    targets: list[list[int]] = [[] for _ in range(n)]
    for e, (s, t) in enumerate(zip(edge_source, edge_target, strict=True)):
        edges_from[s].append(e)
        targets[s].append(t)
        sources[t].append(s)
    order, cyclic = _topological_order(n, targets, sources)

    level_bit_of_authority = [LEVEL_BIT.get(level, 0) for level in graph.authority_level]
    lead_bit = [1 << lead[i] for i in range(n)]
    lead_level_bit = [level_bit_of_authority[lead[i]] for i in range(n)]
    is_open = [s in OPEN_STATUSES for s in status]
    # What makes an initiative a risk to those that depend on it, by itself.
    own_reason: list[str | None] = []
    for i in range(n):
        if status[i] == Status.CANCELLED:
            own_reason.append(RiskReason.CANCELLED)
        elif status[i] == Status.PAUSED:
            own_reason.append(RiskReason.PAUSED)
        elif graph.health[i] == Health.RED and status[i] != Status.COMPLETED:
            own_reason.append(RiskReason.RED)
        else:
            own_reason.append(None)
    forecast_start, forecast_end = graph.forecast_start, graph.forecast_end
    prerequisite = DependencyKind.PREREQUISITE
    late_needed_by, late_start = RiskReason.LATE_FOR_NEEDED_BY, RiskReason.LATE_FOR_START

    # Upstream, in topological order: each initiative's closed set (itself and all it depends on).
    closed_up = [0] * n
    up_authorities = [0] * n  # leads of everything upstream
    up_levels = [0] * n
    depth = [0] * n
    risk: list[tuple[int, int, int, str] | None] = [None] * n
    edge_at_risk = [False] * len(edge_source)
    passes = n + 1 if cyclic else 1
    for _ in range(passes):
        changed = False
        for x in order:
            closed, authorities, levels, longest, best = 1 << x, 0, 0, 0, None
            for e in edges_from[x]:
                t = edge_target[e]
                closed |= closed_up[t]
                authorities |= up_authorities[t] | lead_bit[t]
                levels |= up_levels[t] | lead_level_bit[t]
                if depth[t] >= longest:
                    longest = depth[t] + 1
                if not is_open[x]:
                    continue
                # Why this edge puts x at risk, if it does: the target itself, its lateness, or
                # (nearest first) whatever puts the target at risk.
                reason = own_reason[t]
                if reason is not None:
                    cause = (1, RISK_RANK[reason], t, reason)
                elif status[t] != Status.COMPLETED and forecast_end[t] is not None and (
                    (graph.edge_needed_by[e] is not None and forecast_end[t] > graph.edge_needed_by[e])
                    or (graph.edge_needed_by[e] is None and graph.edge_kind[e] == prerequisite
                        and forecast_start[x] is not None and forecast_end[t] > forecast_start[x])
                ):
                    reason = late_needed_by if graph.edge_needed_by[e] is not None else late_start
                    cause = (1, RISK_RANK[reason], t, reason)
                elif risk[t] is not None:
                    distance, rank, root, reason = risk[t]
                    cause = (distance + 1, rank, root, reason)
                else:
                    continue
                edge_at_risk[e] = True
                if best is None or cause < best:
                    best = cause
            if cyclic:
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

    # Downstream, in reverse order: the closed set of dependants, their leads and participants.
    closed_down = [0] * n
    down_leads = [0] * n
    down_participants = [0] * n
    participants = graph.participants
    for _ in range(passes):
        changed = False
        for x in reversed(order):
            closed, leads, parts = 1 << x, 0, 0
            for s in sources[x]:
                closed |= closed_down[s]
                leads |= down_leads[s] | lead_bit[s]
                parts |= down_participants[s] | participants[s]
            if cyclic and (closed, leads, parts) != (closed_down[x], down_leads[x], down_participants[x]):
                changed = True
            closed_down[x], down_leads[x], down_participants[x] = closed, leads, parts
        if not changed:
            break

    # Per authority.
    led_by: list[list[int]] = [[] for _ in range(m)]
    for i in range(n):
        led_by[lead[i]].append(i)
    depends_direct: list[set[int]] = [set() for _ in range(m)]
    depended_direct: list[set[int]] = [set() for _ in range(m)]
    pairs: dict[tuple[int, int], list[int]] = {}
    level_cells: dict[int | None, dict[tuple[str, str], list[int]]] = {
        strategy_id: {} for strategy_id in [None, *graph.strategy_ids]
    }
    authority_level = graph.authority_level
    for e, (s, t) in enumerate(zip(edge_source, edge_target, strict=True)):
        a, b = lead[s], lead[t]
        high, at_risk = graph.edge_high[e], edge_at_risk[e]
        if a != b:
            depends_direct[a].add(b)
            depended_direct[b].add(a)
            cell = pairs.get((a, b))
            if cell is None:
                cell = pairs[(a, b)] = [0, 0, 0]
            cell[0] += 1
            cell[1] += high
            cell[2] += at_risk
        level_pair = (authority_level[a], authority_level[b])
        if level_pair[0] and level_pair[1]:
            for strategy_id in (None, graph.strategy[s]):
                cells = level_cells.get(strategy_id)
                if cells is None:
                    continue
                cell = cells.get(level_pair)
                if cell is None:
                    cell = cells[level_pair] = [0, 0, 0]
                cell[0] += 1
                cell[1] += high
                cell[2] += at_risk

    at_risk_from_others = [0] * m
    others_at_risk_from = [0] * m
    at_risk_count = 0
    for i in range(n):
        if risk[i] is not None:
            at_risk_count += 1
            cause_lead = lead[risk[i][2]]
            if cause_lead != lead[i]:
                at_risk_from_others[lead[i]] += 1
                others_at_risk_from[cause_lead] += 1

    authority_rows = []
    for a in range(m):
        own_bit = 1 << a
        upstream = downstream_leads = downstream_parts = downstream = 0
        for x in led_by[a]:
            upstream |= up_authorities[x]
            downstream_leads |= down_leads[x]
            downstream_parts |= down_participants[x]
            downstream |= closed_down[x] ^ (1 << x)
        authority_rows.append((
            len(led_by[a]),
            graph.participating[a],
            len(depends_direct[a]),
            (upstream & ~own_bit).bit_count(),
            len(depended_direct[a]),
            (downstream_leads & ~own_bit).bit_count(),
            downstream.bit_count(),
            (downstream_parts & ~own_bit).bit_count(),
            at_risk_from_others[a],
            others_at_risk_from[a],
        ))

    initiatives_of = graph.authority_initiatives
    pair_rows = [
        (a, b, edges, high, at_risk, (initiatives_of[a] & initiatives_of[b]).bit_count())
        for (a, b), (edges, high, at_risk) in pairs.items()
    ]

    return _Figures(
        upstream_direct=[len(t) for t in targets],
        downstream_direct=[len(s) for s in sources],
        upstream_total=[c.bit_count() - 1 for c in closed_up],
        downstream_total=[c.bit_count() - 1 for c in closed_down],
        upstream_authorities=[a.bit_count() for a in up_authorities],
        upstream_levels=[levels.bit_count() for levels in up_levels],
        upstream_depth=depth,
        risk=risk,
        at_risk_count=at_risk_count,
        authority_rows=authority_rows,
        pair_rows=pair_rows,
        level_cells=level_cells,
    )


# --- Writing the tables ---------------------------------------------------------------------


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _write_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows (tuples in `columns` order, column names as in the database) fast."""
    if connection.vendor == "postgresql":
        # COPY is several times faster than INSERT for tens of thousands of rows, and formatting
        # the text ourselves (only ints, bools, short strings and one timestamp occur) is several
        # times faster than psycopg adapting row by row.
        lines = ["\t".join(_copy_text(value) for value in row) for row in rows]
        with connection.cursor() as cursor:
            statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for start in range(0, len(lines), 10_000):
                    copy.write("".join(line + "\n" for line in lines[start:start + 10_000]))
        return len(lines)
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    names = [attnames[c] for c in columns]
    objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def _sync_table(
    model: type[models.Model],
    queryset: models.QuerySet,
    key_columns: list[str],
    value_columns: list[str],
    rows: dict[tuple, tuple],
    *,
    rewrite: bool,
    computed_at: datetime.datetime,
) -> int:
    """Make the table's rows within `queryset` equal `rows` (key → values); returns the rows written.

    Rows whose figures did not change are kept as they are (with their `computed_at`): after an
    edit only a few figures change, and rewriting 60,000 rows would cost more than the whole
    computation. `rewrite` replaces every row (the nightly run does, to start from a clean slate).
    """
    if rewrite:
        queryset.delete()
        keys = list(rows)
    else:
        attnames = {f.column: f.attname for f in model._meta.concrete_fields}
        width = len(key_columns)
        existing: dict[tuple, tuple] = {}
        stale = []
        for pk, *stored in queryset.values_list("pk", *[attnames[c] for c in key_columns + value_columns]):
            key, values = tuple(stored[:width]), tuple(stored[width:])
            existing[key] = values
            if rows.get(key) != values:
                stale.append(pk)
        for start in range(0, len(stale), 5000):
            model.objects.filter(pk__in=stale[start:start + 5000]).delete()
        keys = [key for key, values in rows.items() if existing.get(key) != values]
    return _write_rows(
        model, [*key_columns, *value_columns, "computed_at"], ((*key, *rows[key], computed_at) for key in keys)
    )


def _write(
    graph: _Graph, figures: _Figures, *, strategy: Strategy | None, computed_at: datetime.datetime, rewrite: bool
) -> dict[str, int]:
    ids, authority_ids = graph.ids, graph.authority_ids
    risk = figures.risk
    lead = graph.lead
    wanted = range(len(ids))
    if strategy is not None:
        wanted = [i for i in wanted if graph.strategy[i] == strategy.pk]

    initiative_rows = {}
    for i in wanted:
        cause = risk[i]
        initiative_rows[(ids[i],)] = (
            figures.upstream_direct[i], figures.upstream_total[i], figures.downstream_direct[i],
            figures.downstream_total[i], figures.upstream_authorities[i], figures.upstream_levels[i],
            figures.upstream_depth[i], cause is not None, cause[3] if cause else "",
            ids[cause[2]] if cause else None, authority_ids[lead[cause[2]]] if cause else None,
        )
    cells = figures.level_cells
    cell_rows = {
        (strategy_id, source_level, target_level): tuple(cells[strategy_id].get((source_level, target_level), (0, 0, 0)))
        for strategy_id in ([strategy.pk] if strategy is not None else list(cells))
        for source_level in LEVELS
        for target_level in LEVELS
    }
    sync = functools.partial(_sync_table, rewrite=rewrite, computed_at=computed_at)
    counts = {
        "initiative_summaries": len(initiative_rows),
        "initiative_summaries_written": sync(
            InitiativeSummary,
            InitiativeSummary.objects.filter(initiative__strategy=strategy) if strategy else InitiativeSummary.objects.all(),
            ["initiative_id"],
            ["upstream_direct", "upstream_total", "downstream_direct", "downstream_total", "upstream_authorities",
             "upstream_levels", "upstream_depth", "at_risk", "risk_reason", "risk_initiative_id", "risk_authority_id"],
            initiative_rows,
        ),
        "level_cells": len(cell_rows),
        "level_cells_written": sync(
            LevelMatrixCell,
            LevelMatrixCell.objects.filter(strategy=strategy) if strategy else LevelMatrixCell.objects.all(),
            ["strategy_id", "source_level", "target_level"],
            ["edges", "high_edges", "at_risk_edges"],
            cell_rows,
        ),
    }
    if strategy is not None:
        return counts
    authority_rows = {(authority_ids[a],): tuple(row) for a, row in enumerate(figures.authority_rows)}
    counts["authority_summaries"] = len(authority_rows)
    counts["authority_summaries_written"] = sync(
        AuthoritySummary,
        AuthoritySummary.objects.all(),
        ["authority_id"],
        ["initiatives_led", "initiatives_participating", "depends_on_direct", "depends_on_total",
         "depended_by_direct", "depended_by_total", "exposure_initiatives", "exposure_authorities",
         "at_risk_because_of_others", "others_at_risk_because_of_it"],
        authority_rows,
    )
    pair_rows = {(authority_ids[a], authority_ids[b]): tuple(rest) for a, b, *rest in figures.pair_rows}
    counts["authority_pairs"] = len(pair_rows)
    counts["authority_pairs_written"] = sync(
        AuthorityPairSummary,
        AuthorityPairSummary.objects.all(),
        ["source_id", "target_id"],
        ["edges", "high_edges", "at_risk_edges", "shared_initiatives"],
        pair_rows,
    )
    return counts


# --- Impact analysis: what if an initiative slips? -----------------------------------------


@dataclass(frozen=True)
class MissedNeed:
    """A `needed_by` date on one of the dependant's dependencies that the delay makes it miss."""

    needed_from_id: int  # the upstream initiative that would deliver too late
    needed_by: datetime.date
    delivered: datetime.date  # its projected new end
    newly_missed: bool  # False when it was forecast to be late already, just less so

    @property
    def days_late(self) -> int:
        return (self.delivered - self.needed_by).days


@dataclass
class ImpactedInitiative:
    """A downstream initiative the delay pushes or makes miss a date."""

    initiative: Initiative
    distance: int  # dependency edges from the delayed initiative
    pushed_days: int  # 0 when it is not pushed, only misses a needed-by date
    old_start: datetime.date | None
    new_start: datetime.date | None
    old_end: datetime.date | None
    new_end: datetime.date | None
    missed: list[MissedNeed]
    participants: list[tuple[Authority, str]]  # (authority, role), the lead first

    @property
    def is_pushed(self) -> bool:
        return self.pushed_days > 0


@dataclass(frozen=True)
class AuthorityHit:
    """An authority with impacted initiatives: how many it leads and how many it takes part in."""

    authority: Authority
    level: str
    leads: int
    takes_part: int


@dataclass(frozen=True)
class MovedMilestone:
    """A milestone of a pushed initiative that moves with it."""

    milestone: Milestone
    old_date: datetime.date
    new_date: datetime.date


@dataclass
class DelayImpact:
    """What a delay of `days` to `initiative` would do downstream."""

    initiative: Initiative
    days: int
    old_end: datetime.date | None
    new_end: datetime.date | None
    initiatives: list[ImpactedInitiative]  # nearest first
    authorities: list[AuthorityHit]  # most impacted initiatives first
    levels: dict[str, int]  # level → authorities hit at that level, in LEVELS order
    milestones: list[MovedMilestone]  # earliest new date first

    @property
    def pushed(self) -> list[ImpactedInitiative]:
        return [item for item in self.initiatives if item.is_pushed]

    @property
    def missing_needed_by(self) -> list[ImpactedInitiative]:
        return [item for item in self.initiatives if item.missed]


def impact_of_delay(initiative: Initiative, days: int) -> DelayImpact:
    """Every downstream initiative that `days` of delay to `initiative` would push or make miss a date.

    Finish-to-start along prerequisites: a dependant cannot start before what it needs has
    finished; a pushed dependant keeps its duration and pushes its own dependants in turn. Any
    kind of dependency with a `needed_by` date is missed when the projected end passes it.
    Completed and cancelled initiatives are not moved.

    Only what moves is followed: each wave is one query for the dependants of the initiatives
    that moved in the previous wave, with their dates. An initiative reached again with a later
    date moves again, so the result does not depend on the order of discovery. The work grows
    with the part of the portfolio that moves, not with the portfolio.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    start_of = {initiative.pk: initiative.forecast_start or initiative.baseline_start}
    end_of = {initiative.pk: initiative.forecast_end or initiative.baseline_end}
    old_end = end_of[initiative.pk]
    new_end_of: dict[int, datetime.date] = {}
    distance_of = {initiative.pk: 0}
    if old_end is not None and days:
        new_end_of[initiative.pk] = old_end + datetime.timedelta(days=days)
    required_start: dict[int, datetime.date] = {}
    missed_by_edge: dict[tuple[int, int], MissedNeed] = {}
    prerequisite = DependencyKind.PREREQUISITE
    frontier = set(new_end_of)
    while frontier:
        rows = Dependency.objects.filter(target_id__in=frontier, source__status__in=OPEN_STATUSES).order_by().values_list(
            "source_id", "target_id", "kind", "needed_by", "source__forecast_start", "source__forecast_end",
            "source__baseline_start", "source__baseline_end",
        )
        moved_now: set[int] = set()
        for source_id, target_id, kind, needed_by, forecast_start, forecast_end, baseline_start, baseline_end in rows:
            start_of[source_id] = start = forecast_start or baseline_start
            end_of[source_id] = end = forecast_end or baseline_end
            delivered = new_end_of[target_id]
            distance = distance_of[target_id] + 1
            if needed_by is not None and delivered > needed_by:
                was = end_of[target_id]
                missed_by_edge[(source_id, target_id)] = MissedNeed(
                    target_id, needed_by, delivered, was is None or was <= needed_by
                )
                distance_of[source_id] = min(distance_of.get(source_id, distance), distance)
            if kind != prerequisite or start is None or delivered <= start:
                continue
            if delivered <= required_start.get(source_id, start):
                continue  # another prerequisite holds it back longer already
            required_start[source_id] = delivered
            new_end_of[source_id] = end + (delivered - start) if end else delivered
            distance_of[source_id] = min(distance_of.get(source_id, distance), distance)
            moved_now.add(source_id)
        frontier = moved_now

    missed_of: dict[int, list[MissedNeed]] = defaultdict(list)
    for (source_id, _target_id), missed in missed_by_edge.items():
        missed_of[source_id].append(missed)
    found: dict[int, dict] = {}
    for pk in set(required_start) | set(missed_of):
        start = start_of[pk]
        pushed = (required_start[pk] - start).days if pk in required_start else 0
        found[pk] = {"pushed": pushed, "start": start, "end": end_of[pk],
                     "missed": sorted(missed_of[pk], key=lambda m: (m.needed_by, m.needed_from_id))}

    # order_by(): the default orderings join other tables only to sort what is sorted here anyway.
    impacted_objects = Initiative.objects.select_related("lead", "strategy").order_by().in_bulk(list(found))
    roles: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for initiative_id, authority_id, role in Participation.objects.filter(initiative_id__in=list(found)).order_by().values_list(
        "initiative_id", "authority_id", "role"
    ):
        roles[initiative_id].append((authority_id, role))
    authorities = Authority.objects.select_related("parent").only(
        "name_da", "name_en", "level", "kind", "parent__level"
    ).order_by().in_bulk(
        {authority_id for pairs in roles.values() for authority_id, _ in pairs}
        | {obj.lead_id for obj in impacted_objects.values()}
    )

    items: list[ImpactedInitiative] = []
    leads: dict[int, int] = defaultdict(int)
    takes_part: dict[int, int] = defaultdict(int)
    for pk, entry in found.items():
        obj = impacted_objects[pk]
        pushed = entry["pushed"]
        participants = [(authorities[obj.lead_id], Role.LEAD)]
        leads[obj.lead_id] += 1
        for authority_id, role in sorted(roles[pk], key=lambda pair: ROLE_RANK[pair[1]]):
            if authority_id != obj.lead_id:
                participants.append((authorities[authority_id], role))
                takes_part[authority_id] += 1
        shift = datetime.timedelta(days=pushed)
        items.append(ImpactedInitiative(
            initiative=obj,
            distance=distance_of[pk],
            pushed_days=pushed,
            old_start=entry["start"],
            new_start=entry["start"] + shift if entry["start"] else None,
            old_end=entry["end"],
            new_end=entry["end"] + shift if entry["end"] else None,
            missed=entry["missed"],
            participants=participants,
        ))
    items.sort(key=lambda item: (item.distance, -item.pushed_days, item.initiative.code, item.initiative.pk))

    def level_of(authority: Authority) -> str:
        return authority.level or (authority.parent.level if authority.parent_id else "")

    hits = [
        AuthorityHit(authorities[pk], level_of(authorities[pk]), leads.get(pk, 0), takes_part.get(pk, 0))
        for pk in set(leads) | set(takes_part)
    ]
    hits.sort(key=lambda hit: (-(hit.leads + hit.takes_part), -hit.leads, hit.authority.name_da))
    levels = {level: 0 for level in LEVELS}
    for hit in hits:
        if hit.level in levels:
            levels[hit.level] += 1

    pushed_by = {item.initiative.pk: item.pushed_days for item in items if item.pushed_days}
    moved = []
    for milestone in Milestone.objects.filter(initiative_id__in=list(pushed_by), done_on__isnull=True).order_by():
        milestone.initiative = impacted_objects[milestone.initiative_id]  # no query per row when shown
        old_date = milestone.forecast_date or milestone.baseline_date
        moved.append(MovedMilestone(milestone, old_date, old_date + datetime.timedelta(days=pushed_by[milestone.initiative_id])))
    moved.sort(key=lambda item: (item.new_date, item.milestone.pk))

    return DelayImpact(
        initiative=initiative,
        days=days,
        old_end=old_end,
        new_end=new_end_of.get(initiative.pk, old_end),
        initiatives=items,
        authorities=hits,
        levels=levels,
        milestones=moved,
    )
