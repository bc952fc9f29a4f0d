"""Reads for the initiative page: participants, milestones and their timeline, health with reasons,
the dependency neighbourhood (table and graph) and the change history, each in a fixed number of
queries whatever the size of the portfolio."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import localized
from common.history import CHANGED, CREATED, DELETED, described, field_changes, who

from .models import Dependency, Health, Initiative, Milestone, Participation, Role

PARTICIPANT_LIMIT = 200
MILESTONE_LIMIT = 50
NEIGHBOUR_LIMIT = 100  # per direction, in the table and the graph
HISTORY_LIMIT = 25  # entries shown, from the four histories together
ROLE_ORDER = [Role.LEAD, Role.CO_OWNER, Role.IMPLEMENTER, Role.CONTRIBUTOR, Role.CONSULTED]
# Fields whose change is not news to a reader of the history.
UNTRACKED_FIELDS = {"id", "created_at", "updated_at", "schedule_health", "cost_health", "health"}
TIMELINE_WIDTH = 1000  # SVG user units; the CSP forbids style attributes, SVG attributes are fine


@dataclass
class PageSection:
    """A section a higher app adds to the initiative page: its template, what it shows (read before
    the page renders) and the scripts it needs (static paths)."""

    template: str
    context: dict
    scripts: list[str] = field(default_factory=list)


# Providers of such sections, (initiative) -> PageSection | None, registered by the apps that own
# them (reporting's lights per cycle) in their AppConfig.ready: this app knows none of them.
PAGE_SECTIONS: list[Callable[[Initiative], PageSection | None]] = []
# Sections whose content depends on who reads the page (the risks they may see): (initiative, user).
USER_PAGE_SECTIONS: list[Callable[[Initiative, object], PageSection | None]] = []


def page_section_register(provider: Callable[..., PageSection | None], *, per_user: bool = False) -> None:
    sections = USER_PAGE_SECTIONS if per_user else PAGE_SECTIONS
    if provider not in sections:
        sections.append(provider)


def _extra_sections(initiative: Initiative, user) -> list[PageSection]:
    sections = [section for provider in PAGE_SECTIONS if (section := provider(initiative))]
    if user is not None:
        sections += [section for provider in USER_PAGE_SECTIONS if (section := provider(initiative, user))]
    return sections


def initiative_page(initiative: Initiative, user=None) -> dict:
    today = timezone.localdate()
    milestones = list(initiative.milestones.all()[:MILESTONE_LIMIT])
    upstream = list(
        Dependency.objects.filter(source=initiative)
        .select_related("target", "target__strategy", "target__lead", "target__summary")
        .order_by("target__code", "pk")[:NEIGHBOUR_LIMIT]
    )
    downstream = list(
        Dependency.objects.filter(target=initiative)
        .select_related("source", "source__strategy", "source__lead", "source__summary")
        .order_by("source__code", "pk")[:NEIGHBOUR_LIMIT]
    )
    summary = getattr(initiative, "summary", None)
    return {
        "extra_sections": _extra_sections(initiative, user),
        "participant_groups": participant_groups(initiative),
        "milestones": [{"milestone": m, "missed": m.is_missed(today)} for m in milestones],
        "timeline": timeline(initiative, milestones, today),
        "health": health_lights(initiative),
        "summary": summary,
        "upstream": upstream,
        "downstream": downstream,
        "upstream_more": (summary.upstream_direct if summary else len(upstream)) > len(upstream),
        "downstream_more": (summary.downstream_direct if summary else len(downstream)) > len(downstream),
        "graph": neighbourhood_graph(initiative, upstream, downstream),
        "history": change_history(initiative),
        "today": today,
    }


def participant_groups(initiative: Initiative) -> list[dict]:
    participations = list(
        Participation.objects.filter(initiative=initiative)
        .select_related("authority")
        .order_by("authority__name_da")[: PARTICIPANT_LIMIT + 1]
    )
    groups = []
    for role in ROLE_ORDER:
        members = [p.authority for p in participations[:PARTICIPANT_LIMIT] if p.role == role]
        if members:
            groups.append({"role": role.label, "authorities": members})
    return groups


@dataclass
class Timeline:
    """Positions (0..TIMELINE_WIDTH) of the initiative's periods and milestones between two years."""

    width: int
    start_year: int
    end_year: int
    years: list[dict] = field(default_factory=list)
    baseline: dict | None = None
    forecast: dict | None = None
    markers: list[dict] = field(default_factory=list)
    today_x: float | None = None


def timeline(initiative: Initiative, milestones: list[Milestone], today: datetime.date) -> Timeline | None:
    dates = [d for d in (initiative.baseline_start, initiative.baseline_end, initiative.forecast_start,
                         initiative.forecast_end) if d]
    dates += [m.expected_date for m in milestones]
    if not dates:
        return None
    start = datetime.date(min(dates).year, 1, 1)
    end = datetime.date(max(dates).year + 1, 1, 1)
    days = (end - start).days

    def x(day: datetime.date) -> float:
        return round(TIMELINE_WIDTH * (day - start).days / days, 1)

    def bar(first, last):
        if not (first and last):
            return None
        return {"x": x(first), "width": max(2.0, round(x(last) - x(first), 1))}

    result = Timeline(width=TIMELINE_WIDTH, start_year=start.year, end_year=end.year - 1)
    result.years = [{"year": year, "x": x(datetime.date(year, 1, 1))} for year in range(start.year, end.year)]
    result.baseline = bar(initiative.baseline_start, initiative.baseline_end)
    result.forecast = bar(initiative.forecast_start, initiative.forecast_end)
    result.markers = [
        {"x": x(m.expected_date), "done": m.done_on is not None, "missed": m.is_missed(today), "title": m.title}
        for m in milestones
    ]
    if start <= today < end:
        result.today_x = x(today)
    return result


def health_lights(initiative: Initiative) -> list[dict]:
    assessment = initiative.assess_health()
    return [
        {"name": _("Schedule"), "light": assessment.schedule, "label": Health(assessment.schedule).label,
         "reason": assessment.schedule_reason},
        {"name": _("Cost"), "light": assessment.cost, "label": Health(assessment.cost).label,
         "reason": assessment.cost_reason},
        {"name": _("Benefits"), "light": assessment.benefits, "label": Health(assessment.benefits).label,
         "reason": assessment.benefits_reason},
        {"name": _("Overall"), "light": assessment.overall, "label": Health(assessment.overall).label,
         "reason": _("the worst of the three lights"), "overall": True},
    ]


def _node(initiative: Initiative, role: str) -> dict:
    summary = getattr(initiative, "summary", None)
    return {
        "data": {
            "id": f"i{initiative.pk}",
            "label": initiative.code_with_strategy,
            "title": initiative.title,
            "lead": initiative.lead.name,
            "level": initiative.lead.level,
            "health": initiative.health,
            "role": role,
            "at_risk": bool(summary and summary.at_risk),
            "illustrative": initiative.is_illustrative,
            "url": reverse("initiatives:detail", args=[initiative.pk]),
        }
    }


def neighbourhood_graph(initiative: Initiative, upstream: list[Dependency], downstream: list[Dependency]) -> dict:
    """Cytoscape elements: the initiative, what it depends on and what depends on it."""
    nodes = {initiative.pk: _node(initiative, "self")}
    edges = []
    for dependency in upstream:
        nodes.setdefault(dependency.target_id, _node(dependency.target, "upstream"))
    for dependency in downstream:
        nodes.setdefault(dependency.source_id, _node(dependency.source, "downstream"))
    for dependency in [*upstream, *downstream]:
        edges.append({
            "data": {
                "id": f"d{dependency.pk}",
                "source": f"i{dependency.source_id}",
                "target": f"i{dependency.target_id}",
                "criticality": dependency.criticality,
            }
        })
    return {"nodes": list(nodes.values()), "edges": edges}


@dataclass
class HistoryEntry:
    """One change: when, by whom, and what, in words."""

    when: datetime.datetime
    who: str
    what: str
    details: list[str] = field(default_factory=list)


def _initiative_changes(newer, older) -> list[str]:
    """What changed, in words: "Status: Active → Paused"; a relation by its name alone."""
    fields = [field_.attname for field_ in Initiative._meta.concrete_fields if field_.name not in UNTRACKED_FIELDS]
    lines = []
    for change in field_changes(older, newer, fields=fields):
        words = described(change, Initiative)
        name = words.field.capitalize()
        lines.append(name if Initiative._meta.get_field(change.field).is_relation else f"{name}: {words.old} → {words.new}")
    return lines


def change_history(initiative: Initiative) -> list[HistoryEntry]:
    """The newest changes to the initiative, its participants, milestones and dependencies (4 queries)."""
    entries = [
        *_initiative_entries(initiative),
        *_participation_entries(initiative),
        *_milestone_entries(initiative),
        *_dependency_entries(initiative),
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:HISTORY_LIMIT]


def _initiative_entries(initiative: Initiative) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    # One record more than shown, to tell what the oldest shown record changed.
    records = list(
        initiative.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    # Pairs each record with the one before it (None for the oldest fetched); no records, no pairs
    # (a bulk-loaded portfolio has no history rows).
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        if len(entries) == HISTORY_LIMIT:
            break
        if newer.history_type == CREATED:
            entries.append(HistoryEntry(newer.history_date, who(newer), _("Initiative created")))
        elif newer.history_type == DELETED:
            entries.append(HistoryEntry(newer.history_date, who(newer), _("Initiative deleted")))
        elif older is not None:
            changes = _initiative_changes(newer, older)
            if changes:
                entries.append(HistoryEntry(newer.history_date, who(newer), _("Initiative changed"), changes))
        else:
            entries.append(HistoryEntry(newer.history_date, who(newer), _("Initiative changed")))
    return entries


def _participation_entries(initiative: Initiative) -> list[HistoryEntry]:
    entries = []
    for record in (
        Participation.history.filter(initiative_id=initiative.pk)
        .select_related("history_user", "authority")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    ):
        params = {"authority": record.authority.name, "role": Role(record.role).label.lower()}
        what = {
            CREATED: _("%(authority)s added as %(role)s"),
            CHANGED: _("%(authority)s now takes part as %(role)s"),
            DELETED: _("%(authority)s removed (was %(role)s)"),
        }[record.history_type] % params
        entries.append(HistoryEntry(record.history_date, who(record), what))
    return entries


def _milestone_entries(initiative: Initiative) -> list[HistoryEntry]:
    entries = []
    for record in (
        Milestone.history.filter(initiative_id=initiative.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    ):
        title = localized(record.title_da, record.title_en)
        what = {
            CREATED: _("Milestone added: %(title)s"),
            CHANGED: _("Milestone changed: %(title)s"),
            DELETED: _("Milestone removed: %(title)s"),
        }[record.history_type] % {"title": title}
        dates = [f"{_('baseline date')}: {record.baseline_date:%d.%m.%Y}"]
        if record.forecast_date:
            dates.append(f"{_('forecast date')}: {record.forecast_date:%d.%m.%Y}")
        if record.done_on:
            dates.append(f"{_('done on')}: {record.done_on:%d.%m.%Y}")
        entries.append(HistoryEntry(record.history_date, who(record), what, dates))
    return entries


def _dependency_entries(initiative: Initiative) -> list[HistoryEntry]:
    entries = []
    for record in (
        Dependency.history.filter(Q(source_id=initiative.pk) | Q(target_id=initiative.pk))
        .select_related("history_user", "source", "target")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    ):
        # The initiative at the other end may since have been deleted.
        params = {"source": getattr(record.source, "code", "?"), "target": getattr(record.target, "code", "?")}
        what = {
            CREATED: _("Dependency added: %(source)s depends on %(target)s"),
            CHANGED: _("Dependency changed: %(source)s depends on %(target)s"),
            DELETED: _("Dependency removed: %(source)s no longer depends on %(target)s"),
        }[record.history_type] % params
        criticality = f"{_('criticality')}: {record.get_criticality_display()}"
        entries.append(HistoryEntry(record.history_date, who(record), what, [criticality]))
    return entries


def initiatives_matching(query: str, *, exclude: frozenset[int] = frozenset(), limit: int = 20) -> tuple[list, bool]:
    """Initiatives whose code or Danish or English title contains `query`, the newest strategy
    first: at most `limit` of them, and whether there are more (for pickers among thousands)."""
    query = query.strip()
    if not query:
        return [], False
    matches = list(
        Initiative.objects.filter(Q(code__icontains=query) | Q(title_da__icontains=query) | Q(title_en__icontains=query))
        .exclude(pk__in=exclude)
        .select_related("strategy", "lead")
        .order_by("-strategy__start_year", "code", "pk")[: limit + 1]
    )
    return matches[:limit], len(matches) > limit
