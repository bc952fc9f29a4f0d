"""Issue 14's walk: an agreement from request to decline to re-request to late commit, as
København's and Digitaliseringsstyrelsen's coordinators, from the product's pages. The dependant
turns at risk with the cause named, the impact page waits for the committed date, each step emails
the other side once, Aarhus's coordinator cannot see it, and every page is axe-clean in Danish and
English (refused forms included)."""

import datetime
import re

import pytest
from django.core import mail

from tests.browser.conftest import axe_violations, log_in, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "Landgreven-browser-2026!"


def _violations(page, found: dict, where: str) -> None:
    for language in ("da", "en"):
        if page.locator("html").get_attribute("lang") != language:
            switch_language(page, language)
        violations = axe_violations(page)
        if violations:
            found[f"{where} ({language})"] = violations
    switch_language(page, "da")


def _as(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)


def _open_agreement(page, which: str) -> None:
    page.goto(f"{page.base_url}/agreements/?list={which}")
    page.click(f"section:has(#asked-{which}-heading) a:has-text('W.2')")
    page.wait_for_url(re.compile(r"/agreements/\d+/$"))


def _told(expected: list[str]) -> None:
    """Exactly one email per step so far, each to the other side."""
    assert [message.to for message in mail.outbox] == [[address] for address in expected]


@pytest.fixture
def in_process():
    """Tasks (the recompute, the emails) run in the server's process on commit, even with REDIS_URL set."""
    from portfolio.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


def _coordinators_and_initiatives(browser_portfolio, kobenhavn, digst, aarhus):
    """The three coordinators with addresses and passwords, and W.2 (København) depending on W.1
    (Digitaliseringsstyrelsen)."""
    from django.contrib.auth.models import User

    from initiatives.models import Status
    from initiatives.services import dependency_add, initiative_create
    from tests.conftest import make_coordinator

    # København's coordinator comes with the page; the other two are made here. All get addresses.
    users = {"kk-coordinator": None, "digst-coordinator": digst, "aarhus-coordinator": aarhus}
    for username, authority in users.items():
        user = User.objects.get(username=username) if authority is None else make_coordinator(username, authority)
        user.email, user.is_staff = f"{username}@example.invalid", True
        user.set_password(PASSWORD)
        user.save()
    common = {"strategy": browser_portfolio["upstream"].strategy, "baseline_budget": 1_000_000,
              "forecast_cost": 1_000_000}
    provider = initiative_create(lead=digst, code="W.1", title_da="Fælles API", title_en="Shared API",
                                 status=Status.ACTIVE, baseline_start=datetime.date(2026, 1, 1),
                                 forecast_start=datetime.date(2026, 1, 1), baseline_end=datetime.date(2027, 3, 31),
                                 forecast_end=datetime.date(2027, 3, 31), **common)
    dependant = initiative_create(lead=kobenhavn, code="W.2", title_da="Ny borgerservice", title_en="New service",
                                  status=Status.PLANNED, baseline_start=datetime.date(2027, 6, 1),
                                  forecast_start=datetime.date(2027, 6, 1), baseline_end=datetime.date(2028, 6, 30),
                                  forecast_end=datetime.date(2028, 6, 30), **common)
    dependency_add(source=dependant, target=provider)
    return provider, dependant


def _kobenhavn_asks(page, found) -> None:
    """København asks (refused first: nothing filled in)."""
    _as(page, "kk-coordinator")
    page.goto(f"{page.base_url}/agreements/?list=by")
    page.click("a[href^='/agreements/ask/']:has-text('W.2')")
    page.wait_for_url(re.compile(r"/agreements/ask/\d+/$"))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".alert-error")
    _violations(page, found, "ask, refused")
    page.fill("#id_needed_by", "01.05.2027")
    page.fill("#id_what_needed", "Adgang til det fælles API i test og drift")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/agreements/\d+/$"))
    _told(["digst-coordinator@example.invalid"])
    _violations(page, found, "requested")


def _digst_declines(page, found, dependant) -> None:
    """Digitaliseringsstyrelsen declines (refused first: no reason); the dependant is at risk, cause named."""
    _as(page, "digst-coordinator")
    _open_agreement(page, "of")
    page.click("button[value=decline]")
    page.wait_for_selector(".form-error-message")
    _violations(page, found, "decline, refused")
    page.fill("#id_decline-reason", "Ingen kapacitet før 2028")
    page.click("button[value=decline]")
    page.wait_for_selector(".alert-success")
    _told(["digst-coordinator@example.invalid", "kk-coordinator@example.invalid"])
    page.goto(f"{page.base_url}/initiatives/{dependant.pk}/")
    assert "aftale afslået" in page.inner_text("main")


def _kobenhavn_asks_again(page) -> None:
    """København asks again, for a later date."""
    _as(page, "kk-coordinator")
    _open_agreement(page, "by")
    page.fill("#id_reopen-needed_by", "01.06.2027")
    page.click("button[value=reopen]")
    page.wait_for_selector(".alert-success")
    _told(["digst-coordinator@example.invalid", "kk-coordinator@example.invalid", "digst-coordinator@example.invalid"])


def _digst_commits_late(page, found, provider, dependant) -> None:
    """Digitaliseringsstyrelsen commits, three months late: the cause is named, and the impact waits for it."""
    _as(page, "digst-coordinator")
    _open_agreement(page, "of")
    page.fill("#id_commit-committed_date", "01.09.2027")
    page.click("button[value=commit]")
    page.wait_for_selector(".alert-success")
    _violations(page, found, "committed")
    _told(["digst-coordinator@example.invalid", "kk-coordinator@example.invalid",
           "digst-coordinator@example.invalid", "kk-coordinator@example.invalid"])
    page.goto(f"{page.base_url}/initiatives/{dependant.pk}/")
    assert "tilsagt senere end behovet" in page.inner_text("main")
    # A 30-day slip of W.1 pushes W.2 by 30 days: it waits for the committed date (01.09.2027), not for
    # W.1's forecast end (31.03.2027), which would leave two months of slack.
    page.goto(f"{page.base_url}/impact/?initiative={provider.pk}&days=30")
    row = page.locator(".impact-table tbody tr:has-text('W.2')")
    assert row.locator("td").nth(3).inner_text() == "30"


def _aarhus_sees_nothing(page) -> None:
    from agreements.models import Agreement

    _as(page, "aarhus-coordinator")
    for which in ("of", "by"):
        page.goto(f"{page.base_url}/agreements/?list={which}")
        assert "W.2" not in page.inner_text("main")
    response = page.goto(f"{page.base_url}/agreements/{Agreement.objects.get().pk}/")
    assert response.status == 404


def test_an_agreement_walks_from_request_to_decline_to_re_request_to_late_commit(
    in_process, coordinator_page, browser_portfolio, kobenhavn, digst, aarhus
):
    provider, dependant = _coordinators_and_initiatives(browser_portfolio, kobenhavn, digst, aarhus)
    mail.outbox.clear()
    page, found = coordinator_page, {}
    _kobenhavn_asks(page, found)
    _digst_declines(page, found, dependant)
    _kobenhavn_asks_again(page)
    _digst_commits_late(page, found, provider, dependant)
    _aarhus_sees_nothing(page)
    assert found == {}
    # The refused forms answer 400 and Aarhus's forged id 404; nothing else may complain (CSP, scripts).
    assert [e for e in page.console_errors if "status of 400" not in e and "status of 404" not in e] == []
