"""Open data: public CSV and JSON with a published column whitelist, no personal data, no illustrative
records, and a DCAT-AP-DK description with every mandatory property."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from authorities.models import Authority
from initiatives.services import dependency_add
from opendata.datasets import DATASETS

pytestmark = pytest.mark.django_db

# The whitelist as the README and /open-data/ publish it: a change here is a change for every consumer.
PUBLISHED_COLUMNS = {
    "strategies": ["strategy", "name_da", "name_en", "start_year", "end_year", "kind", "source_url"],
    "initiatives": ["id", "strategy", "code", "title_da", "title_en", "lead_authority", "lead_level", "lead_cvr",
                    "status", "health", "schedule_health", "cost_health", "benefits_health", "at_risk",
                    "baseline_start", "baseline_end", "forecast_start", "forecast_end", "source_url"],
    "dependencies": ["source_id", "source_strategy", "source_code", "target_id", "target_strategy", "target_code",
                     "kind", "criticality", "needed_by"],
}


@pytest.fixture
def published(make_initiative, kobenhavn, digst, kobenhavn_coordinator):
    kobenhavn_coordinator.email = "koordinator@kk.example.dk"
    kobenhavn_coordinator.first_name = "Karen"
    kobenhavn_coordinator.save()
    illustrative_authority = Authority.objects.create(name_da="Demoskolen", level="municipal", kind="institution",
                                                      is_illustrative=True)
    real = make_initiative(kobenhavn, code="1.1", title_da="=HYPERLINK(\"https://evil.example\")",
                           description_da="Intern note om budgettet")
    central = make_initiative(digst, code="1.2", title_da="Fælles login")
    made_up = make_initiative(kobenhavn, code="9.9", title_da="Opdigtet initiativ", is_illustrative=True)
    made_up_lead = make_initiative(illustrative_authority, code="9.8", title_da="Skolens demo")
    dependency_add(source=real, target=central)
    dependency_add(source=made_up, target=central)
    return {"real": real, "central": central, "made_up": made_up, "made_up_lead": made_up_lead}


def csv_rows(client, name: str) -> list[list[str]]:
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_each_file_has_exactly_the_published_columns(client, published):
    assert {name: dataset.column_names for name, dataset in DATASETS.items()} == PUBLISHED_COLUMNS
    for name, columns in PUBLISHED_COLUMNS.items():
        assert csv_rows(client, name)[0] == columns
        body = json.loads(b"".join(client.get(f"/open-data/{name}.json").streaming_content))
        assert body["columns"] == columns
        assert all(list(record) == columns for record in body["records"])


def test_nothing_illustrative_and_nothing_personal_is_published(client, published):
    rows = csv_rows(client, "initiatives")
    codes = {(row[1], row[2]) for row in rows[1:]}
    # The reference data's documented initiatives (MitID, Digital Post) and ours; no illustrative one.
    assert {("2022-2025", "1.1"), ("2022-2025", "1.2"), ("", "MITID")} <= codes
    assert not codes & {("2022-2025", "9.9"), ("2022-2025", "9.8")}
    dependencies = csv_rows(client, "dependencies")[1:]
    assert [(row[0], row[3]) for row in dependencies] == [(str(published["real"].pk), str(published["central"].pk))]
    everything = "".join(
        b"".join(client.get(f"/open-data/{name}.{extension}").streaming_content).decode()
        for name in DATASETS for extension in ("csv", "json")
    ) + client.get("/open-data/catalog.ttl").content.decode()
    for personal in ("koordinator@kk.example.dk", "kk-coordinator", "Karen", "Intern note om budgettet"):
        assert personal not in everything


def test_a_title_that_looks_like_a_formula_does_not_run_in_a_spreadsheet(client, published):
    [row] = [row for row in csv_rows(client, "initiatives")[1:] if row[2] == "1.1"]
    assert row[3] == "'=HYPERLINK(\"https://evil.example\")"
    assert row[14] == "2023-01-01"  # dates ISO 8601


def test_the_files_are_public_and_refuse_nonsense(client, published):
    assert client.get("/open-data/").status_code == 200
    assert client.get("/open-data/users.csv").status_code == 404
    assert client.get("/open-data/initiatives.xml").status_code == 404
    assert client.post("/open-data/initiatives.csv").status_code == 405
    response = client.get("/open-data/initiatives.csv")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]


def test_the_files_take_the_same_queries_for_few_and_many(client, published, make_initiative, kobenhavn):
    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(f"/open-data/{name}.csv").streaming_content)
        return len(captured)

    few = {name: queries(name) for name in DATASETS}
    for _ in range(5):
        dependency_add(source=make_initiative(kobenhavn), target=published["central"])
    assert {name: queries(name) for name in DATASETS} == few


def test_the_dcat_ap_dk_description_parses_and_has_every_mandatory_property(client, published, settings):
    settings.SITE_URL = "https://portfolio.example.dk"
    response = client.get("/open-data/catalog.ttl")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content.decode(), format="turtle")

    def languages(subject, predicate) -> set[str]:
        return {literal.language for literal in graph.objects(subject, predicate)}

    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    assert languages(catalog, DCTERMS.title) == languages(catalog, DCTERMS.description) == {"da", "en"}
    [publisher] = graph.objects(catalog, DCTERMS.publisher)
    assert languages(publisher, FOAF.name) == {"da", "en"}
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert datasets == {URIRef(f"https://portfolio.example.dk/open-data/#{name}") for name in DATASETS}
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert languages(dataset, DCTERMS.title) == languages(dataset, DCTERMS.description) == {"da", "en"}
        assert set(graph.objects(dataset, DCTERMS.publisher)) == {publisher}
        assert len(set(graph.objects(dataset, DCAT.contactPoint))) == 1
        distributions = set(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == 2
        for distribution in distributions:
            [url] = graph.objects(distribution, DCAT.accessURL)
            assert str(url).startswith("https://portfolio.example.dk/open-data/")
            # Each address the description gives answers.
            assert client.get(str(url).removeprefix("https://portfolio.example.dk")).status_code == 200
            assert len(set(graph.objects(distribution, DCTERMS.format))) == 1
            assert len(set(graph.objects(distribution, DCTERMS.license))) == 1


def test_the_page_describes_every_column_in_both_languages(client, published, english):
    page = client.get("/open-data/").content.decode()
    for columns in PUBLISHED_COLUMNS.values():
        for column in columns:
            assert f"<code>{column}</code>" in page
    assert "catalog.ttl" in page
