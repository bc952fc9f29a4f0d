"""Writes and workflows of the reporting cycles: opening a cycle, a report's round (draft →
submitted → approved → accepted, or returned), rebaselining and freezing.

Every path (admin, pages, commands, the demo) goes through these functions. A refusal is a
ValidationError naming the field (nothing is saved: each function is one transaction) or
PermissionDenied when the user may not do it at all.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.events import Change, announce
from common.roles import is_secretariat
from initiatives.models import OPEN_STATUSES, Health, Initiative
from initiatives.services import initiative_update
from strategies.models import Strategy

from . import snapshots
from .events import CYCLE_FROZEN
from .models import (
    EDITABLE_REPORT_STATES,
    BaselineVersion,
    Cycle,
    CycleReminder,
    CycleSnapshot,
    CycleState,
    RebaselineRequest,
    ReportState,
    RequestState,
    StatusReport,
    approved_authority_ids,
)

# The texts of a report its author writes; everything else is set by the round.
REPORT_TEXT_FIELDS = ("assessed", "rationale", "progress", "next_steps", "main_risks", "track")
# Version 1 of a baseline recorded before versions were kept (also migrations/0003).
INITIAL_REASON = "Baseline som registreret, før baseline-versioner blev ført."


def _require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may do this."))


def _save(instance, user) -> None:
    """Save with the user recorded in the instance's history (who did it, besides when and what)."""
    instance._history_user = user
    instance.save()


def _require_open(cycle: Cycle, field: str = "cycle") -> None:
    if cycle.state != CycleState.OPEN:
        raise ValidationError(
            {field: _("The cycle %(code)s is frozen; its reports can no longer change.") % {"code": cycle.code}}
        )


# --- Cycles ------------------------------------------------------------------------------------------


def reports_owed_create(
    *, cycle: Cycle, initiative_ids: Iterable[int] | None = None, reason: str = "cycle opened"
) -> int:
    """A draft report for every open initiative of the cycle's strategies (of these, when given)
    that has none yet: the one rule of who owes a cycle a report."""
    _require_open(cycle)
    have = StatusReport.objects.filter(cycle=cycle).values("initiative_id")
    owed = Initiative.objects.filter(strategy__in=cycle.strategies.all(), status__in=OPEN_STATUSES)
    if initiative_ids is not None:
        owed = owed.filter(pk__in=list(initiative_ids))
    owed = owed.exclude(pk__in=have).values_list("pk", flat=True)
    reports = [StatusReport(cycle=cycle, initiative_id=pk) for pk in owed]
    # Through the history manager: each report's creation is audited like any other row.
    StatusReport.objects.bulk_create(reports, batch_size=2000)
    StatusReport.history.bulk_history_create(
        list(StatusReport.objects.filter(cycle=cycle, initiative_id__in=[r.initiative_id for r in reports])),
        default_change_reason=reason,
    )
    return len(reports)


@transaction.atomic
def reports_owed_for_initiative(*, initiative_id: int) -> int:
    """An initiative created, reopened or moved into a covered strategy after a cycle opened owes
    each open cycle covering it a report too. Idempotent; each cycle is locked while its reports
    are counted, so two calls at once (or a freeze) cannot both add one."""
    strategy_id = (
        Initiative.objects.filter(pk=initiative_id, status__in=OPEN_STATUSES).values_list("strategy_id", flat=True)
        .first()
    )
    if strategy_id is None:
        return 0
    cycles = Cycle.objects.filter(pk__in=Cycle.objects.open().filter(strategies=strategy_id).values("pk"))
    created = 0
    for cycle in cycles.select_for_update().order_by("pk"):
        if cycle.state == CycleState.OPEN:  # read under the lock: a freeze may have come first
            created += reports_owed_create(cycle=cycle, initiative_ids=[initiative_id], reason="came into scope")
    return created


@transaction.atomic
def cycle_open(
    *,
    user,
    code: str,
    period_start: datetime.date,
    period_end: datetime.date,
    deadline: datetime.date,
    strategies: Iterable[Strategy],
    reminders: Iterable[datetime.date] = (),
) -> Cycle:
    """The secretariat opens a cycle: every open initiative of its strategies now owes a report."""
    _require_secretariat(user)
    strategies = list(strategies)
    if not strategies:
        raise ValidationError({"strategies": _("Choose at least one strategy for the cycle to cover.")})
    cycle = Cycle(code=code, period_start=period_start, period_end=period_end, deadline=deadline)
    if deadline < period_start:
        raise ValidationError({"deadline": _("The deadline must not be before the period starts.")})
    cycle.full_clean()
    _save(cycle, user)
    cycle.strategies.set(strategies)
    for day in sorted(set(reminders)):
        # Before the deadline a reminder nudges; after it, it chases the reports overdue (as in the admin).
        if day < period_start:
            raise ValidationError({"reminders": _("A reminder must not be before the period starts.")})
        CycleReminder.objects.create(cycle=cycle, remind_on=day)
    reports_owed_create(cycle=cycle)
    return cycle


@transaction.atomic
def cycle_freeze(*, cycle: Cycle, user) -> Cycle:
    """The secretariat freezes a cycle: one immutable snapshot per covered initiative, as of now."""
    _require_secretariat(user)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_open(cycle)
    # Whatever came into scope since the cycle opened and has no report yet (the save path adds
    # them as they come; this catches a change made behind the services' back).
    reports_owed_create(cycle=cycle, reason="came into scope")
    baseline_versions_ensure(StatusReport.objects.filter(cycle=cycle).values_list("initiative_id", flat=True))
    rows = snapshots.with_open_risks(snapshots.live_rows(cycle))
    CycleSnapshot.objects.bulk_create(
        [
            CycleSnapshot(
                cycle=cycle, initiative_id=row["initiative_id"], position=position, data=row,
                **snapshots.snapshot_columns(row),
            )
            for position, row in enumerate(rows, start=1)
        ],
        batch_size=1000,
    )
    cycle.state = CycleState.FROZEN
    cycle.frozen_at = timezone.now()
    cycle.frozen_by = user
    _save(cycle, user)
    announce(CYCLE_FROZEN, [Change(cycle.pk, CycleState.OPEN.value, CycleState.FROZEN.value)])
    return cycle


# --- Status reports ------------------------------------------------------------------------------------


def _lock(report: StatusReport) -> StatusReport:
    """The report as it is now, locked to this transaction, with its cycle and initiative."""
    return StatusReport.objects.select_for_update().select_related("cycle", "initiative").get(pk=report.pk)


def submission_errors(*, assessed: str, computed_overall: str, rationale: str, track: str) -> dict[str, str]:
    """What stops a report with these values from being submitted, by field (empty: nothing)."""
    errors = {}
    if not assessed:
        errors["assessed"] = _("Choose the assessed status.")
    elif assessed != computed_overall and not rationale.strip():
        errors["rationale"] = _(
            "The assessed status (%(assessed)s) differs from the computed one (%(computed)s): explain why."
        ) % {"assessed": Health(assessed).label, "computed": Health(computed_overall).label}
    if assessed in (Health.YELLOW, Health.RED) and not track:
        errors["track"] = _("A yellow or red report needs a track: back to plan, new plan or close down.")
    return errors


def _check_assessment(report: StatusReport) -> None:
    errors = submission_errors(
        assessed=report.assessed, computed_overall=report.computed_overall, rationale=report.rationale,
        track=report.track,
    )
    if errors:
        raise ValidationError(errors)


def _set_texts(report: StatusReport, fields: dict) -> None:
    unknown = set(fields) - set(REPORT_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"not report texts: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(report, name, value)


@transaction.atomic
def report_save(*, report: StatusReport, user, **fields) -> StatusReport:
    """The lead's coordinator saves a draft (or a returned report) without submitting it."""
    report = _lock(report)
    if not report.is_editable_by(user):
        raise PermissionDenied(_("This report is not yours to fill in."))
    _require_open(report.cycle)
    if report.state not in EDITABLE_REPORT_STATES:
        raise ValidationError({"state": _("A submitted report cannot be changed until it is returned.")})
    _set_texts(report, fields)
    report.full_clean()
    _save(report, user)
    return report


@transaction.atomic
def report_submit(*, report: StatusReport, user, **fields) -> StatusReport:
    """Submit for approval: the computed lights are captured now, the assessment checked against them."""
    report = _lock(report)
    if not report.is_editable_by(user):
        raise PermissionDenied(_("This report is not yours to fill in."))
    _require_open(report.cycle)
    if report.state not in EDITABLE_REPORT_STATES:
        raise ValidationError({"state": _("This report has already been submitted.")})
    _set_texts(report, fields)
    health = report.initiative.assess_health()
    report.computed_schedule, report.computed_schedule_reason = health.schedule, health.schedule_reason[:300]
    report.computed_cost, report.computed_cost_reason = health.cost, health.cost_reason[:300]
    report.computed_benefits, report.computed_overall = health.benefits, health.overall
    if report.assessed == Health.GREEN:
        report.track = ""  # a track answers yellow or red; a green report has none
    _check_assessment(report)
    report.state = ReportState.SUBMITTED
    report.submitted_by, report.submitted_at = user, timezone.now()
    report.approved_by = report.approved_at = None
    report.full_clean()
    _save(report, user)
    return report


@transaction.atomic
def report_approve(*, report: StatusReport, user) -> StatusReport:
    """The lead authority's approver approves a submitted report (never their own submission)."""
    report = _lock(report)
    _require_open(report.cycle)
    if report.initiative.lead_id not in approved_authority_ids(user):
        raise PermissionDenied(_("You do not approve reports for this authority."))
    if report.state != ReportState.SUBMITTED:
        raise ValidationError({"state": _("Only a submitted report can be approved.")})
    if report.submitted_by_id == user.pk:
        raise ValidationError({"approved_by": _("Nobody approves their own submission; another approver must.")})
    report.state = ReportState.APPROVED
    report.approved_by, report.approved_at = user, timezone.now()
    _save(report, user)
    return report


@transaction.atomic
def report_accept(*, report: StatusReport, user) -> StatusReport:
    """The secretariat accepts an approved report."""
    _require_secretariat(user)
    report = _lock(report)
    _require_open(report.cycle)
    if report.state != ReportState.APPROVED:
        raise ValidationError({"state": _("Only an approved report can be accepted.")})
    report.state = ReportState.ACCEPTED
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    report.return_comment = ""
    _save(report, user)
    return report


@transaction.atomic
def report_return(*, report: StatusReport, user, comment: str) -> StatusReport:
    """The secretariat returns a submitted or approved report to its author, saying why."""
    _require_secretariat(user)
    report = _lock(report)
    _require_open(report.cycle)
    if report.state not in (ReportState.SUBMITTED, ReportState.APPROVED):
        raise ValidationError({"state": _("Only a submitted or approved report can be returned.")})
    if not comment.strip():
        raise ValidationError({"return_comment": _("Say why the report is returned.")})
    report.state = ReportState.RETURNED
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    report.return_comment = comment
    report.full_clean()
    _save(report, user)
    return report


# --- Baselines -------------------------------------------------------------------------------------


def baseline_current_version(initiative: Initiative) -> BaselineVersion:
    """The newest approved baseline; an initiative created without one gets version 1 from its fields."""
    current = BaselineVersion.objects.filter(initiative=initiative).order_by("-number").first()
    if current is not None:
        return current
    return BaselineVersion.objects.create(
        initiative=initiative, number=1, baseline_start=initiative.baseline_start,
        baseline_end=initiative.baseline_end, baseline_budget=initiative.baseline_budget,
        approved_at=timezone.now(), reason=INITIAL_REASON,
    )


def baseline_versions_ensure(initiative_ids: Iterable[int]) -> None:
    """Version 1 for each of these initiatives that has none (in bulk, for freezing)."""
    initiative_ids = list(initiative_ids)
    have = set(
        BaselineVersion.objects.filter(initiative_id__in=initiative_ids).values_list("initiative_id", flat=True)
    )
    missing = Initiative.objects.filter(pk__in=[pk for pk in initiative_ids if pk not in have])
    now = timezone.now()
    BaselineVersion.objects.bulk_create(
        [
            BaselineVersion(initiative_id=i.pk, number=1, baseline_start=i.baseline_start,
                            baseline_end=i.baseline_end, baseline_budget=i.baseline_budget,
                            approved_at=now, reason=INITIAL_REASON)
            for i in missing.only("pk", "baseline_start", "baseline_end", "baseline_budget")
        ],
        batch_size=2000,
    )


def rebaseline_errors(*, baseline_start, baseline_end, baseline_budget, reason: str) -> dict[str, str]:
    """What is wrong with a proposed baseline, by field (empty: nothing)."""
    errors = {}
    if baseline_start and baseline_end and baseline_end < baseline_start:
        errors["baseline_end"] = _("The new baseline end must not be before its start.")
    if baseline_budget is not None and baseline_budget < 0:
        errors["baseline_budget"] = _("The new baseline budget cannot be negative.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the new baseline.")
    return errors


def _check_rebaseline(request: RebaselineRequest) -> None:
    errors = rebaseline_errors(
        baseline_start=request.baseline_start, baseline_end=request.baseline_end,
        baseline_budget=request.baseline_budget, reason=request.reason,
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rebaseline_request_create(
    *,
    initiative: Initiative,
    user,
    baseline_start: datetime.date | None,
    baseline_end: datetime.date | None,
    baseline_budget: int | None,
    reason: str,
    report: StatusReport | None = None,
) -> RebaselineRequest:
    """The lead's coordinator (or the secretariat) asks for a new baseline."""
    if not initiative.is_editable_by(user):
        raise PermissionDenied(_("Only the lead's coordinator may ask for a new baseline."))
    if report is not None and report.initiative_id != initiative.pk:
        raise ValidationError({"report": _("The report belongs to another initiative.")})
    request = RebaselineRequest(
        initiative=initiative, report=report, baseline_start=baseline_start, baseline_end=baseline_end,
        baseline_budget=baseline_budget, reason=reason, requested_by=user,
    )
    _check_rebaseline(request)
    request.full_clean()
    _save(request, user)
    return request


def _pending_locked(request: RebaselineRequest) -> RebaselineRequest:
    request = RebaselineRequest.objects.select_for_update().select_related("initiative").get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise ValidationError({"state": _("This request has already been decided.")})
    return request


@transaction.atomic
def rebaseline_request_approve(*, request: RebaselineRequest, user, comment: str = "") -> BaselineVersion:
    """The secretariat approves: a new baseline version, and the initiative's baseline (and so its
    health) follows it, in one transaction."""
    _require_secretariat(user)
    request = _pending_locked(request)
    initiative = Initiative.objects.select_for_update().get(pk=request.initiative_id)
    previous = baseline_current_version(initiative)
    version = BaselineVersion(
        initiative=initiative, number=previous.number + 1, baseline_start=request.baseline_start,
        baseline_end=request.baseline_end, baseline_budget=request.baseline_budget,
        approved_by=user, approved_at=timezone.now(), reason=request.reason,
    )
    version.full_clean()
    _save(version, user)
    initiative_update(
        initiative=initiative, baseline_start=version.baseline_start, baseline_end=version.baseline_end,
        baseline_budget=version.baseline_budget,
    )
    request.state = RequestState.APPROVED
    request.decided_by, request.decided_at = user, timezone.now()
    request.decision_comment = comment
    request.version = version
    request.full_clean()
    _save(request, user)
    return version


@transaction.atomic
def rebaseline_request_reject(*, request: RebaselineRequest, user, comment: str) -> RebaselineRequest:
    """The secretariat rejects a request, saying why; the baseline stays as it was."""
    _require_secretariat(user)
    request = _pending_locked(request)
    if not comment.strip():
        raise ValidationError({"decision_comment": _("Say why the request is rejected.")})
    request.state = RequestState.REJECTED
    request.decided_by, request.decided_at = user, timezone.now()
    request.decision_comment = comment
    request.full_clean()
    _save(request, user)
    return request

