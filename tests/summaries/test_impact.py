"""What if an initiative slips: impact_of_delay on a small graph with known answers."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from authorities.models import Level
from initiatives.models import DependencyKind, Role, Status
from initiatives.services import dependency_add, milestone_add, participation_set
from summaries.impact import NotDelayable, impact_of_delay

D = datetime.date


@pytest.fixture
def dated(make_initiative):
    def build(lead, start, end, **fields):
        return make_initiative(
            lead, baseline_start=start, forecast_start=start, baseline_end=end, forecast_end=end, **fields
        )

    return build


@pytest.fixture
def portfolio(dated, kobenhavn, aarhus, region_midtjylland, digst, strategy_2026):
    """
    platform (DIGST) ends 2024-06-30.
    ├─ service  (KK):  prerequisite, starts 2024-07-01: one day of slack
    │  ├─ rollout (Aarhus, next strategy): prerequisite, starts 2025-01-01 right after service ends
    │  │  └─ finished (KK, completed): never moves
    │  └─ later   (KK): prerequisite, starts 2025-03-01: two months of slack
    └─ data     (Region): data exchange needed by 2024-07-15, starts 2024-05-01
    """
    platform = dated(digst, D(2024, 1, 1), D(2024, 6, 30), code="PLATFORM")
    service = dated(kobenhavn, D(2024, 7, 1), D(2024, 12, 31), code="SERVICE")
    rollout = dated(aarhus, D(2025, 1, 1), D(2025, 6, 30), code="ROLLOUT", strategy=strategy_2026)
    finished = dated(kobenhavn, D(2025, 7, 1), D(2025, 9, 30), code="FINISHED", status=Status.COMPLETED)
    later = dated(kobenhavn, D(2025, 3, 1), D(2025, 12, 31), code="LATER")
    data = dated(region_midtjylland, D(2024, 5, 1), D(2024, 12, 31), code="DATA")
    dependency_add(source=service, target=platform)
    dependency_add(source=rollout, target=service)
    dependency_add(source=finished, target=rollout)
    dependency_add(source=later, target=service)
    dependency_add(source=data, target=platform, kind=DependencyKind.DATA_EXCHANGE, needed_by=D(2024, 7, 15))
    participation_set(initiative=rollout, authority=digst, role=Role.CONTRIBUTOR)
    milestone_add(initiative=service, title_da="Pilot", baseline_date=D(2024, 9, 1), forecast_date=D(2024, 9, 15))
    milestone_add(initiative=service, title_da="Analyse", baseline_date=D(2024, 7, 15), done_on=D(2024, 7, 10))
    return {
        "platform": platform, "service": service, "rollout": rollout, "finished": finished,
        "later": later, "data": data,
    }


def by_code(impact):
    return {item.initiative.code: item for item in impact.initiatives}


class TestImpactOfDelay:
    def test_a_slip_pushes_dependants_finish_to_start_and_keeps_their_duration(self, portfolio):
        impact = impact_of_delay(portfolio["platform"], 30)
        items = by_code(impact)

        assert (impact.old_end, impact.new_end) == (D(2024, 6, 30), D(2024, 7, 30))
        # The service had one day of slack: it starts when the platform now ends.
        service = items["SERVICE"]
        assert (service.pushed_days, service.distance) == (29, 1)
        assert (service.new_start, service.new_end) == (D(2024, 7, 30), D(2025, 1, 29))
        # The rollout started the day after the service ended: it moves by 28 days, one step further.
        rollout = items["ROLLOUT"]
        assert (rollout.pushed_days, rollout.distance) == (28, 2)
        assert (rollout.new_start, rollout.new_end) == (D(2025, 1, 29), D(2025, 7, 28))

    def test_slack_absorbs_a_push_and_finished_work_does_not_move(self, portfolio):
        items = by_code(impact_of_delay(portfolio["platform"], 30))

        assert "LATER" not in items
        assert "FINISHED" not in items

    def test_a_needed_by_date_that_is_missed_is_reported_without_a_push(self, portfolio):
        data = by_code(impact_of_delay(portfolio["platform"], 30))["DATA"]

        assert data.pushed_days == 0
        assert (data.new_start, data.new_end) == (D(2024, 5, 1), D(2024, 12, 31))
        [missed] = data.missed
        assert (missed.needed_from_id, missed.needed_by, missed.delivered) == (
            portfolio["platform"].pk, D(2024, 7, 15), D(2024, 7, 30),
        )
        assert missed.days_late == 15 and missed.newly_missed

    def test_a_slip_within_the_needed_by_margin_misses_no_date(self, portfolio):
        items = by_code(impact_of_delay(portfolio["platform"], 10))

        assert set(items) == {"SERVICE", "ROLLOUT"}
        assert (items["SERVICE"].pushed_days, items["ROLLOUT"].pushed_days) == (9, 8)

    def test_it_names_the_authorities_and_levels_hit(self, portfolio, kobenhavn, aarhus, region_midtjylland, digst):
        impact = impact_of_delay(portfolio["platform"], 30)

        hits = {hit.authority.pk: (hit.level, hit.leads, hit.takes_part) for hit in impact.authorities}
        assert hits == {
            kobenhavn.pk: (Level.MUNICIPAL, 1, 0),
            aarhus.pk: (Level.MUNICIPAL, 1, 0),
            region_midtjylland.pk: (Level.REGIONAL, 1, 0),
            digst.pk: (Level.CENTRAL, 0, 1),  # takes part in the rollout
        }
        assert impact.levels == {Level.CENTRAL: 1, Level.REGIONAL: 1, Level.MUNICIPAL: 2, Level.PARTNER: 0}
        rollout = by_code(impact)["ROLLOUT"]
        assert [(authority.pk, role) for authority, role in rollout.participants] == [
            (aarhus.pk, Role.LEAD), (digst.pk, Role.CONTRIBUTOR),
        ]

    def test_open_milestones_of_pushed_initiatives_move_with_them(self, portfolio):
        impact = impact_of_delay(portfolio["platform"], 30)

        assert [(m.milestone.title_da, m.old_date, m.new_date) for m in impact.milestones] == [
            ("Pilot", D(2024, 9, 15), D(2024, 10, 14)),
        ]

    def test_no_delay_no_impact(self, portfolio):
        impact = impact_of_delay(portfolio["platform"], 0)
        assert impact.initiatives == [] and impact.milestones == [] and impact.authorities == []

    def test_the_nearest_and_most_pushed_come_first(self, portfolio):
        impact = impact_of_delay(portfolio["platform"], 30)
        assert [item.initiative.code for item in impact.initiatives] == ["SERVICE", "DATA", "ROLLOUT"]
        assert [item.initiative.code for item in impact.pushed] == ["SERVICE", "ROLLOUT"]
        assert [item.initiative.code for item in impact.missing_needed_by] == ["DATA"]

    def test_the_number_of_queries_grows_with_the_waves_not_with_the_initiatives(
        self, portfolio, dated, kobenhavn, django_assert_max_num_queries
    ):
        # Three waves (service and data; rollout; nothing) and four queries to describe the result.
        with django_assert_max_num_queries(7):
            small = impact_of_delay(portfolio["platform"], 30)
        # Twenty more initiatives that need the service and start right after it: all pushed,
        # all in the second wave.
        for n in range(20):
            dependant = dated(kobenhavn, D(2025, 1, 1), D(2025, 3, 31), code=f"WIDE{n}")
            dependency_add(source=dependant, target=portfolio["service"])
        with django_assert_max_num_queries(7):
            large = impact_of_delay(portfolio["platform"], 30)
        assert len(large.pushed) == len(small.pushed) + 20

    def test_a_negative_delay_is_refused(self, portfolio):
        with pytest.raises(ValueError):
            impact_of_delay(portfolio["platform"], -1)


class TestOnlyTheDelayTheSlipAdds:
    """Conflicts that existed before the slip are the dependant's own lateness, never the slip's."""

    @pytest.fixture
    def platform(self, dated, digst):
        return dated(digst, D(2024, 1, 1), D(2024, 6, 30), code="PLATFORM", status=Status.ACTIVE)

    def test_a_running_dependant_keeps_its_start_and_its_end_moves_by_the_delay_that_reaches_it(
        self, platform, dated, kobenhavn
    ):
        # Under way since January, half a year before the platform it needs is to end.
        running = dated(kobenhavn, D(2024, 1, 1), D(2024, 12, 31), code="RUNNING", status=Status.ACTIVE)
        dependency_add(source=running, target=platform)

        [item] = impact_of_delay(platform, 30).initiatives

        assert (item.started, item.pushed_days) == (True, 30)
        assert (item.new_start, item.new_end) == (D(2024, 1, 1), D(2025, 1, 30))
        assert not item.start_moves
        assert (item.late_before_days, item.late_behind) == (181, platform)

    def test_a_dependant_already_late_is_moved_by_the_slip_alone(self, platform, dated, kobenhavn):
        # Planned to start 29 days before the platform ends: late before the slip, by 29 days.
        early = dated(kobenhavn, D(2024, 6, 1), D(2024, 12, 31), code="EARLY")
        dependency_add(source=early, target=platform)

        [item] = impact_of_delay(platform, 30).initiatives

        assert (item.started, item.pushed_days, item.late_before_days) == (False, 30, 29)
        assert (item.new_start, item.new_end) == (D(2024, 7, 1), D(2025, 1, 30))

    def test_a_later_prerequisite_that_does_not_move_absorbs_the_delay(self, platform, dated, kobenhavn, aarhus):
        # The service also waits for the law, which ends 20 July whatever the platform does.
        law = dated(aarhus, D(2024, 1, 1), D(2024, 7, 20), code="LAW")
        service = dated(kobenhavn, D(2024, 7, 1), D(2024, 12, 31), code="SERVICE")
        dependency_add(source=service, target=platform)
        dependency_add(source=service, target=law)

        [item] = impact_of_delay(platform, 30).initiatives

        # It could start on 20 July before the slip and on 30 July after it: ten days more.
        assert (item.pushed_days, item.new_start) == (10, D(2024, 7, 11))
        assert (item.late_before_days, item.late_behind) == (19, law)

    def test_a_cancelled_prerequisite_holds_nothing_back(self, platform, dated, kobenhavn, aarhus):
        abandoned = dated(aarhus, D(2024, 1, 1), D(2026, 12, 31), code="ABANDONED", status=Status.CANCELLED)
        service = dated(kobenhavn, D(2024, 7, 1), D(2024, 12, 31), code="SERVICE")
        dependency_add(source=service, target=platform)
        dependency_add(source=service, target=abandoned)

        [item] = impact_of_delay(platform, 30).initiatives

        assert (item.pushed_days, item.late_before_days) == (29, 0)

    def test_a_needed_by_date_missed_before_the_slip_says_by_how_much(self, platform, dated, region_midtjylland):
        data = dated(region_midtjylland, D(2024, 5, 1), D(2024, 12, 31), code="DATA")
        dependency_add(source=data, target=platform, kind=DependencyKind.DATA_EXCHANGE, needed_by=D(2024, 6, 20))

        [missed] = impact_of_delay(platform, 30).initiatives[0].missed

        assert (missed.days_late, missed.days_late_before, missed.newly_missed) == (40, 10, False)

    def test_the_delay_fades_along_a_chain_and_never_grows(self, platform, dated, kobenhavn):
        previous = platform
        for n in range(8):
            # Each step starts five days after the one before ends: five days of slack at each.
            start = D(2024, 7, 1) + datetime.timedelta(days=195 * n)
            step = dated(kobenhavn, start, start + datetime.timedelta(days=190), code=f"STEP{n}")
            dependency_add(source=step, target=previous)
            previous = step

        impact = impact_of_delay(platform, 30)

        assert [(item.initiative.code, item.pushed_days) for item in impact.initiatives] == [
            ("STEP0", 29), ("STEP1", 24), ("STEP2", 19), ("STEP3", 14), ("STEP4", 9), ("STEP5", 4),
        ]


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_completed_and_cancelled_initiatives_cannot_be_delayed(dated, digst, status):
    finished = dated(digst, D(2022, 1, 1), D(2023, 6, 30), code="FINISHED", status=status)

    with translation.override("en"), pytest.raises(NotDelayable) as refused:
        impact_of_delay(finished, 90)

    label = {Status.COMPLETED: "Completed", Status.CANCELLED: "Cancelled"}[status]
    assert str(refused.value) == (
        f"FINISHED · 2022–25 is “{label}”, so it cannot be delayed: only planned, active and paused initiatives can."
    )


def run_command(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("impact_of_delay", *args, stdout=out)
    return out.getvalue()


class TestTheCommand:
    def test_it_prints_what_the_page_shows_with_every_code_beside_its_strategy(self, portfolio):
        printed = run_command("2022-2025/PLATFORM", "--days", "30")

        assert printed.startswith("A delay of 30 days to PLATFORM · 2022–25 Test initiative")
        assert "Its end moves from 30. June 2024 to 30. July 2024." in printed
        assert "Finish to start: an initiative moves only by the part of the delay" in printed
        assert "2 initiatives pushed, 1 miss a needed-by date, 0 were already late before this slip." in printed
        assert (
            "  SERVICE · 2022–25 Test initiative 2\n"
            "    Pushed (days): 29 · Projected start: 01.07.2024 → 30.07.2024 · Projected end: 31.12.2024 → 29.01.2025\n"
        ) in printed
        assert "ROLLOUT · 2026–29" in printed
        assert "needs PLATFORM · 2022–25 by 15.07.2024: 15 days late" in printed
        assert "15.09.2024 → 14.10.2024  SERVICE · 2022–25 Pilot" in printed

    def test_json_gives_each_moved_initiative_its_id_strategy_code_days_and_earlier_lateness(self, portfolio, dated, kobenhavn):
        running = dated(kobenhavn, D(2024, 1, 1), D(2024, 12, 31), code="RUNNING", status=Status.ACTIVE)
        dependency_add(source=running, target=portfolio["platform"])

        printed = json.loads(run_command("2022-2025/PLATFORM", "--days", "30", "--json"))

        moved = {item["code"]: item for item in printed["moved"]}
        assert set(moved) == {"SERVICE", "ROLLOUT", "RUNNING"}
        assert {key: moved["RUNNING"][key] for key in ("id", "strategy", "days_moved", "already_late")} == {
            "id": running.pk, "strategy": "2022-2025", "days_moved": 30, "already_late": True,
        }
        assert (moved["ROLLOUT"]["strategy"], moved["ROLLOUT"]["days_moved"], moved["ROLLOUT"]["already_late"]) == (
            "2026-2029", 28, False,
        )
        [missed] = printed["missed_needed_by"]
        assert (missed["code"], missed["days_late"], missed["needed_from"]["code"]) == ("DATA", 15, "PLATFORM")

    def test_a_completed_initiative_is_refused_with_the_reason(self, portfolio):
        with pytest.raises(CommandError, match="FINISHED · 2022–25 is “Completed”, so it cannot be delayed"):
            run_command("2022-2025/FINISHED", "--days", "90")

    @pytest.mark.parametrize(
        "args, message",
        [
            (["2022-2025/NOPE", "--days", "90"], "There is no initiative 2022-2025/NOPE"),
            (["PLATFORM", "--days", "90"], "There is no initiative PLATFORM"),  # it is in a strategy
            (["2022-2025/PLATFORM", "--days", "0"], "The delay must be at least 1 day."),
        ],
    )
    def test_it_explains_bad_arguments(self, portfolio, args, message):
        with pytest.raises(CommandError, match=message):
            run_command(*args)
