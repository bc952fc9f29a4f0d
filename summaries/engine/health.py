"""Correcting the stored health lights before the computation reads them."""

from __future__ import annotations

from django.db import transaction

from common.events import Change
from initiatives.events import health_changes_announce
from initiatives.models import Initiative, cost_light, schedule_light, worst_health

from .graph import Graph


def reconcile_health(graph: Graph) -> int:
    """Set the stored lights from the current data and thresholds; returns how many changed.

    They drift when thresholds change in settings or a `QuerySet.update()` skipped the services.
    The same rules as `Initiative.refresh_health()`, memoised: many initiatives share inputs.
    """
    schedule_memo: dict[tuple, str] = {}
    cost_memo: dict[tuple, str] = {}
    changed: list[Initiative] = []
    overall_changes: list[Change] = []
    for i, (baseline_end, forecast_end, budget, cost, benefits, old_schedule, old_cost, old_overall) in enumerate(
        graph.health_inputs
    ):
        key = (baseline_end, forecast_end)
        schedule = schedule_memo.get(key)
        if schedule is None:
            schedule = schedule_memo[key] = schedule_light(baseline_end, forecast_end)
        key = (budget, cost)
        cost_health = cost_memo.get(key)
        if cost_health is None:
            cost_health = cost_memo[key] = cost_light(budget, cost)
        overall = worst_health(schedule, cost_health, benefits)
        graph.health[i] = overall
        if (schedule, cost_health, overall) != (old_schedule, old_cost, old_overall):
            changed.append(
                Initiative(pk=graph.ids[i], schedule_health=schedule, cost_health=cost_health, health=overall)
            )
            if overall != old_overall:
                overall_changes.append(Change(graph.ids[i], old_overall, overall))
    if changed:
        with transaction.atomic():
            # bulk_update sends no signals: correcting derived lights is not a change to the data.
            # An overall light that changed is still news to a receiver: announced in one batch.
            Initiative.objects.bulk_update(changed, ["schedule_health", "cost_health", "health"], batch_size=1000)
            health_changes_announce(overall_changes)
    return len(changed)
