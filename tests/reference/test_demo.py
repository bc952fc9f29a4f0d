import io
import json

from django.contrib.auth.models import User
from django.core.management import call_command

from authorities.models import Authority
from benefits.models import Benefit, FollowUp
from funding.models import FundingShare
from initiatives.models import Dependency, Health, Initiative, Participation, Role
from initiatives.services import find_dependency_path


def run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_builds_20_to_40_initiatives_per_strategy_all_illustrative(demo):
    per_strategy = Initiative.objects.filter(is_illustrative=True).values_list("strategy__code", flat=True)
    counts = {code: list(per_strategy).count(code) for code in set(per_strategy)}
    assert len(counts) == 7
    assert all(20 <= n <= 40 for n in counts.values()), counts
    assert not Initiative.objects.filter(reference_key__isnull=False, is_illustrative=True).exists()


def test_it_spreads_work_across_levels_and_a_realistic_mix_of_health(demo):
    lead_levels = set(Initiative.objects.filter(is_illustrative=True).values_list("lead__level", flat=True))
    assert {"central", "regional", "municipal"} <= lead_levels
    assert Participation.objects.filter(authority__level="partner").exists()
    health = set(Initiative.objects.filter(is_illustrative=True).values_list("health", flat=True))
    assert health == {Health.GREEN, Health.YELLOW, Health.RED}


def test_every_initiative_has_exactly_one_lead_participation_matching_its_lead(demo):
    leads = dict(Participation.objects.filter(role=Role.LEAD).values_list("initiative_id", "authority_id"))
    assert leads == dict(Initiative.objects.values_list("id", "lead_id"))


def test_it_has_a_few_hundred_acyclic_dependencies_across_strategies_and_levels(demo):
    dependencies = Dependency.objects.select_related("source__lead", "target__lead")
    assert 200 <= dependencies.count() <= 600
    assert any(d.source.strategy_id != d.target.strategy_id for d in dependencies)
    assert any(d.source.lead.level != d.target.lead.level for d in dependencies)
    for dependency in dependencies[:50]:
        assert find_dependency_path(start_id=dependency.target_id, goal_id=dependency.source_id) is None


def test_it_leaves_an_audit_trail(demo):
    assert Initiative.history.filter(history_type="+").count() == Initiative.objects.count()


def test_a_second_run_writes_nothing_and_prints_no_password(demo):
    before = (Initiative.objects.count(), Dependency.objects.count(), Authority.objects.count())
    assert "analyst" in demo
    again = run()
    assert "nothing written" in again
    assert "Demo users exist already" in again
    assert (Initiative.objects.count(), Dependency.objects.count(), Authority.objects.count()) == before


def test_running_it_twice_changes_nothing_in_the_database(demo, database_snapshot):
    before = database_snapshot()
    run()
    assert database_snapshot() == before


def test_it_is_deterministic(reference_data):
    # The portfolio alone (reference.demo.seed_demo): the demo's frozen reporting cycle would
    # protect its initiatives from the deletion below, as it protects any frozen record.
    from reference.demo import seed_demo

    seed_demo()
    first = sorted(Initiative.objects.filter(is_illustrative=True).values_list("strategy__code", "code", "title_da", "health"))
    Dependency.objects.all().delete()
    Participation.objects.all().delete()
    Initiative.objects.filter(is_illustrative=True).delete()
    from strategies.models import FocusArea
    FocusArea.objects.all().delete()
    Authority.objects.filter(is_illustrative=True).delete()
    Initiative.objects.all().delete()
    call_command("load_reference_data", stdout=io.StringIO())
    seed_demo()
    second = sorted(Initiative.objects.filter(is_illustrative=True).values_list("strategy__code", "code", "title_da", "health"))
    assert first == second


def test_the_demo_users_have_their_roles_and_a_generated_password(demo):
    analyst = User.objects.get(username="analyst")
    assert analyst.groups.filter(name="Secretariat").exists() and analyst.has_usable_password()
    coordinator = User.objects.get(username="kk-coordinator")
    assert list(coordinator.coordinator_roles.values_list("authority__code", flat=True)) == ["0101"]
    passwords = [line.split()[1] for line in demo.splitlines() if line.startswith("  ") and "-coordinator" in line]
    assert len(set(passwords)) == 3 and all(len(p) >= 12 for p in passwords)


def test_the_national_scale_prints_its_counts(reference_data):
    out = io.StringIO()
    call_command("seed_demo", "--scale", "national", "--initiatives", "700", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["initiatives"] == 702  # 700 + the two reference initiatives
    assert figures["dependencies"] >= 2000
    assert figures["participations"] >= 12 * 700
    assert figures["authorities"] >= 2500
    # The funding and benefits pages have something to total at national scale (bench_pages).
    assert Benefit.objects.count() >= 200 and FollowUp.objects.exists() and FundingShare.objects.count() >= 700
    # The risk register has a risk per two initiatives (bench_pages times its pages).
    from risks.models import Risk

    assert Risk.objects.count() == 350


def test_it_answers_the_secretariats_question_about_the_last_finished_strategy(demo):
    """Which initiatives of 2022–2025 are at risk because of central government, and which
    municipalities would a 90-day slip of one of them hit? (The demo's "today" is 1 November 2026.)"""
    from summaries.engine.run import recompute_summaries
    from summaries.impact import impact_of_delay
    from summaries.models import InitiativeSummary

    recompute_summaries()
    at_risk = list(
        InitiativeSummary.objects.filter(
            initiative__strategy__code="2022-2025", at_risk=True, risk_authority__level="central"
        ).select_related("initiative")
    )

    assert len(at_risk) >= 3
    municipalities_hit = {
        hit.authority.pk
        for summary in at_risk
        for hit in impact_of_delay(summary.initiative, 90).authorities
        if hit.level == "municipal"
    }
    assert len(municipalities_hit) >= 3
