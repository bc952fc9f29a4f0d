"""What the reporting pages show, each read in a fixed number of queries whatever the portfolio's size.

Everything is evaluated here (lists, not QuerySets), so no template runs a query.
"""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from authorities.models import coordinated_authority_ids, localized, localized_name
from benefits.models import FollowUp
from common.roles import is_secretariat, reads_everything
from initiatives.models import HEALTH_RANK
from risks.models import RiskStatus, risk_score
from strategies.models import Strategy

from .comparison import InitiativeChange, compare_rows, previous_cycle
from .models import Cycle, CycleSnapshot, ReportState, StatusReport, approved_authority_ids
from .snapshots import comparison_rows, cycle_rows, live_report_ids, live_rows, open_risk_rows, snapshot_data

SUBMITTED_OR_LATER = (ReportState.SUBMITTED, ReportState.APPROVED, ReportState.ACCEPTED)
APPROVED_OR_LATER = (ReportState.APPROVED, ReportState.ACCEPTED)
# The longest list of reports a cycle page shows in one section; the admin lists them all.
SECTION_LIMIT = 200
LIGHTS = ("green", "yellow", "red")


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
class ReportRisk:
    """An open risk as a status report lists it."""

    title: str
    probability: int
    impact: int
    score: int
    counted_probability: int  # what the score counts: certain (5) while escalated
    owner: str
    status: str
    escalated: bool
    review_date: datetime.date | None


def report_open_risks(report: StatusReport) -> list[ReportRisk] | None:
    """The open risks of the report's initiative: as they were when its cycle was frozen, else as of
    now; None when a frozen cycle kept none (frozen before the reports listed them). One query.

    Part of the report: shown to whoever may read the report (StatusReport.objects.visible_to)."""
    if report.cycle.is_frozen:
        rows = CycleSnapshot.objects.filter(cycle_id=report.cycle_id, initiative_id=report.initiative_id).values_list(
            "data__open_risks", flat=True).first()
        if rows is None:
            return None
    else:
        rows = open_risk_rows([report.initiative_id])[report.initiative_id]
    return [
        ReportRisk(
            title=row["title"], probability=row["probability"], impact=row["impact"], score=row["score"],
            # The register's one rule for a score, with an impact of 1: the probability it counts.
            counted_probability=risk_score(row["probability"], 1, escalated=row["escalated"]),
            owner=localized_name(row["owner_da"], row["owner_en"]),
            status=str(RiskStatus(row["status"]).label) if row["status"] in RiskStatus.values else row["status"],
            escalated=row["escalated"],
            review_date=datetime.date.fromisoformat(row["review_date"]) if row["review_date"] else None,
        )
        for row in rows
    ]


@dataclass
class FocusAreaSection:
    code: str
    name: str
    rows: list[dict]


@dataclass
class SteeringReport:
    """One strategy's report of a cycle. The figures (lights, at risk, changes) count the whole
    strategy; `areas`, `at_risk` and `changes` hold the rows of `page` (all of them when unpaged,
    as in the PDF)."""

    cycle: Cycle
    previous: Cycle | None
    strategy: Strategy | None
    areas: list[FocusAreaSection]
    at_risk: list[dict]
    changes: list[InitiativeChange]
    lights: dict  # assessed colour → count, and "total", "at_risk", "changes"
    page: Page | None = None


# Rows on one page of the steering group's report: what renders well under the page's time budget.
STEERING_PAGE_SIZE = 100


def cycle_strategies(cycle: Cycle) -> list[Strategy]:
    """The strategies a cycle covers, newest first."""
    return list(cycle.strategies.order_by("-start_year", "code"))


def default_strategy(strategies: list[Strategy], today: datetime.date) -> Strategy | None:
    """Of the strategies (newest first): the one running today, else the latest started, else the newest."""
    running = [s for s in strategies if s.start_year <= today.year <= s.end_year]
    started = [s for s in strategies if s.start_year <= today.year]
    return next(iter(running or started or strategies), None)


def _lights_of_rows(rows: list[dict]) -> dict:
    lights = {"green": 0, "yellow": 0, "red": 0, "": 0, "total": len(rows), "at_risk": 0}
    for row in rows:
        lights[row["assessed"] or ""] += 1
        lights["at_risk"] += bool(row["interdependencies"] and row["interdependencies"]["at_risk"])
    return lights


def _lights_of_snapshot(cycle: Cycle, strategy: Strategy) -> dict:
    """The counts from the snapshot's columns, in one query."""
    colour = {name: Count("pk", filter=Q(assessed=name)) for name in ("green", "yellow", "red")}
    lights = CycleSnapshot.objects.filter(cycle=cycle, strategy=strategy.code).aggregate(
        **colour, total=Count("pk"), at_risk=Count("pk", filter=Q(at_risk=True)),
    )
    lights[""] = lights["total"] - lights["green"] - lights["yellow"] - lights["red"]
    return lights


def _page_of_rows(cycle: Cycle, strategy: Strategy, page_number: str | None, per_page: int) -> Page:
    """Only the page's rows: a frozen cycle's stored documents, an open one's computed from the
    page's reports (their order from the strategy's narrow sort keys)."""
    if cycle.is_frozen:
        page = Paginator(snapshot_data(cycle, strategy), per_page).get_page(page_number)
        page.object_list = list(page.object_list)
        return page
    page = Paginator(live_report_ids(cycle, strategy), per_page).get_page(page_number)
    page.object_list = live_rows(cycle, strategy, report_ids=list(page.object_list))
    return page


def _lights_of_reports(cycle: Cycle, strategy: Strategy) -> dict:
    """An open cycle's counts for one strategy from its reports and the summaries, in one query."""
    colour = {name: Count("pk", filter=Q(assessed=name)) for name in LIGHTS}
    lights = StatusReport.objects.filter(cycle=cycle, initiative__strategy=strategy).aggregate(
        **colour, total=Count("pk"), at_risk=Count("pk", filter=Q(initiative__summary__at_risk=True)),
    )
    lights[""] = lights["total"] - lights["green"] - lights["yellow"] - lights["red"]
    return lights


def _decorate(row: dict, user, all_texts: bool, change: InitiativeChange | None) -> dict:
    return {
        **row, "texts_readable": all_texts or can_read_texts(user, row), "change": change,
        "better_than_computed": bool(row["assessed"])
        and HEALTH_RANK.get(row["assessed"], 0) < HEALTH_RANK.get(row["computed_overall"], 0),
        "title": localized(row["title_da"], row["title_en"]), "lead": localized_name(row["lead_da"], row["lead_en"]),
        "forecast_end_date": datetime.date.fromisoformat(row["forecast_end"]) if row["forecast_end"] else None,
    }


def _areas(rows: list[dict]) -> list[FocusAreaSection]:
    areas: list[FocusAreaSection] = []
    for row in rows:
        if not areas or areas[-1].code != row["focus_area"]:
            areas.append(FocusAreaSection(row["focus_area"], localized(row["focus_area_da"], row["focus_area_en"]), []))
        areas[-1].rows.append(row)
    return areas


def steering_report(
    cycle: Cycle, user, strategy: Strategy | None, *, per_page: int | None, page_number: str | None = None,
    all_texts: bool = False,
) -> SteeringReport:
    """One strategy's report: its rows per focus area (one page of them, or all when per_page is
    None), the at-risk interdependencies, and the changes since the previous frozen cycle.

    A fixed number of queries whatever the size; a frozen cycle's page reads only that page's
    snapshot documents (and the strategy's narrow comparison columns for the changes)."""
    previous = previous_cycle(cycle)
    if strategy is None:
        return SteeringReport(cycle, previous, None, [], [], [], _lights_of_rows([]))
    page = None
    if per_page is None:
        rows = cycle_rows(cycle, strategy)
        lights = _lights_of_rows(rows)
    else:
        page = _page_of_rows(cycle, strategy, page_number, per_page)
        rows = page.object_list
        lights = _lights_of_snapshot(cycle, strategy) if cycle.is_frozen else _lights_of_reports(cycle, strategy)
    all_changes, covered = [], set()
    if previous:
        later = comparison_rows(cycle, strategy)
        covered = {row["initiative_id"] for row in later}
        all_changes = compare_rows(comparison_rows(previous, strategy), later)
    lights["changes"] = len(all_changes)
    by_initiative = {change.initiative_id: change for change in all_changes}
    rows = [_decorate(row, user, all_texts, by_initiative.get(row["initiative_id"])) for row in rows]
    shown = {row["initiative_id"] for row in rows}
    # Those no longer covered are on no page of rows: the last page lists them.
    last = page is None or not page.has_next()
    changes = [c for c in all_changes if c.initiative_id in shown or (last and c.initiative_id not in covered)]
    at_risk = [row for row in rows if row["interdependencies"] and row["interdependencies"]["at_risk"]]
    return SteeringReport(cycle, previous, strategy, _areas(rows), at_risk, changes, lights, page)


@dataclass
class CycleLights:
    """How many of a cycle's submitted reports were assessed, and computed, each colour."""

    code: str
    assessed: dict  # colour → count
    computed: dict
    reported: int  # submitted or further
    owed: int


def cycle_trends() -> list[CycleLights]:
    """Every cycle's assessed and computed lights, oldest first: the trend over time. One query.
    A draft has said nothing yet; a frozen cycle's reports never change (the database refuses it)."""
    counts = {
        f"{kind}_{colour}": Count(
            "reports", filter=Q(**{f"reports__{field}": colour, "reports__state__in": SUBMITTED_OR_LATER})
        )
        for kind, field in (("assessed", "assessed"), ("computed", "computed_overall")) for colour in LIGHTS
    }
    rows = (
        Cycle.objects.order_by("period_start", "code")
        .annotate(**counts, reported=Count("reports", filter=Q(reports__state__in=SUBMITTED_OR_LATER)),
                  owed=Count("reports"))
        .values("code", "reported", "owed", *counts)
    )
    return [
        CycleLights(row["code"], {c: row[f"assessed_{c}"] for c in LIGHTS}, {c: row[f"computed_{c}"] for c in LIGHTS},
                    row["reported"], row["owed"])
        for row in rows
    ]


def trend_chart(trends: list[CycleLights]) -> dict:
    """The trend as the chart script reads it (the table beside it holds the same figures)."""
    return {
        "labels": [t.code for t in trends],
        "series": [
            {"stack": kind, "light": colour, "values": [getattr(t, kind)[colour] for t in trends]}
            for kind in ("computed", "assessed") for colour in LIGHTS
        ],
    }


@dataclass
class InitiativeCycleLights:
    code: str
    computed: str  # "" when the report was not submitted
    assessed: str
    track: str
    state: str


def initiative_trend(initiative_id: int) -> list[InitiativeCycleLights]:
    """An initiative's computed and assessed light in each cycle, oldest first. One query."""
    reports = (
        StatusReport.objects.filter(initiative_id=initiative_id).order_by("cycle__period_start", "cycle__code")
        .values_list("cycle__code", "computed_overall", "assessed", "track", "state")
    )
    return [InitiativeCycleLights(*row) for row in reports]


def initiative_trend_section(initiative):
    """The initiative page's section of lights per cycle (registered in ReportingConfig.ready)."""
    from initiatives.selectors import PageSection

    trend = initiative_trend(initiative.pk)
    order = {"green": 1, "yellow": 2, "red": 3}
    chart = {
        "labels": [t.code for t in trend],
        "computed": [order.get(t.computed) for t in trend],
        "assessed": [order.get(t.assessed) for t in trend],
    }
    return PageSection("reporting/includes/initiative_trend.html", {"trend": trend, "chart": chart},
                       ["vendor/chartjs/chart.umd.min.js", "js/initiative-trend.js"] if trend else [])


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
