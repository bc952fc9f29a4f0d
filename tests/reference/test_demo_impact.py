"""Delay impact on the demo portfolio: what a planner reads must be believable (issue 12)."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from initiatives.models import Initiative
from summaries.impact import NotDelayable, impact_of_delay

SLIPS = (30, 90, 365)


def test_no_slip_of_any_open_initiative_moves_anything_further_than_the_slip(demo):
    opens = list(Initiative.objects.open().select_related("strategy", "lead"))
    assert len(opens) >= 30
    too_far = []
    for initiative in opens:
        for days in SLIPS:
            impact = impact_of_delay(initiative, days)
            moves = [
                *(item.pushed_days for item in impact.initiatives),
                *((item.new_start - item.old_start).days for item in impact.initiatives if item.old_start),
                *((item.new_end - item.old_end).days for item in impact.initiatives if item.old_end),
                *((moved.new_date - moved.old_date).days for moved in impact.milestones),
                *(need.days_late - need.days_late_before for item in impact.initiatives for need in item.missed),
            ]
            if moves and not 0 <= min(moves) <= max(moves) <= days:
                too_far.append((initiative.code_with_strategy, days, max(moves)))
    assert too_far == []


def test_a_ninety_day_slip_of_grunddata_for_handicapomraadet_gives_believable_dates(demo):
    """The issue's scenario: 2.1 has run since January 2023 and needs 1.1, which is to end in March 2027."""
    out = io.StringIO()
    call_command("impact_of_delay", "2022-2025/1.1", "--days", "90", "--json", stdout=out)
    printed = json.loads(out.getvalue())

    moved = {(item["strategy"], item["code"]): item for item in printed["moved"]}
    running = moved[("2022-2025", "2.1")]
    # Under way: its start stays, and its end moves by the 90 days, not the 1,634 charged before.
    assert (running["old_start"], running["new_start"]) == ("2023-01-07", "2023-01-07")
    assert (running["old_end"], running["new_end"], running["days_moved"]) == ("2027-06-29", "2027-09-27", 90)
    # It started long before 1.1 is to end: late before the slip, and shown as such, apart.
    assert running["already_late"] and running["days_late_before"] == 1544
    assert max(item["days_moved"] for item in moved.values()) <= 90
    assert max(item["new_end"] for item in moved.values()) < "2031"

    out = io.StringIO()
    with translation.override("en"):
        call_command("impact_of_delay", "2022-2025/1.1", "--days", "90", stdout=out)
    assert (
        "  2.1 · 2022–25 Shared data exchange on citizens' benefits\n"
        "    Pushed (days): 90 · Projected start: 07.01.2023 (under way) · Projected end: 29.06.2027 → 27.09.2027\n"
        "    already late before this slip: 1544 days, waiting for 1.1 · 2022–25, which ends 31.03.2027\n"
    ) in out.getvalue()


def test_mitid_finished_in_2023_cannot_be_delayed(demo):
    mitid = Initiative.objects.get(reference_key__isnull=False, code="MITID")
    with translation.override("en"), pytest.raises(NotDelayable) as refused:
        impact_of_delay(mitid, 90)
    assert str(refused.value) == (
        "MITID is “Completed”, so it cannot be delayed: only planned, active and paused initiatives can."
    )
