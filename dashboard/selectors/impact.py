"""Reads for the impact page: finding the initiative, and the engine's analysis of its delay
arranged for the page (authorities grouped by level, names for ids) in a fixed number of queries."""

from django.db.models import Q, QuerySet

from authorities.models import Authority, Level
from initiatives.models import Initiative
from summaries.models import InitiativeSummary

SEARCH_LIMIT = 20


def _initiatives() -> QuerySet:
    # The summary comes along: the page shows how much depends on the chosen initiative.
    return Initiative.objects.select_related("strategy", "lead", "summary")


def initiative_by_id(pk: int) -> Initiative | None:
    return _initiatives().filter(pk=pk).first()


def initiatives_found(query: str, *, limit: int = SEARCH_LIMIT) -> tuple[list[Initiative], bool]:
    """Initiatives whose code or title contains `query`, the newest strategy first: at most
    `limit`, and whether there are more."""
    matches = list(
        _initiatives()
        .filter(Q(code__icontains=query) | Q(title_da__icontains=query) | Q(title_en__icontains=query))
        .order_by("-strategy__start_year", "code")[: limit + 1]
    )
    return matches[:limit], len(matches) > limit


def impact_page(initiative: Initiative, result) -> dict:
    """The engine's analysis (summaries' impact_of_delay result), arranged for the page."""
    by_pk = {item.initiative.pk: item.initiative for item in result.initiatives}
    by_pk[initiative.pk] = initiative
    impacted = [
        {
            "item": item,
            "lead": item.participants[0][0] if item.participants else item.initiative.lead,
            "others": len(item.participants) - 1,
            "missed": [{"need": need, "from": by_pk.get(need.needed_from_id)} for need in item.missed],
        }
        for item in result.initiatives
    ]
    milestones = [{"moved": moved, "initiative": by_pk.get(moved.milestone.initiative_id)} for moved in result.milestones]
    try:
        downstream_total = initiative.summary.downstream_total
    except InitiativeSummary.DoesNotExist:
        downstream_total = None  # not summarised yet
    return {
        "impact": result,
        "downstream_total": downstream_total,
        "impacted": impacted,
        "level_groups": _level_groups(result),
        "level_counts": [{"label": Level(level).label, "count": n} for level, n in result.levels.items()],
        "milestones": milestones,
        "pushed_count": len(result.pushed),
        "missing_count": len(result.missing_needed_by),
        "late_before": result.late_before,
    }


def _level_groups(result) -> list[dict]:
    """The impacted authorities by level, each with its illustrative flag; levels without any left out."""
    # One query for the illustrative flags, whichever fields the engine loaded on its authorities.
    illustrative_authorities = set(
        Authority.objects.filter(pk__in=[hit.authority.pk for hit in result.authorities], is_illustrative=True)
        .values_list("pk", flat=True)
    )
    groups = [
        {
            "level": level,
            "label": Level(level).label,
            "hits": [
                {"hit": hit, "illustrative": hit.authority.pk in illustrative_authorities}
                for hit in result.authorities
                if hit.level == level
            ],
        }
        for level in result.levels
    ]
    return [group for group in groups if group["hits"]]
