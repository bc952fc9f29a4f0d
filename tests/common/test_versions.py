"""A record's version, read from the history: what makes a change form stale, and the guard that
every admin of portfolio data checks it."""

import datetime

from django.apps import apps
from django.contrib import admin

from common.admin import VersionCheckedAdminMixin
from common.versions import Tracked, parse_version, version_of
from initiatives.models import Initiative, Milestone, Participation
from initiatives.services import initiative_update, milestone_add


def test_every_admin_of_a_model_that_keeps_history_refuses_stale_saves(db):
    checked = {
        model._meta.label: isinstance(admin.site.get_model_admin(model), VersionCheckedAdminMixin)
        for model in apps.get_models()
        if hasattr(model._meta, "simple_history_manager_attribute") and admin.site.is_registered(model)
    }
    assert "initiatives.Initiative" in checked and "digests.Subscription" in checked
    assert [label for label, is_checked in checked.items() if not is_checked] == []


def test_the_version_moves_with_the_record_and_with_each_of_its_tracked_rows(kobenhavn, aarhus, make_initiative):
    initiative = make_initiative(kobenhavn)
    other = make_initiative(aarhus)
    tracked = (Tracked.record(Initiative), Tracked(Milestone, "initiative_id"), Tracked(Participation, "initiative_id"))
    seen = [version_of(initiative, tracked)]

    milestone = milestone_add(initiative=initiative, title_da="Pilot", baseline_date=datetime.date(2025, 1, 1))
    seen.append(version_of(initiative, tracked))
    milestone.delete()
    seen.append(version_of(initiative, tracked))
    initiative_update(initiative=initiative, title_da="Ny titel")
    seen.append(version_of(initiative, tracked))
    milestone_add(initiative=other, title_da="Andetsteds", baseline_date=datetime.date(2025, 1, 1))
    seen.append(version_of(initiative, tracked))

    assert len(set(seen)) == 4 and seen[-1] == seen[-2]  # another initiative's row is not part of it
    assert set(parse_version(seen[-1])) == {"initiatives.initiative", "initiatives.milestone", "initiatives.participation"}


def test_a_string_that_is_not_a_version_parses_as_none():
    assert parse_version("") is None
    assert parse_version("initiatives.initiative:12,junk") is None
    assert parse_version("initiatives.initiative:12") == {"initiatives.initiative": 12}
