"""The benefits register's rules: the benefits light computed from the benefits' forecasts against
their baselines, and the follow-up a year after an initiative is completed."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import Health, Initiative, Status
from initiatives.services import initiative_update

from .models import Benefit, FollowUp

FOLLOW_UP_AFTER = relativedelta(years=1)


def shortfall_percent(benefit: Benefit) -> Decimal:
    """How far the forecast falls short of the baseline, in per cent of the baseline (0 when it
    meets or beats it; for an indicator that should go down, a rise is the shortfall)."""
    baseline, forecast = benefit.baseline, benefit.forecast
    short = (baseline - forecast) if benefit.higher_is_better else (forecast - baseline)
    if short <= 0:
        return Decimal(0)
    if baseline == 0:
        return Decimal(100)
    return (100 * short / abs(baseline)).quantize(Decimal("0.1"))


def light_for_shortfall(percent: Decimal) -> str:
    """The thresholds, in one place: red beyond RED per cent short, yellow beyond YELLOW."""
    if percent > settings.HEALTH_BENEFITS_RED_PERCENT:
        return Health.RED
    if percent > settings.HEALTH_BENEFITS_YELLOW_PERCENT:
        return Health.YELLOW
    return Health.GREEN


def worst_shortfall(benefits: Iterable[Benefit]) -> tuple[Benefit | None, Decimal]:
    """The benefit furthest short of its baseline, and by how many per cent (it decides the light)."""
    worst, worst_percent = None, Decimal(-1)
    for benefit in benefits:
        percent = shortfall_percent(benefit)
        if percent > worst_percent:
            worst, worst_percent = benefit, percent
    return worst, max(worst_percent, Decimal(0))


def benefits_facts(benefits: Iterable[Benefit]) -> dict:
    """What an initiative stores about its benefits light, from its registered benefits: the light,
    and the facts its reason is told from (Initiative.benefits_reason). Empty: none registered."""
    worst, percent = worst_shortfall(benefits)
    if worst is None:
        return {}
    return {
        "benefits_health": light_for_shortfall(percent),
        "benefits_computed": True,
        "benefits_shortfall": percent,
        "benefits_worst_da": worst.title_da if percent else "",
        "benefits_worst_en": worst.title_en if percent else "",
    }


def benefits_refresh(*, initiative: Initiative) -> Initiative:
    """Set the initiative's benefits light from its registered benefits (through initiative_update,
    so the overall light, the history and the summaries follow). With none registered, the light
    goes back to being set by hand."""
    facts = benefits_facts(Benefit.objects.filter(initiative=initiative))
    if not facts:
        if not initiative.benefits_computed:
            return initiative
        return initiative_update(initiative=initiative, benefits_computed=False, benefits_shortfall=None,
                                 benefits_worst_da="", benefits_worst_en="")
    if all(getattr(initiative, name) == value for name, value in facts.items()):
        return initiative
    return initiative_update(initiative=initiative, **facts)


@transaction.atomic
def benefit_save(*, benefit: Benefit) -> Benefit:
    benefit.full_clean()
    benefit.save()
    benefits_refresh(initiative=Initiative.objects.select_for_update().get(pk=benefit.initiative_id))
    return benefit


@transaction.atomic
def benefit_delete(*, benefit: Benefit) -> None:
    initiative_id = benefit.initiative_id
    benefit.delete()
    benefits_refresh(initiative=Initiative.objects.select_for_update().get(pk=initiative_id))


def follow_up_due_on(initiative: Initiative) -> datetime.date:
    """A year after the initiative ended (its forecast end, which is its end once completed)."""
    end = initiative.forecast_end or initiative.baseline_end or timezone.localdate()
    return end + FOLLOW_UP_AFTER


def follow_up_schedule_if_completed_now(*, initiative: Initiative) -> FollowUp | None:
    """Schedule the follow-up when the initiative's latest change completed it (its history says it
    was not completed before). An initiative recorded as completed from the start (an old strategy
    entered afterwards) gets none: its benefits were never to be followed up here."""
    latest_two = list(initiative.history.order_by("-history_date", "-history_id").values_list("status", flat=True)[:2])
    if len(latest_two) == 2 and latest_two[0] == Status.COMPLETED and latest_two[1] != Status.COMPLETED:
        return follow_up_schedule(initiative=initiative)
    return None


def follow_up_schedule(*, initiative: Initiative) -> FollowUp | None:
    """Schedule the follow-up of a completed initiative (idempotent); None for one not completed."""
    if initiative.status != Status.COMPLETED:
        return None
    follow_up, _created = FollowUp.objects.get_or_create(
        initiative=initiative, defaults={"due_on": follow_up_due_on(initiative)}
    )
    return follow_up


def follow_up_check(*, follow_up: FollowUp, summary: str) -> None:
    """Whether a follow-up can be recorded: its initiative is completed, and it says what was realised."""
    if follow_up.initiative.status != Status.COMPLETED:
        raise ValidationError({"summary": _("A follow-up is recorded only for a completed initiative.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Say in words what was realised.")})


@transaction.atomic
def follow_up_record(*, follow_up: FollowUp, summary: str, realised: Mapping[int, Decimal | None], user) -> FollowUp:
    """Record what an initiative realised: the summary in words and each benefit's realised value."""
    follow_up_check(follow_up=follow_up, summary=summary)
    initiative = follow_up.initiative
    benefits = {benefit.pk: benefit for benefit in Benefit.objects.filter(initiative=initiative)}
    unknown = set(realised) - set(benefits)
    if unknown:
        raise ValidationError({"realised": _("A realised value was given for a benefit of another initiative.")})
    for pk, value in realised.items():
        benefits[pk].realised = value
        benefits[pk].full_clean()
        benefits[pk].save()
    follow_up.summary = summary.strip()
    follow_up.recorded_at = timezone.now()
    follow_up.recorded_by = user
    follow_up.full_clean()
    follow_up.save()
    return follow_up
