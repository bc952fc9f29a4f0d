"""An authority's CVR number: what a NemLog-in login's organisation is matched on (issue 17). The public
sources give none, so the secretariat enters them in the admin; coordinators see them read-only."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from authorities.models import Authority
from common.validators import is_valid_cvr

KOBENHAVN_CVR = "64942212"


@pytest.mark.parametrize("value", [KOBENHAVN_CVR, "29190925", "55133018"])
def test_real_cvr_numbers_pass_the_check_digit(value):
    assert is_valid_cvr(value)


@pytest.mark.parametrize("value", ["64942213", "6494221", "649422120", "6494221x", "６４９４２２１２", "", " 64942212"])
def test_anything_else_is_not_a_cvr_number(value):
    assert not is_valid_cvr(value)


def test_a_wrong_cvr_number_is_refused_with_a_message(kobenhavn, english):
    kobenhavn.cvr = "64942213"
    with pytest.raises(ValidationError) as error:
        kobenhavn.full_clean()
    assert error.value.message_dict["cvr"] == ["“64942213” is not a CVR number: 8 digits whose check digit matches."]


def test_two_authorities_cannot_share_a_cvr_number(kobenhavn, aarhus, english):
    kobenhavn.cvr = KOBENHAVN_CVR
    kobenhavn.save()
    aarhus.cvr = KOBENHAVN_CVR
    with pytest.raises(ValidationError) as error:
        aarhus.full_clean()
    assert "Another authority has this CVR number." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        aarhus.save()


def test_the_database_refuses_a_cvr_that_is_not_eight_digits(kobenhavn):
    with pytest.raises(IntegrityError), transaction.atomic():
        Authority.objects.filter(pk=kobenhavn.pk).update(cvr="6494221x")


def test_the_secretariat_enters_it_and_finds_authorities_by_it(client, analyst, kobenhavn):
    kobenhavn.cvr = KOBENHAVN_CVR
    kobenhavn.save()
    client.force_login(analyst)
    form = client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk])).context["adminform"].form
    assert "cvr" in form.fields
    found = client.get(reverse("admin:authorities_authority_changelist"), {"q": KOBENHAVN_CVR}).context["cl"]
    assert list(found.result_list) == [kobenhavn]


def test_a_coordinator_sees_it_read_only(client, kobenhavn_coordinator, kobenhavn):
    client.force_login(kobenhavn_coordinator)
    form = client.get(reverse("admin:authorities_authority_change", args=[kobenhavn.pk])).context["adminform"].form
    assert "cvr" not in form.fields


def test_it_is_kept_in_the_authoritys_history(kobenhavn):
    kobenhavn.cvr = KOBENHAVN_CVR
    kobenhavn.save()
    assert kobenhavn.history.first().cvr == KOBENHAVN_CVR
