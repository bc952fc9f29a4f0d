"""Filters for the authority list: level, kind, region (by id) and free text over names and codes."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.listing import IdMultipleChoiceFilter, SearchFilter

from .models import Authority, Kind, Level


class AuthorityFilterSet(django_filters.FilterSet):
    q = SearchFilter(lookups=("name_da__icontains", "name_en__icontains", "code__iexact"))
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, label=_("Level"))
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, label=_("Kind"))
    region_id = IdMultipleChoiceFilter(
        queryset=Authority.objects.regions(), method="filter_region", label=_("Region")
    )

    class Meta:
        model = Authority
        fields: list[str] = []

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        # The region itself belongs in its own region's list.
        return queryset.filter(Q(region__in=value) | Q(pk__in=[region.pk for region in value]))

    def error_messages(self) -> list[str]:
        messages = []
        for field_name, errors in self.errors.items():
            label = self.filters[field_name].label if field_name in self.filters else ""
            for error in errors:
                messages.append(f"{label}: {error}" if label else str(error))
        return messages
