"""The secretariat's dashboard: overview, interdependencies (matrices, network, map), impact, and
the authority list and page.

Views are thin: they validate the query string with a form (or a FilterSet), ask the page's module
in dashboard.selectors for what the page shows (a fixed number of queries, mostly from the summary
tables) and render.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from authorities.filters import AuthorityFilterSet
from authorities.models import Authority, Kind, Level
from common.listing import Column, Ordering, filters_reject_nul, page_links, paginate, without_empty_values
from common.roles import reads_everything
from initiatives.models import Initiative
from reporting import selectors as reporting_selectors
from strategies.models import Strategy
from summaries.freshness import remember_figures
from summaries.impact import RULE, NotDelayable, impact_of_delay

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
        context.update(_overview_figures(strategy, risk_level))
    context["divergences"] = reporting_selectors.latest_divergences(request.user)
    return render(request, "dashboard/overview.html", context)


def _overview_figures(strategy: Strategy, risk_level: str) -> dict:
    # The same for everyone who may see the overview: cached until the portfolio next changes. The week's
    # changes are read each time (their window moves with the clock, not with the data).
    figures = remember_figures(
        "overview", (strategy.pk, risk_level),
        lambda: selectors.overview.strategy_figures(strategy, risk_level=risk_level),
    )
    return {**figures, "changes": selectors.overview.recent_changes(strategy)}


@login_required
def interdependencies(request):
    strategies = _strategies()
    form = InterdependenciesForm(request.GET or None, strategies=strategies)
    strategy = _chosen_strategy(form, strategies, default=None)
    criticality = form.cleaned_data.get("criticality", "") if form.is_valid() else ""
    show = form.cleaned_data.get("show", "") if form.is_valid() else ""
    # The agreement counts link to the secretariat's agreement list (asked only when they are shown).
    links = show == selectors.interdependencies.SHOW_AGREEMENTS and reads_everything(request.user)

    def figures():
        if show == selectors.interdependencies.SHOW_AGREEMENTS:
            level = selectors.interdependencies.agreement_level_matrix(strategy, links=links)
        else:
            level = selectors.interdependencies.level_matrix(strategy, criticality=criticality)
        return (
            selectors.map.map_figures(),
            level,
            selectors.interdependencies.authority_matrix(strategy, criticality=criticality),
        )

    # The same for everyone who may see the page (but the links): cached until the portfolio or its
    # summaries next change.
    map_figures, matrix, authority_matrix = remember_figures(
        "interdependencies", (strategy.pk if strategy else None, criticality, show, links), figures
    )
    context = {
        "form": form,
        "strategy": strategy,
        "criticality": criticality,
        "show": matrix.show,
        "level_matrix": matrix,
        "authority_matrix": authority_matrix,
        "map": map_figures,
        "map_data": {
            "areas": map_figures["areas"],
            "measures": {key: str(label) for key, label in map_figures["measures"].items()},
        },
        "levels": Level.choices,
        "node_cap": selectors.network.NETWORK_NODE_CAP,
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
    network = selectors.network
    build = network.initiative_network if data.get("nodes") == "initiatives" else network.authority_network
    payload = build(strategy, level=data.get("level", ""), criticality=data.get("criticality", ""))
    return JsonResponse(payload)


@login_required
def impact(request):
    form = ImpactForm(request.GET or None)
    context = {"form": form, "matches": [], "initiative": None, "result": None, "rule": RULE}
    if not form.is_valid():
        return render(request, "dashboard/impact.html", context)
    query, initiative_id = form.cleaned_data["q"], form.cleaned_data["initiative"]
    days = form.cleaned_data["days"] or 90
    context["days"] = days
    if initiative_id:
        initiative = selectors.impact.initiative_by_id(initiative_id)
        if initiative is None:
            form.add_error(None, _("There is no initiative with that number. Search for it by code or title."))
            return render(request, "dashboard/impact.html", context)
        _analyse(form, context, initiative, days)
    elif query:
        matches, more = selectors.impact.initiatives_found(query)
        context["matches"] = matches
        context["more_matches"] = more
        if len(matches) == 1:
            _analyse(form, context, matches[0], days)
    return render(request, "dashboard/impact.html", context)


def _analyse(form: ImpactForm, context: dict, initiative: Initiative, days: int) -> None:
    """The engine's analysis, arranged for the page; or the engine's reason why there is none."""
    context["initiative"] = initiative
    try:
        result = impact_of_delay(initiative, days)
    except NotDelayable as refused:
        form.add_error(None, str(refused))
        return
    context["result"] = selectors.impact.impact_page(initiative, result)


# --- The authority list and the authority page ------------------------------------------------

AUTHORITY_DEFAULT_SORT = "name"


def _name_fields() -> tuple[str, ...]:
    return ("name_en", "name_da") if (get_language() or "da").startswith("en") else ("name_da",)


def authority_columns() -> list[Column]:
    return [
        Column("name", gettext_lazy("Authority"), _name_fields),
        Column("level", gettext_lazy("Level"), ("level",)),
        Column("kind", gettext_lazy("Kind"), ("kind",)),
        Column("region", gettext_lazy("Region"), ("region__name_da",)),
        Column("led", gettext_lazy("Initiatives led"), ("summary__initiatives_led",), numeric=True),
        Column("participating", gettext_lazy("Takes part in"), ("summary__initiatives_participating",), numeric=True),
        Column("depends_on", gettext_lazy("Depends on (authorities)"), ("summary__depends_on_direct",), numeric=True),
        Column(
            "depended_by", gettext_lazy("Depended on by (authorities)"), ("summary__depended_by_direct",), numeric=True
        ),
        Column("exposure", gettext_lazy("Initiatives downstream"), ("summary__exposure_initiatives",), numeric=True),
    ]


def _filtered_authorities(query) -> tuple[AuthorityFilterSet, Ordering, QuerySet]:
    filterset = AuthorityFilterSet(query, queryset=Authority.objects.select_related("region", "summary"))
    ordering = Ordering(authority_columns(), query.get("sort"), default=AUTHORITY_DEFAULT_SORT)
    return filterset, ordering, filterset.qs.order_by(*ordering.order_by("name_da"))


@login_required
@require_GET
@filters_reject_nul
def authority_list(request):
    query = without_empty_values(request.GET)
    filterset, ordering, queryset = _filtered_authorities(query)
    errors = filterset.error_messages() if not filterset.is_valid() else []
    context = {
        "errors": errors,
        "headers": ordering.headers(query),
        "sort": ordering.param,
        "selected": {
            "q": query.get("q", ""),
            "level": query.getlist("level"),
            "kind": query.getlist("kind"),
            "region_id": query.getlist("region_id"),
        },
        "has_filters": any(key not in ("sort", "page") for key in query),
        "levels": Level.choices,
        "kinds": Kind.choices,
        # list() runs the query here, not while the template renders.
        "regions": list(Authority.objects.regions().order_by("name_da")),
    }
    if errors:
        context.update(page=None, authorities=[])
        return render(request, "dashboard/authority_list.html", context, status=400)
    page = paginate(queryset, query.get("page"))
    context.update(
        page=page,
        authorities=page.object_list,
        page_links=page_links(page, query) if page.paginator.num_pages > 1 else [],
    )
    return render(request, "dashboard/authority_list.html", context)


@login_required
@require_GET
def authority_detail(request, pk: int):
    authority = get_object_or_404(Authority.objects.select_related("parent", "region", "summary"), pk=pk)
    context = {"authority": authority, **selectors.authority.authority_page(authority)}
    return render(request, "dashboard/authority_detail.html", context)
