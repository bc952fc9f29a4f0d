"""Agreements from a spreadsheet in the admin: each row is a step of the round taken through the
same service as the agreement's page (same state and side rules, reasons required, audited, the
file named in the history); a bad or forged row refuses the whole file naming its line and column,
and the preview saves nothing. The export lists only what the user may see, formulas as text."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from agreements import services
from agreements.models import Agreement, AgreementState, AgreementTransition
from initiatives.services import dependency_add
from tests.funding.test_import import field_errors
from tests.initiatives.imports import XLSX_FORMAT, confirm, upload

D = datetime.date
HEADER = "strategy,initiative,depends_on_strategy,depends_on,needed_by,what_needed,committed_date,proposed_date,reason,action\n"
# The dependant København's D.1 on Digitaliseringsstyrelsen's P.1 (tests/agreements/conftest.py).
KEY = "2022-2025,D.1,2022-2025,P.1"


def import_agreements(client, content: str, name: str = "agreements.csv"):
    return upload(client, "agreement", content.encode(), name, app="agreements")


def _states():
    return list(Agreement.objects.values_list("state", flat=True))


@pytest.fixture
def requested(cross_dependency, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=cross_dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="The API"
    )


@pytest.fixture
def second(make_initiative, kobenhavn, digst, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=dependency_add(source=make_initiative(kobenhavn, code="D.2"), target=make_initiative(digst, code="P.2")),
        user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="More",
    )


def test_the_requester_asks_and_the_provider_commits_by_import_each_step_audited(
    client, cross_dependency, kobenhavn, digst, kobenhavn_coordinator, digst_coordinator, english, today
):
    client.force_login(kobenhavn_coordinator)
    preview = import_agreements(client, HEADER + f"{KEY},2024-06-01,The address register API,,,,request\n", "ask.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert not Agreement.objects.exists() and not AgreementTransition.objects.exists()  # the preview saves nothing
    confirm(client, "agreement", preview, app="agreements")
    agreement = Agreement.objects.get()
    assert (agreement.state, agreement.needed_by, agreement.what_needed) == (
        AgreementState.REQUESTED, D(2024, 6, 1), "The address register API")

    client.force_login(digst_coordinator)
    preview = import_agreements(client, HEADER + f"{KEY},,,15.05.2024,,,commit\n", "answers.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert _states() == [AgreementState.REQUESTED]
    confirm(client, "agreement", preview, app="agreements")
    agreement.refresh_from_db()
    assert (agreement.state, agreement.committed_date) == (AgreementState.COMMITTED, D(2024, 5, 15))
    steps = list(agreement.transitions.values_list("action", "by_user__username", "by_authority", "date"))
    assert steps == [("request", "kk-coordinator", kobenhavn.pk, D(2024, 6, 1)),
                     ("commit", "digst-coordinator", digst.pk, D(2024, 5, 15))]
    reasons = list(agreement.history.order_by("history_date").values_list("history_change_reason", "history_user"))
    assert reasons == [("requested (Imported from ask.csv)", kobenhavn_coordinator.pk),
                       ("committed (Imported from answers.csv)", digst_coordinator.pk)]


@pytest.mark.parametrize(("who", "row", "column", "message"), [
    ("provider", ",,,,,decline", "reason", "Give a reason."),
    ("provider", ",,,2024-07-01,,propose", "reason", "Give a reason."),
    ("provider", ",,2024-01-02,,,commit", "committed_date", "must not be before the request (10.01.2024)"),
    ("provider", ",,,,,accept", "action", "Only the coordinators of the authority that asked"),
    ("requester", ",,2024-05-15,,,commit", "action", "Only the coordinators of the authority asked may answer"),
    ("requester", ",,,,,accept", "state", "cannot change this way"),
    ("requester", "2024-06-01,Again,,,,request", "depends_on", "already has an agreement"),
    ("requester", ",,,,,approve", "action", "is not one of"),
    ("requester", ",,2024-05-15,,,", "committed_date", "changes only by a step"),
    ("provider", ",,1st of May,,,commit", "committed_date", "is not a date"),
])
def test_a_bad_row_is_refused_naming_its_line_and_column_and_nothing_is_saved(
    client, requested, second, kobenhavn_coordinator, digst_coordinator, english, today, who, row, column, message
):
    user = digst_coordinator if who == "provider" else kobenhavn_coordinator
    client.force_login(user)
    # Line 1 is another agreement's row as exported: unchanged, skipped.
    first = "2022-2025,D.2,2022-2025,P.2,2024-06-01,More,,,,\n"
    preview = import_agreements(client, HEADER + first + f"{KEY}," + row + "\n")
    assert preview.context.get("confirm_form") is None
    errors = field_errors(preview)
    assert 2 in errors, errors
    assert message in errors[2].get(column, ""), errors
    assert _states() == [AgreementState.REQUESTED, AgreementState.REQUESTED]
    assert AgreementTransition.objects.count() == 2  # the requests only


def test_a_forged_or_third_party_row_is_answered_as_unknown_and_shows_nothing(
    client, requested, aarhus_coordinator, english, today
):
    client.force_login(aarhus_coordinator)
    preview = import_agreements(client, HEADER + f"{KEY},,,2024-05-15,,,commit\n")
    assert preview.context.get("confirm_form") is None
    errors = field_errors(preview)
    assert "you can import only agreements your authority is party to" in errors[1]["depends_on"]
    assert "The API" not in preview.content.decode()
    assert _states() == [AgreementState.REQUESTED]


def test_one_bad_row_refuses_the_whole_file(client, requested, second, digst_coordinator, english, today):
    client.force_login(digst_coordinator)
    content = HEADER + f"{KEY},,,2024-05-15,,,commit\n2022-2025,D.2,2022-2025,P.2,,,,,,decline\n"
    preview = import_agreements(client, content)
    assert preview.context.get("confirm_form") is None
    assert list(field_errors(preview)) == [2]
    assert _states() == [AgreementState.REQUESTED, AgreementState.REQUESTED]


def test_the_export_lists_only_visible_agreements_neutralises_formulas_and_goes_back_in_unchanged(
    client, requested, make_initiative, aarhus, digst, kobenhavn_coordinator, aarhus_coordinator, english, today
):
    services.agreement_request(
        dependency=dependency_add(source=make_initiative(aarhus, code="A.1"), target=make_initiative(digst, code="P.9")),
        user=aarhus_coordinator, needed_by=D(2024, 6, 1), what_needed="=HYPERLINK(\"http://x\")",
    )
    client.force_login(kobenhavn_coordinator)
    columns = ["strategy", "initiative", "depends_on_strategy", "depends_on", "requested_by", "asked_of", "state",
               "needed_by", "what_needed", "committed_date", "proposed_date", "reason", "action"]
    data = {"format": "0", "resource": "0", **{f"agreementresource_{name}": "on" for name in columns}}
    text = client.post(reverse("admin:agreements_agreement_export"), data).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["initiative"], row["state"], row["what_needed"], row["action"]) for row in rows] == [
        ("D.1", "requested", "The API", "")]
    preview = import_agreements(client, text, "export.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert [row.import_type for row in preview.context["result"].rows] == ["skip"]

    client.force_login(aarhus_coordinator)
    text = client.post(reverse("admin:agreements_agreement_export"), data).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "D.1" not in text  # a formula goes out as text
    xlsx = client.post(reverse("admin:agreements_agreement_export"), {**data, "format": XLSX_FORMAT})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_only_the_parties_and_the_secretariat_may_import(client, outsider, secretariat_reader, today):
    for user in (outsider, secretariat_reader):
        client.force_login(user)
        response = client.get(reverse("admin:agreements_agreement_import"))
        assert response.status_code in (302, 403)
