"""Fixtures shared by the digest tests."""

import pytest

from .builders import build_portfolio, travel


@pytest.fixture
def portfolio(make_initiative, kobenhavn, digst, region_midtjylland, kobenhavn_coordinator, analyst):
    """The scripted portfolio before the day, with the coordinator and the analyst subscribed."""
    return build_portfolio(
        make_initiative, kobenhavn=kobenhavn, digst=digst, region_midtjylland=region_midtjylland,
        kobenhavn_coordinator=kobenhavn_coordinator, analyst=analyst,
    )


@pytest.fixture
def morning(django_capture_on_commit_callbacks):
    """Run the 06:00 beat task at a moment; the send tasks it enqueues on commit run in-process
    (even when REDIS_URL is set: the race test covers real workers)."""
    from digests.tasks import schedule_daily_digests
    from portfolio.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True

    def run(date, hour=6, minute=0):
        with travel(date, hour, minute), django_capture_on_commit_callbacks(execute=True):
            return schedule_daily_digests()

    yield run
    app.conf.task_always_eager = was_eager
