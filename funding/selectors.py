"""Reads of funding for the pages and exports: totals per party and year, per focus area, and the
re-phasings of a strategy. Each is a fixed number of queries; every total is a sum of the share rows
that `share_rows` exports, so the page and the file agree to the øre."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from authorities.models import localized
from strategies.models import Strategy

from .models import ZERO, FundingShare, Party, Rephasing


@dataclass
class Amounts:
    """A budget, what is spent, and the budget of the shares something is spent of (for the variance)."""

    budget: Decimal = ZERO
    spent: Decimal | None = None
    budget_spent_of: Decimal = ZERO

    def add(self, budget: Decimal, spent: Decimal | None, budget_spent_of: Decimal | None) -> None:
        self.budget += budget
        if spent is not None:
            self.spent = (self.spent or ZERO) + spent
        self.budget_spent_of += budget_spent_of or ZERO

    @property
    def variance(self) -> Decimal | None:
        """Spent less the budget of what has spending: over (positive) or under (negative) spend."""
        return None if self.spent is None else self.spent - self.budget_spent_of


@dataclass
class FundingTotals:
    strategy: Strategy
    years: list[int]
    parties: list[tuple[str, str]]
    cells: dict[tuple[str, int], Amounts]
    by_party: dict[str, Amounts]
    by_year: dict[int, Amounts]
    total: Amounts
    by_focus_area: list[tuple[str, Amounts]] = field(default_factory=list)
    rephasings: list[Rephasing] = field(default_factory=list)

    @property
    def rows(self) -> list[dict]:
        """The party × year table, one row per party that pays anything."""
        return [
            {"party": value, "label": label, "cells": [self.cells.get((value, year)) for year in self.years],
             "total": self.by_party[value]}
            for value, label in self.parties
        ]

    @property
    def year_totals(self) -> list[Amounts]:
        return [self.by_year[year] for year in self.years]

    @property
    def chart(self) -> dict:
        """The chart's series (the same figures as the table, in whole kroner)."""
        return {
            "years": [str(year) for year in self.years],
            "series": [
                {"key": value, "label": label,
                 "values": [int((self.cells.get((value, year)) or Amounts()).budget) for year in self.years]}
                for value, label in self.parties
            ],
        }


def share_rows(strategy: Strategy) -> QuerySet[FundingShare]:
    """Every party share of the strategy's initiatives, one row per initiative, year and party."""
    return (
        FundingShare.objects.filter(funding_year__initiative__strategy=strategy)
        .select_related("funding_year__initiative__strategy", "funding_year__initiative__lead",
                        "funding_year__initiative__focus_area", "ministry")
        .order_by("funding_year__initiative__code", "funding_year__year", "party")
    )


def share_rows_none() -> QuerySet[FundingShare]:
    """No rows: the export when no strategy has started yet."""
    return FundingShare.objects.none()


def _sums(queryset, *group_by):
    return queryset.values(*group_by).annotate(
        budget_sum=Sum("budget"), spent_sum=Sum("actual"),
        budget_spent_of=Sum("budget", filter=Q(actual__isnull=False)),
    ).order_by(*group_by)


AREA = "funding_year__initiative__focus_area__"


def funding_totals(strategy: Strategy) -> FundingTotals:
    """Every total from one grouped sum of the share rows (party × year × focus area): at national
    scale one pass over the strategy's shares instead of one per view."""
    shares = FundingShare.objects.filter(funding_year__initiative__strategy=strategy)
    cells: dict[tuple[str, int], Amounts] = {}
    by_party: dict[str, Amounts] = defaultdict(Amounts)
    by_year: dict[int, Amounts] = defaultdict(Amounts)
    by_area: dict[str, tuple[str, Amounts]] = {}
    total = Amounts()
    for row in _sums(shares, "party", "funding_year__year", f"{AREA}code", f"{AREA}name_da", f"{AREA}name_en"):
        party, year, code = row["party"], row["funding_year__year"], row[f"{AREA}code"] or ""
        figures = (row["budget_sum"], row["spent_sum"], row["budget_spent_of"])
        cells.setdefault((party, year), Amounts()).add(*figures)
        by_party[party].add(*figures)
        by_year[year].add(*figures)
        total.add(*figures)
        if code not in by_area:
            name = localized(row[f"{AREA}name_da"] or "", row[f"{AREA}name_en"] or "")
            by_area[code] = (f"{code} {name}" if code else "", Amounts())
        by_area[code][1].add(*figures)
    # By code; initiatives without a focus area last, on every database.
    areas = [by_area[code] for code in sorted(by_area, key=lambda code: (not code, code))]
    paying = {party for party, _year in cells}
    return FundingTotals(
        strategy=strategy,
        years=sorted({year for _party, year in cells}),
        parties=[(value, label) for value, label in Party.choices if value in paying],
        cells=cells,
        by_party=dict(by_party),
        by_year=dict(by_year),
        total=total,
        by_focus_area=areas,
        rephasings=list(
            Rephasing.objects.filter(initiative__strategy=strategy)
            .select_related("initiative__strategy", "initiative__lead", "created_by")[:100]
        ),
    )
