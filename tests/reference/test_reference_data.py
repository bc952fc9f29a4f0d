import io

from django.core.management import call_command

from authorities.models import Authority, Kind, Level
from initiatives.models import Initiative
from strategies.models import Strategy


def test_it_loads_98_municipalities_in_5_regions(reference_data):
    municipalities = Authority.objects.municipalities()
    assert municipalities.count() == 98
    assert Authority.objects.regions().count() == 5
    per_region = {r.code: municipalities.filter(region=r).count() for r in Authority.objects.regions()}
    # Statistics Denmark's division: Hovedstaden 29, Sjælland 17, Syddanmark 22, Midtjylland 19, Nordjylland 11.
    assert per_region == {"1084": 29, "1085": 17, "1083": 22, "1082": 19, "1081": 11}


def test_the_official_codes_are_right(reference_data):
    assert Authority.objects.get(kind=Kind.MUNICIPALITY, code="0101").name_da == "Københavns Kommune"
    assert Authority.objects.get(kind=Kind.MUNICIPALITY, code="0751").region.code == "1082"
    assert Authority.objects.get(kind=Kind.REGION, code="1084").name_da == "Region Hovedstaden"
    assert Authority.objects.get(kind=Kind.REGION, code="1084").nuts2 == "DK01"


def test_christianso_is_outside_the_municipal_division(reference_data):
    christianso = Authority.objects.get(code="0411")
    assert christianso.outside_municipal_division
    assert christianso.kind != Kind.MUNICIPALITY


def test_it_loads_the_strategies_2001_to_2029(reference_data):
    periods = list(Strategy.objects.values_list("start_year", "end_year"))
    assert periods == [(2001, 2004), (2004, 2006), (2007, 2010), (2011, 2015), (2016, 2020), (2022, 2025), (2026, 2029)]
    assert Strategy.objects.get(code="2022-2025").source_url.startswith("https://")


def test_it_leaves_out_what_has_no_source_and_marks_nothing_invented(reference_data):
    assert not Authority.objects.filter(name_da="Udbetaling Danmark").exists()
    assert not Authority.objects.filter(is_illustrative=True).exists()
    assert Authority.objects.get(name_da="KL").level == Level.MUNICIPAL
    # English names the compiler could not verify are not shown as fact.
    assert Authority.objects.get(name_da="Sundhedsdatastyrelsen").name_en == ""


def test_reference_initiatives_keep_their_documented_lead(reference_data):
    mitid = Initiative.objects.get(reference_key="mitid")
    assert mitid.lead.name_da == "Digitaliseringsstyrelsen"
    assert not mitid.is_illustrative
    assert Initiative.objects.get(reference_key="digital_post").strategy.code == "2011-2015"


def test_a_second_run_changes_nothing(reference_data):
    history_before = Authority.history.count() + Strategy.history.count() + Initiative.history.count()
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "0 rows written" in out.getvalue()
    assert Authority.history.count() + Strategy.history.count() + Initiative.history.count() == history_before


def test_running_it_twice_changes_nothing_in_the_database(reference_data, database_snapshot):
    before = database_snapshot()
    call_command("load_reference_data", stdout=io.StringIO())
    assert database_snapshot() == before


def test_it_says_what_it_left_out_and_why_without_the_compilers_notes(db):
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    output = out.getvalue()
    assert "left out: Udbetaling Danmark: no source" in output
    assert "verify" not in output.lower() and "not found" not in output.lower()
