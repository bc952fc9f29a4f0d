"""The accessibility statement: `/was` on every page's footer, the WAS-Tool statement when its address
is configured, else the product's own (issue 17)."""

import datetime

import pytest
from django.core import mail

from authorities.services import coordinator_invite
from digests.schedule import preview_digest
from tests.portfolio.test_settings import import_settings

pytestmark = pytest.mark.django_db

WAS_TOOL_URL = "https://www.was.digst.dk/strategiportefolje-example-org"


def test_without_a_configured_address_was_shows_the_products_own_statement_in_danish(client):
    response = client.get("/was")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Tilgængelighedserklæring</h1>" in page
    assert "overholder delvist Web Content Accessibility Guidelines (WCAG) 2.1 på niveau AA" in page
    assert "axe-core" in page
    assert "Meld et problem" in page
    assert '<time datetime="2026-11-30">30.11.2026</time>' in page  # dates as the pages write them


def test_the_statement_is_in_english_on_request(client, english):
    page = client.get("/was").content.decode()
    assert "<h1>Accessibility statement</h1>" in page
    assert "partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA" in page
    assert "Report a problem" in page
    # With no contact address configured, it names who to tell instead of a mailto link.
    assert "tell the secretariat of the joint digital strategies" in page and "mailto:" not in page


def test_the_statement_gives_the_configured_contact_address(client, settings, english):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "tilgaengelighed@example.org"
    page = client.get("/was").content.decode()
    assert '<a href="mailto:tilgaengelighed@example.org">tilgaengelighed@example.org</a>' in page


def test_with_a_configured_address_was_redirects_to_the_was_tool_statement(client, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = WAS_TOOL_URL
    response = client.get("/was")
    assert response.status_code == 302
    assert response["Location"] == WAS_TOOL_URL


def test_was_answers_only_reading(client):
    assert client.head("/was").status_code == 200
    assert client.post("/was").status_code == 405


@pytest.mark.parametrize(
    "value", ["http://www.was.digst.dk/x", "javascript:alert(1)", "www.was.digst.dk/x", "https://", "https://exa mple.org/"]
)
def test_a_statement_address_that_is_not_https_stops_the_app_naming_the_variable(value):
    result = import_settings(ACCESSIBILITY_STATEMENT_URL=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ACCESSIBILITY_STATEMENT_URL" in result.stderr.splitlines()[-1]


def test_a_contact_address_that_is_not_an_email_stops_the_app_naming_the_variable():
    result = import_settings(ACCESSIBILITY_CONTACT_EMAIL="not an address")
    assert result.returncode != 0
    assert "ACCESSIBILITY_CONTACT_EMAIL" in result.stderr.splitlines()[-1]


FOOTER_LINK = '<a href="/was">Tilgængelighedserklæring</a>'


def test_every_page_of_the_product_links_to_the_statement_in_its_footer(client, outsider):
    assert FOOTER_LINK in client.get("/accounts/login/").content.decode()
    client.force_login(outsider)
    for path in ["/", "/subscriptions/", "/was"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert FOOTER_LINK in response.content.decode(), path


def test_every_admin_page_links_to_the_statement_in_its_footer(client, analyst):
    assert FOOTER_LINK in client.get("/admin/login/").content.decode()
    client.force_login(analyst)
    for path in ["/admin/", "/admin/authorities/authority/", "/admin/auth/user/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert '<footer id="footer"><p class="portfolio-footer">' + FOOTER_LINK in page, path


def test_the_admin_link_is_in_english_on_request(client, analyst, english):
    client.force_login(analyst)
    assert '<a href="/was">Accessibility statement</a>' in client.get("/admin/").content.decode()


def test_the_summary_emails_text_and_html_link_to_the_statement(analyst, settings):
    settings.SITE_URL = "https://portfolio.example.org"
    rendered = preview_digest(user=analyst, date=datetime.date(2026, 11, 30)).rendered
    assert "Tilgængelighedserklæring: https://portfolio.example.org/was" in rendered.text
    assert '<a href="https://portfolio.example.org/was" style="color: #0b5cab;">Tilgængelighedserklæring</a>' in rendered.html


def test_the_invitation_email_links_to_the_statement(kobenhavn, analyst, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://portfolio.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_invite(email="ny@kk.dk", authority=kobenhavn, language="en", invited_by=analyst)
    [message] = mail.outbox
    assert "Accessibility statement: https://portfolio.example.org/was" in message.body
    html, _mimetype = message.alternatives[0]
    assert '<a href="https://portfolio.example.org/was" style="color: #0b5cab;">Accessibility statement</a>' in html
