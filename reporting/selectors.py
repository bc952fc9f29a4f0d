"""What the reporting pages show, each read in a fixed number of queries whatever the portfolio's size.

Everything is evaluated here (lists, not QuerySets), so no template runs a query.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from authorities.models import coordinated_authority_ids, localized, localized_name
from benefits.models import FollowUp
from common.roles import is_secretariat, reads_everything
from initiatives.models import HEALTH_RANK

from .comparison import InitiativeChange, compare_rows, previous_cycle
from .models import Cycle, ReportState, StatusReport, approved_authority_ids
from .snapshots import comparison_rows, cycle_rows

SUBMITTED_OR_LATER = (ReportState.SUBMITTED, ReportState.APPROVED, ReportState.ACCEPTED)
APPROVED_OR_LATER = (ReportState.APPROVED, ReportState.ACCEPTED)
# The longest list of reports a cycle page shows in one section; the admin lists them all.
SECTION_LIMIT = 200


def _progress_counts(prefix: str = "") -> dict:
    state = f"{prefix}state__in"
    return {
        "owed": Count(f"{prefix}pk"),
        "submitted": Count(f"{prefix}pk", filter=Q(**{state: SUBMITTED_OR_LATER})),
        "approved": Count(f"{prefix}pk", filter=Q(**{state: APPROVED_OR_LATER})),
        "accepted": Count(f"{prefix}pk", filter=Q(**{f"{prefix}state": ReportState.ACCEPTED})),
        "returned": Count(f"{prefix}pk", filter=Q(**{f"{prefix}state": ReportState.RETURNED})),
    }


def cycle_list() -> list[Cycle]:
    """Every cycle, newest first, with how far its reports have come. Two queries."""
    return list(Cycle.objects.prefetch_related("strategies").annotate(**_progress_counts("reports__")))


@dataclass
class AuthorityProgress:
    authority_id: int
    name: str
    owed: int
    submitted: int
    approved: int
    accepted: int
    returned: int
    # Benefits follow-ups due within the cycle's period, of the authority's initiatives.
    follow_ups_owed: int = 0
    follow_ups_unrecorded: int = 0

    @property
    def not_submitted(self) -> int:
        return self.owed - self.submitted

    @property
    def not_approved(self) -> int:
        return self.owed - self.approved


@dataclass
class CycleDetail:
    cycle: Cycle
    totals: dict
    authorities: list[AuthorityProgress]
    overdue: list[AuthorityProgress]  # after the deadline, or after a reminder: still owing
    is_past_deadline: bool
    reminded_on: datetime.date | None  # the latest reminder day passed, before the deadline
    mine: list[StatusReport] = field(default_factory=list)  # to fill in
    to_approve: list[StatusReport] = field(default_factory=list)
    to_accept: list[StatusReport] = field(default_factory=list)
    divergences: list[StatusReport] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)  # owed in the cycle, by due date



def _authority_progress(cycle: Cycle, follow_ups: list[FollowUp]) -> list[AuthorityProgress]:
    rows = (
        StatusReport.objects.filter(cycle=cycle).order_by()
        .values("initiative__lead_id", "initiative__lead__name_da", "initiative__lead__name_en")
        .annotate(**_progress_counts())
    )
    progress = {
        row["initiative__lead_id"]: AuthorityProgress(
            row["initiative__lead_id"], localized_name(row["initiative__lead__name_da"], row["initiative__lead__name_en"]),
            row["owed"], row["submitted"], row["approved"], row["accepted"], row["returned"],
        )
        for row in rows
    }
    for follow_up in follow_ups:
        lead = follow_up.initiative.lead
        if lead.pk not in progress:
            progress[lead.pk] = AuthorityProgress(lead.pk, lead.name, 0, 0, 0, 0, 0)
        progress[lead.pk].follow_ups_owed += 1
        progress[lead.pk].follow_ups_unrecorded += follow_up.recorded_at is None
    return sorted(progress.values(), key=lambda p: (p.name, p.authority_id))


def _follow_ups_owed(cycle: Cycle):
    """The benefits follow-ups owed in a cycle: those due within its period, whichever strategy
    (a follow-up falls a year after its initiative ended, often after its strategy)."""
    return FollowUp.objects.due_between(cycle.period_start, cycle.period_end)


def _reports(queryset) -> list[StatusReport]:
    return list(
        queryset.select_related("initiative__strategy", "initiative__lead", "submitted_by")
        .order_by("initiative__strategy__start_year", "initiative__code", "pk")[:SECTION_LIMIT]
    )


def cycle_detail(cycle: Cycle, user, today: datetime.date) -> CycleDetail:
    """Who has submitted and approved, who is overdue, and the reports waiting for this user."""
    # All of them in one query (a few hundred a cycle at national scale): the counts per authority
    # are taken from the same rows the page lists.
    follow_ups = list(_follow_ups_owed(cycle).select_related("initiative__strategy", "initiative__lead")
                      .order_by("due_on", "initiative__code", "pk"))
    authorities = _authority_progress(cycle, follow_ups)
    totals = {
        name: sum(getattr(a, name) for a in authorities)
        for name in ("owed", "submitted", "approved", "accepted", "returned", "follow_ups_owed", "follow_ups_unrecorded")
    }
    past = today > cycle.deadline
    reminded_on = max((r.remind_on for r in cycle.reminders.all() if r.remind_on <= today), default=None)
    behind = not cycle.is_frozen and (past or reminded_on is not None)
    detail = CycleDetail(
        cycle=cycle, totals=totals, authorities=authorities, is_past_deadline=past,
        reminded_on=None if past else reminded_on,
        # After the deadline a follow-up not yet recorded counts too (recording is not stopped by freezing).
        overdue=[a for a in authorities if (behind and a.not_approved) or (past and a.follow_ups_unrecorded)],
        follow_ups=follow_ups[:SECTION_LIMIT],
    )
    reports = StatusReport.objects.filter(cycle=cycle)
    if not cycle.is_frozen:
        if not is_secretariat(user) and coordinated_authority_ids(user):
            detail.mine = _reports(
                reports.editable_by(user).filter(state__in=(ReportState.DRAFT, ReportState.RETURNED))
            )
        if approved_authority_ids(user):
            detail.to_approve = _reports(reports.approvable_by(user))
        if is_secretariat(user):
            detail.to_accept = _reports(reports.filter(state=ReportState.APPROVED))
    # Where the assessment is better than the computed light: what a steering group asks about.
    divergent = reports.visible_to(user).exclude(assessed="").exclude(computed_overall="")
    detail.divergences = [r for r in _reports(divergent.filter(_better_than_computed())) if r.diverges]
    return detail


def _better_than_computed() -> Q:
    return Q(assessed="green", computed_overall__in=["yellow", "red"]) | Q(assessed="yellow", computed_overall="red")


def can_read_texts(user, row: dict) -> bool:
    """A report's texts are read by the secretariat (its readers too) and by the lead's coordinators
    and approvers."""
    if reads_everything(user):
        return True
    return row["lead_id"] in coordinated_authority_ids(user) | approved_authority_ids(user)


@dataclass
class FocusAreaSection:
    code: str
    name: str
    rows: list[dict]


@dataclass
class StrategySection:
    code: str
    areas: list[FocusAreaSection]


@dataclass
class SteeringReport:
    cycle: Cycle
    previous: Cycle | None
    strategies: list[StrategySection]
    at_risk: list[dict]
    changes: list[InitiativeChange]
    lights: dict  # assessed colour → count


def steering_report(cycle: Cycle, user) -> SteeringReport:
    """A cycle's rows per strategy and focus area, the at-risk interdependencies, and the changes since
    the previous frozen cycle."""
    rows = cycle_rows(cycle)
    previous = previous_cycle(cycle)
    changes = compare_rows(comparison_rows(previous), rows) if previous else []
    changed_ids = {change.initiative_id: change for change in changes}
    strategies: list[StrategySection] = []
    lights = {"green": 0, "yellow": 0, "red": 0, "": 0}
    for row in rows:
        row = {**row, "texts_readable": can_read_texts(user, row), "change": changed_ids.get(row["initiative_id"]),
               "better_than_computed": bool(row["assessed"]) and HEALTH_RANK.get(row["assessed"], 0)
               < HEALTH_RANK.get(row["computed_overall"], 0),
               "title": localized(row["title_da"], row["title_en"]), "lead": localized_name(row["lead_da"], row["lead_en"])}
        lights[row["assessed"] or ""] = lights.get(row["assessed"] or "", 0) + 1
        if not strategies or strategies[-1].code != row["strategy"]:
            strategies.append(StrategySection(row["strategy"], []))
        areas = strategies[-1].areas
        if not areas or areas[-1].code != row["focus_area"]:
            areas.append(FocusAreaSection(row["focus_area"], localized(row["focus_area_da"], row["focus_area_en"]), []))
        areas[-1].rows.append(row)
    at_risk = [
        row for section in strategies for area in section.areas for row in area.rows
        if row["interdependencies"] and row["interdependencies"]["at_risk"]
    ]
    return SteeringReport(cycle, previous, strategies, at_risk, changes, lights)


DIVERGENCE_LIMIT = 10


def latest_divergences(user, limit: int = DIVERGENCE_LIMIT) -> list[StatusReport]:
    """The reports assessed brighter than computed in the newest cycle that has any the user may
    see, for the overview: where a steering group asks first. One query (the user's role aside)."""
    reports = list(
        StatusReport.objects.visible_to(user).filter(_better_than_computed())
        .select_related("cycle", "initiative__strategy", "initiative__lead")
        .order_by("-cycle__period_start", "-cycle_id", "initiative__strategy__start_year", "initiative__code", "pk")
        [:limit]
    )
    return [report for report in reports if report.cycle_id == reports[0].cycle_id]
