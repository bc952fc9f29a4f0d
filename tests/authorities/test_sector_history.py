"""Sector tags are portfolio data too: an edit in the admin leaves an audit record."""

from django.urls import reverse

from authorities.models import Sector
from tests.clients import opened_version


def test_a_sector_edit_in_the_admin_is_recorded(client, analyst):
    sector = Sector.objects.create(slug="sundhed", name_da="Sundhed", name_en="Health")
    client.force_login(analyst)
    response = client.post(
        reverse("admin:authorities_sector_change", args=[sector.pk]),
        {"slug": "sundhed", "name_da": "Sundhed og ældre", "name_en": "Health", **opened_version(sector)},
    )
    assert response.status_code == 302
    record = sector.history.first()
    assert record.history_user == analyst
    assert record.diff_against(record.prev_record).changed_fields == ["name_da"]
