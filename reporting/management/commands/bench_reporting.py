"""Reporting at the current data size: open a cycle covering every initiative of every strategy
(those not open are made active for the run), submit its reports,
freeze it, open a second, and time the comparison and the steering group's report pages in-process
(server time: Django's test Client runs the middleware, the view and the template).

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
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.roles import SECRETARIAT
from initiatives.models import OPEN_STATUSES, Initiative, Status
from reporting import services
from reporting.models import ReportState, StatusReport
from strategies.models import Strategy

FREEZE_TARGET_S = 10
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
        figures["freeze_under_target"] = figures["freeze_s"] < FREEZE_TARGET_S
        figures["pages_under_target"] = all(page["median_ms"] < PAGE_TARGET_MS for page in figures["pages"])
        self.stdout.write(json.dumps(figures))

    def _open(self, user: User, code: str, start: datetime.date):
        return services.cycle_open(
            user=user, code=code, period_start=start, period_end=start + datetime.timedelta(days=180),
            deadline=start + datetime.timedelta(days=200), strategies=Strategy.objects.all(),
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
        # Submitted reports, as a real cycle has them at freezing (written directly: the services
        # are timed by the tests, the freeze here).
        StatusReport.objects.filter(cycle=first).update(
            state=ReportState.SUBMITTED, assessed="green", computed_overall="green", computed_schedule="green",
            computed_cost="green", computed_benefits="green", progress="Benchmark",
        )
        started = time.perf_counter()
        services.cycle_freeze(cycle=first, user=user)
        figures["freeze_s"] = round(time.perf_counter() - started, 2)
        self.stdout.write(f"froze it in {figures['freeze_s']} s (target {FREEZE_TARGET_S} s)")
        second = self._open(user, "9998-H2", datetime.date(2098, 7, 1))
        StatusReport.objects.filter(cycle=second).update(
            state=ReportState.SUBMITTED, assessed="green", computed_overall="green", computed_schedule="green",
            computed_cost="green", computed_benefits="green", progress="Benchmark",
        )
        client = Client(raise_request_exception=False)
        client.force_login(user)
        figures["pages"] = [
            self._time(client, name, url, runs)
            for name, url in [
                ("steering report (frozen)", reverse("reporting:steering_report", args=["9998-H1"])),
                ("compare", reverse("reporting:compare") + "?a=9998-H1&b=9998-H2"),
                ("cycle", reverse("reporting:cycle", args=["9998-H2"])),
                ("cycles", reverse("reporting:cycles")),
            ]
        ]

    def _time(self, client: Client, name: str, url: str, runs: int) -> dict:
        client.get(url)  # templates and translations loaded outside the measurement
        timings, queries, status = [], [], None
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured.captured_queries))
            status = response.status_code
        row = {"page": name, "status": status, "median_ms": round(statistics.median(timings), 1),
               "queries": max(queries), "bytes": len(response.content)}
        flag = "" if row["median_ms"] < PAGE_TARGET_MS and status == 200 else "  <-- over target or failed"
        self.stdout.write(f"{name:<26} {status}  median {row['median_ms']:>8.1f} ms  queries {row['queries']:>3}{flag}")
        return row
