"""Reads for the benefits page: a strategy's economic benefits per focus area (baseline against
forecast), the initiatives whose benefits light is not green with its reason, and the follow-ups
owed. A fixed number of queries whatever the size of the portfolio."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from authorities.models import localized
from initiatives.models import Health, Initiative
from strategies.models import Strategy

from .models import Benefit, FollowUp, Kind

SOON = datetime.timedelta(days=90)
LISTED = 100


@dataclass
class AreaBenefits:
    name: str
    baseline: Decimal
    forecast: Decimal
    count: int

    @property
    def shortfall(self) -> Decimal:
        return self.baseline - self.forecast


def benefits_page(strategy: Strategy, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    economic = Benefit.objects.filter(initiative__strategy=strategy, kind=Kind.ECONOMIC)
    areas = [
        AreaBenefits(
            name=(f"{row['initiative__focus_area__code']} "
                  f"{localized(row['initiative__focus_area__name_da'] or '', row['initiative__focus_area__name_en'] or '')}"
                  if row["initiative__focus_area__code"] else ""),
            baseline=row["baseline_sum"], forecast=row["forecast_sum"], count=row["count"],
        )
        for row in economic.values("initiative__focus_area__code", "initiative__focus_area__name_da",
                                   "initiative__focus_area__name_en")
        .annotate(baseline_sum=Sum("baseline"), forecast_sum=Sum("forecast"), count=Count("pk"))
        .order_by("initiative__focus_area__code")
    ]
    in_strategy = Initiative.objects.filter(strategy=strategy)
    lights = in_strategy.aggregate(
        computed=Count("pk", filter=Q(benefits_computed=True)),
        yellow=Count("pk", filter=Q(benefits_computed=True, benefits_health=Health.YELLOW)),
        red=Count("pk", filter=Q(benefits_computed=True, benefits_health=Health.RED)),
    )
    short = list(
        in_strategy.filter(benefits_computed=True, benefits_health__in=[Health.YELLOW, Health.RED])
        .select_related("strategy", "lead").order_by("-benefits_shortfall", "code")[:LISTED]
    )
    follow_ups = FollowUp.objects.filter(initiative__strategy=strategy).select_related(
        "initiative__strategy", "initiative__lead", "recorded_by")
    overdue = list(follow_ups.overdue(today).order_by("due_on", "pk")[:LISTED])
    return {
        "areas": areas,
        "economic_baseline": sum((area.baseline for area in areas), Decimal(0)),
        "economic_forecast": sum((area.forecast for area in areas), Decimal(0)),
        "lights": lights,
        "short": short,
        "overdue": [(follow_up, (today - follow_up.due_on).days) for follow_up in overdue],
        "overdue_total": follow_ups.overdue(today).count(),
        "due_soon": list(follow_ups.filter(recorded_at__isnull=True, due_on__gte=today, due_on__lte=today + SOON)
                         .order_by("due_on", "pk")[:LISTED]),
        "recorded": list(follow_ups.filter(recorded_at__isnull=False).order_by("-recorded_at", "pk")[:20]),
    }
