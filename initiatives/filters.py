"""Filters for the initiative list and its exports.

Like NetBox's filtersets, a related object can be chosen by id (`strategy_id`, `lead_id`,
`authority_id`, `focus_area_id`) or, where it has one, by its code (`strategy=2022-2025`).
Invalid values (a bad date, an unknown id) become form errors the page shows; they never reach
the database.
"""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, Level
from common.listing import MAX_ID, IdMultipleChoiceFilter, SearchFilter
from strategies.models import FocusArea, Strategy

from .models import Health, Initiative, Participation, Status


class StrategyCodeOrIdFilter(django_filters.CharFilter):
    """`strategy=2022-2025` by code; a bare number is taken as the id, as older links use it."""

    def filter(self, qs, value):
        if not value:
            return qs
        if value.isascii() and value.isdigit():
            return qs.filter(strategy_id=int(value)) if int(value) <= MAX_ID else qs.none()
        return qs.filter(strategy__code=value)


class InitiativeFilterSet(django_filters.FilterSet):
    q = SearchFilter(
        lookups=("code__icontains", "title_da__icontains", "title_en__icontains", "description_da__icontains",
                 "description_en__icontains"),
        help_text=_("Code, title or description, in Danish or English."),
    )
    strategy = StrategyCodeOrIdFilter(label=_("Strategy (code)"), max_length=20)
    strategy_id = IdMultipleChoiceFilter(
        field_name="strategy", queryset=Strategy.objects.all(), label=_("Strategy")
    )
    focus_area_id = IdMultipleChoiceFilter(
        field_name="focus_area", queryset=FocusArea.objects.all(), label=_("Focus area")
    )
    level = django_filters.MultipleChoiceFilter(
        field_name="lead__level", choices=Level.choices, label=_("Level of the lead")
    )
    lead_id = IdMultipleChoiceFilter(
        field_name="lead", queryset=Authority.objects.all(), label=_("Lead authority")
    )
    authority_id = IdMultipleChoiceFilter(
        queryset=Authority.objects.all(), method="filter_participating", label=_("Participating authority")
    )
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    health = django_filters.MultipleChoiceFilter(choices=Health.choices, label=_("Health"))
    # A choice rather than a BooleanFilter, whose field quietly reads nonsense as "any".
    at_risk = django_filters.ChoiceFilter(
        method="filter_at_risk", label=_("At risk"), choices=[("true", _("Yes")), ("false", _("No"))]
    )
    risk_level = django_filters.MultipleChoiceFilter(
        choices=Level.choices,
        method="filter_risk_level",
        label=_("At risk because of level"),
        help_text=_("The level of the authority whose initiative puts it at risk."),
    )
    forecast_start = django_filters.DateFromToRangeFilter(label=_("Forecast start"))
    forecast_end = django_filters.DateFromToRangeFilter(label=_("Forecast end"))
    baseline_end = django_filters.DateFromToRangeFilter(label=_("Baseline end"))

    class Meta:
        model = Initiative
        fields: list[str] = []

    def filter_participating(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        # A subquery, not a join: a join would repeat initiatives and need DISTINCT, which makes
        # the paginator's COUNT slow at national scale (250,000 participations).
        return queryset.filter(
            pk__in=Participation.objects.filter(authority__in=value).values("initiative_id")
        )

    def filter_at_risk(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        if value == "true":
            return queryset.filter(summary__at_risk=True)
        # Initiatives the engine has not summarised yet are not known to be at risk.
        return queryset.exclude(summary__at_risk=True)

    def filter_risk_level(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        """At risk because of an initiative led at one of these levels (as the overview's at-risk list)."""
        if not value:
            return queryset
        return queryset.filter(summary__at_risk=True, summary__risk_authority__level__in=value)

    def error_messages(self) -> list[str]:
        """Each invalid parameter as one sentence: "Forecast end: Enter a valid date."."""
        messages = []
        for field_name, errors in self.errors.items():
            label = self.filters[field_name].label if field_name in self.filters else ""
            for error in errors:
                messages.append(f"{label}: {error}" if label else str(error))
        return messages
