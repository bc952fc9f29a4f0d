"""The initiative list (filters, sorting, pagination, CSV and Excel exports) and the initiative page.

Views are thin: the FilterSet validates the query string, common.listing orders and paginates,
initiatives.selectors reads what the initiative page shows in a fixed number of queries.
"""

import html

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from authorities.models import Authority, Level
from common import pagecache
from common.listing import Column, Ordering, filters_reject_nul, page_links, paginate_by_ids, without_empty_values
from strategies.models import FocusArea, Strategy

from . import exports, selectors
from .filters import InitiativeFilterSet
from .models import Health, Initiative, Status

DEFAULT_SORT = "-strategy"  # the newest strategy first, its codes in order
DATE_RANGE_FILTERS = ("forecast_start", "forecast_end", "baseline_end")


def _title_fields() -> tuple[str, ...]:
    return ("title_en", "title_da") if (get_language() or "da").startswith("en") else ("title_da",)


def list_columns() -> list[Column]:
    return [
        Column("code", _("Code"), ("code",)),
        Column("title", _("Title"), _title_fields),
        Column("strategy", _("Strategy"), ("strategy__start_year",)),  # then by code (the tie-breaker)
        # The lead's level under its name: a column of its own pushed the list past 1366 px.
        Column("lead", _("Lead authority (level)"), ("lead__level", "lead__name_da")),
        Column("status", _("Status"), ("status",)),
        Column("health", _("Health"), ("health_rank",)),
        Column("forecast_end", _("Forecast end"), ("forecast_end",)),
        Column("baseline_end", _("Baseline end"), ("baseline_end",)),
        Column("at_risk", _("At risk"), ("summary__at_risk",)),
        Column("downstream", _("Depended on by"), ("summary__downstream_total",), numeric=True),
    ]


# What the list and the exports show: leaving the long texts out keeps the sort of 20,000 joined
# rows narrow (it was most of the page's database time at national scale).
LIST_FIELDS = (
    "code", "title_da", "title_en", "status", "health", "forecast_start", "forecast_end", "baseline_end",
    "is_illustrative", "strategy__start_year", "strategy__end_year", "lead__name_da", "lead__name_en",
    "lead__level", "lead__is_illustrative", "summary__at_risk", "summary__downstream_total",
)


def _base_queryset() -> QuerySet:
    return Initiative.objects.select_related("strategy", "lead", "summary").only(*LIST_FIELDS).annotate(
        # Health sorts from good to bad, not alphabetically.
        health_rank=Case(
            When(health=Health.GREEN, then=Value(0)),
            When(health=Health.YELLOW, then=Value(1)),
            When(health=Health.RED, then=Value(2)),
            output_field=IntegerField(),
        )
    )


def _filtered(query) -> tuple[InitiativeFilterSet, Ordering, QuerySet]:
    filterset = InitiativeFilterSet(query, queryset=_base_queryset())
    ordering = Ordering(list_columns(), query.get("sort"), default=DEFAULT_SORT)
    queryset = filterset.qs.order_by(*ordering.order_by("code"))
    return filterset, ordering, queryset


def _filter_choices() -> dict:
    """The options of the filter form, each in one query (list() so the template runs none)."""
    return {
        "strategies": list(Strategy.objects.order_by("-start_year")),
        "focus_areas": list(FocusArea.objects.select_related("strategy").order_by("-strategy__start_year", "order", "code")),
        "authorities": list(Authority.objects.order_by("name_da", "pk").values_list("pk", "name_da", "name_en")),
        "levels": Level.choices,
        "statuses": Status.choices,
        "healths": Health.choices,
    }


def authority_options(authorities: list[tuple[int, str, str]], *selections: list[str]) -> list[SafeString]:
    """<option> elements for the authority selects, one string per selection, built here rather
    than in the template: at national scale each select holds 2,700 authorities, and a template
    loop cost more than all of the page's queries together."""
    english = (get_language() or "da").startswith("en")
    options = "".join(
        f'<option value="{pk}">{html.escape(name_en if english and name_en else name_da)}</option>'
        for pk, name_da, name_en in authorities
    )
    results = []
    for selected in selections:
        marked = options
        for value in {value for value in selected if value.isascii() and value.isdigit()}:
            marked = marked.replace(f'<option value="{int(value)}">', f'<option value="{int(value)}" selected>', 1)
        results.append(mark_safe(marked))  # noqa: S308 - ids are integers, names are escaped
    return results


def _selected(query) -> dict:
    """The chosen values per parameter, as strings, for marking options as selected."""
    names = [
        "strategy", "strategy_id", "focus_area_id", "level", "lead_id", "authority_id", "status", "health", "risk_level",
    ]
    selected = {name: query.getlist(name) for name in names}
    for name in DATE_RANGE_FILTERS:
        selected[f"{name}_after"] = query.get(f"{name}_after", "")
        selected[f"{name}_before"] = query.get(f"{name}_before", "")
    selected["q"] = query.get("q", "")
    selected["at_risk"] = query.get("at_risk", "")
    return selected


@login_required
@require_GET
@filters_reject_nul
def initiative_list(request):
    query = without_empty_values(request.GET)
    filterset, ordering, queryset = _filtered(query)
    errors = filterset.error_messages() if not filterset.is_valid() else []
    choices = _filter_choices()
    selected = _selected(query)
    lead_options, participant_options = authority_options(
        choices["authorities"], selected["lead_id"], selected["authority_id"]
    )
    context = {
        "errors": errors,
        "selected": selected,
        "lead_options": lead_options,
        "participant_options": participant_options,
        "headers": ordering.headers(query),
        "sort": ordering.param,
        "has_filters": any(key not in ("sort", "page") for key in query),
        **choices,
    }
    if errors:
        # Rows that ignore a filter the user asked for would mislead: show none, say why.
        context.update(page=None, initiatives=[], export_query="")
        return render(request, "initiatives/initiative_list.html", context, status=400)
    page = paginate_by_ids(queryset, query.get("page"), _base_queryset())
    export_query = query.copy()
    export_query.pop("page", None)
    context.update(
        page=page,
        initiatives=page.object_list,
        page_links=page_links(page, query) if page.paginator.num_pages > 1 else [],
        export_query=export_query.urlencode(),
        # The rows are the same for everyone who may see the list: rendered once per address, language and
        # data version (None: rendered each time).
        rows_cache_key=pagecache.fragment_key("initiative-rows", (request.get_full_path(),)),
        rows_cache_seconds=settings.PAGE_CACHE_SECONDS,
    )
    return render(request, "initiatives/initiative_list.html", context)


def _export(request, respond):
    filterset, _ordering, queryset = _filtered(without_empty_values(request.GET))
    if not filterset.is_valid():
        context = {"errors": filterset.error_messages()}
        return render(request, "initiatives/export_error.html", context, status=400)
    # The list's rows with what puts each at risk, the question an at-risk export answers.
    queryset = queryset.select_related(*exports.CAUSE_RELATIONS).only(*LIST_FIELDS, *exports.CAUSE_FIELDS)
    return respond(queryset)


@login_required
@require_GET
@filters_reject_nul
def initiative_export_csv(request):
    return _export(request, exports.csv_response)


@login_required
@require_GET
@filters_reject_nul
def initiative_export_xlsx(request):
    return _export(request, exports.xlsx_response)


@login_required
@require_GET
def initiative_detail(request, pk: int):
    initiative = get_object_or_404(
        Initiative.objects.select_related(
            "strategy", "focus_area", "lead", "summary", "summary__risk_initiative",
            "summary__risk_initiative__strategy", "summary__risk_authority",
        ),
        pk=pk,
    )
    context = {"initiative": initiative, **selectors.initiative_page(initiative, request.user)}
    return render(request, "initiatives/initiative_detail.html", context)
