"""What changed between two cycles, initiative by initiative and field by field: the assessed
status, the forecast end (and by how many days), the baseline version, the track; and which
initiatives were added, completed, cancelled or are no longer covered. The assessment and the
track are compared only between submitted reports: a draft has not said anything yet.

Both sides are the cycles' rows (reporting.snapshots.cycle_rows): a frozen cycle's snapshot, an
open cycle's rows as of now.
"""

import datetime
from dataclasses import dataclass, field

from initiatives.models import Initiative, Status
from strategies.models import Strategy

from .models import Cycle
from .snapshots import comparison_rows

# The fields compared, in the order they are listed.
COMPARED_FIELDS = ("assessed", "forecast_end", "baseline_version", "track", "status")


class Change:
    """What happened to an initiative between the two cycles."""

    CHANGED = "changed"
    ADDED = "added"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DROPPED = "dropped"  # no longer covered, yet neither completed nor cancelled


# The kinds in the order a summary counts them.
CHANGE_KINDS = (Change.CHANGED, Change.ADDED, Change.COMPLETED, Change.CANCELLED, Change.DROPPED)


@dataclass
class FieldChange:
    field: str
    before: object
    after: object
    days: int | None = None  # for the forecast end: how far it moved (positive: later)

    def as_json(self) -> dict:
        result = {"from": self.before, "to": self.after}
        if self.days is not None:
            result["days"] = self.days
        return result


@dataclass
class InitiativeChange:
    initiative_id: int
    code: str
    title_da: str
    title_en: str
    kind: str
    fields: list[FieldChange] = field(default_factory=list)
    row: dict | None = None  # the later cycle's row (the earlier's for one no longer covered)

    def as_json(self) -> dict:
        return {
            "initiative_id": self.initiative_id,
            "code": self.code,
            "title": self.title_da,
            "change": self.kind,
            "fields": {change.field: change.as_json() for change in self.fields},
        }


def _days(before: str | None, after: str | None) -> int | None:
    if not (before and after):
        return None
    return (datetime.date.fromisoformat(after) - datetime.date.fromisoformat(before)).days


# A report not (or no longer) submitted has no assessment to compare yet.
UNREPORTED_STATES = frozenset({"draft", "returned"})
REPORTED_FIELDS = frozenset({"assessed", "track"})


def field_changes(before: dict, after: dict) -> list[FieldChange]:
    changes = []
    unreported = before.get("report_state") in UNREPORTED_STATES or after.get("report_state") in UNREPORTED_STATES
    for name in COMPARED_FIELDS:
        if unreported and name in REPORTED_FIELDS:
            continue
        old, new = before.get(name), after.get(name)
        if old != new:
            changes.append(FieldChange(name, old, new, _days(old, new) if name == "forecast_end" else None))
    return changes


def _ended_kind(status: str | None) -> str:
    return {Status.COMPLETED: Change.COMPLETED, Status.CANCELLED: Change.CANCELLED}.get(status, Change.DROPPED)


def compare_rows(earlier: list[dict], later: list[dict]) -> list[InitiativeChange]:
    """The changes from the earlier rows to the later, in the later cycle's order (then the rest)."""
    before = {row["initiative_id"]: row for row in earlier}
    after = {row["initiative_id"]: row for row in later}
    gone = [pk for pk in before if pk not in after]
    # Why an initiative is no longer covered: its status now (one query).
    status_now = dict(Initiative.objects.filter(pk__in=gone).values_list("pk", "status"))
    changes = []
    for pk, row in after.items():
        if pk not in before:
            changes.append(InitiativeChange(pk, row["code_with_strategy"], row["title_da"], row["title_en"],
                                            Change.ADDED, row=row))
            continue
        fields = field_changes(before[pk], row)
        if fields:
            kind = _ended_kind(row["status"]) if row["status"] in (Status.COMPLETED, Status.CANCELLED) else Change.CHANGED
            changes.append(InitiativeChange(pk, row["code_with_strategy"], row["title_da"], row["title_en"], kind,
                                            fields, row=row))
    for pk in gone:
        row = before[pk]
        changes.append(InitiativeChange(pk, row["code_with_strategy"], row["title_da"], row["title_en"],
                                        _ended_kind(status_now.get(pk)), row=row))
    return changes


def compare_cycles(earlier: Cycle, later: Cycle, strategy: Strategy | None = None) -> list[InitiativeChange]:
    """The changes between two cycles, of one strategy's initiatives when given."""
    return compare_rows(comparison_rows(earlier, strategy), comparison_rows(later, strategy))


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The frozen cycle before this one (by period), the steering group's last picture."""
    return (
        Cycle.objects.frozen().filter(period_start__lt=cycle.period_start).exclude(pk=cycle.pk)
        .order_by("-period_start", "-pk").first()
    )
