"""The access log for personal data (issue 17): every view of a person's data in the admin and the
summary preview is recorded; the database refuses to change or delete a record before the retention;
the secretariat exports for one data subject the dates and purposes, never who looked; the nightly
purge keeps exactly the records inside the retention."""

import csv
import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accesslog.models import PersonalDataAccess, Purpose
from accesslog.services import access_log_purge, access_record, retention_cutoff
from accesslog.tasks import purge_access_log
from portfolio.celery import app as celery_app
from tests.conftest import make_coordinator
from tests.portfolio.test_settings import import_settings

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/accesslog/personaldataaccess/"


def logged(**filters) -> list[tuple[str, str, str]]:
    rows = PersonalDataAccess.objects.filter(**filters).order_by("pk")
    return [(User.objects.get(pk=r.viewer_id).username, User.objects.get(pk=r.subject_id).username, r.purpose) for r in rows]


# --- What is recorded ---------------------------------------------------------------------------


def test_opening_a_users_profile_in_the_admin_is_recorded_with_its_purpose(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    before = timezone.now()
    response = client.get(f"/admin/auth/user/{kobenhavn_coordinator.pk}/change/")
    assert response.status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.USER_PROFILE)]
    assert PersonalDataAccess.objects.get().viewed_at >= before


def test_a_profile_shown_again_with_errors_is_recorded_again(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    response = client.post(f"/admin/auth/user/{kobenhavn_coordinator.pk}/change/", {"username": ""})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert logged() == [("analyst", "kk-coordinator", Purpose.USER_PROFILE)]


def test_looking_at_ones_own_profile_is_not_recorded(client, analyst):
    client.force_login(analyst)
    assert client.get(f"/admin/auth/user/{analyst.pk}/change/").status_code == 200
    assert PersonalDataAccess.objects.count() == 0


def test_the_coordinator_list_records_each_coordinator_shown(client, analyst, kobenhavn_coordinator, aarhus):
    make_coordinator("aarhus-coordinator", aarhus)
    client.force_login(analyst)
    response = client.get("/admin/authorities/coordinator/")
    assert response.status_code == 200
    assert sorted(logged()) == [
        ("analyst", "aarhus-coordinator", Purpose.COORDINATOR_LIST),
        ("analyst", "kk-coordinator", Purpose.COORDINATOR_LIST),
    ]


def test_the_coordinator_list_records_only_the_page_shown(client, analyst, kobenhavn_coordinator, aarhus):
    make_coordinator("aarhus-coordinator", aarhus)
    client.force_login(analyst)
    assert client.get("/admin/authorities/coordinator/", {"q": "aarhus"}).status_code == 200
    assert logged() == [("analyst", "aarhus-coordinator", Purpose.COORDINATOR_LIST)]


def test_the_list_of_users_records_each_user_shown(client, analyst, kobenhavn_coordinator, outsider):
    client.force_login(analyst)
    assert client.get("/admin/auth/user/").status_code == 200
    assert sorted(logged()) == [
        ("analyst", "kk-coordinator", Purpose.USER_LIST),
        ("analyst", "outsider", Purpose.USER_LIST),
    ]


def test_an_authoritys_page_records_its_coordinators(client, analyst, kobenhavn_coordinator, kobenhavn, aarhus):
    make_coordinator("kk-second", kobenhavn)
    client.force_login(kobenhavn_coordinator)
    assert client.get(f"/admin/authorities/authority/{kobenhavn.pk}/change/").status_code == 200
    assert logged() == [("kk-coordinator", "kk-second", Purpose.AUTHORITY_COORDINATORS)]  # not themself
    client.force_login(analyst)
    assert client.get(f"/admin/authorities/authority/{aarhus.pk}/change/").status_code == 200
    assert len(logged()) == 1  # Aarhus has no coordinators: nobody's data was shown


def test_previewing_another_users_summary_is_recorded_for_the_page_and_its_email(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    query = {"user": "kk-coordinator", "date": "2026-11-27"}
    assert client.get("/subscriptions/preview/", query).status_code == 200
    assert client.get("/subscriptions/preview/email.html", query).status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.SUMMARY_PREVIEW)] * 2


def test_a_refused_or_failed_preview_records_nothing(client, analyst, kobenhavn_coordinator, outsider):
    client.force_login(outsider)
    assert client.get("/subscriptions/preview/", {"user": "kk-coordinator"}).status_code == 403
    client.force_login(analyst)
    assert client.get("/subscriptions/preview/", {"user": "nobody-by-this-name"}).status_code == 200
    assert PersonalDataAccess.objects.count() == 0


def test_a_users_history_and_password_pages_are_recorded(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    assert client.get(f"/admin/auth/user/{kobenhavn_coordinator.pk}/history/").status_code == 200
    assert client.get(f"/admin/auth/user/{kobenhavn_coordinator.pk}/password/").status_code == 200
    assert logged() == [
        ("analyst", "kk-coordinator", Purpose.USER_HISTORY), ("analyst", "kk-coordinator", Purpose.USER_PROFILE)
    ]


def test_a_coordinators_assignment_and_its_history_are_recorded(client, analyst, kobenhavn_coordinator):
    from authorities.models import Coordinator

    assignment = Coordinator.objects.get(user=kobenhavn_coordinator)
    client.force_login(analyst)
    assert client.get(f"/admin/authorities/coordinator/{assignment.pk}/change/").status_code == 200
    assert client.get(f"/admin/authorities/coordinator/{assignment.pk}/history/").status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.COORDINATOR_PROFILE)] * 2


def test_the_invitation_page_records_the_coordinators_it_lists(client, analyst, kobenhavn_coordinator, kobenhavn):
    client.force_login(analyst)
    assert client.get(f"/admin/authorities/authority/{kobenhavn.pk}/invite-coordinator/").status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.AUTHORITY_COORDINATORS)]


def test_recent_changes_filtered_by_a_user_are_recorded_for_that_user(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    assert client.get("/admin/recent-changes/").status_code == 200
    assert client.get("/admin/recent-changes/", {"user": "999999999999999999999"}).status_code == 200
    assert PersonalDataAccess.objects.count() == 0  # nobody's, and nobody in particular
    assert client.get("/admin/recent-changes/", {"user": kobenhavn_coordinator.pk}).status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.RECENT_CHANGES_BY_USER)]


def test_the_approvers_list_and_page_record_the_approvers_shown(client, analyst, kobenhavn):
    from reporting.models import Approver

    approver = Approver.objects.create(user=make_coordinator("kk-approver"), authority=kobenhavn)
    client.force_login(analyst)
    assert client.get("/admin/reporting/approver/").status_code == 200
    assert client.get(f"/admin/reporting/approver/{approver.pk}/change/").status_code == 200
    assert logged() == [("analyst", "kk-approver", Purpose.APPROVER_LIST)] * 2


def test_the_login_record_records_the_people_it_shows(client, analyst, kobenhavn_coordinator):
    from nemlogin.models import LoginMethod, LoginOutcome
    from nemlogin.services import login_event_record

    login_event_record(method=LoginMethod.NEMLOGIN, outcome=LoginOutcome.LOGGED_IN, user=kobenhavn_coordinator)
    login_event_record(method=LoginMethod.NEMLOGIN, outcome=LoginOutcome.REFUSED, cvr="12345678")  # nobody's
    client.force_login(analyst)
    assert client.get("/admin/nemlogin/loginevent/").status_code == 200
    assert logged() == [("analyst", "kk-coordinator", Purpose.LOGIN_RECORD)]


# --- Append-only in the database --------------------------------------------------------------


@pytest.fixture
def record(analyst, outsider) -> PersonalDataAccess:
    access_record(viewer=analyst, subject_ids=[outsider.pk], purpose=Purpose.USER_PROFILE)
    return PersonalDataAccess.objects.get()


def refused(statement) -> str:
    with pytest.raises(IntegrityError, match="append-only") as error, transaction.atomic():
        statement()
    return str(error.value)


def test_the_database_refuses_to_change_a_record(record, analyst):
    refused(lambda: PersonalDataAccess.objects.filter(pk=record.pk).update(purpose=Purpose.COORDINATOR_LIST))
    refused(lambda: PersonalDataAccess.objects.filter(pk=record.pk).update(viewed_at=record.viewed_at - relativedelta(years=2)))
    record.subject_id = analyst.pk
    refused(lambda: record.save())
    assert PersonalDataAccess.objects.get().purpose == Purpose.USER_PROFILE


def test_the_database_refuses_to_delete_a_record_inside_the_minimum_retention(record):
    refused(lambda: record.delete())
    refused(lambda: PersonalDataAccess.objects.all().delete())
    almost_13_months = timezone.now() - relativedelta(months=13) + datetime.timedelta(minutes=5)
    PersonalDataAccess.objects.bulk_create([PersonalDataAccess(viewer_id=1, subject_id=2, viewed_at=almost_13_months,
                                                               purpose=Purpose.USER_PROFILE)])
    refused(lambda: PersonalDataAccess.objects.filter(viewed_at=almost_13_months).delete())
    assert PersonalDataAccess.objects.count() == 2


def test_raw_sql_is_refused_too(record):
    table = PersonalDataAccess._meta.db_table

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    refused(lambda: execute(f"UPDATE {table} SET purpose = 'coordinator_list'"))
    refused(lambda: execute(f"DELETE FROM {table}"))
    assert PersonalDataAccess.objects.count() == 1


@pytest.mark.services
def test_postgresql_refuses_update_and_delete_with_its_trigger(require_postgres, record):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [PersonalDataAccess._meta.db_table],
        )
        assert cursor.fetchall() == [("accesslog_append_only",)]
    message = refused(lambda: PersonalDataAccess.objects.update(purpose=Purpose.SUBJECT_EXPORT))
    assert "UPDATE refused" in message
    assert "DELETE refused" in refused(lambda: record.delete())


def test_the_triggers_survive_every_migration_of_the_table(db):
    # SQLite rebuilds a table to change its constraints, without its triggers (accesslog/triggers.py).
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s ORDER BY name",
                           [PersonalDataAccess._meta.db_table])
            assert cursor.fetchall() == [("accesslog_no_early_delete",), ("accesslog_no_update",)]
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                           [PersonalDataAccess._meta.db_table])
            assert cursor.fetchall() == [("accesslog_append_only",)]


def test_deleting_a_user_keeps_the_records_about_them(record, outsider):
    outsider.delete()
    assert PersonalDataAccess.objects.filter(subject_id=record.subject_id).count() == 1


def test_flush_empties_the_log_as_it_empties_every_table(transactional_db, analyst, outsider):
    access_record(viewer=analyst, subject_ids=[outsider.pk], purpose=Purpose.USER_PROFILE)
    call_command("flush", interactive=False, verbosity=0)
    assert PersonalDataAccess.objects.count() == 0


# --- The purge ----------------------------------------------------------------------------------


def add_records_at(*moments: datetime.datetime) -> None:
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(viewer_id=1, subject_id=2, viewed_at=m, purpose=Purpose.USER_PROFILE) for m in moments]
    )


@pytest.mark.parametrize("months", [13, 24])
def test_the_purge_keeps_exactly_the_records_inside_the_retention(settings, months):
    settings.ACCESS_LOG_RETENTION_MONTHS = months
    # The purge measures from the moment it runs, a little after this one.
    cutoff = retention_cutoff()
    inside = [cutoff + datetime.timedelta(seconds=30), cutoff + datetime.timedelta(days=1), timezone.now()]
    outside = [cutoff - datetime.timedelta(seconds=1), cutoff - datetime.timedelta(days=40),
               cutoff - relativedelta(years=3)]
    add_records_at(*inside, *outside)

    assert access_log_purge() == 3
    assert sorted(PersonalDataAccess.objects.values_list("viewed_at", flat=True)) == inside
    assert access_log_purge() == 0  # idempotent


def test_the_nightly_task_purges_and_is_on_the_beat_schedule():
    add_records_at(timezone.now() - relativedelta(months=14), timezone.now())
    assert purge_access_log.apply().get() == 1  # in this process, with or without a broker
    assert PersonalDataAccess.objects.count() == 1
    entry = celery_app.conf.beat_schedule["purge-access-log"]
    assert entry["task"] == "accesslog.tasks.purge_access_log"


@pytest.mark.parametrize("value", ["12", "0", "thirteen"])
def test_a_retention_below_13_months_stops_the_app_naming_the_variable(value):
    result = import_settings(ACCESS_LOG_RETENTION_MONTHS=value)
    assert result.returncode != 0
    assert "ACCESS_LOG_RETENTION_MONTHS" in result.stderr.splitlines()[-1]


# --- The data subject's export ------------------------------------------------------------------


def export_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))


def test_the_subject_export_gives_dates_and_purposes_without_the_viewers(client, analyst, kobenhavn_coordinator, english):
    viewer = User.objects.create_user(username="mette.viewer", first_name="Mette", last_name="Seer", is_staff=True)
    viewer.groups.add(analyst.groups.get())
    other_subject = User.objects.create_user(username="someone-else")
    seen = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 15))
    PersonalDataAccess.objects.bulk_create([
        PersonalDataAccess(viewer=viewer, subject=kobenhavn_coordinator, viewed_at=seen, purpose=Purpose.USER_PROFILE),
        PersonalDataAccess(viewer=viewer, subject=other_subject, viewed_at=seen, purpose=Purpose.USER_PROFILE),
    ])
    client.force_login(analyst)
    response = client.get(EXPORT_URL, {"username": "kk-coordinator"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="access-log-user-{kobenhavn_coordinator.pk}-')
    rows = export_rows(response)
    assert rows[0] == ["Date", "Time (Danish time)", "Purpose"]
    assert rows[1] == ["2026-03-02", "09:15", "User administration: the user's profile"]
    # The export is itself recorded, and listed.
    assert rows[2][2] == "Data subject's request: export of this log" and len(rows) == 3
    text = response.content.decode()
    for trace in ["mette", "Mette", "Seer", "analyst"]:
        assert trace not in text
    assert all(len(row) == 3 for row in rows)
    assert str(viewer.pk) not in [cell for row in rows for cell in row]
    assert logged(subject=kobenhavn_coordinator, purpose=Purpose.SUBJECT_EXPORT) == [
        ("analyst", "kk-coordinator", Purpose.SUBJECT_EXPORT)
    ]


def test_the_export_is_in_danish_by_default(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    rows = export_rows(client.get(EXPORT_URL, {"username": "kk-coordinator"}))
    assert rows[0] == ["Dato", "Klokkeslæt (dansk tid)", "Formål"]
    assert rows[1][2] == "Den registreredes anmodning: udtræk af denne log"


def test_the_export_page_asks_whose_log_and_names_an_unknown_user(client, analyst, english):
    client.force_login(analyst)
    page = client.get(EXPORT_URL).content.decode()
    assert "User name of the data subject" in page and "without the names of the staff" in page
    response = client.get(EXPORT_URL, {"username": "no-such-person"})
    assert response.status_code == 200
    assert "There is no user with the user name “no-such-person”." in response.content.decode()
    response = client.get(EXPORT_URL, {"username": "x" * 10_000})
    assert response.status_code == 200
    assert PersonalDataAccess.objects.count() == 0


def test_only_the_secretariat_may_export(client, kobenhavn_coordinator, analyst):
    client.force_login(kobenhavn_coordinator)
    assert client.get(EXPORT_URL, {"username": "analyst"}).status_code == 403
    assert "accesslog" not in client.get("/admin/").content.decode()
    client.logout()
    assert client.get(EXPORT_URL).status_code == 302  # to the admin's login
    assert PersonalDataAccess.objects.count() == 0


def test_the_admin_offers_no_way_to_add_change_or_delete_records(client, analyst, record):
    client.force_login(analyst)
    for path in ["add/", f"{record.pk}/change/", f"{record.pk}/delete/", f"{record.pk}/history/"]:
        assert client.get(f"{EXPORT_URL}{path}").status_code == 403, path
    assert client.post(f"{EXPORT_URL}{record.pk}/delete/", {"post": "yes"}).status_code == 403
