"""The secretariat's reader (issue 17): reads the whole portfolio, in the admin too, and changes
nothing on any path; the rule is common.roles.reads_everything, asked by every visible_to."""

import datetime

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.services import agreement_request
from authorities.models import Authority
from benefits.models import Benefit
from common.roles import is_secretariat, reads_everything
from funding.models import FundingShare, FundingYear
from initiatives.models import Dependency, Initiative, Milestone, Participation
from initiatives.services import dependency_add, milestone_add
from reporting.models import StatusReport
from tests.conftest import make_coordinator


@pytest.fixture
def records(kobenhavn, aarhus, make_initiative):
    own = make_initiative(kobenhavn, code="KK.1")
    foreign = make_initiative(aarhus, code="AA.1", title_da="Aarhus egen plan")
    milestone_add(initiative=foreign, title_da="Aarhus milepæl", baseline_date=datetime.date(2025, 1, 1))
    dependency = dependency_add(source=foreign, target=own)
    agreement_request(dependency=dependency, user=make_coordinator("aa-asks", aarhus),
                      needed_by=datetime.date(2030, 1, 1), what_needed="Adgang til data")
    return {"own": own, "foreign": foreign}


@pytest.fixture
def reader_client(client, secretariat_reader):
    client.force_login(secretariat_reader)
    return client


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def test_the_reader_sees_every_row_and_may_change_none(secretariat_reader, records):
    reader = secretariat_reader
    assert reads_everything(reader) and not is_secretariat(reader)
    assert Agreement.objects.exists()
    for model in (Authority, Initiative, Participation, Milestone, Dependency, FundingYear, FundingShare, Benefit,
                  StatusReport, Agreement):
        assert model.objects.visible_to(reader).count() == model.objects.count(), model
    for model in (Authority, Initiative, FundingYear, FundingShare, Benefit, StatusReport):
        assert not model.objects.editable_by(reader).exists(), model
    assert not any(initiative.is_editable_by(reader) for initiative in Initiative.objects.all())


def test_an_inactive_reader_reads_nothing(secretariat_reader, records):
    secretariat_reader.is_active = False
    assert not reads_everything(secretariat_reader)
    assert not Initiative.objects.visible_to(secretariat_reader).exists()


def test_the_reader_reads_every_authoritys_records_in_the_admin(reader_client, records, aarhus):
    listing = reader_client.get(url("initiatives_initiative_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == Initiative.objects.count()
    page = reader_client.get(url("initiatives_initiative_change", records["foreign"].pk))
    assert page.status_code == 200 and "Aarhus egen plan" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert reader_client.get(url("authorities_authority_change", aarhus.pk)).status_code == 200
    assert reader_client.get(url("recent_changes")).status_code == 200
    index = reader_client.get(url("index")).content.decode()
    assert "læser hele porteføljen, ændrer intet" in index


def test_every_write_path_in_the_admin_is_refused_to_the_reader(reader_client, records, aarhus):
    foreign = records["foreign"]
    milestone = Milestone.objects.get(initiative=foreign)
    before = Initiative.history.count(), Milestone.objects.count()
    assert reader_client.get(url("initiatives_initiative_add")).status_code == 403
    assert reader_client.post(url("initiatives_initiative_change", foreign.pk), {"title_da": "Ændret"}).status_code == 403
    assert reader_client.post(url("initiatives_initiative_delete", foreign.pk), {"post": "yes"}).status_code == 403
    assert reader_client.post(url("authorities_authority_change", aarhus.pk), {"name_en": "Changed"}).status_code == 403
    revert = url("initiatives_initiative_simple_history", foreign.pk, foreign.history.first().history_id)
    assert reader_client.post(revert, {"title_da": "Ændret"}).status_code == 403
    bulk = reader_client.post(
        url("initiatives_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [milestone.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302, 403}
    assert reader_client.get(url("initiatives_initiative_import")).status_code == 403
    assert reader_client.post(url("initiatives_initiative_process_import"), {}).status_code == 403
    assert (Initiative.history.count(), Milestone.objects.count()) == before
    assert Initiative.objects.get(pk=foreign.pk).title_da == "Aarhus egen plan"


def test_the_reader_exports_every_authoritys_rows(reader_client, records):
    from tests.initiatives.test_admin_scoping import export_form_data

    response = reader_client.post(url("initiatives_initiative_export"), export_form_data("initiatives_initiative"))
    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert "KK.1" in content and "AA.1" in content


def test_the_readers_api_token_reads_every_authoritys_initiatives_and_writes_nothing(client, secretariat_reader, records):
    from api.services import token_create

    headers = {"Authorization": f"Token {token_create(user=secretariat_reader, days=30)[1]}"}
    foreign = records["foreign"]
    response = client.get(f"/api/v1/initiatives/{foreign.pk}/", headers=headers)
    assert response.status_code == 200 and response.json()["code"] == "AA.1"
    # The API takes changes now (PATCH by the lead or the secretariat): the reader's is refused, nothing saved.
    assert client.patch(f"/api/v1/initiatives/{foreign.pk}/", {"title_da": "x"}, headers=headers,
                        content_type="application/json").status_code == 403
    foreign.refresh_from_db()
    assert foreign.title_da != "x"


def test_the_reader_sees_every_authoritys_agreements_on_the_agreements_page(reader_client, records):
    page = reader_client.get(reverse("agreements:list"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == Agreement.objects.count() == 1
