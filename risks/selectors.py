"""Reads of the risk register that pages (and other apps) share: the heatmap's counts, and the open
risks of one initiative, each in one query whatever the size of the register."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from authorities.models import coordinated_authority_ids
from common.roles import is_secretariat, reads_everything
from initiatives.models import Initiative
from initiatives.selectors import PageSection

from .models import Risk, score_band

SCALE = range(1, 6)


@dataclass(frozen=True)
class HeatmapCell:
    """One cell of the 5 × 5 heatmap: the open risks of this probability and impact."""

    probability: int
    impact: int
    count: int
    escalated: int
    band: str
    url: str

    @property
    def key(self) -> str:
        return f"{self.probability}-{self.impact}"


def heatmap_counts(risks: QuerySet) -> dict[tuple[int, int], tuple[int, int]]:
    """(probability, impact) → (open risks, of which escalated), from `risks` as filtered, in one query."""
    rows = (
        risks.open().order_by().values_list("probability", "impact")
        .annotate(count=Count("pk"), escalated_count=Count("pk", filter=Q(escalated=True)))
    )
    return {(probability, impact): (count, escalated) for probability, impact, count, escalated in rows}


def heatmap_rows(counts: dict[tuple[int, int], tuple[int, int]],
                 link: Callable[[int, int], str]) -> list[tuple[int, list[HeatmapCell]]]:
    """The grid as the table draws it: the highest impact on top, probability rising to the right."""
    rows = []
    for impact in reversed(SCALE):
        cells = []
        for probability in SCALE:
            count, escalated = counts.get((probability, impact), (0, 0))
            cells.append(HeatmapCell(probability, impact, count, escalated, score_band(probability * impact),
                                     link(probability, impact)))
        rows.append((impact, cells))
    return rows


def open_risks_of(initiative_id: int, user) -> dict:
    """How many open risks of an initiative the user sees, and how many of them are escalated."""
    return Risk.objects.visible_to(user).open().filter(initiative_id=initiative_id).aggregate(
        count=Count("pk"), escalated=Count("pk", filter=Q(escalated=True)))


def may_record_on(user, initiative: Initiative) -> bool:
    """Whether the user could record a risk on this initiative: the secretariat, its lead's
    coordinators, and those of an authority taking part (as the risk's owner)."""
    if is_secretariat(user):
        return True
    ids = coordinated_authority_ids(user)
    if not ids:
        return False
    return initiative.lead_id in ids or initiative.participations.filter(authority_id__in=ids).exists()


def initiative_risks_section(initiative: Initiative, user) -> PageSection | None:
    """The initiative page's link to its risks, with the open ones counted; nothing for a reader who
    may see none of them (a count of risks they cannot open would be news about another authority)."""
    if not reads_everything(user) and not Initiative.objects.visible_to(user).filter(pk=initiative.pk).exists():
        return None
    counts = open_risks_of(initiative.pk, user)
    return PageSection("risks/includes/initiative_section.html",
                       {"initiative_id": initiative.pk, "can_add": may_record_on(user, initiative), **counts})
