"""Writes and workflows for initiatives, participations, dependencies and milestones.

Every write path (admin, imports, commands, the demo seeder) goes through these functions or
through model validation that calls them, so the rules hold everywhere.
"""

import datetime
from collections import deque

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from authorities.models import Authority

from .models import (
    Criticality,
    Dependency,
    DependencyKind,
    Initiative,
    Milestone,
    Participation,
    Role,
)

# Key of the PostgreSQL advisory lock that serialises dependency writes, so two concurrent
# transactions cannot each add half of a cycle.
DEPENDENCY_GRAPH_LOCK = 7_340_001


def _lock_dependency_graph() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEPENDENCY_GRAPH_LOCK])


def find_dependency_path(*, start_id: int, goal_id: int, ignore_pk: int | None = None) -> list[int] | None:
    """The ids along depends-on edges from start to goal, or None. One query per BFS layer."""
    if start_id == goal_id:
        return [start_id]
    came_from: dict[int, int | None] = {start_id: None}
    frontier = [start_id]
    while frontier:
        edges = Dependency.objects.filter(source_id__in=frontier)
        if ignore_pk is not None:
            edges = edges.exclude(pk=ignore_pk)
        next_frontier = []
        for source_id, target_id in edges.values_list("source_id", "target_id"):
            if target_id in came_from:
                continue
            came_from[target_id] = source_id
            if target_id == goal_id:
                path = deque([goal_id])
                while (previous := came_from[path[0]]) is not None:
                    path.appendleft(previous)
                return list(path)
            next_frontier.append(target_id)
        frontier = next_frontier
    return None


def dependency_check_acyclic(*, source: Initiative, target: Initiative, ignore_pk: int | None = None) -> None:
    """Raise ValidationError naming the cycle if `source → target` would close one."""
    if source.pk == target.pk:
        raise ValidationError(_("An initiative cannot depend on itself."), code="self_dependency")
    if ignore_pk is not None and Dependency.objects.filter(pk=ignore_pk, source=source, target=target).exists():
        # The stored edge, its ends unchanged: it passed this check when saved, and every edge added since
        # was checked against a graph that held it. (An initiative's admin save checked each of its
        # dependencies: five graph walks, 0.6 s of a 0.9 s save at national scale.)
        return
    _lock_dependency_graph()
    path = find_dependency_path(start_id=target.pk, goal_id=source.pk, ignore_pk=ignore_pk)
    if path is None:
        return
    codes = dict(Initiative.objects.filter(pk__in=path).values_list("pk", "code"))
    cycle = " → ".join(codes[pk] for pk in [source.pk, *path])
    raise ValidationError(
        _("This dependency would close a cycle: %(cycle)s") % {"cycle": cycle}, code="cycle"
    )


@transaction.atomic
def dependency_add(
    *,
    source: Initiative,
    target: Initiative,
    kind: str = DependencyKind.PREREQUISITE,
    criticality: str = Criticality.MEDIUM,
    needed_by: datetime.date | None = None,
    note: str = "",
    is_illustrative: bool = False,
) -> Dependency:
    dependency = Dependency(
        source=source,
        target=target,
        kind=kind,
        criticality=criticality,
        needed_by=needed_by,
        note=note,
        is_illustrative=is_illustrative,
    )
    dependency.full_clean()  # the constraints
    dependency_check_acyclic(source=source, target=target)
    dependency.save()
    return dependency


@transaction.atomic
def dependency_update(*, dependency: Dependency, **fields) -> Dependency:
    for name, value in fields.items():
        setattr(dependency, name, value)
    dependency.full_clean()  # the constraints
    dependency_check_acyclic(source=dependency.source, target=dependency.target, ignore_pk=dependency.pk)
    dependency.save()
    return dependency


@transaction.atomic
def initiative_create(*, lead: Authority, **fields) -> Initiative:
    """Create an initiative with its lead participation and its health lights set."""
    initiative = Initiative(lead=lead, **fields)
    initiative.refresh_health()
    initiative.full_clean()
    initiative.save()
    Participation.objects.create(initiative=initiative, authority=lead, role=Role.LEAD)
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, **fields) -> Initiative:
    """Change fields; a new lead takes over the lead participation, the old lead becomes co-owner."""
    previous_lead_id = initiative.lead_id
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.refresh_health()
    initiative.full_clean()
    initiative.save()
    if initiative.lead_id != previous_lead_id:
        initiative_sync_lead(initiative=initiative, previous_lead_id=previous_lead_id)
    return initiative


def initiative_sync_lead(*, initiative: Initiative, previous_lead_id: int | None) -> None:
    """Make the lead participation match Initiative.lead (called after the lead changed)."""
    if previous_lead_id and previous_lead_id != initiative.lead_id:
        for old in Participation.objects.filter(initiative=initiative, authority_id=previous_lead_id, role=Role.LEAD):
            old.role = Role.CO_OWNER
            old.save()
    current = Participation.objects.filter(initiative=initiative, authority_id=initiative.lead_id).first()
    if current is None:
        Participation.objects.create(initiative=initiative, authority_id=initiative.lead_id, role=Role.LEAD)
    elif current.role != Role.LEAD:
        current.role = Role.LEAD
        current.save()


@transaction.atomic
def participation_set(*, initiative: Initiative, authority: Authority, role: str) -> Participation:
    """Add or change an authority's role in an initiative (not the lead's: change the lead instead)."""
    participation = Participation.objects.filter(initiative=initiative, authority=authority).first()
    if participation is None:
        participation = Participation(initiative=initiative, authority=authority)
    participation.role = role
    participation.full_clean()
    participation.save()
    return participation


def participation_remove(*, participation: Participation) -> None:
    if participation.role == Role.LEAD:
        raise ValidationError(_("The lead cannot be removed; change the initiative's lead instead."))
    participation.delete()


@transaction.atomic
def milestone_add(
    *,
    initiative: Initiative,
    title_da: str,
    baseline_date: datetime.date,
    title_en: str = "",
    forecast_date: datetime.date | None = None,
    done_on: datetime.date | None = None,
) -> Milestone:
    milestone = Milestone(
        initiative=initiative,
        title_da=title_da,
        title_en=title_en,
        baseline_date=baseline_date,
        forecast_date=forecast_date,
        done_on=done_on,
    )
    milestone.full_clean()
    milestone.save()
    return milestone
