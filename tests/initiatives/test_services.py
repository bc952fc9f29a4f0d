import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from initiatives.models import Dependency, Participation, Role
from initiatives.services import (
    dependency_add,
    dependency_update,
    initiative_update,
    participation_remove,
    participation_set,
)


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"



@pytest.fixture
def chain(kobenhavn, digst, region_midtjylland, make_initiative):
    """a → b → c: a municipal service needs a regional one, which needs central infrastructure."""
    a = make_initiative(kobenhavn, code="A")
    b = make_initiative(region_midtjylland, code="B")
    c = make_initiative(digst, code="C")
    dependency_add(source=a, target=b)
    dependency_add(source=b, target=c)
    return a, b, c


class TestDependencies:
    def test_a_cycle_is_rejected_and_named(self, chain):
        a, b, c = chain
        with pytest.raises(ValidationError) as error:
            dependency_add(source=c, target=a)
        assert "C → A → B → C" in str(error.value)
        assert Dependency.objects.count() == 2

    def test_a_direct_back_edge_is_a_cycle_too(self, chain):
        a, b, _ = chain
        with pytest.raises(ValidationError, match="B → A → B"):
            dependency_add(source=b, target=a)

    def test_an_update_that_would_close_a_cycle_is_rejected(self, chain, kobenhavn, make_initiative):
        a, b, c = chain
        d = make_initiative(kobenhavn, code="D")
        edge = dependency_add(source=c, target=d)
        with pytest.raises(ValidationError, match="cycle"):
            dependency_update(dependency=edge, target=a)

    def test_a_self_dependency_is_rejected(self, chain):
        a, _, _ = chain
        with pytest.raises(ValidationError, match="cannot depend on itself"):
            dependency_add(source=a, target=a)

    def test_the_database_rejects_a_self_dependency_and_a_duplicate(self, chain):
        a, b, _ = chain
        with pytest.raises(IntegrityError), transaction.atomic():
            Dependency.objects.create(source=a, target=a)
        with pytest.raises(IntegrityError), transaction.atomic():
            Dependency.objects.create(source=a, target=b)

    def test_a_duplicate_is_rejected_with_a_message(self, chain):
        a, b, _ = chain
        with pytest.raises(ValidationError, match="already exists"):
            dependency_add(source=a, target=b)

    def test_a_dependency_may_cross_strategies(self, chain, kobenhavn, make_initiative, strategy_2026):
        _, _, c = chain
        later = make_initiative(kobenhavn, code="L", strategy=strategy_2026)
        assert dependency_add(source=later, target=c).pk


class TestLeadAndParticipation:
    def test_the_lead_takes_part_as_lead(self, kobenhavn, make_initiative):
        initiative = make_initiative(kobenhavn)
        assert list(initiative.participations.values_list("authority", "role")) == [(kobenhavn.pk, Role.LEAD)]

    def test_a_new_lead_takes_over_and_the_old_becomes_co_owner(self, kobenhavn, aarhus, make_initiative):
        initiative = make_initiative(kobenhavn)
        participation_set(initiative=initiative, authority=aarhus, role=Role.CONTRIBUTOR)
        initiative_update(initiative=initiative, lead=aarhus)
        roles = dict(initiative.participations.values_list("authority", "role"))
        assert roles == {aarhus.pk: Role.LEAD, kobenhavn.pk: Role.CO_OWNER}

    def test_only_the_lead_can_have_the_lead_role(self, kobenhavn, aarhus, make_initiative):
        initiative = make_initiative(kobenhavn)
        with pytest.raises(ValidationError, match="Only the initiative's lead"):
            participation_set(initiative=initiative, authority=aarhus, role=Role.LEAD)

    def test_the_lead_cannot_be_demoted_or_removed(self, kobenhavn, make_initiative):
        initiative = make_initiative(kobenhavn)
        with pytest.raises(ValidationError, match="its role is lead"):
            participation_set(initiative=initiative, authority=kobenhavn, role=Role.CONTRIBUTOR)
        with pytest.raises(ValidationError, match="lead cannot be removed"):
            participation_remove(participation=Participation.objects.get(initiative=initiative))


class TestAuditTrail:
    def test_an_edit_is_recorded_with_who_and_what(self, kobenhavn, make_initiative, analyst):
        initiative = make_initiative(kobenhavn, title_da="Før")
        initiative._history_user = analyst
        initiative_update(initiative=initiative, title_da="Efter")
        latest, previous = initiative.history.all()[:2]
        delta = latest.diff_against(previous)
        assert latest.history_user == analyst
        assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "title_da"] == [("title_da", "Før", "Efter")]

    def test_a_dependency_and_its_removal_are_recorded(self, chain):
        a, b, _ = chain
        edge = Dependency.objects.get(source=a, target=b)
        edge.delete()
        assert [h.history_type for h in Dependency.history.filter(source_id=a.pk, target_id=b.pk)] == ["-", "+"]
