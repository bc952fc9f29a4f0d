"""The demo's reporting cycles, so that every reporting page has something to show: a frozen
2026-H1 and an open 2026-H2 (its deadline after the demo date) with reports in every state, a
divergence (assessed better than computed, with a rationale), a pending rebaseline request and
authorities still owing after a reminder. Written through the reporting services, like any
other use; the texts are illustrative.

Runs after the demo portfolio and its users exist (seed_demo calls it); idempotent.
"""

import datetime
from itertools import cycle as repeat

from django.contrib.auth.models import User
from django.db import transaction

from authorities.models import Authority, Kind
from initiatives.models import Health, Initiative
from initiatives.services import initiative_update
from reporting import services as reporting
from reporting.models import Approver, Cycle, ReportState, StatusReport, Track
from strategies.models import Strategy
from summaries.engine.run import recompute_summaries

ILLUSTRATIVE = "(illustrativ) "
# The demo's approvers: each authority's management, beside its coordinator (reference.demo).
DEMO_APPROVERS = [
    ("kk-approver", "Godkender, Københavns Kommune", {"kind": Kind.MUNICIPALITY, "code": "0101"}),
    ("rm-approver", "Godkender, Region Midtjylland", {"kind": Kind.REGION, "code": "1082"}),
]
COVERED_STRATEGIES = ("2022-2025", "2026-2029")


def ensure_demo_approvers() -> list[tuple[User, bool]]:
    """The approver users (not staff: they approve on the product's pages); (user, created)."""
    result = []
    for username, full_name, lookup in DEMO_APPROVERS:
        first, _, last = full_name.partition(", ")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.invalid", "first_name": first, "last_name": last},
        )
        Approver.objects.get_or_create(user=user, authority=Authority.objects.get(**lookup))
        result.append((user, created))
    return result


def _users() -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(
        username__in=["analyst", "kk-coordinator", "rm-coordinator", "digst-coordinator", "kk-approver", "rm-approver"]
    )}


def _assessment(report: StatusReport, *, better: bool = False) -> dict:
    """An illustrative report: the computed light as the assessment, a track for yellow or red;
    `better`: one step brighter than computed, with the rationale that requires."""
    computed = report.initiative.assess_health().overall
    assessed = computed
    texts = {
        "progress": f"{ILLUSTRATIVE}Leverancerne i perioden er gennemført som planlagt.",
        "next_steps": f"{ILLUSTRATIVE}Udbredelse til de næste enheder.",
        "main_risks": f"{ILLUSTRATIVE}Afhængighed af fælles infrastruktur.",
    }
    if better and computed != Health.GREEN:
        assessed = Health.YELLOW if computed == Health.RED else Health.GREEN
        texts["rationale"] = f"{ILLUSTRATIVE}Ny leverandør er på plads og indhenter forsinkelsen inden for kvartalet."
    if assessed != Health.GREEN:
        texts["track"] = Track.BACK_TO_PLAN
    return {"assessed": assessed, **texts}


def _author(report: StatusReport, users: dict[str, User]) -> User:
    """The lead's demo coordinator, else the secretariat filling in on the lead's behalf."""
    by_lead = {"Københavns Kommune": "kk-coordinator", "Region Midtjylland": "rm-coordinator",
               "Digitaliseringsstyrelsen": "digst-coordinator"}
    return users.get(by_lead.get(report.initiative.lead.name_da, ""), users["analyst"])


def _approver(report: StatusReport, users: dict[str, User]) -> User | None:
    by_lead = {"Københavns Kommune": "kk-approver", "Region Midtjylland": "rm-approver"}
    return users.get(by_lead.get(report.initiative.lead.name_da, ""))


def _walk(report: StatusReport, state: str, users: dict[str, User], *, better: bool = False) -> None:
    """Take a report as far as `state` through the services."""
    if state == ReportState.DRAFT:
        reporting.report_save(report=report, user=_author(report, users),
                              progress=f"{ILLUSTRATIVE}Kladde: fremdriften beskrives.")
        return
    report = reporting.report_submit(report=report, user=_author(report, users), **_assessment(report, better=better))
    if state == ReportState.SUBMITTED:
        return
    approver = _approver(report, users)
    if approver is None:
        return  # no demo approver for this authority: it waits
    if state == ReportState.RETURNED:
        reporting.report_return(report=report, user=users["analyst"],
                                comment=f"{ILLUSTRATIVE}Beskriv de væsentligste risici nærmere.")
        return
    report = reporting.report_approve(report=report, user=approver)
    if state == ReportState.ACCEPTED:
        reporting.report_accept(report=report, user=users["analyst"])


def _reports(cycle: Cycle) -> list[StatusReport]:
    return list(cycle.reports.select_related("initiative__lead", "initiative__strategy")
                .order_by("initiative__strategy__start_year", "initiative__code", "pk"))


def _open(code: str, start: datetime.date, end: datetime.date, deadline: datetime.date,
          reminders: list[datetime.date], analyst: User) -> Cycle:
    return reporting.cycle_open(
        user=analyst, code=code, period_start=start, period_end=end, deadline=deadline,
        strategies=Strategy.objects.filter(code__in=COVERED_STRATEGIES), reminders=reminders,
    )


def _first_half(users: dict[str, User]) -> Cycle:
    """2026-H1: København's and Midtjylland's reports accepted, one divergence, the rest submitted; frozen."""
    cycle = _open("2026-H1", datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), datetime.date(2026, 8, 14),
                  [datetime.date(2026, 8, 1)], users["analyst"])
    diverged = False
    for report in _reports(cycle):
        computed = report.initiative.assess_health().overall
        better = not diverged and computed != Health.GREEN
        diverged = diverged or better
        _walk(report, ReportState.ACCEPTED, users, better=better)
    return reporting.cycle_freeze(cycle=cycle, user=users["analyst"])


def _between_cycles(users: dict[str, User]) -> None:
    """What the comparison finds: a forecast end moved, and an approved new baseline."""
    kobenhavn = Initiative.objects.filter(lead__name_da="Københavns Kommune", strategy__code__in=COVERED_STRATEGIES,
                                          status__in=["planned", "active"], forecast_end__isnull=False)
    moved = kobenhavn.order_by("code", "pk").first()
    if moved is not None:
        initiative_update(initiative=moved, forecast_end=moved.forecast_end + datetime.timedelta(days=61))
        request = reporting.rebaseline_request_create(
            initiative=moved, user=users["kk-coordinator"], baseline_start=moved.baseline_start,
            baseline_end=moved.forecast_end, baseline_budget=moved.baseline_budget,
            reason=f"{ILLUSTRATIVE}Ny tidsplan efter udbud, godkendt i styregruppen.",
        )
        reporting.rebaseline_request_approve(request=request, user=users["analyst"], comment="")


STATES_IN_TURN = [ReportState.ACCEPTED, ReportState.APPROVED, ReportState.SUBMITTED, ReportState.RETURNED,
                  ReportState.DRAFT]


def _second_half(users: dict[str, User]) -> Cycle:
    """2026-H2, open: København's and Midtjylland's reports in every state, a divergence, a pending
    rebaseline request; the other authorities' reports untouched (still owing after the reminder)."""
    cycle = _open("2026-H2", datetime.date(2026, 7, 1), datetime.date(2026, 12, 31), datetime.date(2027, 1, 15),
                  [datetime.date(2026, 10, 15), datetime.date(2027, 1, 8)], users["analyst"])
    states = repeat(STATES_IN_TURN)
    diverged = False
    for report in _reports(cycle):
        if report.initiative.lead.name_da not in ("Københavns Kommune", "Region Midtjylland"):
            continue
        state = next(states)
        computed = report.initiative.assess_health().overall
        better = not diverged and computed != Health.GREEN and state != ReportState.DRAFT
        diverged = diverged or better
        _walk(report, state, users, better=better)
    # A new plan waiting for the secretariat, asked for with one of København's reports.
    asking = (cycle.reports.filter(initiative__lead__name_da="Københavns Kommune")
              .exclude(initiative__rebaseline_requests__state="pending").select_related("initiative")
              .order_by("-state", "pk").first())
    if asking is not None:
        initiative = asking.initiative
        reporting.rebaseline_request_create(
            initiative=initiative, user=users["kk-coordinator"], report=asking,
            baseline_start=initiative.baseline_start,
            baseline_end=(initiative.forecast_end or initiative.baseline_end or datetime.date(2027, 12, 31))
            + datetime.timedelta(days=90),
            baseline_budget=initiative.baseline_budget,
            reason=f"{ILLUSTRATIVE}Ny plan: udrulningen deles i to faser.",
        )
    return cycle


def seed_demo_reporting() -> bool:
    """The demo's cycles; False when they are there already."""
    if Cycle.objects.filter(code__in=["2026-H1", "2026-H2"]).exists():
        return False
    ensure_demo_approvers()
    users = _users()
    # The frozen cycle records the interdependency figures: compute them first.
    recompute_summaries(wait=True)
    with transaction.atomic():
        _first_half(users)
        _between_cycles(users)
        _second_half(users)
    return True
