"""Sortable, paginated tables for the list pages (initiatives, authorities).

The `sort` parameter is checked against a whitelist of columns, so a visitor can never order by an
arbitrary field; an unknown value falls back to the default order. Each header carries its link
and its aria-sort state, so the template only renders.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import django_filters
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A table column: its sort key (None: not sortable), header and the fields it orders by."""

    key: str
    label: str
    order_by: Sequence[str] | Callable[[], Sequence[str]] = ()
    numeric: bool = False
    sortable: bool = True

    def fields(self) -> Sequence[str]:
        return self.order_by() if callable(self.order_by) else (self.order_by or (self.key,))


@dataclass(frozen=True)
class Header:
    """What the template needs for one <th>."""

    label: str
    numeric: bool
    url: str | None
    aria_sort: str | None  # "ascending", "descending" or None (not the sorted column)


class Ordering:
    """The requested order of a table, validated against its columns."""

    def __init__(self, columns: Sequence[Column], requested: str | None, *, default: str) -> None:
        self.columns = columns
        self.by_key = {column.key: column for column in columns if column.sortable}
        value = (requested or "").strip()
        descending = value.startswith("-")
        key = value[1:] if descending else value
        if key not in self.by_key:
            descending = default.startswith("-")
            key = default.lstrip("-")
        self.key = key
        self.descending = descending

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def order_by(self, *tie_breakers: str) -> list[OrderBy]:
        """Expressions for QuerySet.order_by(); empty values sort last either way; ties by pk."""
        expressions = []
        for name in self.by_key[self.key].fields():
            field = F(name)
            expressions.append(field.desc(nulls_last=True) if self.descending else field.asc(nulls_last=True))
        expressions.extend(F(name.lstrip("-")).desc() if name.startswith("-") else F(name).asc()
                           for name in (*tie_breakers, "pk"))
        return expressions

    def headers(self, query: QueryDict) -> list[Header]:
        headers = []
        for column in self.columns:
            if not column.sortable:
                headers.append(Header(column.label, column.numeric, None, None))
                continue
            is_current = column.key == self.key
            # A click on the sorted column reverses it; any other column starts ascending.
            next_param = column.key if (not is_current or self.descending) else f"-{column.key}"
            params = query.copy()
            params["sort"] = next_param
            params.pop("page", None)
            aria = ("descending" if self.descending else "ascending") if is_current else None
            headers.append(Header(column.label, column.numeric, "?" + params.urlencode(), aria))
        return headers


def paginate(queryset: QuerySet, page_number: str | None, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (the last one when beyond it, the first when nonsense), its rows in a list.

    list() runs the query here, so the template renders without touching the database.
    """
    page = Paginator(queryset, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    return page


def page_links(page: Page, query: QueryDict, *, around: int = 2) -> list[dict]:
    """Links to the first, the last and the pages around the current one, with gaps marked."""
    numbers = sorted(
        {1, page.paginator.num_pages}
        | set(range(max(1, page.number - around), min(page.paginator.num_pages, page.number + around) + 1))
    )
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        params = query.copy()
        params["page"] = str(number)
        links.append({"number": number, "url": "?" + params.urlencode(), "current": number == page.number})
        previous = number
    return links


def without_empty_values(query: QueryDict) -> QueryDict:
    """The query string less its empty parameters: a submitted filter form sends every field, and
    "lead_id=" means "any lead", not an invalid id. Links built from it stay short, too."""
    cleaned = QueryDict(mutable=True)
    for key in query:
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            cleaned.setlist(key, values)
    return cleaned


def paginate_by_ids(queryset: QuerySet, page_number: str | None, rows: QuerySet, *, per_page: int = PAGE_SIZE) -> Page:
    """Like paginate(), in two steps: the page's ids in the requested order, then their rows from
    `rows` (with its joins). At national scale this keeps the sort off the joins the table needs:
    sorting 20,000 ids is quick; sorting 20,000 rows joined to their lead, strategy and summary
    first is not."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(page_number)
    ids = list(page.object_list)
    by_id = rows.in_bulk(ids)
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


# The largest id any of our tables can hold; a larger number is an unknown id, not a query: SQLite
# raises OverflowError on it instead of finding nothing.
MAX_ID = 2**63 - 1


class IdMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Chosen objects by id: anything but a whole number in range is an invalid id, said so."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


@extend_schema_field(OpenApiTypes.INT)  # the API's schema: each value is an id
class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """NetBox's `<name>_id` filters: one or more objects by id."""

    field_class = IdMultipleChoiceField


SEARCH_MAX_LENGTH = 100


class SearchFilter(django_filters.CharFilter):
    """The lists' free-text `q`: the rows where any of `lookups` matches the stripped text; blank filters
    nothing. One definition for every list and the API's twin of it."""

    def __init__(self, *, lookups: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        super().__init__(**kwargs)
        self.lookups = lookups

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        matches = Q()
        for lookup in self.lookups:
            matches |= Q(**{lookup: value})
        return qs.filter(matches)


def filters_reject_nul(view):
    """Mark a GET view whose filters are all validated by a form before any query.

    `RefuseNulBytesMiddleware` then lets a NUL byte in its query string through to the form, which
    refuses it (Django's CharField never accepts one; choice fields only compare) and names the
    filter, instead of the middleware's page, which cannot know the field's label.
    """
    view.filters_reject_nul = True
    return view
