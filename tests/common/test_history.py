"""The one reader of the change history: who made a record, which fields changed between two
versions (records or `.values()` rows), and how a change reads."""

import datetime

import pytest

from common.history import EMPTY, FieldChange, described, display_value, field_changes, who
from initiatives.models import Initiative, Status
from initiatives.services import initiative_update


@pytest.fixture
def english(settings):
    """These tests read the English texts."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def initiative(kobenhavn, make_initiative) -> Initiative:
    return make_initiative(kobenhavn, code="KK.1", title_da="Borgerservice", status=Status.ACTIVE)


def versions(initiative: Initiative) -> tuple:
    """The newest historical record and the one before it."""
    newer, older = initiative.history.select_related("history_user").order_by("-history_date", "-history_id")[:2]
    return newer, older


def field(name: str):
    return Initiative._meta.get_field(name)


@pytest.mark.usefixtures("english")
def test_who_names_the_user_by_full_name_else_username_else_the_system(initiative, analyst):
    record = initiative.history.first()
    assert who(record) == "the system" and who(record, username=True) == "(system)"

    record.history_user = analyst
    assert who(record) == "analyst"
    analyst.first_name, analyst.last_name = "Anna", "Analytiker"
    assert who(record) == "Anna Analytiker"
    assert who(record, username=True) == "analyst"


def test_it_tells_the_fields_changed_between_two_records_with_their_stored_values(initiative):
    initiative_update(initiative=initiative, status=Status.PAUSED, forecast_end=datetime.date(2026, 6, 30))
    newer, older = versions(initiative)

    changes = field_changes(older, newer, fields=["title_da", "status", "forecast_end", "lead_id"])

    assert changes == [
        FieldChange("status", Status.ACTIVE, Status.PAUSED, newer.history_date),
        FieldChange("forecast_end", datetime.date(2024, 12, 31), datetime.date(2026, 6, 30), newer.history_date),
    ]


def test_it_reads_values_rows_as_the_digests_do_and_carries_the_user_given(initiative):
    initiative_update(initiative=initiative, status=Status.COMPLETED)
    newer, older = initiative.history.order_by("-history_date", "-history_id").values(
        "history_date", "status", "health", "lead_id"
    )[:2]

    changes = field_changes(older, newer, fields=["status", "lead_id"], user="kk-coordinator")

    assert changes == [FieldChange("status", Status.ACTIVE, Status.COMPLETED, newer["history_date"], "kk-coordinator")]


def test_without_fields_it_compares_every_tracked_field(initiative):
    initiative_update(initiative=initiative, title_da="Ny borgerservice", forecast_end=datetime.date(2026, 6, 30))
    newer, older = versions(initiative)

    changed = {change.field for change in field_changes(older, newer)}

    assert {"title_da", "forecast_end"} <= changed
    assert "history_date" not in changed and "updated_at" not in changed


@pytest.mark.usefixtures("english")
def test_a_value_reads_as_a_label_yes_or_no_an_id_or_a_dash(db):
    assert display_value(field("status"), Status.PAUSED) == "Paused"
    assert display_value(field("is_illustrative"), True) == "yes"
    assert display_value(field("lead"), 7) == "#7"
    assert display_value(field("forecast_end"), None) == EMPTY
    assert display_value(field("title_da"), "") == EMPTY
    long = display_value(field("description_da"), "x" * 200)
    assert len(long) == 80 and long.endswith("…")


def test_a_related_row_given_as_the_row_reads_as_its_name(kobenhavn):
    assert display_value(field("lead"), kobenhavn) == "Københavns Kommune"
    assert display_value(field("lead"), kobenhavn.pk) == f"#{kobenhavn.pk}"


@pytest.mark.usefixtures("english")
def test_a_described_change_has_the_fields_name_and_the_values_in_words(initiative):
    change = FieldChange("status", Status.ACTIVE, Status.PAUSED, user="analyst")

    assert described(change, Initiative) == FieldChange("status", "Active", "Paused", None, "analyst")
    assert described(FieldChange("lead_id", 1, 2), Initiative).field == "lead authority"
