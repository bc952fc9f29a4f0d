"""Test-client helpers."""

from django.conf import settings


def in_english(client):
    """The client as a user who has chosen English with the language switch (the choice lives in a cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
