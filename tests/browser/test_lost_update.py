"""Issue 12 in two real browsers: the secretariat and København's coordinator open the same
initiative's change form; the secretariat saves a new title, then the coordinator saves new
expected benefits from the form opened earlier. The coordinator's save is refused with what the
secretariat changed, the form now shows both edits, and saving again keeps both."""

import pytest

from initiatives.models import Initiative
from tests.browser.conftest import ANALYST, PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def secretariat_page(chromium_browser, live_server, browser_portfolio):
    """The analyst, logged in to the admin in a browser context of their own."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", ANALYST)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    yield page
    context.close()


def test_the_second_save_is_refused_with_the_first_ones_change_and_saving_again_keeps_both(
    coordinator_page, secretariat_page, browser_portfolio
):
    initiative = browser_portfolio["middle"]  # B.2, led by København
    url = f"{coordinator_page.base_url}/admin/initiatives/initiative/{initiative.pk}/change/"
    coordinator_page.goto(url)
    secretariat_page.goto(url)

    secretariat_page.fill("#id_title_da", "Digital borgerservice for alle")
    secretariat_page.click("input[name=_continue]")
    assert "blev ændret" in secretariat_page.locator(".messagelist").inner_text()

    coordinator_page.click("summary:has-text('Beskrivelse')")
    coordinator_page.fill("#id_expected_benefits", "Kortere ventetid")
    coordinator_page.click("input[name=_save]")

    refusal = coordinator_page.locator("ul.errorlist.nonfield").inner_text()
    assert "Ikke gemt: en anden har gemt ændringer" in refusal
    assert "titel (dansk): “Digital borgerservice” → “Digital borgerservice for alle” (Ane Analytiker," in refusal
    initiative.refresh_from_db()
    assert (initiative.title_da, initiative.expected_benefits) == ("Digital borgerservice for alle", "")
    assert coordinator_page.input_value("#id_title_da") == "Digital borgerservice for alle"
    assert coordinator_page.input_value("#id_expected_benefits") == "Kortere ventetid"

    coordinator_page.click("input[name=_save]")

    assert "blev ændret" in coordinator_page.locator(".messagelist").inner_text()
    initiative = Initiative.objects.get(pk=initiative.pk)
    assert (initiative.title_da, initiative.expected_benefits) == ("Digital borgerservice for alle", "Kortere ventetid")
    assert coordinator_page.console_errors == []
