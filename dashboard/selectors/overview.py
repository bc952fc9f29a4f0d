"""Reads for the overview page: the chosen strategy's initiatives by status and health, its at-risk
initiatives, and what changed in the last days. The level matrix comes from interdependencies.py."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import localized
from common.history import CHANGED, CREATED, DELETED, who
from initiatives.models import Dependency, Health, Initiative, Milestone, Participation, Status, code_with_strategy
from strategies.models import Strategy
from summaries.models import InitiativeSummary

from .interdependencies import level_matrix
from .scales import LEVEL_ORDER

HEALTH_ORDER = [Health.RED, Health.YELLOW, Health.GREEN]
STATUS_ORDER = [Status.ACTIVE, Status.PLANNED, Status.PAUSED, Status.COMPLETED, Status.CANCELLED]


def strategy_figures(strategy: Strategy, *, risk_level: str = "") -> dict:
    """What the overview shows of the chosen strategy, by name, with the charts' data; the week's changes
    (`recent_changes`) apart, as their window moves with the clock rather than with the data."""
    by_status, by_health, total = counts_by_status_and_health(strategy)
    at_risk_levels, at_risk_total = at_risk_by_level(strategy)
    return {
        "by_status": by_status,
        "by_health": by_health,
        "total": total,
        "at_risk": at_risk_summaries(strategy, risk_level=risk_level),
        "at_risk_levels": at_risk_levels,
        "at_risk_total": at_risk_total,
        "at_risk_listed_of": next(
            (level["count"] for level in at_risk_levels if level["value"] == risk_level), at_risk_total
        ),
        "matrix": level_matrix(strategy),
        "chart_data": {"status": _chart(by_status), "health": _chart(by_health)},
    }


def _chart(bars: list["CountBar"]) -> dict:
    return {
        "labels": [str(bar.label) for bar in bars],
        "values": [bar.count for bar in bars],
        "keys": [bar.value for bar in bars],
    }


@dataclass
class CountBar:
    """One bar of a count chart: the stored value, its label and its share of the total."""

    value: str
    label: str
    count: int
    percent: int = 0


def counts_by_status_and_health(strategy: Strategy) -> tuple[list[CountBar], list[CountBar], int]:
    """Initiatives of the strategy by status and by health, in one grouped query."""
    pairs = Counter()
    for row in (
        Initiative.objects.filter(strategy=strategy)
        .order_by()
        .values("status", "health")
        .annotate(n=Count("pk"))
    ):
        pairs[(row["status"], row["health"])] = row["n"]
    total = sum(pairs.values())
    by_status = [
        CountBar(status.value, status.label, sum(n for (s, _h), n in pairs.items() if s == status))
        for status in STATUS_ORDER
    ]
    # Health speaks to work in progress: completed and cancelled initiatives keep their last light.
    by_health = [
        CountBar(health.value, health.label, sum(n for (_s, h), n in pairs.items() if h == health))
        for health in HEALTH_ORDER
    ]
    for bar in by_status + by_health:
        bar.percent = round(100 * bar.count / total) if total else 0
    return by_status, by_health, total


def at_risk_summaries(strategy: Strategy, *, risk_level: str = "", limit: int = 25):
    """The strategy's at-risk initiatives, the most consequential first, with who puts them at risk."""
    queryset = (
        InitiativeSummary.objects.filter(initiative__strategy=strategy, at_risk=True)
        .select_related(
            "initiative",
            "initiative__strategy",
            "initiative__lead",
            "risk_initiative",
            "risk_initiative__strategy",
            "risk_initiative__lead",
            "risk_authority",
        )
        .order_by("-downstream_total", "initiative__code")
    )
    if risk_level:
        queryset = queryset.filter(risk_authority__level=risk_level)
    return list(queryset[:limit])


def at_risk_by_level(strategy: Strategy) -> tuple[list[dict], int]:
    """How many of the strategy's initiatives are at risk, by the level of the authority behind it."""
    rows = (
        InitiativeSummary.objects.filter(initiative__strategy=strategy, at_risk=True)
        .order_by()
        .values("risk_authority__level")
        .annotate(n=Count("pk"))
    )
    counts = {row["risk_authority__level"] or "": row["n"] for row in rows}
    levels = [
        {"value": level.value, "label": level.label, "count": counts.get(level.value, 0)}
        for level in LEVEL_ORDER
    ]
    return levels, sum(counts.values())


@dataclass
class Change:
    """One line of "what changed": when, who, what kind of change, to what."""

    when: datetime.datetime
    who: str
    action: str
    subject: str
    detail: str
    initiative_id: int | None


def recent_changes(strategy: Strategy, *, days: int = 7, limit: int = 12) -> list[Change]:
    """The latest changes to the strategy's initiatives, dependencies, participations and milestones.

    Four queries, each limited; the historical rows carry their own copies of the fields, so a
    deleted object still reads well.
    """
    since = timezone.now() - datetime.timedelta(days=days)
    changes = [
        *_initiative_changes(strategy, since, limit),
        *_dependency_changes(strategy, since, limit),
        *_participation_changes(strategy, since, limit),
        *_milestone_changes(strategy, since, limit),
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:limit]


def _action(record) -> str:
    kinds = {CREATED: _("created"), CHANGED: _("changed"), DELETED: _("deleted")}
    return kinds.get(record.history_type, record.history_type)


def _initiative_changes(strategy: Strategy, since: datetime.datetime, limit: int) -> list[Change]:
    return [
        Change(
            when=record.history_date,
            who=who(record),
            action=_action(record),
            subject=_("Initiative %(code)s")
            % {"code": code_with_strategy(record.code, strategy.start_year, strategy.end_year)},
            detail=localized(record.title_da, record.title_en),
            initiative_id=record.id,
        )
        for record in Initiative.history.filter(history_date__gte=since, strategy_id=strategy.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    ]


def _dependency_changes(strategy: Strategy, since: datetime.datetime, limit: int) -> list[Change]:
    return [
        Change(
            when=record.history_date,
            who=who(record),
            action=_action(record),
            subject=_("Dependency %(source)s → %(target)s")
            % {"source": record.source.code_with_strategy, "target": record.target.code_with_strategy},
            detail=record.get_criticality_display(),
            initiative_id=record.source_id,
        )
        for record in Dependency.history.filter(history_date__gte=since, source__strategy_id=strategy.pk)
        .select_related("history_user", "source__strategy", "target__strategy")
        .order_by("-history_date")[:limit]
    ]


def _participation_changes(strategy: Strategy, since: datetime.datetime, limit: int) -> list[Change]:
    return [
        Change(
            when=record.history_date,
            who=who(record),
            action=_action(record),
            subject=_("Participation in %(code)s")
            % {"code": code_with_strategy(record.initiative.code, strategy.start_year, strategy.end_year)},
            detail=f"{record.authority.name} ({record.get_role_display()})",
            initiative_id=record.initiative_id,
        )
        for record in Participation.history.filter(history_date__gte=since, initiative__strategy_id=strategy.pk)
        .select_related("history_user", "initiative", "authority")
        .order_by("-history_date")[:limit]
    ]


def _milestone_changes(strategy: Strategy, since: datetime.datetime, limit: int) -> list[Change]:
    return [
        Change(
            when=record.history_date,
            who=who(record),
            action=_action(record),
            subject=_("Milestone of %(code)s")
            % {"code": code_with_strategy(record.initiative.code, strategy.start_year, strategy.end_year)},
            detail=localized(record.title_da, record.title_en),
            initiative_id=record.initiative_id,
        )
        for record in Milestone.history.filter(history_date__gte=since, initiative__strategy_id=strategy.pk)
        .select_related("history_user", "initiative")
        .order_by("-history_date")[:limit]
    ]
