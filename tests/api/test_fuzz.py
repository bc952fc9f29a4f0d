"""schemathesis over every API operation, as København's coordinator and as the secretariat: no 5xx, and every
response (errors included) matches the OpenAPI schema. A bounded number of examples per operation, derandomised
so that a run is repeatable."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.services import token_create
from initiatives.models import Status
from initiatives.services import dependency_add, milestone_add

EXAMPLES = 12
# No 5xx, and every response's status, content type and body as the schema says. Not schemathesis's
# "positive data acceptance": an id filter naming no record the token may read (`lead_id=123456`) is refused
# with 400 naming the parameter, as the pages' filter forms refuse it, though any integer fits the schema.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture
def fuzz_data(make_initiative, kobenhavn, aarhus, digst, analyst, strategy_2022):
    """Records for the ids the fuzzer draws to find: a few of each kind, in both authorities."""
    import datetime
    from decimal import Decimal

    from agreements.services import agreement_request
    from benefits.models import Benefit
    from benefits.services import benefit_save
    from funding.services import ShareInput, funding_year_set
    from reporting.services import cycle_open
    from risks.models import Risk
    from risks.services import risk_save
    from summaries.engine.run import recompute_summaries

    central = make_initiative(digst, status=Status.ACTIVE)
    for lead in (kobenhavn, aarhus):
        initiative = make_initiative(lead, status=Status.ACTIVE)
        dependency = dependency_add(source=initiative, target=central)
        milestone_add(initiative=initiative, title_da="Milepæl", baseline_date=datetime.date(2024, 6, 1))
        agreement_request(dependency=dependency, user=analyst, needed_by=datetime.date(2030, 1, 1), what_needed="Login")
        risk_save(risk=Risk(initiative=initiative), user=analyst, title="Risiko", probability=2, impact=3, owner=lead)
        funding_year_set(initiative=initiative, year=2023, budget=Decimal("10.00"),
                         shares=[ShareInput(party="kl", budget=Decimal("10.00"))])
        benefit_save(benefit=Benefit(initiative=initiative, kind="economic", title_da="Gevinst", from_year=2025,
                                     baseline=10, forecast=10, realised_by=lead))
    cycle_open(user=analyst, code="2024-H1", period_start=datetime.date(2024, 1, 1),
               period_end=datetime.date(2024, 6, 30), deadline=datetime.date(2024, 7, 15), strategies=[strategy_2022])
    recompute_summaries()


@pytest.fixture
def app_in_the_test_transaction():
    """The WSGI app called in-process, as Django's test client calls it: the start and end of a request must not
    close the database connection that holds the test's transaction (they would on PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from portfolio.wsgi import application

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(kobenhavn_coordinator, analyst) -> dict[str, str]:
    return {
        "coordinator": token_create(user=kobenhavn_coordinator, days=30)[1],
        "secretariat": token_create(user=analyst, days=30)[1],
    }


def test_no_operation_errs_or_strays_from_its_schema(fuzz_data, tokens, app_in_the_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app_in_the_test_transaction)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def each_example(case):
            # Each example as both: what one may read and the other may not is where scoping could err.
            for token in tokens.values():
                case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        each_example()
