import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from initiatives.models import Health, Initiative, Participation, Role, assess_cost, assess_schedule
from strategies.models import FocusArea, Strategy


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


D = datetime.date


class TestScheduleHealth:
    """Statens It-råd: red when more than 3 months late, yellow when 1 to 3 months late."""

    def test_it_is_green_on_time_and_ahead(self):
        assert assess_schedule(D(2025, 6, 30), D(2025, 6, 30))[0] == Health.GREEN
        assert assess_schedule(D(2025, 6, 30), D(2025, 1, 1))[0] == Health.GREEN

    def test_it_is_green_just_under_a_month_late(self):
        assert assess_schedule(D(2025, 3, 31), D(2025, 4, 29))[0] == Health.GREEN

    def test_it_turns_yellow_at_exactly_one_month_late(self):
        assert assess_schedule(D(2025, 3, 31), D(2025, 4, 30))[0] == Health.YELLOW

    def test_it_stays_yellow_at_exactly_three_months_late(self):
        assert assess_schedule(D(2025, 3, 31), D(2025, 6, 30))[0] == Health.YELLOW

    def test_it_turns_red_one_day_past_three_months(self):
        light, reason = assess_schedule(D(2025, 3, 31), D(2025, 7, 1))
        assert light == Health.RED
        assert "92" in reason  # the number of days late is in the reason

    def test_it_is_green_without_dates(self):
        assert assess_schedule(None, D(2025, 1, 1))[0] == Health.GREEN

    @override_settings(HEALTH_SCHEDULE_RED_MONTHS=6, HEALTH_SCHEDULE_YELLOW_MONTHS=2)
    def test_it_reads_its_thresholds_from_settings(self):
        assert assess_schedule(D(2025, 1, 31), D(2025, 3, 1))[0] == Health.GREEN
        assert assess_schedule(D(2025, 1, 31), D(2025, 5, 1))[0] == Health.YELLOW
        assert assess_schedule(D(2025, 1, 31), D(2025, 8, 1))[0] == Health.RED


class TestCostHealth:
    """Red when more than 10 % or DKK 6 million over baseline, yellow when over at all."""

    def test_it_is_green_within_budget(self):
        assert assess_cost(10_000_000, 10_000_000)[0] == Health.GREEN
        assert assess_cost(10_000_000, 9_000_000)[0] == Health.GREEN

    def test_it_is_yellow_one_krone_over(self):
        assert assess_cost(10_000_000, 10_000_001)[0] == Health.YELLOW

    def test_it_stays_yellow_at_exactly_ten_percent(self):
        assert assess_cost(10_000_000, 11_000_000)[0] == Health.YELLOW

    def test_it_turns_red_just_over_ten_percent(self):
        assert assess_cost(10_000_000, 11_000_001)[0] == Health.RED

    def test_it_stays_yellow_at_exactly_six_million_over_a_big_budget(self):
        assert assess_cost(100_000_000, 106_000_000)[0] == Health.YELLOW

    def test_it_turns_red_just_over_six_million_even_below_ten_percent(self):
        light, reason = assess_cost(100_000_000, 106_000_001)
        assert light == Health.RED
        assert "6.000.001" in reason

    def test_a_zero_budget_overrun_is_red(self):
        assert assess_cost(0, 1)[0] == Health.RED

    @override_settings(HEALTH_COST_RED_PERCENT=20, HEALTH_COST_RED_DKK=50_000_000)
    def test_it_reads_its_thresholds_from_settings(self):
        assert assess_cost(10_000_000, 11_500_000)[0] == Health.YELLOW


class TestOverallHealth:
    def test_it_is_the_worst_of_the_three(self, kobenhavn, make_initiative):
        initiative = make_initiative(kobenhavn, forecast_end=D(2025, 2, 15), benefits_health=Health.GREEN)
        assessment = initiative.assess_health()
        assert (assessment.schedule, assessment.cost, assessment.overall) == (Health.YELLOW, Health.GREEN, Health.YELLOW)
        initiative.benefits_health = Health.RED
        assert initiative.assess_health().overall == Health.RED

    def test_the_stored_lights_follow_the_service(self, kobenhavn, make_initiative):
        initiative = make_initiative(kobenhavn, forecast_cost=12_000_000)
        initiative.refresh_from_db()
        assert (initiative.cost_health, initiative.health) == (Health.RED, Health.RED)


class TestConstraints:
    def test_a_code_is_unique_within_a_strategy(self, kobenhavn, make_initiative):
        make_initiative(kobenhavn, code="3.2")
        with pytest.raises(ValidationError, match="already has an initiative with this code"):
            make_initiative(kobenhavn, code="3.2")

    def test_the_same_code_may_recur_in_another_strategy(self, kobenhavn, make_initiative, strategy_2026):
        make_initiative(kobenhavn, code="3.2")
        assert make_initiative(kobenhavn, code="3.2", strategy=strategy_2026).pk

    def test_reversed_baseline_dates_are_rejected(self, kobenhavn, make_initiative):
        with pytest.raises(ValidationError, match="baseline start must not be after"):
            make_initiative(kobenhavn, baseline_start=D(2025, 1, 1), baseline_end=D(2024, 1, 1))

    def test_reversed_forecast_dates_are_rejected_by_the_database_too(self, kobenhavn, make_initiative):
        initiative = make_initiative(kobenhavn)
        with pytest.raises(IntegrityError), transaction.atomic():
            Initiative.objects.filter(pk=initiative.pk).update(forecast_start=D(2030, 1, 1))

    def test_a_focus_area_of_another_strategy_is_rejected(self, kobenhavn, make_initiative, strategy_2026):
        other_area = FocusArea.objects.create(strategy=strategy_2026, code="1", name_da="Andet")
        with pytest.raises(ValidationError, match="focus area belongs to another strategy"):
            make_initiative(kobenhavn, focus_area=other_area)

    def test_a_strategy_cannot_end_before_it_starts(self, db):
        with pytest.raises(IntegrityError), transaction.atomic():
            Strategy.objects.create(code="x", name_da="X", start_year=2030, end_year=2029)

    def test_an_initiative_has_at_most_one_lead_participation(self, kobenhavn, aarhus, make_initiative):
        initiative = make_initiative(kobenhavn)
        with pytest.raises(IntegrityError), transaction.atomic():
            Participation.objects.create(initiative=initiative, authority=aarhus, role=Role.LEAD)


class TestCodeWithStrategy:
    def test_a_code_is_shown_with_its_strategys_period_compactly(self, kobenhavn, make_initiative):
        assert make_initiative(kobenhavn, code="4.2").code_with_strategy == "4.2 · 2022–25"

    def test_a_period_across_a_century_keeps_both_years_whole(self, kobenhavn, make_initiative):
        strategy = Strategy.objects.create(code="1999-2002", name_da="Gammel", start_year=1999, end_year=2002)
        assert make_initiative(kobenhavn, code="1.1", strategy=strategy).code_with_strategy == "1.1 · 1999–2002"

    def test_a_code_outside_the_strategies_stands_alone(self, kobenhavn, make_initiative):
        assert make_initiative(kobenhavn, code="SHARED", strategy=None).code_with_strategy == "SHARED"
