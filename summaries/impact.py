"""Delay-impact analysis: what would a slip of one initiative do downstream?

Finish-to-start along prerequisites: a dependant cannot start before what it needs has finished;
a pushed dependant keeps its duration and pushes its own dependants in turn. Any kind of
dependency with a `needed_by` date is missed when the projected end passes it. Only what moves is
followed, wave by wave, so the work grows with the part of the portfolio that moves.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from authorities.models import Authority, resolve_levels
from initiatives.models import OPEN_STATUSES, Dependency, DependencyKind, Initiative, Milestone, Participation, Role

from .models import LEVELS

# Participants are listed by role, in the order the roles are declared (lead first).
ROLE_RANK = {role: rank for rank, role in enumerate(Role.values)}


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
    level: str  # its effective level (resolve_levels)
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

    Completed and cancelled initiatives are not moved. Each wave is one query for the dependants
    of the initiatives that moved in the previous wave, with their dates. An initiative reached
    again with a later date moves again, so the result does not depend on the order of discovery.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    spread = _Spread.of_delay(initiative, days)
    frontier = set(spread.new_end_of)
    while frontier:
        frontier = _next_wave(spread, frontier)
    found = _impacted_dates(spread)
    loaded = _load_impacted(found)
    items, leads, takes_part = _impacted_initiatives(found, spread, loaded)
    hits = _authority_hits(loaded, leads, takes_part)
    return DelayImpact(
        initiative=initiative,
        days=days,
        old_end=spread.old_end,
        new_end=spread.new_end_of.get(initiative.pk, spread.old_end),
        initiatives=items,
        authorities=hits,
        levels=_levels_hit(hits),
        milestones=_moved_milestones(items, loaded.initiatives),
    )


# --- Following the delay downstream, wave by wave -------------------------------------------


@dataclass
class _Spread:
    """What the waves have found so far, by initiative id."""

    old_end: datetime.date | None  # of the delayed initiative
    start_of: dict[int, datetime.date | None]
    end_of: dict[int, datetime.date | None]
    new_end_of: dict[int, datetime.date] = field(default_factory=dict)  # those that moved
    distance_of: dict[int, int] = field(default_factory=dict)
    required_start: dict[int, datetime.date] = field(default_factory=dict)  # pushed: the new start
    missed_by_edge: dict[tuple[int, int], MissedNeed] = field(default_factory=dict)  # (dependant, upstream)

    @classmethod
    def of_delay(cls, initiative: Initiative, days: int) -> _Spread:
        old_end = initiative.forecast_end or initiative.baseline_end
        spread = cls(
            old_end=old_end,
            start_of={initiative.pk: initiative.forecast_start or initiative.baseline_start},
            end_of={initiative.pk: old_end},
            distance_of={initiative.pk: 0},
        )
        if old_end is not None and days:
            spread.new_end_of[initiative.pk] = old_end + datetime.timedelta(days=days)
        return spread


def _next_wave(spread: _Spread, frontier: set[int]) -> set[int]:
    """Move the open dependants of the initiatives in `frontier`; returns those that moved."""
    rows = Dependency.objects.filter(target_id__in=frontier, source__status__in=OPEN_STATUSES).order_by().values_list(
        "source_id", "target_id", "kind", "needed_by", "source__forecast_start", "source__forecast_end",
        "source__baseline_start", "source__baseline_end",
    )
    start_of, end_of, new_end_of = spread.start_of, spread.end_of, spread.new_end_of
    distance_of, required_start = spread.distance_of, spread.required_start
    prerequisite = DependencyKind.PREREQUISITE
    moved_now: set[int] = set()
    for source_id, target_id, kind, needed_by, forecast_start, forecast_end, baseline_start, baseline_end in rows:
        start_of[source_id] = start = forecast_start or baseline_start
        end_of[source_id] = end = forecast_end or baseline_end
        delivered = new_end_of[target_id]
        distance = distance_of[target_id] + 1
        if needed_by is not None and delivered > needed_by:
            was = end_of[target_id]
            spread.missed_by_edge[(source_id, target_id)] = MissedNeed(
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
    return moved_now


@dataclass
class _Found:
    """One impacted initiative's old dates, how far it is pushed and the dates it misses."""

    pushed: int
    start: datetime.date | None
    end: datetime.date | None
    missed: list[MissedNeed]


def _impacted_dates(spread: _Spread) -> dict[int, _Found]:
    missed_of: dict[int, list[MissedNeed]] = defaultdict(list)
    for (source_id, _target_id), missed in spread.missed_by_edge.items():
        missed_of[source_id].append(missed)
    found: dict[int, _Found] = {}
    for pk in set(spread.required_start) | set(missed_of):
        start = spread.start_of[pk]
        pushed = (spread.required_start[pk] - start).days if pk in spread.required_start else 0
        missed = sorted(missed_of[pk], key=lambda m: (m.needed_by, m.needed_from_id))
        found[pk] = _Found(pushed, start, spread.end_of[pk], missed)
    return found


# --- Describing what was found ----------------------------------------------------------------


@dataclass
class _Loaded:
    initiatives: dict[int, Initiative]
    roles: dict[int, list[tuple[int, str]]]  # initiative id → (authority id, role), as stored
    authorities: dict[int, Authority]  # leads and participants, with only the fields shown
    levels: dict[int, str]  # every authority's effective level


# What is shown of an authority, and what its effective level is resolved from, in the model's field order.
AUTHORITY_COLUMNS = [
    f.attname for f in Authority._meta.concrete_fields if f.attname in {"id", "name_da", "name_en", "level", "kind", "parent_id"}
]


def _load_impacted(found: dict[int, _Found]) -> _Loaded:
    """The impacted initiatives, who takes part in them, and the authorities: three queries."""
    # order_by(): the default orderings join other tables only to sort what is sorted here anyway.
    initiatives = Initiative.objects.select_related("lead", "strategy").order_by().in_bulk(list(found))
    roles: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for initiative_id, authority_id, role in Participation.objects.filter(initiative_id__in=list(found)).order_by().values_list(
        "initiative_id", "authority_id", "role"
    ):
        roles[initiative_id].append((authority_id, role))
    wanted = {authority_id for pairs in roles.values() for authority_id, _ in pairs}
    wanted |= {obj.lead_id for obj in initiatives.values()}
    authorities, levels = _load_authorities(wanted) if wanted else ({}, {})
    return _Loaded(initiatives, roles, authorities, levels)


def _load_authorities(wanted: set[int]) -> tuple[dict[int, Authority], dict[int, str]]:
    """The wanted authorities and every authority's effective level, from one query over the register.

    An institution's level may come from any ancestor, so the levels need every row; reading them
    as tuples and making objects only of the wanted ones keeps that as cheap as the wanted alone.
    """
    rows = list(Authority.objects.order_by().values_list(*AUTHORITY_COLUMNS))
    pk_at, level_at, parent_at = (AUTHORITY_COLUMNS.index(name) for name in ("id", "level", "parent_id"))
    levels = resolve_levels((row[pk_at], row[level_at], row[parent_at]) for row in rows)  # the one rule
    db = Authority.objects.db
    authorities = {row[pk_at]: Authority.from_db(db, AUTHORITY_COLUMNS, row) for row in rows if row[pk_at] in wanted}
    return authorities, levels


def _impacted_initiatives(
    found: dict[int, _Found], spread: _Spread, loaded: _Loaded
) -> tuple[list[ImpactedInitiative], dict[int, int], dict[int, int]]:
    """The impacted initiatives nearest first, and per authority how many it leads and takes part in."""
    items: list[ImpactedInitiative] = []
    leads: dict[int, int] = defaultdict(int)
    takes_part: dict[int, int] = defaultdict(int)
    authorities = loaded.authorities
    for pk, entry in found.items():
        obj = loaded.initiatives[pk]
        participants = [(authorities[obj.lead_id], Role.LEAD)]
        leads[obj.lead_id] += 1
        for authority_id, role in sorted(loaded.roles[pk], key=lambda pair: ROLE_RANK[pair[1]]):
            if authority_id != obj.lead_id:
                participants.append((authorities[authority_id], role))
                takes_part[authority_id] += 1
        shift = datetime.timedelta(days=entry.pushed)
        items.append(ImpactedInitiative(
            initiative=obj,
            distance=spread.distance_of[pk],
            pushed_days=entry.pushed,
            old_start=entry.start,
            new_start=entry.start + shift if entry.start else None,
            old_end=entry.end,
            new_end=entry.end + shift if entry.end else None,
            missed=entry.missed,
            participants=participants,
        ))
    items.sort(key=lambda item: (item.distance, -item.pushed_days, item.initiative.code, item.initiative.pk))
    return items, leads, takes_part


def _authority_hits(loaded: _Loaded, leads: dict[int, int], takes_part: dict[int, int]) -> list[AuthorityHit]:
    """The authorities hit, most impacted initiatives first, each with its effective level."""
    hits = [
        AuthorityHit(loaded.authorities[pk], loaded.levels[pk], leads.get(pk, 0), takes_part.get(pk, 0))
        for pk in set(leads) | set(takes_part)
    ]
    hits.sort(key=lambda hit: (-(hit.leads + hit.takes_part), -hit.leads, hit.authority.name_da))
    return hits


def _levels_hit(hits: list[AuthorityHit]) -> dict[str, int]:
    levels = {level: 0 for level in LEVELS}
    for hit in hits:
        if hit.level in levels:
            levels[hit.level] += 1
    return levels


def _moved_milestones(items: list[ImpactedInitiative], initiatives: dict[int, Initiative]) -> list[MovedMilestone]:
    """The open milestones of the pushed initiatives, earliest new date first."""
    pushed_by = {item.initiative.pk: item.pushed_days for item in items if item.pushed_days}
    moved = []
    for milestone in Milestone.objects.filter(initiative_id__in=list(pushed_by), done_on__isnull=True).order_by():
        milestone.initiative = initiatives[milestone.initiative_id]  # no query per row when shown
        old_date = milestone.forecast_date or milestone.baseline_date
        moved.append(MovedMilestone(milestone, old_date, old_date + datetime.timedelta(days=pushed_by[milestone.initiative_id])))
    moved.sort(key=lambda item: (item.new_date, item.milestone.pk))
    return moved
