"""Issue 12 on an authority's profile: a coordinator's stale save is refused, and saving again keeps
what the secretariat changed meanwhile, many-to-many sectors included."""

import pytest
from django.test import Client
from django.urls import reverse

from authorities.models import Sector
from tests.clients import change_form_data


@pytest.fixture
def secretariat(analyst) -> Client:
    browser = Client()
    browser.force_login(analyst)
    return browser


@pytest.fixture
def coordinator(kobenhavn_coordinator) -> Client:
    browser = Client()
    browser.force_login(kobenhavn_coordinator)
    return browser


@pytest.mark.usefixtures("english")
def test_sectors_set_by_the_secretariat_survive_the_coordinators_stale_save(secretariat, coordinator, kobenhavn):
    health = Sector.objects.create(slug="sundhed", name_da="Sundhed", name_en="Health")
    url = reverse("admin:authorities_authority_change", args=[kobenhavn.pk])
    coordinators_form = coordinator.get(url)
    assert secretariat.post(url, change_form_data(secretariat.get(url), sectors=[str(health.pk)])).status_code == 302

    refused = coordinator.post(url, change_form_data(coordinators_form, name_en="Copenhagen Municipality"))

    assert refused.status_code == 200
    messages = list(refused.context["adminform"].form.non_field_errors())
    assert any(line.startswith("sectors: “—” → “Health” (analyst, ") for line in messages), messages
    kobenhavn.refresh_from_db()
    assert kobenhavn.name_en == "City of Copenhagen"  # not saved
    assert coordinator.post(url, change_form_data(refused)).status_code == 302
    kobenhavn.refresh_from_db()
    assert kobenhavn.name_en == "Copenhagen Municipality"
    assert list(kobenhavn.sectors.all()) == [health]
