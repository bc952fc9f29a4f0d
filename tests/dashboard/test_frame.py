"""The frame every dashboard page shares: the summaries' "as of" time, the "summaries updating…"
state while a recompute is pending, and the notice that the portfolio holds illustrative demo data,
on each page, in Danish and in English."""

import pytest
from django.conf import settings

from summaries.models import SummaryChange

TEXTS = {
    "en": {"as_of": "Summaries as of", "updating": "Summaries updating…", "last": "Last computed",
           "illustrative": "This portfolio contains illustrative demo data."},
    "da": {"as_of": "Opsummeringer pr.", "updating": "Opsummeringerne opdateres…", "last": "Sidst beregnet",
           "illustrative": "Porteføljen indeholder illustrative demodata."},
}


def pages(portfolio, digst) -> list[str]:
    upstream = portfolio["upstream"]
    return [
        "/?strategy=2022-2025",
        "/initiatives/",
        f"/initiatives/{upstream.pk}/",
        "/authorities/",
        f"/authorities/{digst.pk}/",
        "/interdependencies/",
        f"/impact/?initiative={upstream.pk}&days=90",
        "/subscriptions/",
    ]


def freshness_bar(html: str) -> str:
    return html.split('class="freshness-bar', 1)[1].split("</div>\n</div>", 1)[0]


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_shows_the_as_of_time_and_labels_the_demo_data(client, analyst, portfolio, digst, language):
    client.force_login(analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    texts = TEXTS[language]

    for path in pages(portfolio, digst):
        response = client.get(path)
        assert response.status_code == 200, path
        bar = freshness_bar(response.content.decode())
        assert texts["as_of"] in bar, path
        assert "<time datetime=" in bar, path
        assert texts["updating"] not in bar, path
        assert texts["illustrative"] in bar, path


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_says_the_summaries_are_updating_while_a_recompute_is_pending_with_the_last_time(
    client, analyst, portfolio, digst, language
):
    client.force_login(analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    texts = TEXTS[language]
    SummaryChange.objects.create()  # a change the summaries do not reflect yet

    for path in pages(portfolio, digst):
        bar = freshness_bar(client.get(path).content.decode())
        assert texts["updating"] in bar, path
        assert texts["last"] in bar and "<time datetime=" in bar, path
