"""Reporting at the current data size: open a cycle covering every initiative of every strategy
(those not open are made active for the run), submit its reports, freeze it, move every seventh
forecast a month, open a second, time the comparison and cycle pages, freeze the second, then time
one strategy's steering-group report (pages 1 and 15, with the changes since the first) and its PDF.
Pages are timed in-process (server time: Django's test Client runs the middleware, the view and the
template).

Everything runs in one transaction that is rolled back at the end, so the database is left as it
was (a frozen cycle could not be removed afterwards: its snapshot is immutable). The last line of
output is JSON, for scripts and CI logs.
"""

import datetime
import json
import logging
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.roles import SECRETARIAT
from initiatives.models import OPEN_STATUSES, Initiative, Status
from reporting import services
from reporting.models import ReportState, StatusReport
from reporting.pdf import steering_pdf
from reporting.selectors import cycle_strategies, default_strategy
from strategies.models import Strategy

FREEZE_TARGET_S = 10
PDF_TARGET_S = 10
PAGE_TARGET_MS = 500


class Rollback(Exception):
    """Raised to leave the benchmark's transaction without keeping anything."""


class Command(BaseCommand):
    help = "Time freezing a cycle covering every strategy and the reporting pages; rolls everything back."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="requests per page (default 3)")

    def handle(self, *args, runs: int, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        user = User.objects.filter(groups__name=SECRETARIAT, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No secretariat user: run seed_demo first")
        logging.getLogger("django.request").setLevel(logging.ERROR)
        figures: dict = {}
        try:
            with transaction.atomic():
                self._measure(user, runs, figures)
                raise Rollback
        except Rollback:
            pass
        figures["freeze_under_target"] = max(figures["freeze_s"], figures["freeze_second_s"]) < FREEZE_TARGET_S
        figures["pdf_under_target"] = figures["pdf_s"] < PDF_TARGET_S
        figures["pages_under_target"] = all(page["median_ms"] < PAGE_TARGET_MS for page in figures["pages"])
        self.stdout.write(json.dumps(figures))

    def _open(self, user: User, code: str, start: datetime.date):
        return services.cycle_open(
            user=user, code=code, period_start=start, period_end=start + datetime.timedelta(days=180),
            deadline=start + datetime.timedelta(days=200), strategies=Strategy.objects.all(),
        )

    def _submit_all(self, cycle) -> None:
        # Submitted reports, as a real cycle has them at freezing (written directly: the services
        # are timed by the tests, the freeze here).
        StatusReport.objects.filter(cycle=cycle).update(
            state=ReportState.SUBMITTED, assessed="green", computed_overall="green", computed_schedule="green",
            computed_cost="green", computed_benefits="green", progress="Benchmark",
        )

    def _measure(self, user: User, runs: int, figures: dict) -> None:
        # Every initiative of every strategy open, so that the cycle covers the whole portfolio
        # (the "one cycle covering all"; rolled back with the rest).
        Initiative.objects.filter(strategy__isnull=False).exclude(status__in=OPEN_STATUSES).update(status=Status.ACTIVE)
        started = time.perf_counter()
        first = self._open(user, "9998-H1", datetime.date(2098, 1, 1))
        figures["reports"] = first.reports.count()
        figures["open_s"] = round(time.perf_counter() - started, 2)
        self.stdout.write(f"opened a cycle owing {figures['reports']:,} reports in {figures['open_s']} s")
        self._submit_all(first)
        started, cpu = time.perf_counter(), time.process_time()
        services.cycle_freeze(cycle=first, user=user)
        figures["freeze_s"] = round(time.perf_counter() - started, 2)
        figures["freeze_cpu_s"] = round(time.process_time() - cpu, 2)
        self.stdout.write(f"froze it in {figures['freeze_s']} s, {figures['freeze_cpu_s']} s of CPU "
                          f"(target {FREEZE_TARGET_S} s)")
        # Half a year later every seventh initiative forecasts a month later: changes to show.
        moved = Initiative.objects.filter(strategy__isnull=False, forecast_end__isnull=False).order_by("pk")
        Initiative.objects.filter(pk__in=list(moved.values_list("pk", flat=True)[::7])).update(
            forecast_end=F("forecast_end") + datetime.timedelta(days=30)
        )
        second = self._open(user, "9998-H2", datetime.date(2098, 7, 1))
        self._submit_all(second)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        figures["pages"] = [
            self._time(client, name, url, runs)
            for name, url in [
                ("compare", reverse("reporting:compare") + "?a=9998-H1&b=9998-H2"),
                ("steering report (open), page 1", reverse("reporting:steering_report", args=["9998-H2"])),
                ("cycle", reverse("reporting:cycle", args=["9998-H2"])),
                ("cycles", reverse("reporting:cycles")),
            ]
        ]
        started, cpu = time.perf_counter(), time.process_time()
        services.cycle_freeze(cycle=second, user=user)
        figures["freeze_second_s"] = round(time.perf_counter() - started, 2)
        figures["freeze_second_cpu_s"] = round(time.process_time() - cpu, 2)
        self.stdout.write(f"froze the second in {figures['freeze_second_s']} s, "
                          f"{figures['freeze_second_cpu_s']} s of CPU")
        strategy = default_strategy(cycle_strategies(second), timezone.localdate())
        report = reverse("reporting:steering_report", args=["9998-H2"])
        query = f"strategy={strategy.code}"
        figures["strategy"] = strategy.code
        figures["strategy_reports"] = second.reports.filter(initiative__strategy=strategy).count()
        figures["pages"] += [
            self._time(client, name, url, runs)
            for name, url in [
                ("steering report, page 1", f"{report}?{query}"),
                ("steering report, page 15", f"{report}?{query}&page=15"),
                ("compare (both frozen)", reverse("reporting:compare") + "?a=9998-H1&b=9998-H2"),
            ]
        ]
        self._time_pdf(second, strategy, runs, figures)

    def _time_pdf(self, cycle, strategy, runs: int, figures: dict) -> None:
        timings, cpu_times = [], []
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            content = steering_pdf(cycle, strategy, language="da")
            timings.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu)
        figures["pdf_s"] = round(statistics.median(timings), 2)
        figures["pdf_cpu_s"] = round(statistics.median(cpu_times), 2)
        figures["pdf_bytes"] = len(content)
        self.stdout.write(
            f"PDF of {strategy.code} ({figures['strategy_reports']:,} initiatives): median {figures['pdf_s']} s, "
            f"{figures['pdf_cpu_s']} s of CPU, "
            f"{len(content):,} bytes (target {PDF_TARGET_S} s)"
        )

    def _time(self, client: Client, name: str, url: str, runs: int) -> dict:
        client.get(url)  # templates and translations loaded outside the measurement
        timings, cpu_times, queries, status = [], [], [], None
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu) * 1000)
            queries.append(len(captured.captured_queries))
            status = response.status_code
        # CPU time: this process's (with SQLite, the database's work too); on a machine shared with
        # other work it is what the page costs, while the wall time also counts the waiting.
        row = {"page": name, "status": status, "median_ms": round(statistics.median(timings), 1),
               "cpu_ms": round(statistics.median(cpu_times), 1), "queries": max(queries), "bytes": len(response.content)}
        flag = "" if row["median_ms"] < PAGE_TARGET_MS and status == 200 else "  <-- over target or failed"
        self.stdout.write(f"{name:<31} {status}  median {row['median_ms']:>8.1f} ms (CPU {row['cpu_ms']:>7.1f} ms)"
                          f"  queries {row['queries']:>3}{flag}")
        return row
