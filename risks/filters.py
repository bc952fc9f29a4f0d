"""Filters for the risk register's list and heatmap (and the API, which reuses this FilterSet).

The authority a risk is filtered by is its owner (the authority that handles the risk); the level
is the owner's level of government. A heatmap cell is `probability` and `impact` together.
Invalid values become form errors the page shows; they never reach the database.
"""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, Level
from common.listing import IdMultipleChoiceFilter, SearchFilter
from initiatives.filters import StrategyCodeOrIdFilter
from initiatives.models import Initiative

from .models import Risk, RiskStatus

ONE_TO_FIVE = [(str(n), str(n)) for n in range(1, 6)]


class StrategyOfInitiativeFilter(StrategyCodeOrIdFilter):
    """`strategy=2022-2025` (or its id): risks of the strategy's initiatives."""

    def filter(self, qs, value):
        if not value:
            return qs
        initiatives = super().filter(Initiative.objects.all(), value)
        return qs.filter(initiative__in=initiatives.values("pk"))


class RiskFilterSet(django_filters.FilterSet):
    # Every filter follows a forward relation (one row per risk): no DISTINCT, which made the
    # paginator's COUNT and the heatmap's GROUP BY sort the whole register.
    q = SearchFilter(
        lookups=("title__icontains", "initiative__code__icontains", "initiative__title_da__icontains",
                 "initiative__title_en__icontains"),
        help_text=_("Title of the risk, or the initiative's code or title."),
    )
    strategy = StrategyOfInitiativeFilter(label=_("Strategy"), max_length=20)
    initiative_id = IdMultipleChoiceFilter(field_name="initiative", queryset=Initiative.objects.all(),
                                           label=_("Initiative"), distinct=False)
    owner_id = IdMultipleChoiceFilter(field_name="owner", queryset=Authority.objects.all(),
                                      label=_("Owner authority"), distinct=False)
    level = django_filters.MultipleChoiceFilter(field_name="owner__level", choices=Level.choices,
                                                label=_("Level of the owner authority"), distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices, label=_("Status"), distinct=False)
    probability = django_filters.MultipleChoiceFilter(choices=ONE_TO_FIVE, label=_("Probability (1–5)"), distinct=False)
    impact = django_filters.MultipleChoiceFilter(choices=ONE_TO_FIVE, label=_("Impact (1–5)"), distinct=False)
    escalated = django_filters.ChoiceFilter(
        method="filter_escalated", label=_("Escalated"), choices=[("true", _("Yes")), ("false", _("No"))]
    )

    class Meta:
        model = Risk
        fields: list[str] = []

    def filter_escalated(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(escalated=value == "true")

    def error_messages(self) -> list[str]:
        """Each invalid parameter as one sentence: "Probability (1–5): Select a valid choice…"."""
        messages = []
        for field_name, errors in self.errors.items():
            label = self.filters[field_name].label if field_name in self.filters else ""
            messages.extend(f"{label}: {error}" if label else str(error) for error in errors)
        return messages


# The heatmap's own filters: a cell is a probability and an impact of open risks, so these three
# are the cell's link, not the grid's.
CELL_PARAMETERS = ("probability", "impact", "status")
