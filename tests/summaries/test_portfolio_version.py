"""The portfolio's version stamp, which the figures' caches are keyed by: it moves with every committed
change and every recompute, so a cached figure is never served after the data it came from changed."""

import pytest

from initiatives.services import initiative_update
from summaries.engine.run import recompute_summaries
from summaries.freshness import portfolio_version

# Committed, as requests commit: the cache holds only committed data (nothing inside a transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_moves_with_a_change_and_again_with_the_recompute(make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    before = portfolio_version()

    initiative_update(initiative=initiative, title_da="Nyt navn")
    changed = portfolio_version()
    recompute_summaries()
    recomputed = portfolio_version()

    assert len({before, changed, recomputed}) == 3


def test_it_stays_put_when_nothing_changes(make_initiative, kobenhavn):
    make_initiative(kobenhavn)
    recompute_summaries()

    assert portfolio_version() == portfolio_version()


def test_a_renamed_strategy_moves_it_too(strategy_2022):
    # The pages and the API show strategies' names: a cached page must not keep the old one.
    before = portfolio_version()
    strategy_2022.name_en = "Renamed"
    strategy_2022.save()

    assert portfolio_version() != before
