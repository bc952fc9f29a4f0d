"""A cycle's rows: one per covered initiative, with its fields, lights, report and interdependency
figures. Freezing stores them (CycleSnapshot.data); an open cycle's are read live the same way, so
the report page, the export and the comparison treat both alike.

A row holds only JSON values (dates as ISO text) so that what is stored is what is read back.
"""

from django.db.models import Max
from django.utils import translation

from initiatives.models import Initiative, code_with_strategy
from risks.models import Risk
from strategies.models import Strategy
from summaries.models import InitiativeSummary

from .models import BaselineVersion, Cycle, CycleSnapshot, StatusReport

# The queries of live_rows, whatever the number of initiatives.
REPORT_RELATIONS = ("initiative__strategy", "initiative__focus_area", "initiative__lead")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _summary_figures(summary: InitiativeSummary | None) -> dict | None:
    if summary is None:
        return None
    return {
        "upstream_direct": summary.upstream_direct,
        "upstream_total": summary.upstream_total,
        "downstream_direct": summary.downstream_direct,
        "downstream_total": summary.downstream_total,
        "upstream_authorities": summary.upstream_authorities,
        "upstream_levels": summary.upstream_levels,
        "upstream_depth": summary.upstream_depth,
        "at_risk": summary.at_risk,
        "risk_reason": summary.risk_reason if summary.at_risk else "",
        "risk_initiative": summary.risk_initiative.code_with_strategy
        if summary.at_risk and summary.risk_initiative_id else "",
        "risk_authority_da": summary.risk_authority.name_da if summary.at_risk and summary.risk_authority_id else "",
        "risk_authority_en": summary.risk_authority.name_en if summary.at_risk and summary.risk_authority_id else "",
        "computed_at": _iso(summary.computed_at),
    }


def _lights(report: StatusReport, initiative: Initiative) -> dict:
    """The computed lights captured at submission; for a report never submitted, as of now."""
    if report.computed_overall:
        return {
            "computed_schedule": report.computed_schedule,
            "computed_schedule_reason": report.computed_schedule_reason,
            "computed_cost": report.computed_cost,
            "computed_cost_reason": report.computed_cost_reason,
            "computed_benefits": report.computed_benefits,
            "computed_overall": report.computed_overall,
        }
    # The reasons in Danish, the product's language, whatever language the freezing user reads.
    with translation.override("da"):
        health = initiative.assess_health()
    return {
        "computed_schedule": health.schedule,
        "computed_schedule_reason": health.schedule_reason,
        "computed_cost": health.cost,
        "computed_cost_reason": health.cost_reason,
        "computed_benefits": health.benefits,
        "computed_overall": health.overall,
    }


def _row(report: StatusReport, summary: InitiativeSummary | None, version: int | None) -> dict:
    initiative = report.initiative
    strategy, area, lead = initiative.strategy, initiative.focus_area, initiative.lead
    return {
        "initiative_id": initiative.pk,
        "code": initiative.code,
        "code_with_strategy": initiative.code_with_strategy,
        "strategy": strategy.code if strategy else "",
        "strategy_start_year": strategy.start_year if strategy else None,
        "focus_area": area.code if area else "",
        "focus_area_da": area.name_da if area else "",
        "focus_area_en": area.name_en if area else "",
        "focus_area_order": area.order if area else None,
        "title_da": initiative.title_da,
        "title_en": initiative.title_en,
        "lead_id": lead.pk,
        "lead_da": lead.name_da,
        "lead_en": lead.name_en,
        "status": initiative.status,
        "baseline_version": version,
        "baseline_start": _iso(initiative.baseline_start),
        "baseline_end": _iso(initiative.baseline_end),
        "baseline_budget": initiative.baseline_budget,
        "forecast_start": _iso(initiative.forecast_start),
        "forecast_end": _iso(initiative.forecast_end),
        "forecast_cost": initiative.forecast_cost,
        **_lights(report, initiative),
        "assessed": report.assessed,
        "rationale": report.rationale,
        "track": report.track,
        "progress": report.progress,
        "next_steps": report.next_steps,
        "main_risks": report.main_risks,
        "report_state": report.state,
        "submitted_at": _iso(report.submitted_at),
        "approved_at": _iso(report.approved_at),
        "interdependencies": _summary_figures(summary),
    }


def _sort_key(row: dict) -> tuple:
    return (
        row["strategy_start_year"] or 0, row["strategy"], row["focus_area_order"] or 0, row["focus_area"],
        row["code"], row["initiative_id"],
    )


def live_rows(cycle: Cycle, strategy: Strategy | None = None, report_ids: list[int] | None = None) -> list[dict]:
    """The cycle's rows as of now (of one strategy, or of these reports, when given), in the
    report's order. Four queries, whatever the size."""
    reports = StatusReport.objects.filter(cycle=cycle).select_related(*REPORT_RELATIONS).order_by()
    if strategy is not None:
        reports = reports.filter(initiative__strategy=strategy)
    if report_ids is not None:
        reports = reports.filter(pk__in=report_ids)
    reports = list(reports)
    ids = [report.initiative_id for report in reports]
    versions = dict(
        BaselineVersion.objects.filter(initiative_id__in=ids).values("initiative_id")
        .annotate(newest=Max("number")).values_list("initiative_id", "newest")
    )
    summaries = InitiativeSummary.objects.filter(initiative_id__in=ids).select_related(
        "risk_initiative__strategy", "risk_authority"
    )
    by_initiative = {summary.initiative_id: summary for summary in summaries}
    # An initiative without versions yet has its fields as version 1 (services.baseline_current_version).
    rows = [_row(r, by_initiative.get(r.initiative_id), versions.get(r.initiative_id, 1)) for r in reports]
    return sorted(rows, key=_sort_key)


def open_risk_rows(initiative_ids: list[int]) -> dict[int, list[dict]]:
    """The open risks of these initiatives as of now, highest score first, as JSON values (what a
    status report lists and freezing keeps). One query."""
    risks = (
        Risk.objects.open().filter(initiative_id__in=initiative_ids).order_by("-score", "pk")
        .values_list("initiative_id", "id", "title", "probability", "impact", "score", "escalated", "status",
                     "review_date", "owner__name_da", "owner__name_en")
    )
    by_initiative: dict[int, list[dict]] = {pk: [] for pk in initiative_ids}
    for initiative_id, pk, title, probability, impact, score, escalated, status, review, owner_da, owner_en in risks:
        by_initiative[initiative_id].append({
            "id": pk, "title": title, "probability": probability, "impact": impact, "score": score,
            "escalated": escalated, "status": status, "review_date": _iso(review), "owner_da": owner_da,
            "owner_en": owner_en,
        })
    return by_initiative


def with_open_risks(rows: list[dict]) -> list[dict]:
    """The rows with each initiative's open risks as of now under "open_risks": what freezing keeps,
    so a frozen report lists the risks as they were. One query."""
    risks = open_risk_rows([row["initiative_id"] for row in rows])
    for row in rows:
        row["open_risks"] = risks[row["initiative_id"]]
    return rows


def live_report_ids(cycle: Cycle, strategy: Strategy) -> list[int]:
    """The ids of an open cycle's reports of one strategy, in the report's order (the rows' own sort
    key, so the page, the PDF and the export agree whatever the database's collation). One query."""
    keys = StatusReport.objects.filter(cycle=cycle, initiative__strategy=strategy).order_by().values_list(
        "pk", "initiative__strategy__start_year", "initiative__strategy__code", "initiative__focus_area__order",
        "initiative__focus_area__code", "initiative__code", "initiative_id",
    )
    rows = [
        {"pk": pk, "strategy_start_year": year, "strategy": code, "focus_area_order": order,
         "focus_area": area or "", "code": initiative_code, "initiative_id": initiative_id}
        for pk, year, code, order, area, initiative_code, initiative_id in keys
    ]
    return [row["pk"] for row in sorted(rows, key=_sort_key)]


def snapshot_data(cycle: Cycle, strategy: Strategy | None = None):
    """A frozen cycle's stored rows (of one strategy, when given: its index), in order, as a QuerySet
    to slice."""
    snapshots = CycleSnapshot.objects.filter(cycle=cycle)
    if strategy is not None:
        snapshots = snapshots.filter(strategy=strategy.code)
    return snapshots.order_by("position").values_list("data", flat=True)


def cycle_rows(cycle: Cycle, strategy: Strategy | None = None) -> list[dict]:
    """What the cycle shows (of one strategy, when given): its snapshot when frozen, else its rows
    as of now."""
    if cycle.is_frozen:
        return list(snapshot_data(cycle, strategy))
    return live_rows(cycle, strategy)


def cycle_export_rows(cycle: Cycle) -> list[dict]:
    """The cycle's rows for its CSV and workbook: with each initiative's open risks, as frozen, or as of now
    while the cycle is open."""
    return cycle_rows(cycle) if cycle.is_frozen else with_open_risks(live_rows(cycle))


def snapshot_columns(row: dict) -> dict:
    """What a CycleSnapshot keeps of a row as columns besides `data`: what comparisons read, and
    what the steering group's report picks its strategy and counts its risks by."""
    figures = row["interdependencies"]
    return {
        **{key: row[key] for key in COMPARISON_COLUMNS},
        "strategy": row["strategy"],
        "at_risk": bool(figures and figures["at_risk"]),
    }


# What a comparison reads of each row (comparison.COMPARED_FIELDS, and what names the initiative);
# all but the id are also CycleSnapshot's columns.
COMPARISON_KEYS = (
    "initiative_id", "code_with_strategy", "title_da", "title_en", "status", "assessed", "track", "forecast_end",
    "baseline_version", "report_state",
)
COMPARISON_COLUMNS = COMPARISON_KEYS[1:]


def comparison_rows(cycle: Cycle, strategy: Strategy | None = None) -> list[dict]:
    """The cycle's rows (of one strategy, when given) with only what a comparison reads, in two
    queries whatever the size: a frozen cycle's from the snapshot's columns, an open one's from the
    reports and initiatives directly (the full rows cost a dict of forty keys each)."""
    if cycle.is_frozen:
        snapshots = CycleSnapshot.objects.filter(cycle=cycle)
        if strategy is not None:
            snapshots = snapshots.filter(strategy=strategy.code)
        values = snapshots.order_by("position").values_list(*COMPARISON_KEYS)
        rows = [dict(zip(COMPARISON_KEYS, row, strict=True)) for row in values]
        for row in rows:
            row["forecast_end"] = _iso(row["forecast_end"])
        return rows
    reports = StatusReport.objects.filter(cycle=cycle)
    if strategy is not None:
        reports = reports.filter(initiative__strategy=strategy)
    reports = reports.order_by().values_list(
        "initiative_id", "initiative__code", "initiative__strategy__start_year", "initiative__strategy__end_year",
        "initiative__title_da", "initiative__title_en", "initiative__status", "assessed", "track",
        "initiative__forecast_end", "state",
    )
    versions = dict(
        BaselineVersion.objects.filter(initiative__status_reports__cycle=cycle)
        .filter(**({"initiative__strategy": strategy} if strategy is not None else {})).values("initiative_id")
        .annotate(newest=Max("number")).values_list("initiative_id", "newest")
    )
    return [
        {
            "initiative_id": pk, "code_with_strategy": code_with_strategy(code, start, end), "title_da": title_da,
            "title_en": title_en, "status": status, "assessed": assessed, "track": track,
            "forecast_end": _iso(forecast_end), "baseline_version": versions.get(pk, 1), "report_state": state,
        }
        for pk, code, start, end, title_da, title_en, status, assessed, track, forecast_end, state in reports
    ]
