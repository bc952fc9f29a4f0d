"""Cursor pagination: stable pages while the portfolio changes underneath a client paging through it."""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 500
    # A unique last key, so no row is skipped or repeated between pages whatever ?ordering= asks for.
    ordering = ("id",)


class CursorByKey(Cursor):
    """For the summaries whose key is their record's (an initiative's, an authority's): no `id` column."""

    ordering = ("pk",)
