"""Benefits follow-ups are owed in the reporting cycle whose period contains their due date: the
cycle's page lists them, and after the deadline an unrecorded one counts in the cycle's overdue view
per authority, in a fixed number of queries."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from benefits.models import FollowUp
from initiatives.models import Status
from reporting.selectors import cycle_detail

D = datetime.date


@pytest.fixture
def follow_ups(cycle, initiatives, make_initiative, aarhus, region_midtjylland, strategy_2026):
    """In the period 2027-H1: København's (not recorded), Region Midtjylland's of a strategy the cycle
    does not cover (not recorded) and Aarhus's (recorded); after it, one more of Aarhus's."""
    aarhus_done = make_initiative(aarhus, code="AA.3", status=Status.COMPLETED)
    return {
        "kk": FollowUp.objects.create(initiative=initiatives["kk_done"], due_on=D(2027, 3, 1)),
        "rm": FollowUp.objects.create(initiative=make_initiative(region_midtjylland, code="RM.1", strategy=strategy_2026,
                                                                 status=Status.COMPLETED), due_on=D(2027, 4, 1)),
        "aa": FollowUp.objects.create(initiative=aarhus_done, due_on=D(2027, 6, 30), summary="Som ventet.",
                                      recorded_at=timezone.now()),
        "later": FollowUp.objects.create(initiative=make_initiative(aarhus, code="AA.4", status=Status.COMPLETED),
                                         due_on=D(2027, 7, 1)),
    }


def test_the_follow_ups_due_within_the_period_are_owed_in_the_cycle(cycle, analyst, follow_ups):
    detail = cycle_detail(cycle, analyst, D(2027, 7, 1))
    assert [f.initiative.code for f in detail.follow_ups] == ["KK.3", "RM.1", "AA.3"]
    assert (detail.totals["follow_ups_owed"], detail.totals["follow_ups_unrecorded"]) == (3, 2)
    by_authority = {a.name: (a.follow_ups_owed, a.follow_ups_unrecorded) for a in detail.authorities}
    assert by_authority["Region Midtjylland"] == (1, 1) and by_authority["Aarhus Kommune"] == (1, 0)


def test_an_unrecorded_follow_up_counts_as_overdue_only_after_the_deadline(cycle, analyst, follow_ups):
    # On the deadline day only the reports owed after the reminders count (København's, Aarhus's).
    on_the_day = cycle_detail(cycle, analyst, D(2027, 7, 15))
    assert [a.name for a in on_the_day.overdue] == ["Aarhus Kommune", "Københavns Kommune"]
    after = cycle_detail(cycle, analyst, D(2027, 7, 16))
    assert {a.name: a.follow_ups_unrecorded for a in after.overdue} == {
        "Aarhus Kommune": 0, "Københavns Kommune": 1, "Region Midtjylland": 1}

    follow_ups["rm"].recorded_at = timezone.now()
    follow_ups["rm"].save()
    assert "Region Midtjylland" not in [a.name for a in cycle_detail(cycle, analyst, D(2027, 7, 16)).overdue]


def test_the_cycle_page_lists_them_and_runs_a_fixed_number_of_queries(client, analyst, cycle, follow_ups, aarhus,
                                                                     make_initiative, django_assert_num_queries):
    url = reverse("reporting:cycle", args=[cycle.code])
    with time_machine.travel(datetime.datetime(2027, 7, 16, 12, tzinfo=datetime.UTC), tick=False):
        client.force_login(analyst)
        client.get(url)
        with django_assert_num_queries(15):
            page = client.get(url).content.decode()
        assert "Gevinstopfølgninger, der skyldes i denne runde" in page
        assert "KK.3 · 2022–25" in page and "RM.1 · 2026–29" in page and "01.03.2027" in page
        assert "AA.4" not in page  # due after the period
        for n in range(10):
            FollowUp.objects.create(initiative=make_initiative(aarhus, code=f"M.{n}", status=Status.COMPLETED),
                                    due_on=D(2027, 5, 1))
        with django_assert_num_queries(15):
            client.get(url)
