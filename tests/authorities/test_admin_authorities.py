"""The secretariat's side of the authorities admin: users, coordinator assignments."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from authorities.models import Coordinator


def test_the_secretariat_assigns_coordinators_and_sees_every_authority(client, analyst, kobenhavn, aarhus, kobenhavn_coordinator):
    client.force_login(analyst)
    response = client.get(reverse("admin:authorities_coordinator_changelist"))
    assert response.status_code == 200
    assert "kk-coordinator" in response.content.decode()
    response = client.post(
        reverse("admin:authorities_coordinator_add"), {"user": kobenhavn_coordinator.pk, "authority": aarhus.pk}
    )
    assert response.status_code == 302
    assert Coordinator.objects.filter(user=kobenhavn_coordinator, authority=aarhus).exists()
    authorities = client.get(reverse("admin:authorities_authority_changelist"), {"q": "Kommune"})
    assert authorities.context["cl"].result_count == 98


def test_a_secretariat_member_cannot_make_anyone_a_superuser(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    form = client.get(reverse("admin:auth_user_change", args=[kobenhavn_coordinator.pk])).context["adminform"].form
    assert "is_superuser" not in form.fields
    assert "user_permissions" not in form.fields


@pytest.mark.parametrize("field", ["name_da", "code", "level", "kind", "parent", "region"])
def test_a_coordinator_sees_the_register_fields_of_their_authority_read_only(client, kobenhavn_coordinator, kobenhavn, field):
    client.force_login(kobenhavn_coordinator)
    form = client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk])).context["adminform"].form
    assert field not in form.fields
    assert {"name_en", "website", "sectors"} <= set(form.fields)


def test_inviting_is_offered_to_the_secretariat_only(client, analyst, kobenhavn_coordinator, kobenhavn):
    invite = reverse("admin:authorities_authority_invite_coordinator", args=[kobenhavn.pk])
    client.force_login(kobenhavn_coordinator)
    assert invite not in client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk])).content.decode()
    client.force_login(analyst)
    assert client.get(invite).status_code == 200
    assert User.objects.filter(username="analyst").exists()
