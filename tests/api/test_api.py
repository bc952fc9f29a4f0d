"""The API (/api/v1/): personal tokens, and a token reads exactly what its user may read in the admin."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from api.services import token_create
from initiatives.models import Status
from initiatives.services import dependency_add, milestone_add, participation_set

from .conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(make_initiative, kobenhavn, aarhus, digst):
    """København's initiative depends on one of Digitaliseringsstyrelsen's; an Aarhus-only initiative
    depends on København's, so a delay to København's hits Aarhus."""
    central = make_initiative(digst, code="C.1", status=Status.ACTIVE)
    own = make_initiative(kobenhavn, code="K.1", status=Status.ACTIVE)
    aarhus_only = make_initiative(aarhus, code="A.1", forecast_start=datetime.date(2025, 1, 1),
                                  forecast_end=datetime.date(2025, 12, 31))
    dependency_add(source=own, target=central)
    hidden_dependency = dependency_add(source=aarhus_only, target=own)
    milestone = milestone_add(initiative=aarhus_only, title_da="Aarhus-milepæl", baseline_date=datetime.date(2025, 6, 1))
    participation = participation_set(initiative=aarhus_only, authority=digst, role="contributor")
    return {"central": central, "own": own, "aarhus": aarhus_only, "hidden_dependency": hidden_dependency,
            "milestone": milestone, "participation": participation}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_kobenhavn_token_reads_nothing_that_is_aarhus_only(client, records, kk_token, aarhus, kobenhavn):
    headers = bearer(kk_token)
    aarhus_only = records["aarhus"]
    listed = ids(client.get("/api/v1/initiatives/", headers=headers))
    assert records["own"].pk in listed and aarhus_only.pk not in listed
    assert client.get(f"/api/v1/initiatives/{aarhus_only.pk}/", headers=headers).status_code == 404
    # Filters narrow what the token may read; they never widen it.
    assert ids(client.get(f"/api/v1/initiatives/?lead_id={aarhus.pk}", headers=headers)) == set()
    assert ids(client.get("/api/v1/initiatives/?q=A.1", headers=headers)) == set()
    assert ids(client.get(f"/api/v1/dependencies/?source={aarhus_only.pk}", headers=headers)) == set()
    assert records["hidden_dependency"].pk not in ids(client.get("/api/v1/dependencies/", headers=headers))
    assert ids(client.get("/api/v1/milestones/", headers=headers)) == set()
    assert ids(client.get(f"/api/v1/participations/?initiative={aarhus_only.pk}", headers=headers)) == set()
    assert ids(client.get("/api/v1/authorities/", headers=headers)) == {kobenhavn.pk}
    assert client.get(f"/api/v1/authorities/{aarhus.pk}/", headers=headers).status_code == 404
    assert client.get(f"/api/v1/initiatives/{aarhus_only.pk}/impact/?days=30", headers=headers).status_code == 404
    # A delay to København's own initiative hits Aarhus's: counted, not shown.
    impact = client.get(f"/api/v1/initiatives/{records['own'].pk}/impact/?days=400", headers=headers)
    assert impact.status_code == 200
    body = impact.json()
    assert body["initiative"]["code_with_strategy"] == records["own"].code_with_strategy
    assert [row["initiative"]["id"] for row in body["initiatives"]] == []
    assert body["not_shown"] == 1


def test_the_secretariats_token_reads_everything(client, records, secretariat_token):
    headers = bearer(secretariat_token)
    assert {records["own"].pk, records["aarhus"].pk, records["central"].pk} <= ids(
        client.get("/api/v1/initiatives/", headers=headers)
    )
    impact = client.get(f"/api/v1/initiatives/{records['own'].pk}/impact/?days=400", headers=headers).json()
    assert [row["initiative"]["id"] for row in impact["initiatives"]] == [records["aarhus"].pk]
    assert impact["not_shown"] == 0
    assert impact["initiatives"][0]["pushed_days"] > 0
    detail = client.get(f"/api/v1/initiatives/{records['aarhus'].pk}/", headers=headers).json()
    assert detail["code_with_strategy"] == records["aarhus"].code_with_strategy
    assert detail["strategy"] == "2022-2025" and detail["lead"]["name_da"] == "Aarhus Kommune"


def test_nothing_is_created_or_deleted_through_the_api(client, records, secretariat_token):
    headers = bearer(secretariat_token)
    url = f"/api/v1/initiatives/{records['own'].pk}/"
    assert client.post("/api/v1/initiatives/", {}, headers=headers).status_code == 405
    assert client.put(url, {}, content_type="application/json", headers=headers).status_code == 405
    assert client.delete(url, headers=headers).status_code == 405
    assert client.patch(f"/api/v1/dependencies/{records['hidden_dependency'].pk}/", {}, content_type="application/json",
                        headers=headers).status_code == 405


def patch(client, initiative, token, body, **headers):
    return client.patch(f"/api/v1/initiatives/{initiative.pk}/", body, content_type="application/json",
                        headers={**bearer(token), **headers})


def test_the_leads_coordinator_changes_the_forecast_through_the_service(client, records, kk_token,
                                                                        kobenhavn_coordinator):
    own = records["own"]
    read = client.get(f"/api/v1/initiatives/{own.pk}/", headers=bearer(kk_token))
    etag = read["ETag"]
    changed = patch(client, own, kk_token, {"forecast_end": "2026-06-30", "status": "active"}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.content
    own.refresh_from_db()
    assert own.forecast_end == datetime.date(2026, 6, 30)
    # Health follows (the service recomputes it): 18 months beyond the baseline end is red.
    assert changed.json()["schedule_health"] == own.schedule_health == "red"
    latest = own.history.order_by("-history_id").first()
    assert latest.history_user == kobenhavn_coordinator  # the audit trail names the token's user
    assert changed["ETag"] != etag
    # The old ETag is stale now: a second client's change on top of it is refused, nothing saved.
    stale = patch(client, own, kk_token, {"forecast_end": "2025-01-31"}, **{"If-Match": etag})
    assert stale.status_code == 412
    own.refresh_from_db()
    assert own.forecast_end == datetime.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"baseline_end": "2030-01-01"}, "baseline_end"),
        ({"lead": 1}, "lead"),
        ({"status": "finished"}, "status"),
        ({"forecast_end": "31.12.2025"}, "forecast_end"),
        # Rules across fields (the model's constraints) come as non_field_errors, the message naming the field.
        ({"forecast_start": "2026-01-01", "forecast_end": "2025-01-01"}, "forventet slut"),
        ({"forecast_cost": -5}, "forventede omkostning"),
        ({"title_da": "Titel\u0000"}, "title_da"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field_and_nothing_is_saved(client, records, kk_token, body, named):
    own = records["own"]
    before = own.history.count()
    refused = patch(client, own, kk_token, body)
    assert refused.status_code == 400, refused.content
    errors = refused.json()
    assert named in errors or named in " ".join(errors.get("non_field_errors", []))
    assert own.history.count() == before


def test_only_the_lead_changes_an_initiative(client, records, kk_token, kobenhavn_coordinator, kobenhavn):
    # København takes part in Digitaliseringsstyrelsen's initiative: it may read it, not change it.
    from initiatives.services import participation_set

    participation_set(initiative=records["central"], authority=kobenhavn, role="contributor")
    assert client.get(f"/api/v1/initiatives/{records['central'].pk}/", headers=bearer(kk_token)).status_code == 200
    assert patch(client, records["central"], kk_token, {"title_da": "Kapret"}).status_code == 403
    assert patch(client, records["aarhus"], kk_token, {"title_da": "Kapret"}).status_code == 404
    records["central"].refresh_from_db()
    assert records["central"].title_da != "Kapret"


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        ("/api/v1/initiatives/{own}/impact/", 400, "days"),
        ("/api/v1/initiatives/{own}/impact/?days=abc", 400, "days"),
        ("/api/v1/initiatives/{own}/impact/?days=0", 400, "days"),
        ("/api/v1/initiatives/{own}/impact/?days=99999999999999999999", 400, "days"),
        ("/api/v1/initiatives/nine/", 404, ""),
        ("/api/v1/initiatives/99999999999999999999/", 404, ""),
        ("/api/v1/initiatives/?forecast_end_after=31.02.2024", 400, "forecast_end"),
        ("/api/v1/initiatives/?lead_id=abc", 400, "lead_id"),
        ("/api/v1/initiatives/?health=purple", 400, "health"),
        ("/api/v1/initiatives/?cursor=garbage", 404, ""),
        ("/api/v1/initiatives/?page_size=-1", 200, ""),
        # Digits Python calls digits but int() refuses (a superscript two): no strategy has that code.
        ("/api/v1/initiatives/?strategy=%C2%B2", 200, ""),
        ("/api/v1/risks/?strategy=%C2%B2", 200, ""),
        ("/api/v1/risks/?initiative_id=%C2%B2", 400, "initiative_id"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, records, secretariat_token, path, status, named):
    response = client.get(path.format(own=records["own"].pk), headers=bearer(secretariat_token))
    assert response.status_code == status, response.content
    if named:
        assert any(key.startswith(named) for key in response.json())


def test_a_completed_initiative_cannot_be_delayed(client, make_initiative, kobenhavn, secretariat_token):
    done = make_initiative(kobenhavn, status=Status.COMPLETED)
    response = client.get(f"/api/v1/initiatives/{done.pk}/impact/?days=30", headers=bearer(secretariat_token))
    assert response.status_code == 400 and "initiative" in response.json()


def test_listing_initiatives_takes_the_same_queries_for_few_and_many(client, make_initiative, kobenhavn, digst,
                                                                       kk_token):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/initiatives/", headers=bearer(kk_token)).status_code == 200
        return len(captured)

    first = make_initiative(kobenhavn)
    few = queries()
    for _ in range(6):
        dependency_add(source=make_initiative(kobenhavn), target=first)
    assert queries() == few


def test_without_a_valid_token_nothing_is_read(client, records, kobenhavn_coordinator):
    assert client.get("/api/v1/initiatives/").status_code == 401
    assert client.get("/api/v1/initiatives/", headers=bearer("not-a-token")).status_code == 401
    record, token = token_create(user=kobenhavn_coordinator, days=30)
    AuthToken.objects.filter(pk=record.pk).update(expiry=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert client.get("/api/v1/initiatives/", headers=bearer(token)).status_code == 401
    _record, token = token_create(user=kobenhavn_coordinator, days=30)
    kobenhavn_coordinator.is_active = False
    kobenhavn_coordinator.save()
    assert client.get("/api/v1/initiatives/", headers=bearer(token)).status_code == 401


def test_a_token_is_made_shown_once_stored_hashed_and_revoked(client, kobenhavn_coordinator, records):
    client.force_login(kobenhavn_coordinator)
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and "Du har ingen API-nøgler." in page.content.decode()
    made = client.post("/api/tokens/", {"days": "90"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = made.context["new_token"]
    assert token in made.content.decode()
    record = AuthToken.objects.get(user=kobenhavn_coordinator)
    assert token not in {record.digest, record.token_key} and token.startswith(record.token_key)
    assert 89 <= (record.expiry - record.created).days <= 90
    # Shown once: the list names it only by its first characters.
    listed = client.get("/api/tokens/").content.decode()
    assert token not in listed and record.token_key in listed
    client.logout()
    assert client.get("/api/v1/initiatives/", headers=bearer(token)).status_code == 200

    client.force_login(kobenhavn_coordinator)
    revoked = client.post(f"/api/tokens/{record.token_key}/revoke/", follow=True)
    assert f"Nøglen {record.token_key}… er tilbagekaldt" in revoked.content.decode()
    client.logout()
    assert client.get("/api/v1/initiatives/", headers=bearer(token)).status_code == 401
    assert list(LogEntry.objects.filter(user=kobenhavn_coordinator).values_list("action_flag", flat=True)
                .order_by("pk")) == [1, 3]


def test_a_bad_validity_makes_no_token_and_nobody_revokes_anothers(client, kobenhavn_coordinator, analyst):
    client.force_login(kobenhavn_coordinator)
    refused = client.post("/api/tokens/", {"days": "36500"})
    assert refused.status_code == 400 and not AuthToken.objects.exists()
    other, token = token_create(user=analyst, days=30)
    client.post(f"/api/tokens/{other.token_key}/revoke/")
    assert AuthToken.objects.filter(pk=other.pk).exists()
    client.logout()
    assert client.get("/api/v1/strategies/", headers=bearer(token)).status_code == 200


def test_each_token_has_its_own_rate_limit(client, kobenhavn_coordinator, monkeypatch):
    from api.throttling import PerTokenThrottle

    monkeypatch.setattr(PerTokenThrottle, "rate", "2/minute", raising=False)
    first, second = (token_create(user=kobenhavn_coordinator, days=30)[1] for _ in range(2))
    answers = [client.get("/api/v1/strategies/", headers=bearer(first)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert client.get("/api/v1/strategies/", headers=bearer(second)).status_code == 200


def test_the_schema_describes_every_endpoint_and_the_docs_open(client, analyst):
    client.force_login(analyst)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/initiatives/{id}/impact/" in paths and "/api/v1/dependencies/" in paths
    assert {"/api/v1/agreements/{id}/commit/", "/api/v1/risks/", "/api/v1/reports/", "/api/v1/funding-shares/",
            "/api/v1/benefits/", "/api/v1/cycles/", "/api/v1/summaries/pairs/", "/api/v1/summaries/levels/"} <= set(paths)
    snapshot_parameters = {p["name"] for p in paths["/api/v1/initiatives/"]["get"]["parameters"]}
    assert {"cycle", "as_of"} <= snapshot_parameters
    assert "409" in paths["/api/v1/agreements/{id}/commit/"]["post"]["responses"]
    assert client.get("/api/docs/").status_code == 200


def test_the_summaries_say_how_current_they_are(client, records, kk_token):
    body = client.get("/api/v1/summaries/freshness/", headers=bearer(kk_token)).json()
    assert set(body) == {"as_of", "pending", "dirty_since"}
    assert body["pending"] in (True, False)
