"""Writes to funding: a year's budget with its split between the parties, and re-phasings. Every rule
about how amounts may change lives here; the admin, the product's forms and imports call these."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from common.amounts import kroner
from initiatives.models import Initiative

from .models import ZERO, FundingShare, FundingYear, Party, Rephasing


@dataclass(frozen=True)
class ShareInput:
    """One party's share of a year's budget as given by a user."""

    party: str
    budget: Decimal
    actual: Decimal | None = None
    ministry_id: int | None = None


def split_check(*, budget: Decimal, share_budgets: Sequence[Decimal]) -> None:
    """The one rule for a split: the parties' shares of a year's budget add up to the whole."""
    total = sum(share_budgets, ZERO)
    if total != budget:
        raise ValidationError({"budget": _(
            "The parties' shares add up to %(shares)s, not to the year's budget of %(budget)s."
        ) % {"shares": kroner(total), "budget": kroner(budget)}})


def funding_share_check(*, share: ShareInput) -> None:
    """One party's share on its own: a known party, amounts neither negative nor finer than øre, a
    financing ministry only for the state's share. Refusals name the field."""
    FundingShare(party=share.party, budget=share.budget, actual=share.actual, ministry_id=share.ministry_id).full_clean(
        exclude=["funding_year"], validate_unique=False)


def year_within_strategy_check(*, initiative: Initiative, year: int) -> None:
    """An initiative of a strategy is budgeted only in the strategy's years."""
    strategy = initiative.strategy if initiative.strategy_id else None
    if strategy is not None and not strategy.start_year <= year <= strategy.end_year:
        raise ValidationError({"year": _("%(year)s is outside the strategy %(strategy)s (%(start)s–%(end)s).") % {
            "year": year, "strategy": strategy.code, "start": strategy.start_year, "end": strategy.end_year}})


def funding_year_check(*, initiative: Initiative, year: int, budget: Decimal, shares: Sequence[ShareInput]) -> None:
    """A year's budget and its split as a whole, each share already checked (funding_share_check):
    a year within the initiative's strategy, one share per party, and shares that add up to the
    budget (split_check). Nothing is written; refusals name the field (year, budget, shares)."""
    errors: dict[str, list] = {}
    try:
        FundingYear(initiative=initiative, year=year, budget=budget).full_clean(
            exclude=["initiative"], validate_unique=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if "year" not in errors:
        try:
            year_within_strategy_check(initiative=initiative, year=year)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    parties = [share.party for share in shares]
    if len(set(parties)) != len(parties):
        errors["shares"] = [_("Each party can have only one share of a year's budget.")]
    if "budget" not in errors:
        try:
            split_check(budget=budget, share_budgets=[share.budget for share in shares])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def funding_year_set(*, initiative: Initiative, year: int, budget: Decimal, shares: Sequence[ShareInput],
                     reason: str = "") -> FundingYear:
    """Set an initiative's budget for a year and its split, all or nothing. Parties not given lose
    their share. `reason` goes into the history of every row written (an import names its file)."""
    for share in shares:
        funding_share_check(share=share)
    funding_year_check(initiative=initiative, year=year, budget=budget, shares=shares)
    funding_year, created = FundingYear.objects.select_for_update().get_or_create(
        initiative=initiative, year=year, defaults={"budget": budget}
    )
    if created:
        if reason:
            update_change_reason(funding_year, reason)
    elif funding_year.budget != budget:
        funding_year.budget = budget
        funding_year._change_reason = reason or None
        funding_year.save()
    for dropped in funding_year.shares.exclude(party__in=[share.party for share in shares]):
        dropped._change_reason = reason or None
        dropped.delete()
    for given in shares:
        share = funding_year.shares.filter(party=given.party).first() or FundingShare(
            funding_year=funding_year, party=given.party
        )
        if share.pk and (share.budget, share.actual, share.ministry_id) == (given.budget, given.actual, given.ministry_id):
            continue  # unchanged: no history record that says nothing
        share.budget, share.actual, share.ministry_id = given.budget, given.actual, given.ministry_id
        share._change_reason = reason or None
        share.save()
    return funding_year


def _rephase_check(*, initiative: Initiative, from_year: int, to_year: int, amount: Decimal, reason: str,
                   source: FundingShare | None, party: str) -> None:
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the money is moved.")
    if amount <= 0:
        errors["amount"] = _("The amount moved must be more than zero.")
    if to_year <= from_year:
        errors["to_year"] = _("Money can only be moved to a later year than %(year)s.") % {"year": from_year}
    elif initiative.strategy_id and to_year > initiative.strategy.end_year:
        errors["to_year"] = _("%(year)s is after the strategy's last year, %(end)s.") % {
            "year": to_year, "end": initiative.strategy.end_year}
    if source is None:
        errors.setdefault("from_year", _("%(party)s has no budget in %(year)s to move.") % {
            "party": Party(party).label, "year": from_year})
    elif "amount" not in errors:
        movable = source.budget - (source.actual or ZERO)
        if amount > movable:
            errors["amount"] = _(
                "%(party)s has %(movable)s left to move in %(year)s (budget less what is spent)."
            ) % {"party": Party(party).label, "movable": kroner(max(movable, ZERO)), "year": from_year}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rephase(*, initiative: Initiative, party: str, from_year: int, to_year: int, amount: Decimal, reason: str,
            user=None) -> Rephasing:
    """Move an amount of one party's budget from a year to a later one: both years' budgets and shares
    change by the amount, so the initiative's total and the party's total stay the same. Recorded with
    who did it (no user: the system) and why; the shares' history keeps the amounts before."""
    # Ordered by their own columns: a default ordering through a nullable relation would make
    # PostgreSQL refuse FOR UPDATE (an outer join).
    years = {row.year: row for row in FundingYear.objects.select_for_update().filter(initiative=initiative).order_by("year")}
    source_year = years.get(from_year)
    source = (source_year.shares.select_for_update().filter(party=party).order_by("pk").first()
              if source_year else None)
    _rephase_check(initiative=initiative, from_year=from_year, to_year=to_year, amount=amount, reason=reason,
                   source=source, party=party)
    target_year = years.get(to_year) or FundingYear.objects.create(initiative=initiative, year=to_year, budget=ZERO)
    target = target_year.shares.select_for_update().filter(party=party).order_by("pk").first() or FundingShare(
        funding_year=target_year, party=party, budget=ZERO, ministry_id=source.ministry_id
    )
    source_year.budget -= amount
    source.budget -= amount
    target_year.budget += amount
    target.budget += amount
    for row in (source_year, source, target_year, target):
        row.save()
    record = Rephasing(initiative=initiative, party=party, from_year=from_year, to_year=to_year, amount=amount,
                       reason=reason.strip(), created_by=user)
    record.full_clean()
    record.save()
    return record
