import io
import json

import pytest
from django.core.management import call_command

from initiatives.models import Initiative
from reporting.models import Cycle

pytestmark = pytest.mark.django_db


def test_bench_reporting_prints_its_figures_and_leaves_nothing_behind(analyst, initiatives):
    out = io.StringIO()
    call_command("bench_reporting", "--runs", "1", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    # Every initiative of every strategy, the completed ones made active for the run.
    assert figures["reports"] == Initiative.objects.filter(strategy__isnull=False).count()
    assert Initiative.objects.filter(status="completed").exists()  # and back as they were
    assert {page["page"] for page in figures["pages"]} >= {"steering report, page 1", "compare", "compare (both frozen)"}
    assert all(page["status"] == 200 for page in figures["pages"])
    assert figures["pdf_bytes"] > 1000 and figures["pdf_s"] > 0 and figures["strategy"]
    assert not Cycle.objects.exists()
