"""The API's own filters, for lists whose pages have no FilterSet to share (the rest import the pages' own)."""

import django_filters

from common.listing import IdMultipleChoiceFilter
from funding.models import FundingShare, Party
from initiatives.models import Initiative


class FundingShareFilterSet(django_filters.FilterSet):
    initiative = IdMultipleChoiceFilter(field_name="funding_year__initiative", queryset=Initiative.objects.all())
    year = django_filters.NumberFilter(field_name="funding_year__year", min_value=2000, max_value=2100)
    party = django_filters.MultipleChoiceFilter(choices=Party.choices)

    class Meta:
        model = FundingShare
        fields: list[str] = []
