"""bench_summaries prints its figures, the last line as one JSON object."""

import datetime
import io
import json

from django.core.management import call_command

from initiatives.services import dependency_add

D = datetime.date


def test_the_bench_prints_every_figure_and_ends_with_them_as_json(make_initiative, kobenhavn, digst):
    platform = make_initiative(digst, forecast_start=D(2025, 1, 1), forecast_end=D(2025, 6, 30))
    service = make_initiative(kobenhavn, forecast_start=D(2025, 7, 1), forecast_end=D(2025, 12, 31))
    dependency_add(source=service, target=platform)
    out = io.StringIO()

    call_command("bench_summaries", "--runs", "1", "--sample", "2", "--no-worker", stdout=out)

    lines = out.getvalue().strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["initiatives"] == 4  # two here, two reference initiatives
    assert figures["full_recompute_seconds"] > 0
    assert figures["worker"] == "not measured: --no-worker"
    assert figures["edit_to_summary_seconds"] is None and figures["burst_recomputes"] is None
    assert figures["impact_ms"] > 0
    assert figures["naive_extrapolated_seconds"] >= 0 and "speedup" in figures
    assert any(line.startswith("Full recompute:") for line in lines)
    assert any(line.startswith("Naive baseline") for line in lines)
