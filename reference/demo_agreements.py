"""The demo's dependency agreements: every state of the round, across the levels of government and
for each demo coordinator's authority on both sides. Illustrative, dated from the demo's fixed day,
written in bulk with their history and their steps (no user: the demo took them)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agreements.models import (
    Agreement,
    AgreementAction,
    AgreementState,
    AgreementTransition,
    cross_authority,
)
from authorities.models import Authority
from initiatives.models import OPEN_STATUSES, Dependency


@dataclass(frozen=True)
class Plan:
    """One agreement's story: asked `asked` days before the demo's day, needed `needed` days after it
    (negative: before), and the answer (days from needed-by), if any."""

    state: str
    asked: int
    needed: int
    answer: int | None = None
    reason: str = ""


# One of each: in time and overdue requests, commitments in time and late, a proposal, an
# accepted proposal and a decline.
PLANS = [
    Plan(AgreementState.REQUESTED, asked=5, needed=60),
    Plan(AgreementState.REQUESTED, asked=50, needed=-10),
    Plan(AgreementState.COMMITTED, asked=40, needed=90, answer=-14),
    Plan(AgreementState.COMMITTED, asked=30, needed=30, answer=45),
    Plan(AgreementState.PROPOSED, asked=20, needed=45, answer=30,
         reason="Test af løsningen flytter til foråret."),
    Plan(AgreementState.ACCEPTED, asked=60, needed=120, answer=20,
         reason="Leverancen samles med næste udgivelse."),
    Plan(AgreementState.DECLINED, asked=25, needed=40,
         reason="Ingen kapacitet i år; søg igen næste år."),
]
WHAT_NEEDED = "Illustrativt: adgang til løsningen og dens data i test og drift."


def _candidates(demo_authority_ids: list[int]) -> list[tuple[int, int, int]]:
    """(dependency id, requester, provider) of open demo dependencies across authorities: first those
    of each demo coordinator's authority, then one per pair of levels."""
    rows = list(
        cross_authority(Dependency.objects.filter(is_illustrative=True, source__status__in=OPEN_STATUSES))
        .filter(agreement__isnull=True)
        .order_by("pk")
        .values_list("pk", "source__lead_id", "target__lead_id")
    )
    chosen: list[tuple[int, int, int]] = []
    taken: set[int] = set()
    for authority_id in demo_authority_ids:
        theirs = [row for row in rows if authority_id in row[1:] and row[0] not in taken]
        for row in theirs[: len(PLANS)]:
            chosen.append(row)
            taken.add(row[0])
    levels = Authority.objects.effective_levels()
    by_levels: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        if row[0] not in taken:
            by_levels[(levels[row[1]], levels[row[2]])].append(row)
    for pair in sorted(by_levels):
        chosen.append(by_levels[pair][0])
    return chosen


def seed_demo_agreements(*, today: datetime.date, demo_authorities: list[Authority]) -> int:
    """Agreements on some of the demo's cross-authority dependencies; returns how many."""
    chosen = _candidates([a.pk for a in demo_authorities])
    dependencies = Dependency.objects.in_bulk([pk for pk, _r, _p in chosen])
    agreements, steps = [], []
    for n, (pk, requester_id, provider_id) in enumerate(chosen):
        plan = PLANS[n % len(PLANS)]
        agreement, its_steps = _tell(plan, dependencies[pk], requester_id, provider_id, today)
        agreements.append(agreement)
        steps.append(its_steps)
    bulk_create_with_history(agreements, Agreement, default_change_reason="seed_demo (illustrative)")
    saved = {a.dependency_id: a for a in Agreement.objects.filter(dependency_id__in=list(dependencies))}
    for agreement, its_steps in zip(agreements, steps, strict=True):
        for step in its_steps:
            step.agreement = saved[agreement.dependency_id]
    AgreementTransition.objects.bulk_create([step for its_steps in steps for step in its_steps])
    for agreement in agreements:  # the ask's date is the dependency's needed-by date (agreements.services)
        dependency = dependencies[agreement.dependency_id]
        dependency.needed_by = agreement.needed_by
        dependency._change_reason = "seed_demo (illustrative)"
        dependency.save(update_fields=["needed_by"])
    return len(agreements)


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _tell(plan: Plan, dependency: Dependency, requester_id: int, provider_id: int, today: datetime.date):
    asked_on = today - datetime.timedelta(days=plan.asked)
    needed_by = today + datetime.timedelta(days=plan.needed)
    answered_on = asked_on + datetime.timedelta(days=max(1, plan.asked // 2))
    answer_date = needed_by + datetime.timedelta(days=plan.answer) if plan.answer is not None else None
    reason = plan.reason
    agreement = Agreement(
        dependency=dependency, state=plan.state, needed_by=needed_by, what_needed=WHAT_NEEDED,
        requested_at=_moment(asked_on), reason=reason,
        answered_at=_moment(answered_on) if plan.state != AgreementState.REQUESTED else None,
        committed_date=answer_date if plan.state in (AgreementState.COMMITTED, AgreementState.ACCEPTED) else None,
        proposed_date=answer_date if plan.state == AgreementState.PROPOSED else None,
    )
    steps = [AgreementTransition(action=AgreementAction.REQUEST, from_state="", to_state=AgreementState.REQUESTED,
                                 by_authority_id=requester_id, at=_moment(asked_on), date=needed_by)]

    def step(action, from_state, to_state, authority_id, on, date=None, why=""):
        steps.append(AgreementTransition(action=action, from_state=from_state, to_state=to_state,
                                         by_authority_id=authority_id, at=_moment(on), date=date, reason=why))

    requested = AgreementState.REQUESTED
    if plan.state == AgreementState.COMMITTED:
        step(AgreementAction.COMMIT, requested, plan.state, provider_id, answered_on, answer_date)
    elif plan.state == AgreementState.PROPOSED:
        step(AgreementAction.PROPOSE, requested, plan.state, provider_id, answered_on, answer_date, reason)
    elif plan.state == AgreementState.ACCEPTED:
        agreement.reason = ""
        step(AgreementAction.PROPOSE, requested, AgreementState.PROPOSED, provider_id, answered_on, answer_date, reason)
        step(AgreementAction.ACCEPT, AgreementState.PROPOSED, plan.state, requester_id,
             answered_on + datetime.timedelta(days=2), answer_date)
    elif plan.state == AgreementState.DECLINED:
        step(AgreementAction.DECLINE, requested, plan.state, provider_id, answered_on, why=reason)
    return agreement, steps


def seed_national_agreements(*, today: datetime.date, batch_size: int = 5000) -> int:
    """An agreement on every open cross-authority dependency of the national-scale portfolio, the
    states in the demo's mix, with their request step (no history: it is not portfolio work)."""
    rows = list(
        cross_authority(Dependency.objects.filter(is_illustrative=True, source__status__in=OPEN_STATUSES))
        .filter(agreement__isnull=True)
        .order_by("pk")
        .values_list("pk", "source__lead_id", "needed_by", "target__forecast_end")
    )
    agreements, needed_by_of = [], {}
    for n, (pk, _requester_id, needed_by, target_end) in enumerate(rows):
        plan = PLANS[n % len(PLANS)]
        asked_on = today - datetime.timedelta(days=plan.asked)
        needed_by = needed_by or (target_end or today) + datetime.timedelta(days=30)
        needed_by_of[pk] = needed_by
        answer_date = needed_by + datetime.timedelta(days=plan.answer) if plan.answer is not None else None
        agreements.append(Agreement(
            dependency_id=pk, state=plan.state, needed_by=needed_by, what_needed=WHAT_NEEDED,
            requested_at=_moment(asked_on), reason=plan.reason if plan.state != AgreementState.ACCEPTED else "",
            answered_at=_moment(asked_on + datetime.timedelta(days=1)) if plan.state != AgreementState.REQUESTED else None,
            committed_date=answer_date if plan.state in (AgreementState.COMMITTED, AgreementState.ACCEPTED) else None,
            proposed_date=answer_date if plan.state == AgreementState.PROPOSED else None,
        ))
    Agreement.objects.bulk_create(agreements, batch_size=batch_size)
    saved = Agreement.objects.filter(dependency_id__in=list(needed_by_of)).values_list("pk", "dependency_id", "requested_at")
    requester_of = {pk: requester_id for pk, requester_id, _n, _e in rows}
    AgreementTransition.objects.bulk_create([
        AgreementTransition(agreement_id=pk, action=AgreementAction.REQUEST, from_state="",
                            to_state=AgreementState.REQUESTED, by_authority_id=requester_of[dependency_id],
                            at=requested_at, date=needed_by_of[dependency_id])
        for pk, dependency_id, requested_at in saved
    ], batch_size=batch_size)
    # The ask's date is the dependency's needed-by date (agreements.services).
    missing = [Dependency(pk=pk, needed_by=needed_by_of[pk]) for pk, _r, needed_by, _e in rows if needed_by is None]
    Dependency.objects.bulk_update(missing, ["needed_by"], batch_size=batch_size)
    return len(agreements)
