"""An agreement's change of state is an event: recorded in the outbox with the step, for the hooks that asked
for it, naming both initiatives by code with strategy and no person or free text."""

import datetime
import json

import pytest
import time_machine

from agreements.services import agreement_commit, agreement_request
from initiatives.services import dependency_add
from tests.conftest import make_coordinator
from webhooks.models import Delivery, EventType, Hook

D = datetime.date


@pytest.fixture
def listening(db) -> Hook:
    # Saved without full_clean: the URL is never called (nothing is sent in these tests), so no lookup.
    return Hook.objects.create(name="KL", url="https://hooks.example.org/in", events=[EventType.AGREEMENT_STATE_CHANGED])


@pytest.fixture
def deaf(db) -> Hook:
    return Hook.objects.create(name="Other", url="https://other.example.org/in", events=[EventType.CYCLE_FROZEN])


def test_each_step_of_an_agreement_is_recorded_for_the_hooks_that_asked(
    listening, deaf, make_initiative, kobenhavn, digst, kobenhavn_coordinator
):
    provider = make_initiative(digst, code="P.1")
    dependant = make_initiative(kobenhavn, code="D.1")
    dependency = dependency_add(source=dependant, target=provider)
    digst_coordinator = make_coordinator("digst-coordinator", digst)
    with time_machine.travel(datetime.datetime(2024, 1, 10, 11, tzinfo=datetime.UTC), tick=False):
        agreement = agreement_request(dependency=dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1),
                                      what_needed="Login til borgerne")
        agreement_commit(agreement=agreement, user=digst_coordinator, committed_date=D(2024, 5, 1))

    deliveries = list(Delivery.objects.order_by("pk"))
    assert [(d.hook_id, d.event) for d in deliveries] == [(listening.pk, "agreement.state_changed")] * 2
    requested, committed = (json.loads(d.body) for d in deliveries)
    assert (requested["old"], requested["new"]) == (None, "requested")
    assert (committed["old"], committed["new"]) == ("requested", "committed")
    record = committed["agreement"]
    assert record["id"] == agreement.pk and record["state"] == "committed"
    assert record["dependant"]["code_with_strategy"] == dependant.code_with_strategy
    assert record["depends_on"]["code_with_strategy"] == provider.code_with_strategy
    assert (record["needed_by"], record["committed_date"]) == ("2024-06-01", "2024-05-01")
    body = deliveries[1].body
    assert "Login til borgerne" not in body and "coordinator" not in body
