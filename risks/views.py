"""The risk register's pages: the heatmap of open risks with its table twin (the filtered, sortable list
of risks), one risk's page (its form for those who may change it), and adding a risk to an initiative.

Views are thin: RiskFilterSet validates the query string, risks.selectors counts the heatmap,
risks.forms parses and risks.services decides; `visible_to`/`editable_by` say who sees and changes what.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from authorities.models import Authority, Level, coordinated_authority_ids
from common.listing import Column, Ordering, filters_reject_nul, page_links, paginate_by_ids, without_empty_values
from common.roles import is_secretariat
from initiatives.models import Initiative
from initiatives.views import authority_options
from strategies.models import Strategy

from . import selectors
from .filters import CELL_PARAMETERS, RiskFilterSet
from .forms import RiskForm
from .models import OPEN_RISK_STATUSES, Risk, RiskStatus, ScoreBand
from .services import risk_save

DEFAULT_SORT = "-score"


def list_columns() -> list[Column]:
    return [
        Column("initiative", gettext_lazy("Initiative"), ("initiative__strategy__start_year", "initiative__code")),
        Column("title", gettext_lazy("Risk"), ("title",)),
        # One column: two of their own pushed the list past 1366 px.
        Column("probability", gettext_lazy("Probability × impact"), ("probability", "impact"), numeric=True),
        Column("score", gettext_lazy("Score"), ("score",), numeric=True),
        Column("owner", gettext_lazy("Owner authority"), ("owner__name_da",)),
        Column("status", gettext_lazy("Status"), ("status",)),
        Column("review_date", gettext_lazy("Review date"), ("review_date",)),
        Column("escalated", gettext_lazy("Escalated"), ("escalated",)),
        Column("agreement", gettext_lazy("Linked agreement"), sortable=False),
    ]


def _rows() -> QuerySet:
    """What a row shows, joined once (the list's second step, common.listing.paginate_by_ids)."""
    return Risk.objects.select_related(
        "initiative__strategy", "owner", "agreement__dependency__source__strategy",
        "agreement__dependency__target__strategy",
    ).only(
        "title", "probability", "impact", "score", "status", "review_date", "escalated", "initiative_id",
        "owner_id", "agreement_id",
        "initiative__code", "initiative__title_da", "initiative__title_en", "initiative__is_illustrative",
        "initiative__strategy__start_year", "initiative__strategy__end_year",
        "owner__name_da", "owner__name_en", "owner__is_illustrative",
        "agreement__state", "agreement__dependency__source__code", "agreement__dependency__target__code",
        "agreement__dependency__source__strategy__start_year", "agreement__dependency__source__strategy__end_year",
        "agreement__dependency__target__strategy__start_year", "agreement__dependency__target__strategy__end_year",
    )


def _cell_link(query: QueryDict):
    """The link of a heatmap cell: the page's grid filters, this cell, open risks only."""
    base = query.copy()
    for name in (*CELL_PARAMETERS, "page"):
        base.pop(name, None)

    def link(probability: int, impact: int) -> str:
        params = base.copy()
        params["probability"] = str(probability)
        params["impact"] = str(impact)
        params.setlist("status", list(OPEN_RISK_STATUSES))
        return "?" + params.urlencode() + "#risks-heading"

    return link


def _filter_choices(selected: dict) -> dict:
    authorities = list(Authority.objects.order_by("name_da", "pk").values_list("pk", "name_da", "name_en"))
    [owner_options] = authority_options(authorities, selected["owner_id"])
    return {
        "strategies": list(Strategy.objects.order_by("-start_year")),
        "owner_options": owner_options,
        "levels": Level.choices,
        "statuses": RiskStatus.choices,
        "scale": range(1, 6),
    }


def _selected(query: QueryDict) -> dict:
    selected = {name: query.getlist(name) for name in ("strategy", "owner_id", "level", "status", "probability",
                                                          "impact", "initiative_id")}
    selected["q"] = query.get("q", "")
    selected["escalated"] = query.get("escalated", "")
    return selected


@login_required
@require_GET
@filters_reject_nul
def risk_list(request):
    query = without_empty_values(request.GET)
    visible = Risk.objects.visible_to(request.user)
    filterset = RiskFilterSet(query, queryset=visible)
    ordering = Ordering(list_columns(), query.get("sort"), default=DEFAULT_SORT)
    selected = _selected(query)
    context = {
        "selected": selected,
        "headers": ordering.headers(query),
        "sort": ordering.param,
        "has_filters": any(key not in ("sort", "page") for key in query),
        "bands": ScoreBand.choices,
        **_filter_choices(selected),
    }
    if not filterset.is_valid():
        # Counts or rows that ignore a filter the user asked for would mislead: show none, say why.
        context.update(errors=filterset.error_messages(), page=None, heatmap=None)
        return render(request, "risks/risk_list.html", context, status=400)
    # The grid: the page's filters less the cell's own (probability, impact, status).
    grid_query = query.copy()
    for name in CELL_PARAMETERS:
        grid_query.pop(name, None)
    counts = selectors.heatmap_counts(RiskFilterSet(grid_query, queryset=visible).qs)
    # Ties by id alone: a tie-breaker on the initiative's code joined every risk to its initiative
    # before the sort (50 ms of the national register's page); the score's index now serves it.
    page = paginate_by_ids(filterset.qs.order_by(*ordering.order_by()), query.get("page"), _rows())
    context.update(
        errors=[],
        heatmap=selectors.heatmap_rows(counts, _cell_link(query)),
        heatmap_total=sum(count for count, _escalated in counts.values()),
        heatmap_escalated=sum(escalated for _count, escalated in counts.values()),
        chosen_cell=_chosen_cell(query),
        page=page,
        risks=page.object_list,
        page_links=page_links(page, query) if page.paginator.num_pages > 1 else [],
        can_add=is_secretariat(request.user) or bool(coordinated_authority_ids(request.user)),
    )
    return render(request, "risks/risk_list.html", context)


def _chosen_cell(query: QueryDict) -> str:
    """"p-i" when the list shows one cell of the heatmap, which the grid then marks."""
    probability, impact = query.getlist("probability"), query.getlist("impact")
    if len(probability) == 1 and len(impact) == 1:
        return f"{probability[0]}-{impact[0]}"
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def risk_add(request, initiative_pk: int):
    # Another authority's initiative (a forged id) is not found: its existence is not news.
    initiative = get_object_or_404(
        Initiative.objects.visible_to(request.user).select_related("strategy", "lead"), pk=initiative_pk)
    if not selectors.may_record_on(request.user, initiative):
        raise PermissionDenied(_("You may not record risks of this initiative."))
    form = RiskForm(request.POST or None, user=request.user, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        risk = _save(request, form, Risk(initiative=initiative))
        if risk is not None:
            messages.success(request, _("The risk is recorded."))
            return redirect("risks:detail", pk=risk.pk)
    status = 400 if form.is_bound else 200
    return render(request, "risks/risk_form.html", {"form": form, "initiative": initiative, "risk": None},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def risk_page(request, pk: int):
    risk = get_object_or_404(Risk.objects.visible_to(request.user).select_related(
        "initiative__strategy", "initiative__lead", "owner", "agreement__dependency__source__strategy",
        "agreement__dependency__target__strategy"), pk=pk)
    editable = risk.is_editable_by(request.user)
    if request.method == "POST" and not editable:
        raise PermissionDenied(_("This risk is not yours to change."))
    form = None
    if editable:
        # A copy: the form writes the posted values into its instance, and the page shows the risk as saved.
        form = RiskForm(request.POST or None, instance=copy.copy(risk), user=request.user, initiative=risk.initiative)
        if request.method == "POST" and form.is_valid() and _save(request, form, risk) is not None:
            messages.success(request, _("The risk is saved."))
            return redirect("risks:detail", pk=risk.pk)
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "risks/risk_form.html", {"form": form, "initiative": risk.initiative, "risk": risk},
                  status=status)


def _save(request, form: RiskForm, risk: Risk) -> Risk | None:
    """Save through the service; its refusal (the data changed since the form checked) is a form error."""
    try:
        return risk_save(risk=risk, user=request.user, **form.service_fields())
    except ValidationError as error:
        for field, texts in error.message_dict.items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal))
    return None
