"""Issue 12 on a strategy and its focus areas (an inline): two secretariat members, one stale form."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from common.roles import SECRETARIAT
from strategies.models import FocusArea
from tests.clients import change_form_data


@pytest.fixture
def colleague(analyst) -> Client:
    """A second member of the secretariat, in a browser of their own."""
    user = User.objects.create_user(username="colleague", password="not-used-in-tests-7Qx!", is_staff=True)
    user.groups.add(Group.objects.get(name=SECRETARIAT))
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.usefixtures("english")
def test_a_focus_area_renamed_meanwhile_is_named_and_kept(client, analyst, colleague, strategy_2022):
    client.force_login(analyst)
    focus_area = FocusArea.objects.create(strategy=strategy_2022, code="A", name_da="Data", name_en="Data")
    url = reverse("admin:strategies_strategy_change", args=[strategy_2022.pk])
    analysts_form = client.get(url)
    assert colleague.post(url, change_form_data(colleague.get(url), **{"focus_areas-0-name_en": "Renamed"})).status_code == 302

    refused = client.post(url, change_form_data(analysts_form, parties="KL, Danske Regioner og regeringen"))

    assert refused.status_code == 200
    messages = list(refused.context["adminform"].form.non_field_errors())
    assert any(f"focus area “{focus_area}”, name (English): “{focus_area.name_en}” → “Renamed” (colleague, " in line
               for line in messages), messages
    assert client.post(url, change_form_data(refused)).status_code == 302
    strategy_2022.refresh_from_db()
    focus_area.refresh_from_db()
    assert (strategy_2022.parties, focus_area.name_en) == ("KL, Danske Regioner og regeringen", "Renamed")
