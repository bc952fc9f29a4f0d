"""The secretariat's dashboard: overview, interdependencies (matrices, network, map) and impact.

Views are thin: they validate the query string with a form, ask dashboard.selectors for what the
page shows (a fixed number of queries, mostly from the summary tables) and render.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from authorities.models import Authority, Level
from initiatives.models import Initiative
from strategies.models import Strategy
from summaries.impact import impact_of_delay
from summaries.models import InitiativeSummary

from . import selectors
from .forms import ImpactForm, InterdependenciesForm, NetworkForm, OverviewForm

TIMELINE_FIRST_YEAR = 2001
TIMELINE_LAST_YEAR = 2029


def _strategies() -> list[Strategy]:
    # list() runs the query once; the timeline, the select and the lookup all use it.
    return list(Strategy.objects.order_by("start_year"))


def _chosen_strategy(form, strategies: list[Strategy], *, default: Strategy | None) -> Strategy | None:
    code = form.cleaned_data.get("strategy") if form.is_valid() else ""
    if not code:
        return default
    return next((s for s in strategies if s.code == code), default)


def _current(strategies: list[Strategy]) -> Strategy | None:
    """Strategy.objects.current(), answered from the list already loaded (no second query)."""
    year = timezone.localdate().year
    running = [s for s in strategies if s.start_year <= year <= s.end_year]
    started = [s for s in strategies if s.start_year <= year]
    pool = running or started
    return max(pool, key=lambda s: s.start_year) if pool else None


def _timeline(strategies: list[Strategy], selected: Strategy | None) -> dict:
    years = list(range(TIMELINE_FIRST_YEAR, TIMELINE_LAST_YEAR + 1))
    bars = []
    for strategy in strategies:
        start = max(strategy.start_year, TIMELINE_FIRST_YEAR)
        end = min(strategy.end_year, TIMELINE_LAST_YEAR)
        if end < start:
            continue
        bars.append(
            {
                "strategy": strategy,
                # Grid columns by class (the CSP forbids style attributes): col-start-N, col-span-M.
                "start": start - TIMELINE_FIRST_YEAR + 1,
                "span": end - start + 1,
                "selected": selected is not None and strategy.pk == selected.pk,
            }
        )
    return {"years": years, "decades": [y for y in years if y % 5 == 0 or y == years[0]], "bars": bars}


@login_required
def overview(request):
    strategies = _strategies()
    form = OverviewForm(request.GET or None, strategies=strategies)
    current = _current(strategies)
    strategy = _chosen_strategy(form, strategies, default=current)
    risk_level = form.cleaned_data.get("risk_level", "") if form.is_valid() else ""
    context = {
        "form": form,
        "strategies": strategies,
        "strategy": strategy,
        "current": current,
        "timeline": _timeline(strategies, strategy),
        "risk_level": risk_level,
        "risk_level_label": Level(risk_level).label if risk_level else "",
    }
    if strategy is not None:
        by_status, by_health, total = selectors.counts_by_status_and_health(strategy)
        at_risk_levels, at_risk_total = selectors.at_risk_by_level(strategy)
        context.update(
            {
                "by_status": by_status,
                "by_health": by_health,
                "total": total,
                "at_risk": selectors.at_risk_summaries(strategy, risk_level=risk_level),
                "at_risk_levels": at_risk_levels,
                "at_risk_total": at_risk_total,
                "at_risk_listed_of": next(
                    (level["count"] for level in at_risk_levels if level["value"] == risk_level), at_risk_total
                ),
                "matrix": selectors.level_matrix(strategy),
                "changes": selectors.recent_changes(strategy),
                "chart_data": {
                    "status": {
                        "labels": [str(bar.label) for bar in by_status],
                        "values": [bar.count for bar in by_status],
                        "keys": [bar.value for bar in by_status],
                    },
                    "health": {
                        "labels": [str(bar.label) for bar in by_health],
                        "values": [bar.count for bar in by_health],
                        "keys": [bar.value for bar in by_health],
                    },
                },
            }
        )
    return render(request, "dashboard/overview.html", context)


@login_required
def interdependencies(request):
    strategies = _strategies()
    form = InterdependenciesForm(request.GET or None, strategies=strategies)
    strategy = _chosen_strategy(form, strategies, default=None)
    criticality = form.cleaned_data.get("criticality", "") if form.is_valid() else ""
    map_figures = selectors.map_figures()
    context = {
        "form": form,
        "strategy": strategy,
        "criticality": criticality,
        "level_matrix": selectors.level_matrix(strategy, criticality=criticality),
        "authority_matrix": selectors.authority_matrix(strategy, criticality=criticality),
        "map": map_figures,
        "map_data": {
            "areas": map_figures["areas"],
            "measures": {key: str(label) for key, label in map_figures["measures"].items()},
        },
        "levels": Level.choices,
        "node_cap": selectors.NETWORK_NODE_CAP,
    }
    return render(request, "dashboard/interdependencies.html", context)


@login_required
@require_GET
def network_json(request):
    strategies = _strategies()
    form = NetworkForm(request.GET or None, strategies=strategies)
    if request.GET and not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"error": _("Check the filters."), "fields": errors}, status=400)
    data = form.cleaned_data if request.GET else {}
    strategy = _chosen_strategy(form, strategies, default=None) if request.GET else None
    build = selectors.initiative_network if data.get("nodes") == "initiatives" else selectors.authority_network
    payload = build(strategy, level=data.get("level", ""), criticality=data.get("criticality", ""))
    return JsonResponse(payload)


IMPACT_SEARCH_LIMIT = 20


@login_required
def impact(request):
    form = ImpactForm(request.GET or None)
    context = {"form": form, "matches": [], "initiative": None, "result": None}
    if not form.is_valid():
        return render(request, "dashboard/impact.html", context)
    query, initiative_id = form.cleaned_data["q"], form.cleaned_data["initiative"]
    days = form.cleaned_data["days"] or 90
    context["days"] = days
    initiatives = Initiative.objects.select_related("strategy", "lead", "summary")
    if initiative_id:
        initiative = initiatives.filter(pk=initiative_id).first()
        if initiative is None:
            form.add_error(None, _("There is no initiative with that number. Search for it by code or title."))
            return render(request, "dashboard/impact.html", context)
        context["initiative"] = initiative
        context["result"] = _impact_of_delay(initiative, days)
    elif query:
        matches = list(
            initiatives.filter(
                Q(code__icontains=query) | Q(title_da__icontains=query) | Q(title_en__icontains=query)
            ).order_by("-strategy__start_year", "code")[: IMPACT_SEARCH_LIMIT + 1]
        )
        context["matches"] = matches[:IMPACT_SEARCH_LIMIT]
        context["more_matches"] = len(matches) > IMPACT_SEARCH_LIMIT
        if len(matches) == 1:
            context["initiative"] = matches[0]
            context["result"] = _impact_of_delay(matches[0], days)
    return render(request, "dashboard/impact.html", context)


def _impact_of_delay(initiative: Initiative, days: int) -> dict:
    """The engine's analysis, arranged for the page: authorities grouped by level, names for ids."""
    result = impact_of_delay(initiative, days)
    by_pk = {item.initiative.pk: item.initiative for item in result.initiatives}
    by_pk[initiative.pk] = initiative
    impacted = [
        {
            "item": item,
            "lead": item.participants[0][0] if item.participants else item.initiative.lead,
            "others": len(item.participants) - 1,
            "missed": [{"need": need, "from": by_pk.get(need.needed_from_id)} for need in item.missed],
        }
        for item in result.initiatives
    ]
    level_groups = [
        {
            "level": level,
            "label": Level(level).label,
            "hits": [hit for hit in result.authorities if hit.level == level],
        }
        for level in result.levels
    ]
    milestones = [{"moved": moved, "initiative": by_pk.get(moved.milestone.initiative_id)} for moved in result.milestones]
    # One query for the illustrative flags, whichever fields the engine loaded on its authorities.
    illustrative_authorities = set(
        Authority.objects.filter(pk__in=[hit.authority.pk for hit in result.authorities], is_illustrative=True)
        .values_list("pk", flat=True)
    )
    level_groups = [
        {
            **group,
            "hits": [
                {"hit": hit, "illustrative": hit.authority.pk in illustrative_authorities} for hit in group["hits"]
            ],
        }
        for group in level_groups
    ]
    try:
        downstream_total = initiative.summary.downstream_total
    except InitiativeSummary.DoesNotExist:
        downstream_total = None  # not summarised yet
    return {
        "impact": result,
        "downstream_total": downstream_total,
        "impacted": impacted,
        "level_groups": [group for group in level_groups if group["hits"]],
        "level_counts": [{"label": Level(level).label, "count": n} for level, n in result.levels.items()],
        "milestones": milestones,
        "pushed_count": len(result.pushed),
        "missing_count": len(result.missing_needed_by),
    }
