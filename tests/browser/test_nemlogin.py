"""Logging in through NemLog-in in Chromium, against the test IdP over HTTP (tests/nemlogin/server.py):
København's coordinator lands in their scoped admin; every bad answer is refused with its message, in
Danish and English; axe-core finds nothing on the login, refusal and admin pages (issue 17)."""

import shutil

import pytest
from saml2.metadata import create_metadata_string

from tests.browser.conftest import switch_language
from tests.conftest import service_missing
from tests.nemlogin.idp import COORDINATOR_PRIVILEGE, KOBENHAVN_CVR, UNKNOWN_CVR
from tests.nemlogin.server import CHOICES, IdPServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def idp_server(tmp_path_factory):
    if not shutil.which("xmlsec1"):
        service_missing("no xmlsec1 program (Debian package xmlsec1)")
    server = IdPServer(tmp_path_factory.mktemp("idp-http")).start()
    yield server
    server.stop()


@pytest.fixture
def nemlogin_live(transactional_db, settings, live_server, idp_server, kobenhavn, aarhus):
    from nemlogin.config import sp_config
    from nemlogin.models import PrivilegeMapping, Role

    settings.SAML_ENABLED = True
    settings.SAML_IDP_METADATA = str(idp_server.idp.metadata_file)
    settings.SAML_SP_KEY_FILE = str(idp_server.idp.sp_key_file)
    settings.SAML_SP_CERT_FILE = str(idp_server.idp.sp_cert_file)
    settings.SAML_SP_ENTITY_ID = f"{live_server.url}/saml2/metadata/"
    settings.SITE_URL = live_server.url
    idp_server.idp.know_the_sp(create_metadata_string(None, config=sp_config()).decode())
    kobenhavn.cvr = KOBENHAVN_CVR
    kobenhavn.save()
    PrivilegeMapping.objects.create(privilege=COORDINATOR_PRIVILEGE, role=Role.COORDINATOR)
    return idp_server


def not_about_the_refusals_status(errors: list[str]) -> list[str]:
    """Console errors other than the browser's note of the refusal page's 403 (and the test IdP's
    missing favicon): a CSP violation or a script error would stay."""
    return [e for e in errors if not e.startswith("Failed to load resource: the server responded with a status of")]


MITID_LINK = {"da": "Log ind med MitID (NemLog-in)", "en": "Log in with MitID (NemLog-in)"}


def through_the_idp(page, idp_server, choice: str, language: str = "da") -> None:
    """From the login page through the test IdP, answering `choice`, back to the product."""
    page.goto(f"{page.base_url}/accounts/login/")
    if language != "da":
        switch_language(page, language)
    page.get_by_role("link", name=MITID_LINK[language]).click()
    page.wait_for_url(f"{idp_server.url}/sso?**")
    page.get_by_role("button", name=CHOICES[choice][0]).click()
    page.get_by_role("button", name="Continue to the service").click()
    page.wait_for_url(f"{page.base_url}/**")


def test_kobenhavns_coordinator_logs_in_through_nemlogin_and_lands_in_their_scoped_admin(
    browser_page, nemlogin_live, axe
):
    page = browser_page
    page.goto(f"{page.base_url}/accounts/login/")
    axe(page)
    through_the_idp(page, nemlogin_live, "coordinator")
    page.wait_for_url(f"{page.base_url}/admin/")
    assert "(koordinator for Københavns Kommune)" in page.locator("#user-tools").text_content()
    axe(page)
    page.goto(f"{page.base_url}/admin/authorities/authority/")
    names = page.locator("#result_list tbody th").all_inner_texts()
    assert names == ["Københavns Kommune"]

    # Logging out ends the NemLog-in session too, and the answer used cannot log anyone in again.
    page.locator("#logout-form button").click()
    page.wait_for_url(f"{page.base_url}/accounts/login/")
    through_the_idp(page, nemlogin_live, "replayed")
    assert page.locator("h1").inner_text() == "Du kunne ikke logges ind"
    assert "allerede brugt" in page.locator(".alert-text").inner_text()
    assert not_about_the_refusals_status(page.console_errors) == []


REFUSALS = {
    "unknown-cvr": {"da": f"Din organisation, CVR-nummer {UNKNOWN_CVR} (Eksempel A/S), er ikke koblet på",
                    "en": f"Your organisation, CVR number {UNKNOWN_CVR} (Eksempel A/S), is not connected"},
    "low-loa": {"da": "Du loggede ind på sikringsniveauet “Low”.", "en": "You logged in at the assurance level “Low”."},
    "expired": {"da": "Svaret fra NemLog-in er udløbet", "en": "The answer from NemLog-in has expired"},
    "unsigned": {"da": "var ikke underskrevet af NemLog-in", "en": "was not signed by NemLog-in"},
    "other-key": {"da": "var ikke underskrevet af NemLog-in", "en": "was not signed by NemLog-in"},
}
HEADINGS = {"da": "Du kunne ikke logges ind", "en": "You could not be logged in"}


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_bad_answer_is_refused_with_its_message_and_axe_finds_nothing(browser_page, nemlogin_live, axe, language):
    from django.contrib.auth.models import User

    page = browser_page
    users_before = User.objects.count()
    page.goto(f"{page.base_url}/accounts/login/")
    if language != "da":
        switch_language(page, language)
    assert page.get_by_role("link", name=MITID_LINK[language]).is_visible()
    axe(page)  # the login page with NemLog-in offered
    for choice, messages in REFUSALS.items():
        through_the_idp(page, nemlogin_live, choice, language)
        assert page.locator("h1").inner_text() == HEADINGS[language], choice
        assert messages[language] in page.locator(".alert-text").inner_text(), choice
        assert page.locator("html").get_attribute("lang") == language
        axe(page)
    assert User.objects.count() == users_before
    assert not_about_the_refusals_status(page.console_errors) == []
