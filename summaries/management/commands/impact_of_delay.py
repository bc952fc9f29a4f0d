"""`manage.py impact_of_delay 2022-2025/1.1 --days 90`: the impact page's analysis on the command line."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from authorities.models import Level
from initiatives.models import Initiative
from summaries.impact import RULE, DelayImpact, ImpactedInitiative, NotDelayable, impact_of_delay


class Command(BaseCommand):
    help = (
        "What a delay of one initiative would move downstream, as the impact page shows it, e.g. "
        "impact_of_delay 2022-2025/1.1 --days 90. Refuses completed and cancelled initiatives."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "initiative", metavar="STRATEGY/CODE",
            help="the strategy's code and the initiative's, e.g. 2022-2025/1.1; the code alone outside the strategies",
        )
        parser.add_argument("--days", type=int, required=True, help="the delay in days (at least 1)")
        parser.add_argument(
            "--json", action="store_true",
            help="print one JSON object: each moved initiative's id, strategy, code, days moved and earlier lateness",
        )

    def handle(self, *args, initiative: str, days: int, json: bool = False, **options):
        if days < 1:
            raise CommandError(_("The delay must be at least 1 day."))
        chosen = _initiative(initiative)
        try:
            impact = impact_of_delay(chosen, days)
        except NotDelayable as refused:
            raise CommandError(str(refused)) from None
        if json:
            self.stdout.write(_dumps(_as_json(impact)))
        else:
            self.stdout.write("\n".join(_as_text(impact)))


def _initiative(reference: str) -> Initiative:
    """The initiative named "STRATEGY/CODE", or "CODE" for one outside the strategies."""
    strategy_code, _slash, code = reference.rpartition("/")
    initiatives = Initiative.objects.select_related("strategy", "lead")
    if strategy_code:
        found = initiatives.filter(strategy__code=strategy_code, code=code).first()
    else:
        found = initiatives.filter(strategy__isnull=True, code=code).first()
    if found is None:
        raise CommandError(
            _("There is no initiative %(reference)s. Name it as STRATEGY/CODE, e.g. 2022-2025/1.1.") % {"reference": reference}
        )
    return found


# --- As text, in the page's words ---------------------------------------------------------------


def _as_text(impact: DelayImpact) -> list[str]:
    chosen = impact.initiative
    lines = [
        f"{_('A delay of %(days)s days to %(code)s') % {'days': impact.days, 'code': chosen.code_with_strategy}}"
        f" {chosen.title}",
        _("Its end moves from %(old)s to %(new)s.") % {"old": _long(impact.old_end), "new": _long(impact.new_end)}
        if impact.old_end else _("It has no end date, so no dates downstream can be projected from it."),
        str(RULE),
        "",
    ]
    if not impact.initiatives:
        lines.append(_("Nothing downstream would be pushed or miss a date: no open initiative depends on this one in time."))
        return lines
    lines.append(
        _("%(pushed)s initiatives pushed, %(missing)s miss a needed-by date, %(late)s were already late before this slip.")
        % {"pushed": len(impact.pushed), "missing": len(impact.missing_needed_by), "late": len(impact.late_before)}
    )
    lines += ["", _("Initiatives hit")]
    moved_by_pk = _moved_by_pk(impact)
    for item in impact.initiatives:
        lines += _initiative_lines(item, moved_by_pk)
    lines += ["", f"{_('Authorities hit')}: {len(impact.authorities)}"]
    lines += [f"  {Level(level).label}: {count}" for level, count in impact.levels.items()]
    lines += ["", f"{_('Milestones moved')}: {len(impact.milestones)}"]
    for moved in impact.milestones:
        lines.append(
            f"  {_short(moved.old_date)} → {_short(moved.new_date)}  "
            f"{moved.milestone.initiative.code_with_strategy} {moved.milestone.title}"
        )
    return lines


def _initiative_lines(item: ImpactedInitiative, moved_by_pk: dict[int, Initiative]) -> list[str]:
    start = _short(item.new_start) if item.new_start else "–"
    if item.start_moves:
        start = f"{_short(item.old_start)} → {start}"
    elif item.started:
        start = f"{start} ({_('under way')})"
    end = _short(item.new_end) if item.new_end else "–"
    if item.is_pushed and item.old_end:
        end = f"{_short(item.old_end)} → {end}"
    lines = [
        f"  {item.initiative.code_with_strategy} {item.initiative.title}",
        f"    {_('Pushed (days)')}: {item.pushed_days} · {_('Projected start')}: {start} · {_('Projected end')}: {end}",
    ]
    if item.was_late_before:
        lines.append("    " + _("already late before this slip: %(days)s days, waiting for %(code)s, which ends %(end)s") % {
            "days": item.late_before_days, "code": item.late_behind.code_with_strategy, "end": _short(item.late_behind_end),
        })
    for need in item.missed:
        text = _("needs %(code)s by %(needed)s: %(late)s days late") % {
            "code": moved_by_pk[need.needed_from_id].code_with_strategy, "needed": _short(need.needed_by),
            "late": need.days_late,
        }
        if not need.newly_missed:
            text += f" ({_('already %(before)s days late before this slip') % {'before': need.days_late_before}})"
        lines.append(f"    {text}")
    return lines


def _moved_by_pk(impact: DelayImpact) -> dict[int, Initiative]:
    """What delivers too late has moved, so it is the delayed initiative or one of those hit."""
    return {impact.initiative.pk: impact.initiative, **{item.initiative.pk: item.initiative for item in impact.initiatives}}


def _short(day: datetime.date | None) -> str:
    return date_format(day, "d.m.Y") if day else "–"


def _long(day: datetime.date | None) -> str:
    return date_format(day, "j. F Y") if day else "–"


# --- As JSON ----------------------------------------------------------------------------------


def _reference(initiative: Initiative) -> dict:
    return {
        "id": initiative.pk,
        "strategy": initiative.strategy.code if initiative.strategy_id else None,
        "code": initiative.code,
    }


def _as_json(impact: DelayImpact) -> dict:
    moved_by_pk = _moved_by_pk(impact)
    return {
        "initiative": _reference(impact.initiative),
        "days": impact.days,
        "old_end": _iso(impact.old_end),
        "new_end": _iso(impact.new_end),
        "moved": [
            {
                **_reference(item.initiative),
                "days_moved": item.pushed_days,
                "already_late": item.was_late_before,
                "days_late_before": item.late_before_days,
                "started": item.started,
                "old_start": _iso(item.old_start), "new_start": _iso(item.new_start),
                "old_end": _iso(item.old_end), "new_end": _iso(item.new_end),
            }
            for item in impact.pushed
        ],
        "missed_needed_by": [
            {
                **_reference(item.initiative),
                "needed_from": _reference(moved_by_pk[need.needed_from_id]),
                "needed_by": _iso(need.needed_by),
                "days_late": need.days_late,
                "days_late_before": need.days_late_before,
            }
            for item in impact.missing_needed_by
            for need in item.missed
        ],
        "authorities_by_level": impact.levels,
        "milestones_moved": len(impact.milestones),
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
