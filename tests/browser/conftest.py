"""The browser-test harness: Debian's Chromium driven by Playwright for Python (sync API) against
pytest-django's live server, with a small deterministic portfolio, a page logged in through the
real login form as the secretariat analyst, and an axe-core check.

Fixtures:
  chromium_browser    one Chromium per test module (launching is the slow part on 2 cores)
  browser_portfolio   reference data + a small portfolio built through the services, summaries computed
  browser_page        a fresh, anonymous page (own context: cookies do not leak between tests)
  logged_in_page      browser_page after logging in as the analyst; `page.base_url` is the live server
  coordinator_page    browser_page after logging in to the admin as the coordinator for Københavns Kommune
  axe                 axe(page) asserts that axe-core finds no WCAG 2.1 A/AA violation, listing them readably
Helpers: switch_language(page, "en"), axe_violations(page), PASSWORD.
"""

import datetime
import os
import shutil
from decimal import Decimal

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls
# from a thread with a running loop unless told that this is safe. It is here: the live server
# answers in its own thread, and the test's own ORM calls never run concurrently with Playwright.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.conftest import CHROMIUM, RecordedRows, service_missing  # noqa: E402

PASSWORD = "browser-test-password-8Rk!"
ANALYST = "analyst"
COORDINATOR = "kk-coordinator"
COORDINATOR_PASSWORD = "Rådhuspladsen-browser-2025!"
TIMEOUT_MS = 15_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def chromium_browser():
    if not shutil.which(CHROMIUM):
        service_missing(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS * 2)
        yield browser
        browser.close()


@pytest.fixture
def browser_portfolio(transactional_db, live_server, strategy_2022, digst, kobenhavn, aarhus, region_midtjylland):
    """A small, deterministic portfolio built through the services, with the summaries computed.

    B.1 (Digitaliseringsstyrelsen, red: 11 months late) ← B.2 (København, Aarhus and Region
    Midtjylland take part) ← B.3 (Aarhus); B.4 (København) stands alone. B.2 and B.3 are illustrative.

    Built through the services once per test process; later tests get the same rows written in bulk
    (tests/conftest.py's RecordedRows): the services cost a second or more per browser test.
    """
    from django.contrib.auth.models import Group, User

    from common.roles import SECRETARIAT, ensure_roles
    from initiatives.models import Initiative
    from summaries.engine.run import recompute_summaries

    # The analyst and the roles are made anew each time: the roles' permissions are rows that every
    # flush deletes and makes again under new keys, which recorded rows could not refer to.
    ensure_roles()
    user = User.objects.create_user(
        username=ANALYST, password=PASSWORD, first_name="Ane", last_name="Analytiker", is_staff=True
    )
    user.groups.add(Group.objects.get(name=SECRETARIAT))
    _browser_portfolio_rows.write(strategy_2022=strategy_2022, digst=digst, kobenhavn=kobenhavn, aarhus=aarhus,
                                  region_midtjylland=region_midtjylland)
    # Computed each time, not recorded: the run reads the changes the build marked (their numbers and
    # sequence as the services left them) and leaves the summaries' state as a real build does.
    recompute_summaries()
    initiatives = {initiative.code: initiative for initiative in Initiative.objects.filter(strategy=strategy_2022)}
    return {"user": user, "upstream": initiatives["B.1"], "middle": initiatives["B.2"],
            "downstream": initiatives["B.3"]}


def build_browser_portfolio(*, strategy_2022, digst, kobenhavn, aarhus, region_midtjylland) -> None:
    from funding.models import Party
    from funding.services import ShareInput, funding_year_set
    from initiatives.models import Criticality, DependencyKind, Health, Role, Status
    from initiatives.services import dependency_add, initiative_create, milestone_add, participation_set

    common = {
        "strategy": strategy_2022,
        "baseline_start": datetime.date(2023, 1, 1),
        "forecast_start": datetime.date(2023, 1, 1),
        "baseline_budget": 10_000_000,
        "forecast_cost": 10_000_000,
    }
    upstream = initiative_create(
        lead=digst, code="B.1", title_da="Fælles datafundament", title_en="Shared data foundation",
        description_da="Grunddata til alle myndigheder.", description_en="Basic data for every authority.",
        status=Status.ACTIVE, baseline_end=datetime.date(2024, 1, 1), forecast_end=datetime.date(2024, 12, 1),
        **common,
    )
    middle = initiative_create(
        lead=kobenhavn, code="B.2", title_da="Digital borgerservice", title_en="Digital citizen service",
        status=Status.ACTIVE, baseline_end=datetime.date(2025, 6, 30), forecast_end=datetime.date(2025, 6, 30),
        is_illustrative=True, benefits_health=Health.YELLOW, **common,
    )
    participation_set(initiative=middle, authority=aarhus, role=Role.CONTRIBUTOR)
    participation_set(initiative=middle, authority=region_midtjylland, role=Role.IMPLEMENTER)
    downstream = initiative_create(
        lead=aarhus, code="B.3", title_da="Sammenhængende forløb for ældre", title_en="Coherent pathways for the elderly",
        status=Status.PLANNED, baseline_end=datetime.date(2025, 12, 31), forecast_end=datetime.date(2025, 12, 31),
        is_illustrative=True, **common,
    )
    initiative_create(
        lead=kobenhavn, code="B.4", title_da="Åbne data om byens træer", title_en="Open data on the city's trees",
        status=Status.COMPLETED, baseline_end=datetime.date(2024, 6, 30), forecast_end=datetime.date(2024, 6, 30),
        **common,
    )
    dependency_add(source=middle, target=upstream, kind=DependencyKind.DATA_EXCHANGE, criticality=Criticality.HIGH,
                   needed_by=datetime.date(2024, 6, 1), is_illustrative=True)
    dependency_add(source=downstream, target=middle, criticality=Criticality.MEDIUM, is_illustrative=True)
    milestone_add(initiative=middle, title_da="Pilot i to kommuner", title_en="Pilot in two municipalities",
                  baseline_date=datetime.date(2024, 3, 1), forecast_date=datetime.date(2024, 5, 1))
    milestone_add(initiative=middle, title_da="Landsdækkende drift", title_en="Nationwide operation",
                  baseline_date=datetime.date(2025, 6, 1))
    # B.2's money: the state and KL in 2024, KL alone in 2025, with what was spent in 2024.
    funding_year_set(initiative=middle, year=2024, budget=Decimal("6000000.00"), shares=[
        ShareInput(Party.STATE, Decimal("4000000.00"), actual=Decimal("4250000.00")),
        ShareInput(Party.KL, Decimal("2000000.00"), actual=Decimal("1800000.00"))])
    funding_year_set(initiative=middle, year=2025, budget=Decimal("4000000.00"),
                     shares=[ShareInput(Party.KL, Decimal("4000000.00"))])


_browser_portfolio_rows = RecordedRows(build_browser_portfolio, guarded=True)


@pytest.fixture
def browser_page(chromium_browser, live_server):
    """An anonymous page in its own browser context; collects console errors (CSP violations among them)."""
    context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="da-DK", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.base_url = live_server.url
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def log_in(page, username: str = ANALYST, password: str = PASSWORD) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


@pytest.fixture
def logged_in_page(browser_page, browser_portfolio):
    """A page logged in through the real login form as the secretariat analyst, on the overview."""
    log_in(browser_page)
    return browser_page


@pytest.fixture
def coordinator_page(browser_page, browser_portfolio, kobenhavn):
    """A page logged in through the admin's login form as the coordinator for Københavns Kommune."""
    from django.contrib.auth.models import Group, User

    from authorities.models import Coordinator
    from common.roles import COORDINATORS, ensure_roles

    ensure_roles()
    user = User.objects.create_user(username=COORDINATOR, password=COORDINATOR_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS))
    Coordinator.objects.create(user=user, authority=kobenhavn)
    page = browser_page
    page.goto(f"{page.base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", COORDINATOR)
    page.fill("#id_password", COORDINATOR_PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{page.base_url}/admin/")
    return page


def switch_language(page, code: str) -> None:
    """Press the header's language button and wait for the page to come back in that language."""
    page.click(f"form.language-switch button[value={code}]")
    page.wait_for_selector(f"html[lang={code}]")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, one readable line per rule and element."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")  # axe reads a whole document, not one still being replaced
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
                f" – {node.get('failureSummary', '').strip()}"
            )
    return lines


@pytest.fixture
def axe():
    """axe(page) fails the test with every violation listed, one per line, when there are any."""

    def check(page) -> None:
        violations = axe_violations(page)
        assert not violations, f"axe-core found {len(violations)} violation(s) on {page.url}:\n" + "\n".join(
            violations
        )

    return check


SIDEWAYS = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('page ' + document.documentElement.scrollWidth);
  // A box that scrolls sideways hides columns too (the admin's change list scrolls inside its own
  // box). Only the authority matrix scrolls in its frame, by design. (Names cut short with an
  // ellipsis clip, and do not scroll.)
  document.querySelectorAll('body *').forEach((el) => {
    if (el.closest('.matrix-frame') || el.closest('.sr-only')) return;
    const overflow = getComputedStyle(el).overflowX;
    if (!['auto', 'scroll'].includes(overflow) || el.scrollWidth <= el.clientWidth + 1) return;
    if (el.tagName === 'SELECT' || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') return;
    const name = el.id ? '#' + el.id : (el.className && el.className.baseVal === undefined ? '.' + el.className : el.tagName);
    wide.push(name + ' ' + el.scrollWidth + '>' + el.clientWidth);
  });
  return wide;
}"""


def sideways(page) -> list[str]:
    """What scrolls sideways on the page: the page itself, or any box that scrolls inside it (which
    hides columns as surely). The authority matrix's frame scrolls by design and is left out."""
    return page.evaluate(SIDEWAYS)
