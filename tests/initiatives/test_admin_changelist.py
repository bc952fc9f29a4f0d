"""The initiative change list as a coordinator meets it: whose admin it is, the columns they need,
the current strategies first (issue: figures a steering committee can trust)."""

from django.conf import settings
from django.urls import reverse

from tests.clients import in_english


def test_a_coordinator_sees_their_authority_the_columns_they_need_and_the_newest_strategy_first(
    client, kobenhavn_coordinator, make_initiative, kobenhavn, strategy_2022, strategy_2026
):
    make_initiative(kobenhavn, strategy=strategy_2022, code="9.1", title_en="Older work")
    make_initiative(kobenhavn, strategy=strategy_2026, code="9.2", title_en="Current work")
    client.force_login(kobenhavn_coordinator)

    page = in_english(client).get(reverse("admin:initiatives_initiative_changelist")).content.decode()

    assert "(coordinator for City of Copenhagen)" in page
    thead = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    columns = ["Code", "Title", "Lead authority", "Status", "Health", "Forecast end", "Last changed"]
    positions = [thead.index(f">{column}<") for column in columns]
    assert positions == sorted(positions)
    assert thead.count('scope="col"') == len(columns)  # nothing more (a coordinator has no bulk actions)
    assert page.index("9.2 · 2026–29") < page.index("9.1 · 2022–25")
    assert "Current work" in page  # the title in the user's language
    assert "31.12.2024" in page  # dates as the pages show them
    assert 'id="nav-sidebar"' not in page  # the list has the width of the screen


def test_the_admin_has_the_products_language_switch_and_typeface(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    page = client.get(reverse("admin:index")).content.decode()

    assert 'class="language-switch"' in page and 'value="en"' in page
    assert "admin/css/portfolio.css" in page
    css = (settings.BASE_DIR / "static" / "admin" / "css" / "portfolio.css").read_text()
    assert "IBM Plex Sans" in css and "--header-bg: #003d7a" in css
