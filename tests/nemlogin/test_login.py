"""Logging in through NemLog-in (OIOSAML 3) against the test IdP (tests/nemlogin/idp.py): a good
answer logs København's coordinator in and lands them in their scoped admin; every bad answer is
refused with its message, recorded, and creates nothing (issue 17)."""

import base64

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from authorities.models import Coordinator
from nemlogin.models import LoginEvent, LoginOutcome, PrivilegeMapping, Role
from tests.clients import change_form_data
from tests.nemlogin.idp import COORDINATOR_PRIVILEGE, KOBENHAVN_CVR, UNKNOWN_CVR, Person

pytestmark = pytest.mark.django_db

METTE = Person()
USERNAME = "nemlogin-5b1d1b0e-6a86-4a3a-9d55-0f2b7f1c0a11"


def start_login(client, idp, next_path: str = ""):
    response = client.get("/saml2/login/", {"next": next_path} if next_path else {})
    assert response.status_code == 302 and response["Location"].startswith(idp.sso_url)
    return idp.read_request(response["Location"])


def log_in(client, idp, person: Person = METTE, **answer):
    request, relay_state = start_login(client, idp)
    saml_response = idp.answer(request, person, **answer)
    return client.post("/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state})


def counts() -> tuple[int, int]:
    return User.objects.count(), Coordinator.objects.count()


# --- Good logins ----------------------------------------------------------------------------------


def test_the_first_login_creates_the_coordinator_for_the_cvrs_authority_and_opens_their_admin(
    client, nemlogin_configured, kobenhavn_connected
):
    response = log_in(client, nemlogin_configured)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    user = User.objects.get(username=USERNAME)
    assert (user.first_name, user.last_name, user.email) == ("Mette", "Hansen", "mette.hansen@kk.example.dk")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(Coordinator.objects.filter(user=user).values_list("authority", flat=True)) == [kobenhavn_connected.pk]
    assert user.groups.filter(name="Coordinators").exists()
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "koordinator for Københavns Kommune" in admin.content.decode()
    event = LoginEvent.objects.get()
    assert (event.outcome, event.user, event.cvr) == (LoginOutcome.LOGGED_IN, user, KOBENHAVN_CVR)
    assert event.message == "første login, CVR-nummer 64942212: koordinator for Københavns Kommune"


def test_the_answer_needs_no_csrf_token_as_it_comes_from_nemlogin(nemlogin_configured, kobenhavn_connected):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = log_in(client, nemlogin_configured)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_later_login_brings_the_user_up_to_date(client, nemlogin_configured, kobenhavn_connected):
    log_in(client, nemlogin_configured)
    client.logout()
    renamed = Person(last_name="Hansen-Berg", email="mette.hansen-berg@kk.example.dk")
    log_in(client, nemlogin_configured, renamed)
    user = User.objects.get(username=USERNAME)
    assert (user.last_name, user.email) == ("Hansen-Berg", "mette.hansen-berg@kk.example.dk")
    assert Coordinator.objects.filter(user=user).count() == 1

    # Her organisation takes the privilege away in MitID Erhverv: the next login takes the role away.
    client.logout()
    response = log_in(client, nemlogin_configured, Person(privileges=[]))
    user.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/"
    assert not user.is_staff and not Coordinator.objects.filter(user=user).exists()
    assert not user.groups.filter(name="Coordinators").exists()
    history = Coordinator.history.filter(user_id=user.pk).order_by("history_date")
    assert [record.history_type for record in history] == ["+", "-"]


def test_without_a_mapped_privilege_the_user_reads_the_dashboard_but_edits_nothing(
    client, nemlogin_configured, kobenhavn_connected
):
    response = log_in(client, nemlogin_configured, Person(privileges=["https://other.example/roles/unknown"]))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 302  # to the admin's login: not staff
    assert not Coordinator.objects.exists()


def test_privileges_granted_for_another_organisation_do_not_count(client, nemlogin_configured, kobenhavn_connected):
    person = Person()
    request, relay_state = start_login(client, nemlogin_configured)
    attributes = person.attributes()
    from tests.nemlogin.idp import privileges_attribute

    attributes["https://data.gov.dk/model/core/eid/privilegesIntermediate"] = [
        privileges_attribute(UNKNOWN_CVR, COORDINATOR_PRIVILEGE)
    ]
    person.attributes = lambda: attributes
    client.post("/saml2/acs/", {"SAMLResponse": nemlogin_configured.answer(request, person),
                                "RelayState": relay_state})
    assert not User.objects.get(username=USERNAME).is_staff


def test_the_sp_metadata_is_at_a_stable_address_and_asks_for_signed_assertions(client, nemlogin_configured):
    response = client.get("/saml2/metadata/")
    assert response.status_code == 200
    metadata = response.content.decode()
    assert 'entityID="https://portfolio.example.org/saml2/metadata/"' in metadata
    assert 'AuthnRequestsSigned="true"' in metadata and 'WantAssertionsSigned="true"' in metadata
    assert 'use="signing"' in metadata and 'use="encryption"' in metadata
    assert "http://testserver/saml2/acs/" in metadata and "http://testserver/saml2/ls/" in metadata


def test_the_authn_request_is_signed_and_asks_for_substantial(client, nemlogin_configured):
    request, _relay_state = start_login(client, nemlogin_configured)  # read_request checks the signature
    assert request.requested_authn_context.authn_context_class_ref[0].text == (
        "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    )


# --- Bad answers: refused with their message, recorded, nothing created -------------------------------


def refused(response, message: str, reason: str, heading: str = "You could not be logged in") -> None:
    assert response.status_code == 403
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert message in page
    assert "_auth_user_id" not in response.wsgi_request.session
    event = LoginEvent.objects.latest("pk")
    assert (event.outcome, event.reason) == (LoginOutcome.REFUSED, reason)


@pytest.fixture
def english_refusals(english):
    return english


def test_an_unknown_cvr_is_refused_naming_it_and_whom_to_contact(client, nemlogin_configured, kobenhavn_connected,
                                                                 english_refusals):
    before = counts()
    response = log_in(client, nemlogin_configured, Person(cvr=UNKNOWN_CVR, organisation="Eksempel A/S"))
    refused(response, f"Your organisation, CVR number {UNKNOWN_CVR} (Eksempel A/S), is not connected to the "
                      "strategy portfolio. Ask the secretariat of the joint digital strategies", "unknown_cvr")
    assert counts() == before
    assert LoginEvent.objects.get().cvr == UNKNOWN_CVR


def test_the_refusal_is_in_danish_by_default(client, nemlogin_configured, kobenhavn_connected):
    response = log_in(client, nemlogin_configured, Person(cvr=UNKNOWN_CVR, organisation="Eksempel A/S"))
    refused(response, f"Din organisation, CVR-nummer {UNKNOWN_CVR} (Eksempel A/S), er ikke koblet på "
                      "strategiporteføljen.", "unknown_cvr", heading="Du kunne ikke logges ind")


def test_a_low_assurance_level_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    before = counts()
    response = log_in(client, nemlogin_configured, Person(loa="Low"))
    refused(response, "You logged in at the assurance level “Low”. The strategy portfolio requires at least "
                      "Substantial", "low_assurance")
    assert counts() == before


def test_an_expired_answer_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    before = counts()
    request, relay_state = start_login(client, nemlogin_configured)
    saml_response = nemlogin_configured.answer(request, METTE)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        response = client.post("/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state})
    refused(response, "The answer from NemLog-in has expired", "expired")
    assert counts() == before


def test_an_assertion_past_its_validity_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    before = counts()
    response = log_in(client, nemlogin_configured, expired=True)
    refused(response, "The answer from NemLog-in has expired or was not meant for this service.", "expired")
    assert counts() == before


def test_a_replayed_answer_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    request, relay_state = start_login(client, nemlogin_configured)
    saml_response = nemlogin_configured.answer(request, METTE)
    assert client.post("/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state}).status_code == 302
    client.logout()
    before = counts()
    response = client.post("/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state})
    refused(response, "was not for a login started here, or it has been used already", "replayed")
    assert counts() == before


def test_an_answer_nobody_asked_for_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    request, relay_state = start_login(client, nemlogin_configured)
    saml_response = nemlogin_configured.answer(request, METTE)
    stranger = client.__class__()
    response = stranger.post("/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state})
    refused(response, "was not for a login started here", "replayed")
    assert not User.objects.filter(username=USERNAME).exists()


def test_an_unsigned_answer_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    before = counts()
    response = log_in(client, nemlogin_configured, signed=False)
    refused(response, "was not signed by NemLog-in", "bad_signature")
    assert counts() == before


def test_an_answer_signed_by_another_key_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    before = counts()
    response = log_in(client, nemlogin_configured, other_key=True)
    refused(response, "was not signed by NemLog-in", "bad_signature")
    assert counts() == before


def test_a_tampered_answer_is_refused(client, nemlogin_configured, kobenhavn_connected, english_refusals):
    request, relay_state = start_login(client, nemlogin_configured)
    saml_response = nemlogin_configured.answer(request, METTE, encrypted=False)
    xml = base64.b64decode(saml_response).decode().replace(KOBENHAVN_CVR, "55133018")
    response = client.post("/saml2/acs/", {"SAMLResponse": base64.b64encode(xml.encode()).decode(),
                                           "RelayState": relay_state})
    assert response.status_code == 403
    assert not User.objects.filter(username=USERNAME).exists()


@pytest.mark.parametrize("garbage", ["", "not base64 at all", base64.b64encode(b"<not-saml/>").decode(), "\x00" * 5])
def test_garbage_instead_of_an_answer_is_a_clear_refusal(client, nemlogin_configured, english_refusals, garbage):
    start_login(client, nemlogin_configured)
    response = client.post("/saml2/acs/", {"SAMLResponse": garbage})
    assert response.status_code in (400, 403)
    assert User.objects.count() == 0


# --- Single logout -------------------------------------------------------------------------------------


def test_logging_out_ends_the_nemlogin_session_too(client, nemlogin_configured, kobenhavn_connected):
    log_in(client, nemlogin_configured)
    response = client.post("/accounts/logout/")
    # A page that moves on by itself (a form's redirect to NemLog-in would break the CSP's form-action).
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/saml2/logout/">' in response.content.decode()
    to_idp = client.get("/saml2/logout/")
    assert to_idp.status_code == 302 and to_idp["Location"].startswith("https://idp.nemlogin.test/slo")
    back = client.get(nemlogin_configured.answer_logout(to_idp["Location"]).replace("http://testserver", ""))
    assert back.status_code == 302 and back["Location"] == "/accounts/login/", back["Location"]
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_admins_logout_ends_the_nemlogin_session_too(client, nemlogin_configured, kobenhavn_connected):
    log_in(client, nemlogin_configured)
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/saml2/logout/">' in response.content.decode()


def test_a_password_login_logs_out_as_before(client, nemlogin_configured, analyst):
    client.force_login(analyst)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


# --- Nothing configured -----------------------------------------------------------------------------


def test_with_nothing_configured_there_is_no_nemlogin_and_the_login_page_is_as_before(client):
    for path in ["/saml2/login/", "/saml2/acs/", "/saml2/metadata/", "/saml2/logout/", "/saml2/ls/"]:
        assert client.get(path).status_code == 404, path
    page = client.get("/accounts/login/").content.decode()
    assert "saml2" not in page and "MitID" not in page


def test_when_configured_the_login_page_offers_mitid_first(client, nemlogin_configured, english):
    page = client.get("/accounts/login/", {"next": "/impact/"}).content.decode()
    assert '<a class="button button-primary" href="/saml2/login/?next=/impact/">Log in with MitID (NemLog-in)</a>' in page
    assert 'name="password"' in page  # the break-glass administrators' form stays


def test_the_secretariat_reads_the_login_record_and_coordinators_do_not(client, nemlogin_configured, kobenhavn_connected,
                                                                        analyst, kobenhavn_coordinator):
    log_in(client, nemlogin_configured, Person(cvr=UNKNOWN_CVR))
    client.force_login(analyst)
    page = client.get("/admin/nemlogin/loginevent/")
    assert page.status_code == 200 and UNKNOWN_CVR in page.content.decode()
    event = LoginEvent.objects.get()
    assert client.get(f"/admin/nemlogin/loginevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/nemlogin/loginevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(kobenhavn_coordinator)
    assert client.get("/admin/nemlogin/loginevent/").status_code == 403


def test_the_secretariat_maintains_the_privilege_mappings_with_history(client, analyst, kobenhavn_coordinator):
    client.force_login(analyst)
    add = client.get("/admin/nemlogin/privilegemapping/add/")
    assert add.status_code == 200
    mapping = PrivilegeMapping.objects.create(privilege=COORDINATOR_PRIVILEGE, role=Role.COORDINATOR)
    assert mapping.history.count() == 1
    assert client.get("/admin/nemlogin/privilegemapping/").status_code == 200
    client.force_login(kobenhavn_coordinator)
    assert client.get("/admin/nemlogin/privilegemapping/").status_code == 403


def test_an_approver_privilege_makes_the_user_approver_of_their_authoritys_status_reports(
    client, nemlogin_configured, kobenhavn_connected
):
    from reporting.models import Approver

    approver_privilege = "https://portfolio.example.org/roles/approver"
    PrivilegeMapping.objects.create(privilege=approver_privilege, role=Role.APPROVER)
    log_in(client, nemlogin_configured, Person(privileges=[approver_privilege]))
    user = User.objects.get(username=USERNAME)
    assert list(Approver.objects.filter(user=user).values_list("authority", flat=True)) == [kobenhavn_connected.pk]
    assert not user.is_staff and not Coordinator.objects.filter(user=user).exists()  # approves on the pages
    assert LoginEvent.objects.get().message.endswith(": godkender for Københavns Kommune")

    # Both privileges, then neither: the roles follow MitID Erhverv at each login.
    client.logout()
    log_in(client, nemlogin_configured, Person(privileges=[approver_privilege, COORDINATOR_PRIVILEGE]))
    user.refresh_from_db()
    assert user.is_staff and Approver.objects.filter(user=user).count() == 1
    client.logout()
    log_in(client, nemlogin_configured, Person(privileges=[]))
    assert not Approver.objects.filter(user=user).exists() and not Coordinator.objects.filter(user=user).exists()


def test_a_secretariat_reader_privilege_reads_the_whole_admin_and_goes_with_the_privilege(
    client, nemlogin_configured, kobenhavn_connected, aarhus
):
    from common.roles import reads_everything

    reader_privilege = "https://portfolio.example.org/roles/secretariat-reader"
    # In the test, København plays the secretariat's own organisation.
    PrivilegeMapping.objects.create(privilege=reader_privilege, role=Role.SECRETARIAT_READER,
                                    authority=kobenhavn_connected)
    response = log_in(client, nemlogin_configured, Person(privileges=[reader_privilege]))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    user = User.objects.get(username=USERNAME)
    assert user.is_staff and reads_everything(user) and not Coordinator.objects.filter(user=user).exists()
    assert client.get(f"/admin/authorities/authority/{aarhus.pk}/change/").status_code == 200
    assert LoginEvent.objects.get().message.endswith(": læser i sekretariatet")

    client.logout()
    log_in(client, nemlogin_configured, Person(privileges=[]))
    user = User.objects.get(username=USERNAME)
    assert not user.is_staff and not reads_everything(user)


def test_a_privilege_mapping_changed_in_the_admin_is_in_its_history_and_the_recent_changes(client, analyst):
    mapping = PrivilegeMapping.objects.create(privilege=COORDINATOR_PRIVILEGE, role=Role.COORDINATOR)
    client.force_login(analyst)
    page = client.get(f"/admin/nemlogin/privilegemapping/{mapping.pk}/change/")
    data = change_form_data(page, role=Role.APPROVER)
    assert client.post(f"/admin/nemlogin/privilegemapping/{mapping.pk}/change/", data).status_code == 302
    latest = mapping.history.first()
    assert (latest.role, latest.history_user, latest.history_type) == (Role.APPROVER, analyst, "~")
    recent = client.get("/admin/recent-changes/", {"model": "nemlogin.privilegemapping"})
    assert COORDINATOR_PRIVILEGE in recent.content.decode()


def test_a_cvr_number_entered_in_the_admin_is_in_the_authoritys_history(client, analyst, aarhus):
    client.force_login(analyst)
    url = f"/admin/authorities/authority/{aarhus.pk}/change/"
    response = client.post(url, change_form_data(client.get(url), cvr="55133018"))
    assert response.status_code == 302
    latest = aarhus.history.first()
    assert (latest.cvr, latest.history_user, latest.history_type) == ("55133018", analyst, "~")
    assert "55133018" in client.get(f"{url[:-len('change/')]}history/").content.decode()


def test_a_reader_privilege_granted_by_another_organisation_gives_nothing(
    client, nemlogin_configured, kobenhavn_connected, aarhus
):
    from common.roles import reads_everything

    reader_privilege = "https://portfolio.example.org/roles/secretariat-reader"
    PrivilegeMapping.objects.create(privilege=reader_privilege, role=Role.SECRETARIAT_READER, authority=aarhus)
    response = log_in(client, nemlogin_configured, Person(privileges=[reader_privilege]))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username=USERNAME)
    assert not user.is_staff and not reads_everything(user)
    assert LoginEvent.objects.get().message.endswith(": ingen rolle: læser dashboardet")


def test_a_reader_mapping_without_its_organisation_is_refused_naming_why(client, analyst, english):
    client.force_login(analyst)
    response = client.post("/admin/nemlogin/privilegemapping/add/", {
        "privilege": "https://portfolio.example.org/roles/secretariat-reader", "role": Role.SECRETARIAT_READER,
        "authority": "",
    })
    assert response.status_code == 200
    assert "choose the one authority whose organisation may grant it" in response.content.decode()
    assert not PrivilegeMapping.objects.exists()
