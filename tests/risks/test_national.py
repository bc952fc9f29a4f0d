"""The national-scale seeder's risk register: deterministic, on the national initiatives only, some
linked to their own agreements and escalated by the register's rule, and made once."""

import datetime

from agreements import services as agreements
from initiatives.models import Initiative
from reference.national_risks import seed_national_risks
from risks.models import Risk
from strategies.models import FocusArea

D = datetime.date


def test_the_seeder_records_risks_on_the_national_initiatives_once(cross_dependency, kobenhavn_coordinator,
                                                                   strategy_2022, make_initiative, aarhus, today):
    area = FocusArea.objects.create(strategy=strategy_2022, code="N1", name_da="Benchmark", is_illustrative=True)
    national = [cross_dependency.source, cross_dependency.target]
    Initiative.objects.filter(pk__in=[i.pk for i in national]).update(focus_area=area, is_illustrative=True)
    other = make_initiative(aarhus)
    agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                             needed_by=D(2024, 6, 1), what_needed="The API")

    assert seed_national_risks(today=D(2024, 6, 2), count=40) == 40
    risks = Risk.objects.all()
    assert {risk.initiative_id for risk in risks} <= {i.pk for i in national} and other.pk not in {
        risk.initiative_id for risk in risks}
    linked = [risk for risk in risks if risk.agreement_id]
    assert linked and {risk.agreement_id for risk in linked} == {agreement.pk}
    assert all(risk.initiative_id == cross_dependency.source_id for risk in linked)
    # Unanswered after its needed-by date: the open linked risks are escalated, counted as certain.
    assert all(risk.escalated and risk.score == 5 * risk.impact for risk in linked if risk.status != "closed")
    assert seed_national_risks(today=D(2024, 6, 2), count=40) == 0
