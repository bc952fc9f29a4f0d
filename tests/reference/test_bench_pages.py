"""bench_pages times the pages a user can actually open: as a coordinator, the agreement and risk it
times are ones their authority may read, not a 404 timed as if it were a page."""

import io
import json

from django.core.management import call_command

from summaries.engine.run import recompute_summaries


def test_every_page_it_times_answers_200_for_a_coordinator_and_the_secretariat(demo):
    recompute_summaries()
    for username in ("kk-coordinator", "rm-coordinator", "digst-coordinator", "analyst"):
        out = io.StringIO()
        call_command("bench_pages", runs=1, username=username, stdout=out)
        figures = json.loads(out.getvalue().strip().splitlines()[-1])
        assert {row["page"]: row["status"] for row in figures["pages"] if row["status"] != 200} == {}, username
        names = {row["page"] for row in figures["pages"]}
        assert {"agreement", "risk"} <= names, username
