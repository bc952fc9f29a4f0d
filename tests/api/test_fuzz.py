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
def fuzz_data(make_initiative, kobenhavn, aarhus, digst):
    """Records for the ids the fuzzer draws to find: a few of each, in both authorities."""
    import datetime

    central = make_initiative(digst, status=Status.ACTIVE)
    for lead in (kobenhavn, aarhus):
        initiative = make_initiative(lead, status=Status.ACTIVE)
        dependency_add(source=initiative, target=central)
        milestone_add(initiative=initiative, title_da="Milepæl", baseline_date=datetime.date(2024, 6, 1))


@pytest.fixture
def tokens(kobenhavn_coordinator, analyst) -> dict[str, str]:
    return {
        "coordinator": token_create(user=kobenhavn_coordinator, days=30)[1],
        "secretariat": token_create(user=analyst, days=30)[1],
    }


def test_no_operation_errs_or_strays_from_its_schema(fuzz_data, tokens):
    from portfolio.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def each_example(case):
            # Each example as both: what one may read and the other may not is where scoping could err.
            for token in tokens.values():
                case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        each_example()
