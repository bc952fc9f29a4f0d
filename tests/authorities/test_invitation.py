"""Inviting a coordinator: from the admin or the command, an email with a set-password link."""

import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from authorities.models import Coordinator
from authorities.services import coordinator_invite


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"



def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def set_password(client, link: str, password: str):
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)  # Django swaps the token for a session key
    assert response.status_code == 200
    return client.post(response.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_the_secretariat_invites_a_coordinator_from_the_authority_page(client, analyst, kobenhavn, django_capture_on_commit_callbacks):
    client.force_login(analyst)
    page = client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk]))
    invite_url = reverse("admin:authorities_authority_invite_coordinator", args=[kobenhavn.pk])
    assert invite_url in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url, {"email": "Mette.Hansen@KK.dk", "language": "da"})
    assert response.status_code == 302

    user = User.objects.get(username="mette.hansen@kk.dk")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.groups.filter(name="Coordinators").exists()
    assert Coordinator.objects.filter(user=user, authority=kobenhavn).exists()
    [message] = mail.outbox
    assert message.to == ["mette.hansen@kk.dk"]
    assert "Københavns Kommune" in message.subject
    assert "/accounts/invitation/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and link_in(message) in html
    confirmation = client.get(response.url).content.decode()
    assert "Invitation sent: mette.hansen@kk.dk is now a coordinator for City of Copenhagen." in confirmation


def test_the_invitee_sets_a_password_and_can_then_use_the_admin(client, kobenhavn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", email="ny@kk.dk", authority="0101", language="en", stdout=io.StringIO())
    [message] = mail.outbox
    assert "You are invited to maintain" in message.subject
    response = set_password(client, link_in(message), "Rådhuspladsen-2025!")
    assert response.status_code == 302
    assert response["Location"] == reverse("invitation_complete")
    user = User.objects.get(username="ny@kk.dk")
    assert user.check_password("Rådhuspladsen-2025!")
    client.force_login(user)
    assert client.get(reverse("admin:initiatives_initiative_changelist")).status_code == 200


def test_the_invitee_logs_in_through_the_admin_login_form(client, kobenhavn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", email="login@kk.dk", authority="Københavns Kommune", stdout=io.StringIO())
    set_password(client, link_in(mail.outbox[0]), "Rådhuspladsen-2025!")
    response = client.post(reverse("admin:login"), {"username": "login@kk.dk", "password": "Rådhuspladsen-2025!", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_weak_password_is_refused_on_the_invitation_page(client, kobenhavn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", email="svag@kk.dk", authority="0101", stdout=io.StringIO())
    response = set_password(client, link_in(mail.outbox[0]), "password")
    assert response.status_code == 200
    assert not User.objects.get(username="svag@kk.dk").has_usable_password()


def test_the_link_works_once(client, kobenhavn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", email="once@kk.dk", authority="0101", stdout=io.StringIO())
    link = link_in(mail.outbox[0])
    set_password(client, link, "Rådhuspladsen-2025!")
    client.logout()
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    assert response.context["validlink"] is False
    assert "does not work any more" in response.content.decode()


def test_the_link_expires(client, kobenhavn, settings, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-03-01 09:00 +0100", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "invite_coordinator", email="late@kk.dk", authority="0101", language="en", stdout=io.StringIO()
            )
    assert f"The link works for {settings.PASSWORD_RESET_TIMEOUT // 86400} days" in mail.outbox[0].body
    with time_machine.travel("2026-03-20 09:00 +0100", tick=False):
        response = client.get("/" + link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1], follow=True)
        assert response.context["validlink"] is False


def test_an_invitation_link_is_not_a_password_reset_token(kobenhavn, django_capture_on_commit_callbacks):
    from django.contrib.auth.tokens import default_token_generator

    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", email="salt@kk.dk", authority="0101", stdout=io.StringIO())
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert not default_token_generator.check_token(User.objects.get(username="salt@kk.dk"), token)


def test_the_command_refuses_an_unknown_authority(db, reference_data):
    with pytest.raises(CommandError, match="No authority"):
        call_command("invite_coordinator", email="x@example.org", authority="9999")
    assert not User.objects.filter(username="x@example.org").exists()


def test_a_coordinator_cannot_invite(client, kobenhavn_coordinator, kobenhavn):
    client.force_login(kobenhavn_coordinator)
    url = reverse("admin:authorities_authority_invite_coordinator", args=[kobenhavn.pk])
    assert client.post(url, {"email": "ven@kk.dk", "language": "da"}).status_code == 403
    assert not User.objects.filter(username="ven@kk.dk").exists()


def test_the_invitee_is_subscribed_to_their_authoritys_summaries(kobenhavn, django_capture_on_commit_callbacks):
    from digests.models import Subscription

    with django_capture_on_commit_callbacks(execute=True):
        invitation = coordinator_invite(email="ny@kk.dk", authority=kobenhavn, language="da")
    subscription = Subscription.objects.get(user=invitation.user)
    assert list(subscription.authorities.all()) == [kobenhavn]


def test_with_password_logins_closed_no_one_is_invited_to_set_a_password(client, analyst, kobenhavn, settings):
    settings.LOCAL_LOGIN = "break-glass"
    with pytest.raises(CommandError, match="coordinators log in with NemLog-in"):
        call_command("invite_coordinator", email="x@example.org", authority=kobenhavn.code)
    client.force_login(analyst)
    page = client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk]))
    invite_url = reverse("admin:authorities_authority_invite_coordinator", args=[kobenhavn.pk])
    assert invite_url not in page.content.decode()
    assert client.post(invite_url, {"email": "ven@kk.dk", "language": "da"}).status_code == 403
    assert not User.objects.filter(username__in=["x@example.org", "ven@kk.dk"]).exists() and not mail.outbox
