import io
import json

import pytest
from django.core.management import call_command

from reporting.models import Cycle

pytestmark = pytest.mark.django_db


def test_bench_reporting_prints_its_figures_and_leaves_nothing_behind(analyst, initiatives):
    out = io.StringIO()
    call_command("bench_reporting", "--runs", "1", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["reports"] == 5  # every initiative of every strategy, the completed one made active
    assert {page["page"] for page in figures["pages"]} >= {"steering report (frozen)", "compare"}
    assert all(page["status"] == 200 for page in figures["pages"])
    assert not Cycle.objects.exists()
