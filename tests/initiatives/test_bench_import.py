"""`bench_import` times the admin's import through the admin and leaves the portfolio as it was."""

import io
import json

import pytest
from django.core.management import call_command

from initiatives.models import Initiative


@pytest.mark.django_db(transaction=True)
def test_bench_import_prints_its_figures_and_puts_the_titles_back(analyst, make_initiative, kobenhavn):
    for _ in range(3):
        make_initiative(kobenhavn)
    titles = dict(Initiative.objects.values_list("pk", "title_en"))
    out = io.StringIO()

    call_command("bench_import", "--rows", "3", stdout=out)

    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["rows"] == 3
    for step in ("edit", "restore"):
        assert figures[step]["preview_seconds"] > 0 and figures[step]["confirm_seconds"] > 0
        assert figures[step]["confirm_other_writes"]["other_writes"] >= 1
    assert dict(Initiative.objects.values_list("pk", "title_en")) == titles
