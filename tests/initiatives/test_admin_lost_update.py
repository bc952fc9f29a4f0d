"""Issue 12: two people edit the same initiative in the admin; the one who saves second, from a form
opened before the first saved, is refused, told what changed, and keeps both edits by saving again."""

import datetime
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative, Milestone
from initiatives.services import initiative_update, milestone_add
from tests.clients import change_form_data


@pytest.fixture
def initiative(kobenhavn, make_initiative) -> Initiative:
    initiative = make_initiative(
        kobenhavn, code="KK.1", title_da="Borgerservice", expected_benefits="Kortere ventetid"
    )
    milestone_add(initiative=initiative, title_da="Pilot", baseline_date=datetime.date(2025, 1, 1))
    return initiative


@pytest.fixture
def secretariat(analyst) -> Client:
    """The secretariat's browser."""
    analyst.first_name, analyst.last_name = "Anna", "Analytiker"
    analyst.save()
    browser = Client()
    browser.force_login(analyst)
    return browser


@pytest.fixture
def coordinator(kobenhavn_coordinator) -> Client:
    """København's coordinator's browser."""
    browser = Client()
    browser.force_login(kobenhavn_coordinator)
    return browser


def change_url(initiative) -> str:
    return reverse("admin:initiatives_initiative_change", args=[initiative.pk])


def refusal(response) -> list[str]:
    """The messages at the top of a refused change form."""
    assert response.status_code == 200, response
    return list(response.context["adminform"].form.non_field_errors())


def history_count(initiative) -> int:
    return initiative.history.count() + Milestone.history.filter(initiative_id=initiative.pk).count()


def test_the_two_browser_case_is_refused_and_saving_again_keeps_both_edits(secretariat, coordinator, initiative):
    coordinators_form = coordinator.get(change_url(initiative))
    secretariats_form = secretariat.get(change_url(initiative))
    saved = secretariat.post(
        change_url(initiative), change_form_data(secretariats_form, title_da="Borgerservice for alle")
    )
    assert saved.status_code == 302
    records_before = history_count(initiative)

    refused = coordinator.post(
        change_url(initiative), change_form_data(coordinators_form, expected_benefits="Kortere ventetid og færre klager")
    )

    messages = refusal(refused)
    # Danish by default: what happened and what to do, then what the other person changed, by whom.
    assert messages[0].startswith("Ikke gemt: en anden har gemt ændringer i denne post (initiativ)")
    assert any(
        "titel (dansk): “Borgerservice” → “Borgerservice for alle” (Anna Analytiker," in line for line in messages
    ), messages
    initiative.refresh_from_db()
    assert initiative.title_da == "Borgerservice for alle"
    assert initiative.expected_benefits == "Kortere ventetid"
    assert history_count(initiative) == records_before  # nothing saved, not even the inline rows
    form = refused.context["adminform"].form
    assert form["title_da"].value() == "Borgerservice for alle"  # theirs, where the coordinator changed nothing
    assert form["expected_benefits"].value() == "Kortere ventetid og færre klager"  # the coordinator's own

    again = coordinator.post(change_url(initiative), change_form_data(refused))

    assert again.status_code == 302, again.context and again.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.title_da == "Borgerservice for alle"
    assert initiative.expected_benefits == "Kortere ventetid og færre klager"
    assert initiative.history.first().history_user.username == "kk-coordinator"  # an audit record as ever


@pytest.mark.usefixtures("english")
def test_the_refusal_reads_in_english_for_a_user_who_chose_english(secretariat, coordinator, initiative):
    coordinators_form = coordinator.get(change_url(initiative))
    secretariat.post(change_url(initiative), change_form_data(secretariat.get(change_url(initiative)), status="active"))

    messages = refusal(coordinator.post(change_url(initiative), change_form_data(coordinators_form, title_en="Citizen service")))

    assert messages[0].startswith("Not saved: someone else saved this initiative after you opened it.")
    assert any(line.startswith("status: “Planned” → “Active” (Anna Analytiker, ") for line in messages), messages


@pytest.mark.usefixtures("english")
def test_a_milestone_changed_by_the_other_user_also_makes_the_open_form_stale(secretariat, coordinator, initiative):
    coordinators_form = coordinator.get(change_url(initiative))
    secretariats_form = secretariat.get(change_url(initiative))
    assert secretariat.post(
        change_url(initiative), change_form_data(secretariats_form, **{"milestones-0-forecast_date": "2025-03-01"})
    ).status_code == 302

    refused = coordinator.post(change_url(initiative), change_form_data(coordinators_form, title_en="Citizen service"))

    messages = refusal(refused)
    assert any(
        "milestone “KK.1 · 2022–25: Pilot”, forecast date: “—” → “01.03.2025” (Anna Analytiker," in line for line in messages
    ), messages
    initiative.refresh_from_db()
    assert initiative.title_en == "Test initiative 1"
    # The row as the secretariat left it, in the form; saving again keeps both.
    again = coordinator.post(change_url(initiative), change_form_data(refused))
    assert again.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title_en == "Citizen service"
    assert initiative.milestones.get().forecast_date == datetime.date(2025, 3, 1)


@pytest.mark.usefixtures("english")
def test_a_milestone_added_or_deleted_by_the_other_user_is_named_in_the_refusal(secretariat, coordinator, initiative):
    coordinators_form = coordinator.get(change_url(initiative))
    milestone_add(initiative=initiative, title_da="Udrulning", baseline_date=datetime.date(2026, 1, 1))
    initiative.milestones.get(title_da="Pilot").delete()

    messages = refusal(coordinator.post(change_url(initiative), change_form_data(coordinators_form)))

    assert any(line.startswith("milestone “KK.1 · 2022–25: Udrulning” added (the system, ") for line in messages), messages
    assert any(line.startswith("milestone “KK.1 · 2022–25: Pilot” deleted (the system, ") for line in messages), messages


@pytest.mark.usefixtures("english")
def test_a_field_both_changed_keeps_the_users_value_and_says_whose_it_replaces(secretariat, coordinator, initiative):
    coordinators_form = coordinator.get(change_url(initiative))
    secretariat.post(
        change_url(initiative), change_form_data(secretariat.get(change_url(initiative)), title_da="Sekretariatets titel")
    )

    refused = coordinator.post(change_url(initiative), change_form_data(coordinators_form, title_da="Koordinatorens titel"))

    form = refused.context["adminform"].form
    assert form["title_da"].value() == "Koordinatorens titel"
    assert form.errors["title_da"] == [
        "Anna Analytiker changed this to “Sekretariatets titel” after you opened the form. "
        "Your value is kept here and replaces theirs if you save again."
    ]
    assert coordinator.post(change_url(initiative), change_form_data(refused)).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title_da == "Koordinatorens titel"  # chosen knowingly, not silently


@pytest.mark.usefixtures("english")
def test_a_form_posted_without_its_version_is_refused_and_saving_again_saves_it(coordinator, initiative):
    data = change_form_data(coordinator.get(change_url(initiative)), title_en="Citizen service")
    del data["opened_version"]

    refused = coordinator.post(change_url(initiative), data)

    assert "did not say which version" in refusal(refused)[0]
    assert Initiative.objects.get(pk=initiative.pk).title_en == "Test initiative 1"
    assert coordinator.post(change_url(initiative), change_form_data(refused)).status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).title_en == "Citizen service"


def test_a_form_saved_twice_from_the_same_page_is_refused_the_second_time(coordinator, initiative):
    data = change_form_data(coordinator.get(change_url(initiative)), title_en="Citizen service")
    assert coordinator.post(change_url(initiative), data).status_code == 302

    # The back button, then save: the page's version is the one the first save replaced.
    data["title_en"] = "Citizen services"
    refusal(coordinator.post(change_url(initiative), data))
    assert Initiative.objects.get(pk=initiative.pk).title_en == "Citizen service"


def test_the_version_is_not_recorded_as_a_changed_field(coordinator, initiative):
    data = change_form_data(coordinator.get(change_url(initiative)), title_en="Citizen service")
    assert coordinator.post(change_url(initiative), data).status_code == 302

    entry = initiative.history.first()
    assert entry.diff_against(entry.prev_record).changed_fields == ["title_en"]
    log = User.objects.get(username="kk-coordinator").logentry_set.get()
    assert "version" not in log.get_change_message().lower()


def wait_for_a_lock_wait(seconds: float = 20) -> bool:
    """True once another PostgreSQL session waits for a row lock (bounded; polls pg_locks)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_save_that_waits_for_anothers_lock_reads_the_version_it_left_and_is_refused(
    require_postgres, analyst, coordinator, initiative
):
    data = change_form_data(coordinator.get(change_url(initiative)), title_en="Citizen service")
    responses = []

    def save_as_the_coordinator():
        try:
            responses.append(coordinator.post(change_url(initiative), data))
        finally:
            connection.close()

    saving = threading.Thread(target=save_as_the_coordinator)
    with transaction.atomic():
        # The secretariat's save, in flight: the row is held until it commits.
        Initiative.objects.select_for_update().filter(pk=initiative.pk).order_by().exists()
        saving.start()
        assert wait_for_a_lock_wait(), "the coordinator's save did not wait for the row lock"
        initiative_update(initiative=Initiative.objects.get(pk=initiative.pk), title_da="Borgerservice for alle")
    saving.join(timeout=60)

    [response] = responses
    assert any("“Borgerservice for alle”" in line for line in refusal(response))
    initiative.refresh_from_db()
    assert (initiative.title_da, initiative.title_en) == ("Borgerservice for alle", "Test initiative 1")


@pytest.mark.usefixtures("english")
def test_a_revert_opened_before_someone_elses_save_is_refused_too(secretariat, coordinator, initiative):
    first = initiative.history.earliest()
    revert_url = reverse("admin:initiatives_initiative_simple_history", args=[initiative.pk, first.history_id])
    revert_form = secretariat.get(revert_url)
    assert coordinator.post(
        change_url(initiative), change_form_data(coordinator.get(change_url(initiative)), title_en="Citizen service")
    ).status_code == 302

    refused = secretariat.post(revert_url, change_form_data(revert_form))

    assert any(line.startswith("title (English): “Test initiative 1” → “Citizen service”") for line in refusal(refused))
    assert Initiative.objects.get(pk=initiative.pk).title_en == "Citizen service"
    # Saving again reverts on top of it: the field the revert did not change keeps the new value.
    assert secretariat.post(revert_url, change_form_data(refused)).status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).title_en == "Citizen service"
