"""One rule for an authority's effective level, seen the same way everywhere.

A grandchild institution (no level of its own, under an institution with no level, under a region)
takes the region's level: in the engine's level matrix, in the digests' authority rows, in the
impact analysis and on its page, and when the secretariat saves it through the admin.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, Kind, Level
from digests.changes import load_portfolio_changes
from initiatives.services import dependency_add
from summaries.engine.run import recompute_summaries
from summaries.impact import impact_of_delay
from summaries.models import LevelMatrixCell
from tests.clients import opened_version

D = datetime.date


@pytest.fixture
def hospital(region_midtjylland) -> Authority:
    """An institution under the region, with no level of its own (created without the admin's clean())."""
    return Authority.objects.create(name_da="Testhospitalet", kind=Kind.HOSPITAL, parent=region_midtjylland)


@pytest.fixture
def department(hospital) -> Authority:
    """The grandchild: under the hospital, with no level of its own either."""
    return Authority.objects.create(name_da="Testafdelingen", kind=Kind.OTHER_INSTITUTION, parent=hospital)


@pytest.fixture
def slip(make_initiative, digst, department):
    """A central platform and the department's project that starts the day after the platform ends."""
    platform = make_initiative(digst, code="PLATFORM", forecast_start=D(2025, 1, 1), forecast_end=D(2025, 6, 30),
                               baseline_start=D(2025, 1, 1), baseline_end=D(2025, 6, 30))
    project = make_initiative(department, code="PROJECT", forecast_start=D(2025, 7, 1), forecast_end=D(2025, 12, 31),
                              baseline_start=D(2025, 7, 1), baseline_end=D(2025, 12, 31))
    dependency_add(source=project, target=platform)
    return platform


def level_in_the_engine(department) -> str:
    recompute_summaries()
    cells = LevelMatrixCell.objects.filter(strategy=None, target_level=Level.CENTRAL, edges__gt=0)
    # The department's project is the only initiative depending on a central one.
    [cell] = cells
    return cell.source_level


def level_in_the_digests(department) -> str:
    now = timezone.now()
    changes = load_portfolio_changes(
        now=now, window_start=now - datetime.timedelta(days=1), authority_ids={department.pk}, date=now.date()
    )
    return changes.authorities[department.pk].level


def level_in_the_impact_analysis(department, platform) -> str:
    [hit] = [hit for hit in impact_of_delay(platform, 30).authorities if hit.authority.pk == department.pk]
    return hit.level


def level_on_the_impact_page(client, department, platform) -> str:
    response = client.get(reverse("impact"), {"initiative": platform.pk, "days": 30})
    assert response.status_code == 200
    groups = response.context["result"]["level_groups"]
    # "" when the page shows the department under no level at all.
    return next((group["level"] for group in groups if department.pk in {row["hit"].authority.pk for row in group["hits"]}), "")


def admin_form_data(authority: Authority) -> dict:
    """What the admin's change form posts for this authority, unchanged, with no coordinators."""
    return {
        "name_da": authority.name_da, "name_en": authority.name_en, "level": authority.level, "kind": authority.kind,
        "parent": authority.parent_id or "", "region": authority.region_id or "", "code": authority.code,
        "nuts2": authority.nuts2, "website": authority.website, "source_url": authority.source_url,
        "coordinators-TOTAL_FORMS": "0", "coordinators-INITIAL_FORMS": "0",
        "coordinators-MIN_NUM_FORMS": "0", "coordinators-MAX_NUM_FORMS": "1000",
        **opened_version(authority),
    }


def level_saved_by_the_admin(client, department) -> str:
    response = client.post(reverse("admin:authorities_authority_change", args=[department.pk]), admin_form_data(department))
    assert response.status_code == 302, response.context["adminform"].form.errors
    department.refresh_from_db()
    return department.level


def test_a_grandchild_institution_has_its_grandparents_level_in_the_engine_the_digests_the_impact_and_the_admin(
    client, analyst, region_midtjylland, hospital, department, slip
):
    assert (region_midtjylland.level, hospital.level, department.level) == (Level.REGIONAL, "", "")
    client.force_login(analyst)

    levels = {
        "model": department.effective_level,
        "query set": Authority.objects.effective_levels()[department.pk],
        "engine": level_in_the_engine(department),
        "digests": level_in_the_digests(department),
        "impact analysis": level_in_the_impact_analysis(department, slip),
        "impact page": level_on_the_impact_page(client, department, slip),
        "admin": level_saved_by_the_admin(client, department),  # last: it gives the department a level of its own
    }

    assert levels == dict.fromkeys(levels, Level.REGIONAL)


def test_the_admin_gives_a_new_grandchild_institution_its_grandparents_level(client, analyst, hospital):
    client.force_login(analyst)
    new = Authority(name_da="Endnu en afdeling", kind=Kind.OTHER_INSTITUTION, parent=hospital)

    response = client.post(reverse("admin:authorities_authority_add"), admin_form_data(new))

    assert response.status_code == 302
    assert Authority.objects.get(name_da="Endnu en afdeling").level == Level.REGIONAL


def test_english_pages_mark_a_danish_name_where_the_sources_give_no_english_one(reference_data):
    from django.utils import translation

    from authorities.models import Authority
    from strategies.models import Strategy

    with translation.override("en"):
        assert Authority.objects.get(name_da="Digitaliseringsstyrelsen").name == "Agency for Digital Government"
        ministry = Authority.objects.get(name_da="Digitaliserings- og Ligestillingsministeriet")
        assert ministry.name == "Digitaliserings- og Ligestillingsministeriet (Danish name)"
        assert Strategy.objects.get(code="2026-2029").name == "Sammen griber vi de digitale muligheder (Danish name)"
    with translation.override("da"):
        assert ministry.name == "Digitaliserings- og Ligestillingsministeriet"
