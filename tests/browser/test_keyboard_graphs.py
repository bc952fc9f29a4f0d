"""The two dependency graphs by keyboard only, in a real browser: Tab reaches the canvas, the arrow
keys step from node to node (selecting and centring it, its name and links announced in a live
region), Enter opens the node's page as a click does, and Escape leaves the graph."""

import re

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser

FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary, [tabindex]"


def tab_into(page, selector: str) -> None:
    """Focus the last focusable element before `selector` in document order, then press Tab."""
    page.evaluate(
        """([selector, focusable]) => {
            const target = document.querySelector(selector);
            const before = [...document.querySelectorAll(focusable)].filter((el) =>
                el !== target && el.tabIndex >= 0 && el.offsetParent !== null
                && (el.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING)
                && !el.contains(target));
            before[before.length - 1].focus();
        }""",
        [selector, FOCUSABLE],
    )
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == selector.lstrip("#")


def active_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_the_initiative_graph_works_by_keyboard(logged_in_page, browser_portfolio):
    page = logged_in_page
    page.goto(f"{page.base_url}/initiatives/{browser_portfolio['middle'].pk}/")
    page.wait_for_selector("#initiative-graph.is-drawn")
    graph = page.locator("#initiative-graph")
    assert graph.get_attribute("role") == "application"
    assert graph.get_attribute("aria-label") == "Afhængighedsgraf"
    assert "piletasterne" in page.locator("#graph-keys").inner_text()

    tab_into(page, "#initiative-graph")
    # Left to right: what depends on it (B.3), the initiative itself (B.2), what it depends on (B.1).
    announced = []
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        announced.append(page.locator("#graph-focus").inner_text())
    assert announced[0].startswith("Knude 1 af 3: B.3 · 2022–25 Sammenhængende forløb for ældre, ledet af Aarhus Kommune.")
    assert "Afhænger af: B.2 · 2022–25." in announced[0]
    assert "Det er initiativet på denne side." in announced[1]
    assert announced[2] == (
        "Knude 3 af 3: B.1 · 2022–25 Fælles datafundament, ledet af Digitaliseringsstyrelsen. "
        "Afhængige: B.2 · 2022–25. Tryk Enter for at åbne den."
    )
    assert page.locator("#graph-focus").get_attribute("aria-live") == "polite"
    selected = page.evaluate("() => window.initiativeGraph.nodes(':selected').map((n) => n.data('label'))")
    assert selected == ["B.1 · 2022–25"]  # codes recur per strategy
    # The focused node is brought to the centre of the canvas.
    page.wait_for_function(
        "() => { const g = window.initiativeGraph, n = g.$(':selected')[0], p = n.renderedPosition();"
        " return Math.abs(p.x - g.width() / 2) < 2 && Math.abs(p.y - g.height() / 2) < 2; }"
    )
    assert active_id(page) == "initiative-graph"

    # Wrapping round and back again, then Escape leaves the graph for the tables below.
    page.keyboard.press("ArrowRight")
    assert page.locator("#graph-focus").inner_text().startswith("Knude 1 af 3: B.3 · 2022–25")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert active_id(page) == "upstream-heading"
    assert page.locator("#graph-focus").inner_text() == ""

    tab_into(page, "#initiative-graph")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/initiatives/{browser_portfolio['upstream'].pk}/$"))
    assert page.console_errors == []


def test_the_network_works_by_keyboard_and_its_search_leads_into_it(logged_in_page, browser_portfolio, digst):
    page = logged_in_page
    switch_language(page, "en")
    page.goto(f"{page.base_url}/interdependencies/")
    page.wait_for_function("() => document.querySelectorAll('#network-table tbody tr').length === 2")
    network = page.locator("#network")
    assert network.get_attribute("role") == "application"
    assert network.get_attribute("aria-label") == "Network of dependencies"
    assert network.get_attribute("aria-hidden") is None

    tab_into(page, "#network")
    page.keyboard.press("ArrowDown")
    # Central government first, then by name: the Agency for Digital Government, Aarhus, Copenhagen.
    assert page.locator("#network-focus").inner_text() == (
        "Node 1 of 3: Agency for Digital Government, Central government. "
        "Depended on by: City of Copenhagen. Press Enter to open it."
    )
    page.keyboard.press("ArrowDown")
    second = page.locator("#network-focus").inner_text()
    assert second.startswith("Node 2 of 3: Aarhus Municipality, Municipal.")
    assert "Depends on: City of Copenhagen." in second
    page.keyboard.press("ArrowUp")
    selected = page.evaluate("() => window.portfolioNetwork.nodes(':selected').map((n) => n.data('label'))")
    assert selected == ["Agency for Digital Government"]
    page.wait_for_function(
        "() => { const g = window.portfolioNetwork, p = g.$(':selected')[0].renderedPosition();"
        " return Math.abs(p.x - g.width() / 2) < 2 && Math.abs(p.y - g.height() / 2) < 2; }"
    )
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.closest('.network-table-details') !== null")

    # Enter in the search moves to the first match; the arrow keys then step through the matches.
    page.focus("#network-search")
    page.keyboard.type("ty")  # Aarhus Municipality and City of Copenhagen, not the Agency
    page.keyboard.press("Enter")
    assert active_id(page) == "network"
    assert page.locator("#network-focus").inner_text().startswith("Node 1 of 2: Aarhus Municipality")
    page.keyboard.press("ArrowRight")
    assert page.locator("#network-focus").inner_text().startswith("Node 2 of 2: City of Copenhagen")
    page.keyboard.press("ArrowRight")
    assert page.locator("#network-focus").inner_text().startswith("Node 1 of 2: Aarhus Municipality")

    page.focus("#network-search")
    page.fill("#network-search", "")
    page.keyboard.press("Enter")  # no search: focus stays in the field
    assert active_id(page) == "network-search"
    tab_into(page, "#network")
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/authorities/{digst.pk}/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.console_errors == []


@pytest.mark.parametrize("query", ["", "?strategy=2022-2025"])
def test_the_network_always_labels_its_largest_nodes_whatever_the_filter(logged_in_page, browser_portfolio, query):
    page = logged_in_page
    page.goto(f"{page.base_url}/interdependencies/{query}")
    page.wait_for_function("() => window.portfolioNetwork && window.portfolioNetwork.nodes('[!isGroup]').length > 0")
    for nodes in ("authorities", "initiatives"):
        page.check(f"#nodes-{nodes}")
        page.wait_for_function(
            "() => { const g = window.portfolioNetwork, n = g.nodes('[!isGroup]').length;"
            " return n > 0 && g.nodes('.labelled').length === Math.min(10, n); }"
        )
        # A labelled node's label is drawn at any zoom: no minimum zoomed font size.
        assert page.evaluate(
            "() => window.portfolioNetwork.nodes('.labelled')[0].style('min-zoomed-font-size')"
        ) in ("0", "0px")
