"""The summary numbers, checked by hand on small graphs."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from authorities.models import Level
from initiatives.models import Criticality, DependencyKind, Health, Initiative, Role, Status
from initiatives.services import dependency_add, initiative_update, participation_set
from summaries.engine.run import recompute_summaries
from summaries.freshness import summaries_freshness
from summaries.models import (
    AuthorityPairSummary,
    AuthoritySummary,
    InitiativeSummary,
    LevelMatrixCell,
    RiskReason,
    SummaryRun,
    SummaryState,
    SummaryTrigger,
)
from summaries.scheduling import mark_dirty

D = datetime.date


def summary(initiative) -> InitiativeSummary:
    return InitiativeSummary.objects.get(initiative=initiative)


def authority_summary(authority) -> AuthoritySummary:
    return AuthoritySummary.objects.get(authority=authority)


def cell(source_level, target_level, strategy=None) -> LevelMatrixCell:
    return LevelMatrixCell.objects.get(strategy=strategy, source_level=source_level, target_level=target_level)


def table_contents() -> dict:
    """Every summary row without its timestamp, to compare two runs."""
    return {
        model.__name__: sorted(
            (tuple(row) for row in model.objects.values_list(
                *[f.attname for f in model._meta.concrete_fields if f.name not in {"id", "computed_at"}]
            )),
            key=repr,
        )
        for model in (InitiativeSummary, AuthoritySummary, AuthorityPairSummary, LevelMatrixCell)
    }


@pytest.fixture
def dated(make_initiative):
    """Initiatives in sequence, each finishing before its dependant starts: nobody is late."""

    def build(lead, start, end, **fields):
        return make_initiative(
            lead, baseline_start=start, forecast_start=start, baseline_end=end, forecast_end=end, **fields
        )

    return build


@pytest.fixture
def chain(dated, kobenhavn, region_midtjylland, digst):
    """A municipal service needs a regional one, which needs central infrastructure."""
    central = dated(digst, D(2023, 1, 1), D(2023, 6, 30), code="C")
    regional = dated(region_midtjylland, D(2023, 7, 1), D(2023, 12, 31), code="R")
    municipal = dated(kobenhavn, D(2024, 1, 1), D(2024, 6, 30), code="M")
    dependency_add(source=municipal, target=regional, criticality=Criticality.HIGH)
    dependency_add(source=regional, target=central)
    return municipal, regional, central


class TestChainAcrossThreeLevels:
    def test_each_initiative_counts_what_it_depends_on_and_what_depends_on_it(self, chain):
        municipal, regional, central = chain
        recompute_summaries()

        m, r, c = summary(municipal), summary(regional), summary(central)
        assert (m.upstream_direct, m.upstream_total, m.downstream_direct, m.downstream_total) == (1, 2, 0, 0)
        assert (r.upstream_direct, r.upstream_total, r.downstream_direct, r.downstream_total) == (1, 1, 1, 1)
        assert (c.upstream_direct, c.upstream_total, c.downstream_direct, c.downstream_total) == (0, 0, 1, 2)

    def test_the_municipal_service_needs_two_other_parties_at_two_levels_two_steps_away(self, chain):
        municipal, regional, central = chain
        recompute_summaries()

        m = summary(municipal)
        assert (m.upstream_authorities, m.upstream_levels, m.upstream_depth) == (2, 2, 2)
        assert (summary(regional).upstream_authorities, summary(regional).upstream_depth) == (1, 1)
        assert (summary(central).upstream_authorities, summary(central).upstream_depth) == (0, 0)
        assert not any(s.at_risk for s in InitiativeSummary.objects.all())

    def test_authorities_see_whom_they_depend_on_and_their_exposure(self, chain, kobenhavn, region_midtjylland, digst):
        municipal, regional, central = chain
        # Københavns Kommune also takes part in the regional initiative.
        participation_set(initiative=regional, authority=kobenhavn, role=Role.CONTRIBUTOR)
        recompute_summaries()

        kk = authority_summary(kobenhavn)
        assert (kk.initiatives_led, kk.initiatives_participating) == (1, 1)
        assert (kk.depends_on_direct, kk.depends_on_total) == (1, 2)
        assert (kk.depended_by_direct, kk.depended_by_total, kk.exposure_initiatives) == (0, 0, 0)

        ds = authority_summary(digst)
        # The reference data has DIGST lead MitID and Digital Post as well (no dependencies).
        assert ds.initiatives_led == 1 + Initiative.objects.filter(reference_key__isnull=False, lead=digst).count()
        assert (ds.depends_on_direct, ds.depends_on_total) == (0, 0)
        assert (ds.depended_by_direct, ds.depended_by_total) == (1, 2)
        # Downstream of its initiative: the regional and the municipal one, carried by the region
        # and Københavns Kommune.
        assert (ds.exposure_initiatives, ds.exposure_authorities) == (2, 2)

        rm = authority_summary(region_midtjylland)
        assert (rm.depends_on_direct, rm.depended_by_direct, rm.exposure_initiatives, rm.exposure_authorities) == (
            1, 1, 1, 1,
        )

    def test_pairs_count_edges_criticality_and_shared_initiatives(self, chain, kobenhavn, region_midtjylland, digst):
        municipal, regional, central = chain
        participation_set(initiative=regional, authority=kobenhavn, role=Role.CONTRIBUTOR)
        recompute_summaries()

        pairs = {
            (p.source_id, p.target_id): (p.edges, p.high_edges, p.at_risk_edges, p.shared_initiatives)
            for p in AuthorityPairSummary.objects.all()
        }
        assert pairs == {
            (kobenhavn.pk, region_midtjylland.pk): (1, 1, 0, 1),
            (region_midtjylland.pk, digst.pk): (1, 0, 0, 0),
        }

    def test_the_level_matrix_has_every_cell_with_the_two_edges(self, chain, strategy_2022):
        recompute_summaries()

        assert cell(Level.MUNICIPAL, Level.REGIONAL).edges == 1
        assert cell(Level.MUNICIPAL, Level.REGIONAL).high_edges == 1
        assert cell(Level.REGIONAL, Level.CENTRAL).edges == 1
        assert cell(Level.REGIONAL, Level.CENTRAL, strategy_2022).edges == 1
        assert cell(Level.CENTRAL, Level.MUNICIPAL).edges == 0
        total = sum(LevelMatrixCell.objects.filter(strategy__isnull=True).values_list("edges", flat=True))
        assert total == 2
        # Sixteen cells for all strategies together and for each strategy, zeros included.
        assert LevelMatrixCell.objects.filter(strategy__isnull=True).count() == 16
        assert LevelMatrixCell.objects.filter(strategy=strategy_2022).count() == 16


class TestDiamond:
    def test_a_shared_ancestor_is_counted_once(self, dated, kobenhavn, aarhus, region_midtjylland, digst):
        base = dated(digst, D(2023, 1, 1), D(2023, 3, 31), code="BASE")
        left = dated(aarhus, D(2023, 4, 1), D(2023, 6, 30), code="LEFT")
        right = dated(region_midtjylland, D(2023, 4, 1), D(2023, 9, 30), code="RIGHT")
        top = dated(kobenhavn, D(2023, 10, 1), D(2024, 6, 30), code="TOP")
        for source, target in [(top, left), (top, right), (left, base), (right, base)]:
            dependency_add(source=source, target=target)
        recompute_summaries()

        t, b = summary(top), summary(base)
        assert (t.upstream_direct, t.upstream_total, t.upstream_depth) == (2, 3, 2)
        assert (t.upstream_authorities, t.upstream_levels) == (3, 3)  # Aarhus, the region, DIGST
        assert (b.downstream_direct, b.downstream_total) == (2, 3)
        digst_row = AuthoritySummary.objects.get(authority=digst)
        assert (digst_row.depended_by_direct, digst_row.depended_by_total, digst_row.exposure_initiatives) == (2, 3, 3)


class TestCrossStrategyChain:
    def test_a_dependency_on_an_earlier_strategy_counts_in_the_dependants_strategy(
        self, dated, kobenhavn, digst, strategy_2022, strategy_2026
    ):
        platform = dated(digst, D(2024, 1, 1), D(2025, 6, 30), code="P", strategy=strategy_2022)
        service = dated(kobenhavn, D(2026, 1, 1), D(2027, 6, 30), code="S", strategy=strategy_2026)
        dependency_add(source=service, target=platform, criticality=Criticality.HIGH)
        recompute_summaries()

        assert summary(service).upstream_total == 1
        assert summary(platform).downstream_total == 1
        assert cell(Level.MUNICIPAL, Level.CENTRAL).edges == 1
        assert cell(Level.MUNICIPAL, Level.CENTRAL, strategy_2026).edges == 1
        assert cell(Level.MUNICIPAL, Level.CENTRAL, strategy_2026).high_edges == 1
        assert cell(Level.MUNICIPAL, Level.CENTRAL, strategy_2022).edges == 0


class TestAtRisk:
    def test_a_red_initiative_puts_everything_downstream_at_risk_and_is_named(
        self, chain, kobenhavn, region_midtjylland, digst
    ):
        municipal, regional, central = chain
        initiative_update(initiative=central, benefits_health=Health.RED)
        recompute_summaries()

        for dependant in (regional, municipal):
            s = summary(dependant)
            assert s.at_risk
            assert (s.risk_reason, s.risk_initiative_id, s.risk_authority_id) == (RiskReason.RED, central.pk, digst.pk)
        assert not summary(central).at_risk
        assert authority_summary(kobenhavn).at_risk_because_of_others == 1
        assert authority_summary(region_midtjylland).at_risk_because_of_others == 1
        assert authority_summary(digst).others_at_risk_because_of_it == 2
        assert AuthorityPairSummary.objects.get(source=kobenhavn, target=region_midtjylland).at_risk_edges == 1
        assert cell(Level.REGIONAL, Level.CENTRAL).at_risk_edges == 1
        assert cell(Level.MUNICIPAL, Level.REGIONAL).at_risk_edges == 1

    def test_the_nearest_cause_is_named(self, chain, region_midtjylland):
        municipal, regional, central = chain
        initiative_update(initiative=central, benefits_health=Health.RED)
        initiative_update(initiative=regional, status=Status.PAUSED)
        recompute_summaries()

        s = summary(municipal)
        assert (s.risk_reason, s.risk_initiative_id, s.risk_authority_id) == (
            RiskReason.PAUSED, regional.pk, region_midtjylland.pk,
        )
        # The paused initiative is itself at risk from the red one.
        assert summary(regional).risk_reason == RiskReason.RED

    def test_a_cancelled_dependency_is_a_risk(self, chain):
        municipal, regional, central = chain
        initiative_update(initiative=regional, status=Status.CANCELLED)
        recompute_summaries()

        assert summary(municipal).risk_reason == RiskReason.CANCELLED
        assert not summary(regional).at_risk  # cancelled: nothing left to be at risk

    def test_finishing_after_the_needed_by_date_is_a_risk(self, dated, kobenhavn, digst):
        platform = dated(digst, D(2023, 1, 1), D(2023, 12, 31))
        service = dated(kobenhavn, D(2024, 1, 1), D(2024, 12, 31))
        dependency = dependency_add(
            source=service, target=platform, kind=DependencyKind.DATA_EXCHANGE, needed_by=D(2023, 12, 31)
        )
        recompute_summaries()
        assert not summary(service).at_risk

        dependency.needed_by = D(2023, 11, 30)
        dependency.save()
        recompute_summaries()
        assert summary(service).risk_reason == RiskReason.LATE_FOR_NEEDED_BY
        assert summary(service).risk_initiative_id == platform.pk

    def test_a_prerequisite_finishing_after_the_dependant_starts_is_a_risk(self, dated, kobenhavn, digst):
        platform = dated(digst, D(2023, 1, 1), D(2024, 2, 1))
        service = dated(kobenhavn, D(2024, 1, 1), D(2024, 12, 31))
        dependency_add(source=service, target=platform, kind=DependencyKind.PREREQUISITE)
        recompute_summaries()

        assert summary(service).risk_reason == RiskReason.LATE_FOR_START

    def test_other_kinds_without_a_needed_by_date_are_not_late(self, dated, kobenhavn, digst):
        platform = dated(digst, D(2023, 1, 1), D(2024, 2, 1))
        service = dated(kobenhavn, D(2024, 1, 1), D(2024, 12, 31))
        dependency_add(source=service, target=platform, kind=DependencyKind.SHARED_INFRASTRUCTURE)
        recompute_summaries()

        assert not summary(service).at_risk

    def test_completed_initiatives_are_neither_at_risk_nor_a_risk(self, chain):
        municipal, regional, central = chain
        initiative_update(initiative=central, benefits_health=Health.RED, status=Status.COMPLETED)
        initiative_update(initiative=municipal, status=Status.COMPLETED)
        recompute_summaries()

        assert not InitiativeSummary.objects.filter(at_risk=True).exists()

    def test_lights_changed_behind_the_services_back_are_corrected_and_count(self, chain):
        municipal, regional, central = chain
        # A queryset update skips the services: the stored light stays green although the
        # forecast is a year late. The recompute corrects it, and the dependants see the risk.
        Initiative.objects.filter(pk=central.pk).update(forecast_end=D(2024, 6, 30))
        mark_dirty()
        result = recompute_summaries()

        central.refresh_from_db()
        assert (central.schedule_health, central.health) == (Health.RED, Health.RED)
        assert result.counts["health_lights_corrected"] == 1
        assert summary(regional).risk_reason == RiskReason.RED

    def test_new_thresholds_in_settings_reach_the_stored_lights(self, dated, kobenhavn):
        late = dated(kobenhavn, D(2023, 1, 1), D(2023, 6, 30))
        Initiative.objects.filter(pk=late.pk).update(forecast_end=D(2023, 8, 15))  # six weeks late
        recompute_summaries()
        late.refresh_from_db()
        assert late.schedule_health == Health.YELLOW

        with override_settings(HEALTH_SCHEDULE_YELLOW_MONTHS=2, HEALTH_SCHEDULE_RED_MONTHS=3):
            recompute_summaries()
        late.refresh_from_db()
        assert late.schedule_health == Health.GREEN


class TestRuns:
    def test_running_twice_leaves_the_same_tables(self, chain, kobenhavn):
        municipal, regional, central = chain
        initiative_update(initiative=central, benefits_health=Health.RED)
        participation_set(initiative=regional, authority=kobenhavn, role=Role.CONTRIBUTOR)
        recompute_summaries()
        first = table_contents()
        recompute_summaries()
        assert table_contents() == first
        assert first["InitiativeSummary"]

    def test_after_one_edit_only_the_rows_that_changed_are_rewritten(self, chain, digst):
        municipal, regional, central = chain
        recompute_summaries()
        initiative_update(initiative=central, benefits_health=Health.RED)
        result = recompute_summaries()

        # The two dependants are now at risk; DIGST, the region and Københavns Kommune see it;
        # both pairs and two level cells (all strategies and 2022-2025) for each edge count it.
        assert result.counts["initiative_summaries_written"] == 2
        assert result.counts["authority_summaries_written"] == 3
        assert result.counts["authority_pairs_written"] == 2
        assert result.counts["level_cells_written"] == 4
        assert summary(municipal).risk_authority_id == digst.pk

    def test_a_rewrite_leaves_the_same_tables_as_an_update(self, chain):
        municipal, regional, central = chain
        recompute_summaries()
        initiative_update(initiative=regional, status=Status.PAUSED)
        municipal.dependencies.get().delete()
        recompute_summaries()
        updated = table_contents()
        result = recompute_summaries(rewrite=True)
        assert table_contents() == updated
        assert result.counts["initiative_summaries_written"] == Initiative.objects.count()

    def test_a_removed_dependency_disappears_from_every_table(self, chain, kobenhavn, region_midtjylland):
        municipal, regional, central = chain
        recompute_summaries()
        municipal.dependencies.get().delete()
        recompute_summaries()

        assert summary(municipal).upstream_total == 0
        assert not AuthorityPairSummary.objects.filter(source=kobenhavn, target=region_midtjylland).exists()
        assert cell(Level.MUNICIPAL, Level.REGIONAL).edges == 0

    def test_each_run_records_when_why_how_long_and_which_version(self, chain):
        result = recompute_summaries(trigger=SummaryTrigger.MANUAL)

        run = SummaryRun.objects.get()
        state = SummaryState.objects.get(scope="all")
        assert (run.status, run.trigger, run.scope) == (SummaryRun.Status.DONE, SummaryTrigger.MANUAL, "all")
        assert run.data_version == state.computed_version == result.data_version
        assert run.finished_at >= run.started_at and run.duration_ms is not None
        assert run.counts["initiative_summaries"] == Initiative.objects.count()

    def test_freshness_says_as_of_when_and_whether_a_recompute_is_owed(self, chain, kobenhavn):
        recompute_summaries()
        fresh = summaries_freshness()
        assert not fresh.pending
        assert fresh.as_of == SummaryRun.objects.get().started_at
        assert fresh.last_run.trigger == SummaryTrigger.MANUAL

        mark_dirty()  # as any change does
        stale = summaries_freshness()
        assert stale.pending and stale.data_version > fresh.data_version
        assert stale.dirty_since is not None

    def test_freshness_before_any_recompute(self, db):
        fresh = summaries_freshness()
        assert (fresh.as_of, fresh.pending, fresh.has_summaries) == (None, False, False)

    def test_a_strategy_scope_rewrites_only_that_strategy(self, dated, kobenhavn, digst, strategy_2022, strategy_2026):
        old = dated(digst, D(2023, 1, 1), D(2023, 6, 30), strategy=strategy_2022)
        new = dated(kobenhavn, D(2026, 1, 1), D(2026, 6, 30), strategy=strategy_2026)
        recompute_summaries()
        dependency_add(source=new, target=old)
        result = recompute_summaries(scope=strategy_2026.code)

        assert result.scope == "strategy:2026-2029"
        assert summary(new).upstream_total == 1  # rewritten
        assert summary(old).downstream_total == 0  # the other strategy's row is left as it was
        assert cell(Level.MUNICIPAL, Level.CENTRAL, strategy_2026).edges == 1
        assert cell(Level.MUNICIPAL, Level.CENTRAL).edges == 0
        # A strategy run does not claim the whole portfolio is current.
        assert summaries_freshness().pending


class TestCommand:
    def test_it_prints_rows_written_time_and_the_newest_change_reflected(self, chain):
        out = io.StringIO()
        call_command("recompute_summaries", stdout=out)
        text = out.getvalue()
        assert "up to change" in text  # which changes the summaries now reflect
        assert f"initiative summaries: {Initiative.objects.count()}" in text
        assert "authority pairs: 2" in text

    def test_it_recomputes_one_strategy(self, chain, strategy_2022):
        out = io.StringIO()
        call_command("recompute_summaries", "--strategy", strategy_2022.code, stdout=out)
        assert "(strategy:2022-2025)" in out.getvalue()
        assert InitiativeSummary.objects.filter(initiative__strategy=strategy_2022).count() == 3
        assert not AuthoritySummary.objects.exists()

    def test_it_names_the_codes_when_the_strategy_is_unknown(self, chain):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="2022-2025"):
            call_command("recompute_summaries", "--strategy", "1999-2000")
