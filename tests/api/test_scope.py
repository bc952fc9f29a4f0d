"""What a København token may read and write through every endpoint: nothing that is Aarhus's alone (lists,
details, id filters, nested records, summaries, frozen rows), and no agreement step on another authority's
behalf. The secretariat's token reads the same records, so each refusal is known to hide something real."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, AgreementTransition
from agreements.services import agreement_request
from api.services import token_create
from benefits.models import Benefit
from benefits.services import benefit_save
from funding.models import FundingShare
from funding.services import ShareInput, funding_year_set
from initiatives.models import Status
from initiatives.services import dependency_add, milestone_add, participation_set
from reporting.models import StatusReport
from reporting.services import cycle_freeze, cycle_open
from risks.models import Risk
from risks.services import risk_save
from summaries.engine.run import recompute_summaries
from summaries.models import AuthorityPairSummary
from tests.conftest import make_coordinator

from .conftest import bearer

pytestmark = pytest.mark.django_db

D = datetime.date
SECRET = "Aarhus-hemmelighed"  # in every Aarhus-only record's title: it must show in no København answer


def aarhus_records(make_initiative, analyst, *, aarhus, digst, own, n: int) -> dict:
    """An Aarhus-only initiative with one record of every kind the API serves."""
    initiative = make_initiative(aarhus, code=f"A.{n}", title_da=f"{SECRET} {n}", status=Status.ACTIVE)
    on_own = dependency_add(source=initiative, target=own)  # København provides: it still may not read it
    central = make_initiative(digst, code=f"C.{n}", status=Status.ACTIVE)
    on_central = dependency_add(source=initiative, target=central)
    agreement = agreement_request(dependency=on_central, user=analyst, needed_by=D(2030, 1, 1),
                                  what_needed=f"{SECRET} ønske")
    return {
        "initiative": initiative,
        "dependency": on_own,
        "cross_dependency": on_central,
        "milestone": milestone_add(initiative=initiative, title_da=SECRET, baseline_date=D(2024, 6, 1)),
        "participation": participation_set(initiative=initiative, authority=digst, role="contributor"),
        "agreement": agreement,
        "risk": risk_save(risk=Risk(initiative=initiative), user=analyst, title=SECRET, probability=3, impact=4,
                          owner=aarhus, agreement=agreement),
        "funding_year": funding_year_set(initiative=initiative, year=2023, budget=Decimal("100.00"),
                                         shares=[ShareInput(party="kl", budget=Decimal("100.00"))]),
        "benefit": benefit_save(benefit=Benefit(initiative=initiative, kind="economic", title_da=SECRET,
                                                from_year=2025, baseline=100, forecast=100, realised_by=aarhus)),
    }


@pytest.fixture
def world(make_initiative, analyst, kobenhavn, aarhus, digst, strategy_2022, kobenhavn_coordinator):
    own = make_initiative(kobenhavn, code="K.1", status=Status.ACTIVE)
    central = make_initiative(digst, code="C.0", status=Status.ACTIVE)
    own_dependency = dependency_add(source=own, target=central)
    # Two dependencies upstream of København's: an Aarhus-only initiative, red, which puts København's at risk.
    red = make_initiative(aarhus, code="A.0", title_da=f"{SECRET} rød", status=Status.ACTIVE,
                          forecast_end=D(2026, 12, 31))
    dependency_add(source=central, target=red)
    own_agreement = agreement_request(dependency=own_dependency, user=kobenhavn_coordinator, needed_by=D(2030, 1, 1),
                                      what_needed="Login")
    hidden = aarhus_records(make_initiative, analyst, aarhus=aarhus, digst=digst, own=own, n=1)
    recompute_summaries()  # before the freeze: the frozen rows keep the figures
    cycle = cycle_open(user=analyst, code="2024-H1", period_start=D(2024, 1, 1), period_end=D(2024, 6, 30),
                       deadline=D(2024, 7, 15), strategies=[strategy_2022])
    cycle_freeze(cycle=cycle, user=analyst)
    return {
        "own": own, "central": central, "red": red, "own_dependency": own_dependency, "own_agreement": own_agreement,
        "cycle": cycle, **hidden,
        "report": StatusReport.objects.get(cycle=cycle, initiative=hidden["initiative"]),
        "share": FundingShare.objects.get(funding_year=hidden["funding_year"]),
        "pair": AuthorityPairSummary.objects.get(source=aarhus, target=kobenhavn),
    }


# Each endpoint and the Aarhus-only record it must not show København.
RECORDS = [
    ("initiatives", lambda w: w["initiative"].pk),
    ("participations", lambda w: w["participation"].pk),
    ("dependencies", lambda w: w["dependency"].pk),
    ("milestones", lambda w: w["milestone"].pk),
    ("agreements", lambda w: w["agreement"].pk),
    ("risks", lambda w: w["risk"].pk),
    ("reports", lambda w: w["report"].pk),
    ("funding-shares", lambda w: w["share"].pk),
    ("benefits", lambda w: w["benefit"].pk),
    ("authorities", lambda w: w["initiative"].lead_id),
    ("summaries/initiatives", lambda w: w["initiative"].pk),
    ("summaries/authorities", lambda w: w["initiative"].lead_id),
    ("summaries/pairs", lambda w: w["pair"].pk),
]


def listed(client, path: str, token: str) -> tuple[set[int], str]:
    response = client.get(f"/api/v1/{path}", headers=bearer(token))
    assert response.status_code == 200, (path, response.content)
    return {row["id"] for row in response.json()["results"]}, response.content.decode()


def test_no_list_or_detail_shows_kobenhavn_an_aarhus_only_record(client, world, kk_token, secretariat_token):
    for endpoint, hidden_id in RECORDS:
        record = hidden_id(world)
        assert record in listed(client, f"{endpoint}/", secretariat_token)[0], endpoint
        ids, body = listed(client, f"{endpoint}/", kk_token)
        assert record not in ids and SECRET not in body, endpoint
        assert client.get(f"/api/v1/{endpoint}/{record}/", headers=bearer(kk_token)).status_code == 404, endpoint
        assert client.get(f"/api/v1/{endpoint}/{record}/", headers=bearer(secretariat_token)).status_code == 200
    # København's initiative is at risk from the red one: why and whose it says, not which.
    for path in (f"initiatives/{world['own'].pk}/", f"summaries/initiatives/{world['own'].pk}/"):
        risk = client.get(f"/api/v1/{path}", headers=bearer(kk_token)).json()["risk"]
        assert (risk["reason"], risk["initiative"], risk["authority"]["id"]) == ("red", None, world["red"].lead_id)
        risk = client.get(f"/api/v1/{path}", headers=bearer(secretariat_token)).json()["risk"]
        assert risk["initiative"]["code_with_strategy"] == world["red"].code_with_strategy
    # What København does read: its own initiative, its own agreement, the level matrix the dashboard shows all.
    assert world["own"].pk in listed(client, "initiatives/", kk_token)[0]
    assert listed(client, "agreements/", kk_token)[0] == {world["own_agreement"].pk}
    assert listed(client, "summaries/levels/", kk_token)[0] == listed(client, "summaries/levels/", secretariat_token)[0]


# Every filter that takes an id, given the id of an Aarhus-only record (or København's own, where the
# Aarhus-only rows are what it would add).
ID_FILTERS = [
    ("initiatives", "lead_id", lambda w: w["initiative"].lead_id),
    ("initiatives", "authority_id", lambda w: w["initiative"].lead_id),
    ("dependencies", "source", lambda w: w["initiative"].pk),
    ("dependencies", "target", lambda w: w["own"].pk),
    ("milestones", "initiative", lambda w: w["initiative"].pk),
    ("participations", "initiative", lambda w: w["initiative"].pk),
    ("participations", "authority", lambda w: w["participation"].authority_id),
    ("agreements", "dependency", lambda w: w["cross_dependency"].pk),
    ("risks", "initiative", lambda w: w["initiative"].pk),
    ("risks", "owner", lambda w: w["initiative"].lead_id),
    ("risks", "agreement", lambda w: w["agreement"].pk),
    ("reports", "initiative", lambda w: w["initiative"].pk),
    ("reports", "cycle", lambda w: w["cycle"].pk),
    ("funding-shares", "initiative", lambda w: w["initiative"].pk),
    ("benefits", "initiative", lambda w: w["initiative"].pk),
    ("summaries/pairs", "source", lambda w: w["initiative"].lead_id),
    ("summaries/pairs", "target", lambda w: w["own"].lead_id),
]


def test_an_id_filter_narrows_what_kobenhavn_reads_and_never_widens_it(client, world, kk_token):
    hidden = {endpoint: hidden_id(world) for endpoint, hidden_id in RECORDS}
    for endpoint, parameter, value in ID_FILTERS:
        response = client.get(f"/api/v1/{endpoint}/?{parameter}={value(world)}", headers=bearer(kk_token))
        assert response.status_code in (200, 400), (endpoint, parameter, response.content)
        assert SECRET not in response.content.decode(), (endpoint, parameter)
        if response.status_code == 200:
            assert hidden[endpoint] not in {row["id"] for row in response.json()["results"]}, (endpoint, parameter)


def test_a_frozen_cycle_shows_kobenhavn_only_the_rows_it_may_read(client, world, kk_token, secretariat_token):
    everyone = listed(client, "initiatives/?cycle=2024-H1", secretariat_token)[0]
    assert {world["own"].pk, world["initiative"].pk} <= everyone
    ids, body = listed(client, "initiatives/?cycle=2024-H1", kk_token)
    assert world["own"].pk in ids and world["initiative"].pk not in ids and SECRET not in body
    today = datetime.date.today().isoformat()
    assert listed(client, f"initiatives/?as_of={today}", kk_token)[0] == ids
    row = client.get("/api/v1/initiatives/?cycle=2024-H1", headers=bearer(kk_token)).json()["results"][0]
    assert row["cycle"] == "2024-H1" and row["code_with_strategy"] == world["own"].code_with_strategy
    assert row["texts"] is not None  # its own report's texts
    # At risk from the Aarhus-only red initiative when frozen: why, not which.
    assert row["interdependencies"]["risk_reason"] == "red"
    assert row["interdependencies"]["risk_initiative"] == "" and world["red"].code_with_strategy not in body
    frozen = client.get("/api/v1/initiatives/?cycle=2024-H1", headers=bearer(secretariat_token)).json()["results"]
    [everyones] = [row for row in frozen if row["id"] == world["own"].pk]
    assert everyones["interdependencies"]["risk_initiative"] == world["red"].code_with_strategy


SNAPSHOT_REFUSALS = [
    ("cycle=1999-H9", 404, "detail"),
    ("as_of=2001-01-01", 404, "detail"),
    ("as_of=31.12.2024", 400, "as_of"),
    ("cycle=2024-H2", 400, "cycle"),  # open: nothing frozen to read
    ("cycle=2024-H1&as_of=2030-01-01", 400, "as_of"),
    ("cycle=2024-H1&health=red", 400, "health"),
    ("cycle=2024-H1&ordering=code", 400, "ordering"),
    ("cycle=" + "9" * 30, 400, "cycle"),
]


def test_a_snapshot_read_that_cannot_be_answered_says_why(client, world, analyst, strategy_2022, secretariat_token):
    cycle_open(user=analyst, code="2024-H2", period_start=D(2024, 7, 1), period_end=D(2024, 12, 31),
               deadline=D(2025, 1, 15), strategies=[strategy_2022])
    for query, status, named in SNAPSHOT_REFUSALS:
        response = client.get(f"/api/v1/initiatives/?{query}", headers=bearer(secretariat_token))
        assert response.status_code == status, (query, response.content)
        assert named in response.json(), query


def post(client, path: str, token: str, body: dict):
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=bearer(token))


def test_kobenhavn_takes_no_step_for_another_authority_and_nothing_is_saved(client, world, kk_token):
    steps = AgreementTransition.objects.count()
    own = world["own_agreement"].pk
    ask = {"needed_by": "2030-01-01", "what_needed": "Noget"}
    refusals = [
        # Another authority's dependencies: København may not read them, so may not ask on them.
        (post(client, "agreements/", kk_token, {**ask, "dependency": world["dependency"].pk}), 400, "dependency"),
        (post(client, "agreements/", kk_token, {**ask, "dependency": world["cross_dependency"].pk}), 400, "dependency"),
        (post(client, f"agreements/{world['agreement'].pk}/commit/", kk_token, {"committed_date": "2029-01-01"}),
         404, "detail"),
        (post(client, f"agreements/{world['agreement'].pk}/decline/", kk_token, {"reason": "Nej"}), 404, "detail"),
        # Its own agreement: the requester cannot answer for the provider...
        (post(client, f"agreements/{own}/commit/", kk_token, {"committed_date": "2029-01-01"}), 403, "detail"),
        (post(client, f"agreements/{own}/propose/", kk_token, {"proposed_date": "2029-01-01", "reason": "x"}),
         403, "detail"),
        # ...declines only a proposal, and names no other party.
        (post(client, f"agreements/{own}/decline/", kk_token, {"reason": "Nej"}), 409, "detail"),
        (post(client, f"agreements/{own}/accept/", kk_token, {"by_authority": world["initiative"].lead_id}),
         400, "by_authority"),
    ]
    for response, status, named in refusals:
        assert response.status_code == status, response.content
        assert named in response.json()
    assert AgreementTransition.objects.count() == steps


def test_the_provider_answers_through_the_api_and_the_step_names_the_tokens_user(client, world, digst, kk_token):
    provider = make_coordinator("digst-coordinator", digst)
    token = token_create(user=provider, days=30)[1]
    own = world["own_agreement"]
    assert post(client, f"agreements/{own.pk}/propose/", token, {"proposed_date": "2031-01-01"}).json() == {
        "reason": ["Dette felt er påkrævet."]
    }
    answered = post(client, f"agreements/{own.pk}/commit/", token, {"committed_date": "2029-06-01"})
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert body["state"] == "committed" and body["committed_date"] == "2029-06-01"
    assert body["dependency"]["source"]["code_with_strategy"] == world["own"].code_with_strategy
    step = AgreementTransition.objects.filter(agreement=own).latest("pk")
    assert (step.by_user, step.by_authority_id) == (provider, digst.pk)
    assert Agreement.objects.get(pk=own.pk).history.latest().history_user == provider
    again = post(client, f"agreements/{own.pk}/commit/", token, {"committed_date": "2029-07-01"})
    assert again.status_code == 409 and "Tilsagt" in again.json()["detail"]
    accepted = post(client, f"agreements/{own.pk}/accept/", kk_token, {})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


def test_every_list_takes_the_same_queries_for_few_and_more_rows(client, world, make_initiative, analyst, aarhus,
                                                                  digst, strategy_2022, secretariat_token):
    lists = [f"{endpoint}/" for endpoint, _hidden in RECORDS] + ["summaries/levels/", "cycles/"]

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/{path}", headers=bearer(secretariat_token)).status_code == 200, path
        return len(captured)

    few = {path: queries(path) for path in [*lists, "initiatives/?cycle=2024-H1"]}
    for n in (2, 3):
        aarhus_records(make_initiative, analyst, aarhus=aarhus, digst=digst, own=world["own"], n=n)
    cycle = cycle_open(user=analyst, code="2024-H2", period_start=D(2024, 7, 1), period_end=D(2024, 12, 31),
                       deadline=D(2025, 1, 15), strategies=[strategy_2022])
    cycle_freeze(cycle=cycle, user=analyst)
    recompute_summaries()
    assert len(listed(client, "risks/", secretariat_token)[0]) == 3  # the rows did grow
    more = {path: queries(path) for path in lists}
    more["initiatives/?cycle=2024-H1"] = queries("initiatives/?cycle=2024-H2")  # more rows frozen
    assert more == few
