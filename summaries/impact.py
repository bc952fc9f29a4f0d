"""Delay-impact analysis: what would a slip of one initiative do downstream?

Finish-to-start along prerequisites, counting only the delay the slip adds. The schedule as it is
now (the forecast dates) is compared with the same schedule after the slip. A dependant cannot
start before what it needs has ended, so it moves by the part of the delay its slack does not
absorb: new latest end of its prerequisites − (its start, or their latest end before the slip if
that is later). That is never more than the most any prerequisite moved, so nothing moves by more
than the slip. A dependant that starts before a prerequisite ends was late before the slip: that
lateness is reported apart and never charged to the slip. One not yet started moves its start and
its end; one under way (STARTED_STATUSES) keeps its start and only its end moves. Any kind of
dependency with a `needed_by` date is missed when the projected end passes it. Where the provider
has committed to a date in a dependency agreement, that date is when the dependant gets what it
needs (not the provider's forecast end), and a slip moves it as far as the provider's end.

Only what moves is followed, wave by wave, so the work grows with the part of the portfolio that moves.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement
from authorities.models import Authority, resolve_levels
from initiatives.models import (
    OPEN_STATUSES,
    STARTED_STATUSES,
    Dependency,
    DependencyKind,
    Initiative,
    Milestone,
    Participation,
    Role,
    Status,
)

from .models import LEVELS

# The longest delay the analysis is asked about (ten years): the page, the command and the API refuse more.
MAX_DELAY_DAYS = 3650

# Participants are listed by role, in the order the roles are declared (lead first).
ROLE_RANK = {role: rank for rank, role in enumerate(Role.values)}

# The rule above in one sentence, for the people who read the result (the page and the command).
RULE = gettext_lazy(
    "Finish to start: an initiative moves only by the part of the delay that its slack does not absorb, "
    "never by more than the delay itself; one not yet started moves its start and end, one under way keeps "
    "its start and moves its end, and lateness that existed before the slip is shown apart, not added to it."
)


class NotDelayable(ValueError):
    """The initiative is completed or cancelled: there is no work left that could slip."""


@dataclass(frozen=True)
class MissedNeed:
    """A `needed_by` date on one of the dependant's dependencies that the delay makes it miss."""

    needed_from_id: int  # the upstream initiative that would deliver too late
    needed_by: datetime.date
    delivered: datetime.date  # its projected new end
    delivered_before: datetime.date  # its end before the slip

    @property
    def days_late(self) -> int:
        return (self.delivered - self.needed_by).days

    @property
    def days_late_before(self) -> int:
        """How late it was forecast to be before the slip: not the slip's doing."""
        return max(0, (self.delivered_before - self.needed_by).days)

    @property
    def newly_missed(self) -> bool:
        return self.days_late_before == 0


@dataclass
class ImpactedInitiative:
    """A downstream initiative the delay moves or makes miss a date."""

    initiative: Initiative
    distance: int  # dependency edges from the delayed initiative
    pushed_days: int  # how far its end moves; 0 when it only misses a needed-by date
    started: bool  # under way: its start stays where it is
    old_start: datetime.date | None
    new_start: datetime.date | None
    old_end: datetime.date | None
    new_end: datetime.date | None
    late_before_days: int  # how long before the end of what it needs it starts, before the slip
    late_behind: Initiative | None  # that prerequisite, the one that ends last
    late_behind_end: datetime.date | None  # its end before the slip
    missed: list[MissedNeed]
    participants: list[tuple[Authority, str]]  # (authority, role), the lead first

    @property
    def is_pushed(self) -> bool:
        return self.pushed_days > 0

    @property
    def start_moves(self) -> bool:
        return self.new_start != self.old_start

    @property
    def was_late_before(self) -> bool:
        return self.late_before_days > 0


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

    @property
    def late_before(self) -> list[ImpactedInitiative]:
        return [item for item in self.initiatives if item.was_late_before]


def impact_of_delay(initiative: Initiative, days: int) -> DelayImpact:
    """Every downstream initiative that `days` of delay to `initiative` would move or make miss a date.

    Raises NotDelayable for a completed or cancelled initiative. Each wave is one query for the
    dependants of the initiatives that moved in the previous wave, with everything they depend on
    and its dates. An initiative reached again and moved further moves again, so the result does
    not depend on the order of discovery.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    _refuse_closed(initiative)
    spread = _Spread.of_delay(initiative, days)
    frontier = set(spread.shift_of)
    while frontier:
        frontier = _next_wave(spread, frontier)
    found = _impacted_dates(spread, initiative.pk)
    loaded = _load_impacted(found)
    items, leads, takes_part = _impacted_initiatives(found, spread, loaded)
    hits = _authority_hits(loaded, leads, takes_part)
    return DelayImpact(
        initiative=initiative,
        days=days,
        old_end=spread.end_of[initiative.pk],
        new_end=spread.new_end(initiative.pk),
        initiatives=items,
        authorities=hits,
        levels=_levels_hit(hits),
        milestones=_moved_milestones(items, loaded.initiatives),
    )


def _refuse_closed(initiative: Initiative) -> None:
    """Raise NotDelayable, saying why, unless the initiative is open (OPEN_STATUSES)."""
    if initiative.status in OPEN_STATUSES:
        return
    raise NotDelayable(
        _("%(code)s is “%(status)s”, so it cannot be delayed: only planned, active and paused initiatives can.")
        % {"code": initiative.code_with_strategy, "status": Status(initiative.status).label}
    )


# --- Following the delay downstream, wave by wave -------------------------------------------


@dataclass(frozen=True)
class _Need:
    """One dependency of a reached dependant, with the end of what it depends on before the slip."""

    target_id: int
    kind: str
    needed_by: datetime.date | None
    end: datetime.date | None


@dataclass(frozen=True)
class _Lateness:
    """How long before its last prerequisite ends a dependant starts, before the slip."""

    days: int
    waits_for: int  # the prerequisite that ends last
    its_end: datetime.date


@dataclass
class _Spread:
    """What the waves have found so far, by initiative id."""

    start_of: dict[int, datetime.date | None]
    end_of: dict[int, datetime.date | None]  # before the slip
    started: set[int] = field(default_factory=set)
    shift_of: dict[int, int] = field(default_factory=dict)  # days the end moves, for those that move
    distance_of: dict[int, int] = field(default_factory=dict)
    late_before_of: dict[int, _Lateness] = field(default_factory=dict)
    missed_by_edge: dict[tuple[int, int], MissedNeed] = field(default_factory=dict)  # (dependant, upstream)

    @classmethod
    def of_delay(cls, initiative: Initiative, days: int) -> _Spread:
        old_end = initiative.forecast_end or initiative.baseline_end
        spread = cls(
            start_of={initiative.pk: initiative.forecast_start or initiative.baseline_start},
            end_of={initiative.pk: old_end},
            distance_of={initiative.pk: 0},
        )
        if old_end is not None and days:
            spread.shift_of[initiative.pk] = days
        return spread

    def new_end(self, pk: int) -> datetime.date | None:
        end = self.end_of[pk]
        return end + datetime.timedelta(days=self.shift_of.get(pk, 0)) if end else None


def _next_wave(spread: _Spread, frontier: set[int]) -> set[int]:
    """Move the open dependants of the initiatives in `frontier`; returns those that moved further."""
    reached = Dependency.objects.filter(target_id__in=frontier, source__status__in=OPEN_STATUSES).values("source_id")
    # Every dependency of the dependants, not only those on the frontier: a prerequisite that did
    # not move may hold a dependant back longer than the one that did, and then absorbs the delay.
    rows = Dependency.objects.filter(source_id__in=reached).order_by().annotate(
        committed_date=Agreement.objects.committed_date_of(OuterRef("pk"))
    ).values_list(
        "committed_date", "source_id", "target_id", "kind", "needed_by", "target__status", "target__forecast_end", "target__baseline_end",
        "source__status", "source__forecast_start", "source__baseline_start", "source__forecast_end",
        "source__baseline_end",
    )
    needs_of: dict[int, list[_Need]] = defaultdict(list)
    for (committed_date, source_id, target_id, kind, needed_by, target_status, target_forecast_end, target_baseline_end,
         status, forecast_start, baseline_start, forecast_end, baseline_end) in rows:
        spread.start_of[source_id] = forecast_start or baseline_start
        spread.end_of[source_id] = forecast_end or baseline_end
        if status in STARTED_STATUSES:
            spread.started.add(source_id)
        if target_status != Status.CANCELLED:  # it will deliver nothing, so nothing waits for it
            delivered = committed_date or target_forecast_end or target_baseline_end
            needs_of[source_id].append(_Need(target_id, kind, needed_by, delivered))
    return {source_id for source_id, needs in needs_of.items() if _reach(spread, source_id, needs)}


def _reach(spread: _Spread, source_id: int, needs: list[_Need]) -> bool:
    """Note what the moved prerequisites and missed dates do to one dependant; True when it moves further."""
    missed = _missed_needs(spread, source_id, needs)
    shift = _additional_delay(spread, source_id, [need for need in needs if need.kind == DependencyKind.PREREQUISITE])
    moves = shift > spread.shift_of.get(source_id, 0)
    if moves:
        spread.shift_of[source_id] = shift
    if moves or missed:
        nearest = min(spread.distance_of[need.target_id] for need in needs if need.target_id in spread.shift_of) + 1
        spread.distance_of[source_id] = min(spread.distance_of.get(source_id, nearest), nearest)
    return moves


def _missed_needs(spread: _Spread, source_id: int, needs: list[_Need]) -> bool:
    """Record the needed-by dates the moved dependencies now pass; True when there are any."""
    any_missed = False
    for need in needs:
        shift = spread.shift_of.get(need.target_id)
        if shift is None or need.needed_by is None or need.end is None:
            continue
        delivered = need.end + datetime.timedelta(days=shift)
        if delivered > need.needed_by:
            spread.missed_by_edge[(source_id, need.target_id)] = MissedNeed(
                need.target_id, need.needed_by, delivered, need.end
            )
            any_missed = True
    return any_missed


def _additional_delay(spread: _Spread, source_id: int, prerequisites: list[_Need]) -> int:
    """The days the slip adds to the dependant's wait for its prerequisites (and notes its earlier lateness).

    Before the slip it can start at the later of its start and their latest end; after it, not
    before their latest new end. The difference is what the slip adds; the part of the wait that
    existed before is lateness of its own, not the slip's.
    """
    dated = [need for need in prerequisites if need.end is not None]
    if not dated:
        return 0
    last = max(dated, key=lambda need: (need.end, need.target_id))
    new_last = max(need.end + datetime.timedelta(days=spread.shift_of.get(need.target_id, 0)) for need in dated)
    start = spread.start_of[source_id]
    if start is None:
        # Without a start its slack is unknown: the delay passes through whole, which is still no more than the slip.
        return (new_last - last.end).days
    if last.end > start:
        spread.late_before_of[source_id] = _Lateness((last.end - start).days, last.target_id, last.end)
    return max(0, (new_last - max(start, last.end)).days)


@dataclass
class _Found:
    """One impacted initiative's old dates, how far it moves and the dates it misses."""

    pushed: int
    started: bool
    start: datetime.date | None
    end: datetime.date | None
    late_before: _Lateness | None
    missed: list[MissedNeed]


def _impacted_dates(spread: _Spread, delayed_id: int) -> dict[int, _Found]:
    missed_of: dict[int, list[MissedNeed]] = defaultdict(list)
    for (source_id, _target_id), missed in spread.missed_by_edge.items():
        missed_of[source_id].append(missed)
    found: dict[int, _Found] = {}
    for pk in (set(spread.shift_of) - {delayed_id}) | set(missed_of):
        missed = sorted(missed_of[pk], key=lambda m: (m.needed_by, m.needed_from_id))
        found[pk] = _Found(
            spread.shift_of.get(pk, 0), pk in spread.started, spread.start_of[pk], spread.end_of[pk],
            spread.late_before_of.get(pk), missed,
        )
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
    """The impacted initiatives (and the prerequisites they were already waiting for), who takes
    part in them, and the authorities: three queries."""
    waited_for = {entry.late_before.waits_for for entry in found.values() if entry.late_before}
    # order_by(): the default orderings join other tables only to sort what is sorted here anyway.
    initiatives = Initiative.objects.select_related("lead", "strategy").order_by().in_bulk(list(set(found) | waited_for))
    roles: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for initiative_id, authority_id, role in Participation.objects.filter(initiative_id__in=list(found)).order_by().values_list(
        "initiative_id", "authority_id", "role"
    ):
        roles[initiative_id].append((authority_id, role))
    wanted = {authority_id for pairs in roles.values() for authority_id, _ in pairs}
    wanted |= {initiatives[pk].lead_id for pk in found}
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
        late = entry.late_before
        items.append(ImpactedInitiative(
            initiative=obj,
            distance=spread.distance_of[pk],
            pushed_days=entry.pushed,
            started=entry.started,
            old_start=entry.start,
            new_start=entry.start + shift if entry.start and not entry.started else entry.start,
            old_end=entry.end,
            new_end=entry.end + shift if entry.end else None,
            late_before_days=late.days if late else 0,
            late_behind=loaded.initiatives[late.waits_for] if late else None,
            late_behind_end=late.its_end if late else None,
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
    """The open milestones of the pushed initiatives, earliest new date first.

    An open milestone is work still ahead, which waits for what the initiative needs: it moves as
    far as the initiative's end, in an initiative under way too."""
    pushed_by = {item.initiative.pk: item.pushed_days for item in items if item.pushed_days}
    moved = []
    for milestone in Milestone.objects.filter(initiative_id__in=list(pushed_by), done_on__isnull=True).order_by():
        milestone.initiative = initiatives[milestone.initiative_id]  # no query per row when shown
        old_date = milestone.forecast_date or milestone.baseline_date
        moved.append(MovedMilestone(milestone, old_date, old_date + datetime.timedelta(days=pushed_by[milestone.initiative_id])))
    moved.sort(key=lambda item: (item.new_date, item.milestone.pk))
    return moved
