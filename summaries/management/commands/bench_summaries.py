"""Measure the interdependency engine on the current database (made for `seed_demo --scale national`)."""

import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import deque

from celery import current_app as celery_app  # the project's app (portfolio/celery.py), without importing upward
from django.conf import settings
from django.core.management.base import BaseCommand

from authorities.models import Authority
from initiatives.models import OPEN_STATUSES, Dependency, Initiative, Participation
from initiatives.services import initiative_update
from summaries import freshness
from summaries.engine.run import recompute_summaries
from summaries.impact import impact_of_delay
from summaries.models import SCOPE_ALL, SummaryRun, SummaryState, SummaryTrigger


class Command(BaseCommand):
    help = (
        "Benchmark the summaries engine on this database: full recompute, edit to updated summaries through a "
        "real worker, recomputes per burst of 100 edits, impact analysis, and a naive ORM walk for comparison. "
        "The edits shift forecast dates by a day and shift them back (through the services, so they appear in "
        "the history). The last line is all figures as one JSON object."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="full recomputes to take the median of")
        parser.add_argument("--sample", type=int, default=10, help="initiatives walked naively through the ORM")
        parser.add_argument(
            "--naive-budget", type=float, default=120,
            help="seconds the naive walk may take; it stops sampling then (at least one initiative is walked)",
        )
        parser.add_argument("--impact-days", type=int, default=180, help="the delay the impact analysis assumes")
        parser.add_argument("--no-worker", action="store_true", help="skip the measurements that need a worker")
        parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the worker at most")

    def handle(self, *args, runs, sample, naive_budget, impact_days, no_worker, timeout, **options):
        self.timeout = timeout
        figures: dict = {
            "initiatives": Initiative.objects.count(),
            "dependencies": Dependency.objects.count(),
            "participations": Participation.objects.count(),
            "authorities": Authority.objects.count(),
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "coalesce_seconds": settings.SUMMARY_COALESCE_SECONDS,
            # Other work on the machine slows every figure down; this says how busy it was.
            "load_average_at_start": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
        }
        self.say(
            f"Portfolio: {figures['initiatives']:,} initiatives, {figures['dependencies']:,} dependencies, "
            f"{figures['participations']:,} participations, {figures['authorities']:,} authorities "
            f"({figures['database']}). Load average {figures['load_average_at_start']} on {figures['cpus']} CPUs."
        )

        timings = []
        for n in range(runs):
            # The worst case: every row of every table rewritten, as the nightly run does.
            result = recompute_summaries(trigger=SummaryTrigger.MANUAL, wait=True, rewrite=True)
            timings.append(result.seconds)
            self.say(f"  full recompute {n + 1}/{runs}, every row rewritten: {result.seconds:.2f} s")
        figures["full_recompute_seconds"] = round(statistics.median(timings), 3)
        figures["full_recompute_runs"] = [round(t, 3) for t in timings]
        self.say(f"Full recompute: {figures['full_recompute_seconds']:.2f} s (median of {runs}; {result.counts}).")
        result = recompute_summaries(trigger=SummaryTrigger.MANUAL, wait=True)
        figures["recompute_unchanged_seconds"] = round(result.seconds, 3)
        self.say(f"Recompute with nothing changed (figures compared, no row rewritten): {result.seconds:.2f} s.")

        if no_worker:
            figures["worker"] = "not measured: --no-worker"
        elif not settings.REDIS_URL or celery_app.conf.task_always_eager:
            figures["worker"] = "not measured: REDIS_URL is not set, so tasks run in-process and there is no worker"
        else:
            self.measure_worker(figures)
        if figures["worker"].startswith("not measured"):
            figures.update(edit_to_summary_seconds=None, burst_edits=None, burst_recomputes=None)
            self.say(f"Edit to updated summaries and the burst: {figures['worker']}.")

        self.measure_impact(figures, impact_days)
        self.measure_naive(figures, sample, naive_budget)

        self.stdout.write(json.dumps(figures, sort_keys=True))

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    # --- with a real worker -----------------------------------------------------------------

    def measure_worker(self, figures: dict) -> None:
        worker = None
        if celery_app.control.ping(timeout=1.0):
            figures["worker"] = "already running"
        else:
            hostname = f"bench-{uuid.uuid4().hex[:8]}@localhost"
            self.say(f"No worker answers; starting one: celery -A portfolio worker --pool solo ({hostname}).")
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portfolio", "worker", "--pool", "solo", "--hostname",
                 hostname, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
                cwd=settings.BASE_DIR, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while not celery_app.control.ping(destination=[hostname], timeout=0.5):
                if worker.poll() is not None or time.monotonic() > deadline:
                    figures["worker"] = "not measured: the worker started by the bench did not answer"
                    return
            figures["worker"] = "started by the bench"
        try:
            self.wait_for_current("summaries current before the edits")
            self.measure_edit(figures)
            self.measure_burst(figures)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def wait_for_current(self, what: str, version: int | None = None) -> float:
        """Seconds until the summaries reflect change `version` (default: every change)."""
        started = time.monotonic()
        while time.monotonic() - started < self.timeout:
            if freshness.reflects(freshness.newest_change() if version is None else version):
                return time.monotonic() - started
            time.sleep(0.05)
        raise SystemExit(f"Gave up waiting for {what} after {self.timeout} s: is the worker consuming tasks?")

    def shift(self, initiative: Initiative, days: int) -> None:
        delta = datetime.timedelta(days=days)
        initiative_update(initiative=initiative, forecast_end=initiative.forecast_end + delta)

    def edit_candidates(self, count: int) -> list[Initiative]:
        return list(
            Initiative.objects.filter(status__in=OPEN_STATUSES, forecast_end__isnull=False, summary__downstream_direct__gt=0)
            .order_by("-summary__downstream_total")[:count]
        )

    def measure_edit(self, figures: dict) -> None:
        [initiative] = self.edit_candidates(1)
        seconds = []
        for days in (1, -1):  # and back again
            self.shift(initiative, days)  # commits: the service is atomic and we are in autocommit
            committed = time.monotonic()
            version = freshness.newest_change()
            self.wait_for_current("the edit to reach the summaries", version)
            seconds.append(time.monotonic() - committed)
        figures["edit_to_summary_seconds"] = round(max(seconds), 3)
        self.say(
            f"Edit to updated summaries through the worker: {max(seconds):.2f} s "
            f"(incl. the {settings.SUMMARY_COALESCE_SECONDS} s coalescing delay; two edits: "
            f"{', '.join(f'{s:.2f}' for s in seconds)} s)."
        )

    def measure_burst(self, figures: dict) -> None:
        initiatives = self.edit_candidates(50)
        before = SummaryRun.objects.filter(status=SummaryRun.Status.DONE).values_list("pk", flat=True).first() or 0
        started = time.monotonic()
        for initiative in initiatives:  # 100 committed edits, leaving the data as it was
            self.shift(initiative, 1)
            self.shift(initiative, -1)
        edits_seconds = time.monotonic() - started
        self.wait_for_current("the burst to reach the summaries")
        # Let any task the burst left queued run (or find nothing owed) before counting.
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            state = SummaryState.objects.get(scope=SCOPE_ALL)
            running = SummaryRun.objects.filter(status=SummaryRun.Status.RUNNING).exists()
            if state.last_enqueued_at is None and not running:
                break
            time.sleep(0.1)
        recomputes = SummaryRun.objects.filter(
            pk__gt=before, status=SummaryRun.Status.DONE, trigger__in=[SummaryTrigger.CHANGE, SummaryTrigger.SWEEP]
        ).count()
        figures["burst_edits"] = 2 * len(initiatives)
        figures["burst_recomputes"] = recomputes
        figures["burst_edit_seconds"] = round(edits_seconds, 2)
        self.say(
            f"Burst of {2 * len(initiatives)} edits in {edits_seconds:.1f} s: {recomputes} recompute(s), "
            f"summaries current {time.monotonic() - started:.1f} s after the first edit."
        )

    # --- impact analysis --------------------------------------------------------------------

    def measure_impact(self, figures: dict, days: int) -> None:
        candidates = list(
            Initiative.objects.filter(status__in=OPEN_STATUSES, summary__downstream_total__gt=0)
            .order_by("-summary__downstream_total")[:60]
        )
        if not candidates:
            figures.update(impact_ms=None, impact_ms_max=None, impact_largest_result=None)
            self.say("Impact analysis: no open initiative has dependants; not measured.")
            return
        # The ones whose slip moves the most, out of those with the largest downstream graphs.
        scanned = sorted(((len(impact_of_delay(i, days).initiatives), i.pk, i) for i in candidates), reverse=True)
        chosen = [i for _, _, i in scanned[:7]]
        timings = []
        for initiative in chosen:
            for _ in range(3):
                started = time.perf_counter()
                impact_of_delay(initiative, days)
                timings.append(time.perf_counter() - started)
        figures["impact_ms"] = round(1000 * statistics.median(timings), 1)
        figures["impact_ms_max"] = round(1000 * max(timings), 1)
        figures["impact_largest_result"] = scanned[0][0]
        figures["impact_days"] = days
        self.say(
            f"Impact of a {days}-day slip: {figures['impact_ms']:.0f} ms median, {figures['impact_ms_max']:.0f} ms "
            f"at most, over {len(chosen)} initiatives with large downstream graphs (the largest result lists "
            f"{scanned[0][0]} initiatives pushed or missing a date)."
        )

    # --- the naive baseline -----------------------------------------------------------------

    def measure_naive(self, figures: dict, sample: int, budget: float) -> None:
        ids = list(Initiative.objects.order_by("pk").values_list("pk", flat=True))
        chosen = random.Random(2026).sample(ids, min(sample, len(ids)))
        started = time.perf_counter()
        walked = 0
        for pk in chosen:
            naive_initiative_figures(Initiative.objects.get(pk=pk))
            walked += 1
            if time.perf_counter() - started > budget:
                break  # one walk through a dense graph can take a minute: enough to extrapolate
        chosen = chosen[:walked]
        per_initiative = (time.perf_counter() - started) / max(1, walked)
        extrapolated = per_initiative * len(ids)
        figures["naive_seconds_per_initiative"] = round(per_initiative, 4)
        figures["naive_extrapolated_seconds"] = round(extrapolated, 1)
        figures["speedup"] = round(extrapolated / figures["full_recompute_seconds"], 1)
        self.say(
            f"Naive baseline (a graph walk per initiative through the ORM, {len(chosen)} sampled): "
            f"{per_initiative:.3f} s per initiative, about {extrapolated:,.0f} s for all {len(ids):,}; "
            f"the engine is {figures['speedup']:,.0f}x faster (and computes the authority, pair and level tables too)."
        )


def naive_initiative_figures(initiative: Initiative) -> dict:
    """What the engine computes for one initiative, the obvious way: follow the relations one by one."""
    upstream, authorities, levels, depth = set(), set(), set(), 0
    queue = deque([(initiative, 0)])
    while queue:
        node, distance = queue.popleft()
        depth = max(depth, distance)
        for dependency in node.dependencies.select_related("target__lead"):
            target = dependency.target
            if target.pk not in upstream:
                upstream.add(target.pk)
                authorities.add(target.lead_id)
                levels.add(target.lead.level)
                queue.append((target, distance + 1))
    downstream = set()
    queue = deque([initiative])
    while queue:
        node = queue.popleft()
        for dependency in node.dependants.select_related("source"):
            if dependency.source_id not in downstream:
                downstream.add(dependency.source_id)
                queue.append(dependency.source)
    return {"upstream": len(upstream), "authorities": len(authorities), "levels": len(levels),
            "depth": depth, "downstream": len(downstream)}

