"""The benefits light, computed from the register (thresholds table-driven), and the follow-up a year
after an initiative is completed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from benefits.models import Benefit, FollowUp, Kind
from benefits.services import (
    benefit_delete,
    benefit_save,
    follow_up_record,
    light_for_shortfall,
    shortfall_percent,
)
from initiatives.models import Health, Status
from initiatives.services import initiative_update

D = Decimal


def economic(initiative, baseline, forecast, **fields) -> Benefit:
    return Benefit(initiative=initiative, kind=Kind.ECONOMIC, title_da="Sparet sagsbehandling",
                   title_en="Case work saved", from_year=2025, baseline=D(baseline), forecast=D(forecast),
                   realised_by=initiative.lead, **fields)


@pytest.mark.parametrize(("percent", "light"), [
    ("0", Health.GREEN), ("10.0", Health.GREEN), ("10.1", Health.YELLOW), ("25.0", Health.YELLOW),
    ("25.1", Health.RED), ("100", Health.RED),
])
def test_the_thresholds(percent, light):
    assert light_for_shortfall(D(percent)) == light


@pytest.mark.parametrize(("baseline", "forecast", "higher_is_better", "percent"), [
    ("1000", "1000", True, "0"), ("1000", "1200", True, "0"), ("1000", "900", True, "10.0"),
    ("1000", "749", True, "25.1"), ("0", "0", True, "0"),
    ("30", "36", False, "20.0"),  # processing time in days should go down: a rise is the shortfall
    ("30", "20", False, "0"),
])
def test_the_shortfall(make_initiative, kobenhavn, baseline, forecast, higher_is_better, percent):
    benefit = economic(make_initiative(kobenhavn), baseline, forecast, higher_is_better=higher_is_better)
    assert shortfall_percent(benefit) == D(percent)


def test_registering_benefits_computes_the_light_and_its_reason_in_both_languages(make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn, benefits_health=Health.GREEN)
    benefit_save(benefit=economic(initiative, "1000000", "800000"))  # 20 % short: yellow
    initiative.refresh_from_db()
    assert (initiative.benefits_health, initiative.health, initiative.benefits_computed) == (
        Health.YELLOW, Health.YELLOW, True)
    assert initiative.assess_health().benefits_reason == "“Sparet sagsbehandling” forventes 20,0 % under sin baseline"
    with translation.override("en"):
        assert initiative.assess_health().benefits_reason == "“Case work saved” is forecast 20.0 % short of its baseline"
    benefit_save(benefit=economic(initiative, "100", "50"))  # 50 % short: red, and it decides
    initiative.refresh_from_db()
    assert initiative.benefits_health == Health.RED and "50,0 %" in initiative.assess_health().benefits_reason
    assert initiative.history.first().benefits_health == Health.RED  # audited like any other change


def test_removing_the_last_benefit_gives_the_light_back_to_the_lead(make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    benefit = benefit_save(benefit=economic(initiative, "100", "100"))
    initiative.refresh_from_db()
    assert initiative.benefits_computed
    benefit_delete(benefit=benefit)
    initiative.refresh_from_db()
    assert not initiative.benefits_computed and "sat i hånden" in initiative.assess_health().benefits_reason


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": Kind.NON_ECONOMIC, "indicator": ""}, "En ikke-økonomisk gevinst skal have sin indikator."),
    ({"from_year": None}, "En økonomisk gevinst skal have det år, den begynder."),
    ({"baseline": D("-1")}, "En økonomisk gevinst kan ikke være negativ."),
])
def test_a_benefit_that_breaks_a_rule_is_refused_and_nothing_changes(make_initiative, kobenhavn, fields, message):
    initiative = make_initiative(kobenhavn)
    benefit = economic(initiative, "100", "100")
    for name, value in fields.items():
        setattr(benefit, name, value)
    with pytest.raises(ValidationError) as refused:
        benefit_save(benefit=benefit)
    assert message in refused.value.messages
    assert not Benefit.objects.exists()
    initiative.refresh_from_db()
    assert not initiative.benefits_computed


def test_completing_an_initiative_schedules_its_follow_up_a_year_after_its_end(
        make_initiative, kobenhavn, django_capture_on_commit_callbacks):
    initiative = make_initiative(kobenhavn, forecast_end=datetime.date(2025, 3, 31))
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(initiative=initiative, status=Status.ACTIVE)
    assert not FollowUp.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(initiative=initiative, status=Status.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(initiative=initiative, title_da="Stadig afsluttet")  # saved again: still one
    assert list(FollowUp.objects.values_list("due_on", flat=True)) == [datetime.date(2026, 3, 31)]
    assert list(FollowUp.objects.overdue(datetime.date(2026, 4, 1))) == list(FollowUp.objects.all())
    assert not FollowUp.objects.overdue(datetime.date(2026, 3, 31)).exists()


def test_an_initiative_entered_as_completed_gets_no_follow_up(make_initiative, kobenhavn,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        initiative = make_initiative(kobenhavn, status=Status.COMPLETED, baseline_start=datetime.date(2002, 1, 1),
                                     baseline_end=datetime.date(2003, 6, 30), forecast_start=datetime.date(2002, 1, 1),
                                     forecast_end=datetime.date(2003, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(initiative=initiative, title_da="Rettet titel")
    assert not FollowUp.objects.exists()


def test_recording_the_follow_up(make_initiative, kobenhavn, kobenhavn_coordinator):
    initiative = make_initiative(kobenhavn, status=Status.COMPLETED)
    benefit = benefit_save(benefit=economic(initiative, "1000", "900"))
    follow_up = FollowUp.objects.create(initiative=initiative, due_on=datetime.date(2026, 1, 1))
    follow_up_record(follow_up=follow_up, summary="Besparelsen kom i 2025", realised={benefit.pk: D("850")},
                     user=kobenhavn_coordinator)
    follow_up.refresh_from_db()
    benefit.refresh_from_db()
    assert (follow_up.recorded_by, benefit.realised) == (kobenhavn_coordinator, D("850"))
    assert not FollowUp.objects.overdue(datetime.date(2027, 1, 1)).exists()


def test_a_follow_up_of_an_initiative_not_completed_is_refused(make_initiative, kobenhavn, analyst):
    initiative = make_initiative(kobenhavn, status=Status.ACTIVE)
    follow_up = FollowUp.objects.create(initiative=initiative, due_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        follow_up_record(follow_up=follow_up, summary="Noget", realised={}, user=analyst)
    assert "summary" in refused.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.recorded_at is None


def test_a_realised_value_for_another_initiatives_benefit_is_refused(make_initiative, kobenhavn, aarhus, analyst):
    ours = make_initiative(kobenhavn, status=Status.COMPLETED)
    theirs = benefit_save(benefit=economic(make_initiative(aarhus), "100", "100"))
    follow_up = FollowUp.objects.create(initiative=ours, due_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        follow_up_record(follow_up=follow_up, summary="Snyd", realised={theirs.pk: D("1")}, user=analyst)
    theirs.refresh_from_db()
    assert theirs.realised is None
