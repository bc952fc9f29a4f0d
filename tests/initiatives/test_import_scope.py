"""An import's preview shows nothing of records the importing coordinator may not see: a row naming
another authority's record is a row error that names no stored values (issue: hardening, 1)."""

import datetime

import pytest

from initiatives.models import Role
from initiatives.services import dependency_add, milestone_add, participation_set

from .imports import row_errors, upload

pytestmark = pytest.mark.usefixtures("english")

SECRET_BUDGET = 987_654_321
SECRET_TEXT = "Fortrolig beskrivelse 7Q"
SECRET_NOTE = "Intern note om forsinkelse 9Z"


@pytest.fixture
def aarhus_records(aarhus, digst, make_initiative, strategy_2022):
    own = make_initiative(aarhus, code="1.5", baseline_budget=SECRET_BUDGET, forecast_cost=SECRET_BUDGET,
                          description_da=SECRET_TEXT, expected_benefits=SECRET_TEXT)
    other = make_initiative(digst, code="1.6")
    dependency_add(source=own, target=other, note=SECRET_NOTE)
    milestone_add(initiative=own, title_da="Hemmelig milepæl", baseline_date=datetime.date(2024, 5, 1))
    participation_set(initiative=own, authority=digst, role=Role.CONTRIBUTOR)
    return own


def assert_refused_without_values(preview, *secrets: str) -> None:
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None  # nothing can be confirmed
    errors = row_errors(preview)
    assert "cannot see" in errors.get(1, "") or "No initiative" in errors.get(1, ""), errors
    page = preview.content.decode()
    for secret in secrets:
        assert secret not in page


def test_an_unchanged_initiative_row_of_another_authority_shows_none_of_its_fields(kk, aarhus_records):
    row = (
        "strategy,code,title_da,lead,status,baseline_budget,forecast_cost\n"
        f"2022-2025,1.5,{aarhus_records.title_da},0751,{aarhus_records.status},1000,1000\n"
    )
    preview = upload(kk, "initiative", row.encode(), "probe.csv")
    assert_refused_without_values(preview, SECRET_TEXT, "987654321", "987.654.321")


def test_a_keys_only_row_for_another_authoritys_initiative_shows_none_of_its_fields(kk, aarhus_records):
    preview = upload(kk, "initiative", b"strategy,code\n2022-2025,1.5\n", "probe.csv")
    assert_refused_without_values(preview, SECRET_TEXT, "987654321", "987.654.321", aarhus_records.title_da)


def test_dependency_milestone_and_participation_rows_of_another_authority_show_nothing(kk, aarhus_records):
    probes = {
        "dependency": "strategy,initiative,depends_on_strategy,depends_on\n2022-2025,1.5,2022-2025,1.6\n",
        "milestone": "strategy,initiative,title_da\n2022-2025,1.5,Hemmelig milepæl\n",
        "participation": "strategy,initiative,authority\n2022-2025,1.5,Digitaliseringsstyrelsen\n",
    }
    for model, content in probes.items():
        preview = upload(kk, model, content.encode(), "probe.csv")
        assert_refused_without_values(preview, SECRET_NOTE, "2024-05-01", "01.05.2024")


def test_the_secretariat_still_previews_any_authoritys_unchanged_rows(client, analyst, aarhus_records):
    client.force_login(analyst)
    preview = upload(client, "initiative", b"strategy,code\n2022-2025,1.5\n", "probe.csv")
    assert preview.status_code == 200
    assert not row_errors(preview)
