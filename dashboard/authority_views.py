"""The authority list (filters, sorting, pagination) and the authority page, read from the summaries."""

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from authorities.filters import AuthorityFilterSet
from authorities.models import Authority, Kind, Level
from common.listing import Column, Ordering, page_links, paginate, without_empty_values

from . import authority_selectors as selectors

DEFAULT_SORT = "name"


def _name_fields() -> tuple[str, ...]:
    return ("name_en", "name_da") if (get_language() or "da").startswith("en") else ("name_da",)


def list_columns() -> list[Column]:
    return [
        Column("name", _("Authority"), _name_fields),
        Column("level", _("Level"), ("level",)),
        Column("kind", _("Kind"), ("kind",)),
        Column("region", _("Region"), ("region__name_da",)),
        Column("led", _("Initiatives led"), ("summary__initiatives_led",), numeric=True),
        Column("participating", _("Takes part in"), ("summary__initiatives_participating",), numeric=True),
        Column("depends_on", _("Depends on (authorities)"), ("summary__depends_on_direct",), numeric=True),
        Column("depended_by", _("Depended on by (authorities)"), ("summary__depended_by_direct",), numeric=True),
        Column("exposure", _("Initiatives downstream"), ("summary__exposure_initiatives",), numeric=True),
    ]


def _filtered(query) -> tuple[AuthorityFilterSet, Ordering, QuerySet]:
    filterset = AuthorityFilterSet(query, queryset=Authority.objects.select_related("region", "summary"))
    ordering = Ordering(list_columns(), query.get("sort"), default=DEFAULT_SORT)
    return filterset, ordering, filterset.qs.order_by(*ordering.order_by("name_da"))


@login_required
@require_GET
def authority_list(request):
    query = without_empty_values(request.GET)
    filterset, ordering, queryset = _filtered(query)
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
    context = {"authority": authority, **selectors.authority_page(authority)}
    return render(request, "dashboard/authority_detail.html", context)
