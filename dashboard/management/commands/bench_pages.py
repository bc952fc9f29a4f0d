"""Time every dashboard page in-process, as a logged-in secretariat user.

Server time only (no network, no browser): Django's test Client runs the full middleware stack,
the view and the template. The last line of output is JSON, for scripts and CI logs.
"""

import json
import logging
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement
from common.roles import SECRETARIAT
from initiatives.models import OPEN_STATUSES
from risks.models import Risk
from strategies.models import Strategy
from summaries.models import AuthoritySummary, InitiativeSummary

TARGET_MEDIAN_MS = 300


class Command(BaseCommand):
    help = "Time each dashboard page N times; print median and p95 server time and queries."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10, help="requests per page (default 10)")
        parser.add_argument("--username", default="", help="user to log in as (default: a secretariat user)")

    def handle(self, *args, runs: int, username: str, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        user = self._user(username)
        # A missing page is reported in the table; the request log would only repeat it N times.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        # A failing page is reported with its status, not raised: the other pages still get timed.
        client = Client(raise_request_exception=False)
        client.force_login(user)
        results = []
        for name, url in self._pages(user):
            client.get(url)  # warm caches (templates, translations) outside the measurement
            timings, queries, status = [], [], None
            for _ in range(runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                queries.append(len(captured.captured_queries))
                status = response.status_code
            timings.sort()
            row = {
                "page": name,
                "url": url,
                "status": status,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))], 1),
                "queries": max(queries),
            }
            results.append(row)
            flag = "" if row["median_ms"] < TARGET_MEDIAN_MS and status == 200 else "  <-- over target or failed"
            self.stdout.write(
                f"{name:<28} {status}  median {row['median_ms']:>7.1f} ms  p95 {row['p95_ms']:>7.1f} ms"
                f"  queries {row['queries']:>3}  {url}{flag}"
            )
        slowest = max((row["median_ms"] for row in results), default=0)
        self.stdout.write(
            json.dumps(
                {
                    "runs": runs,
                    "target_median_ms": TARGET_MEDIAN_MS,
                    "all_under_target": all(r["median_ms"] < TARGET_MEDIAN_MS and r["status"] == 200 for r in results),
                    "slowest_median_ms": slowest,
                    "pages": results,
                }
            )
        )

    def _user(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user called {username!r}")
            return user
        user = User.objects.filter(groups__name=SECRETARIAT, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No secretariat user: run seed_demo, or pass --username")
        return user

    def _pages(self, user: User) -> list[tuple[str, str]]:
        # The busiest initiative and authority: the detail pages' worst case.
        initiative = (
            InitiativeSummary.objects.order_by("-downstream_total", "-upstream_total")
            .values_list("initiative_id", flat=True)
            .first()
        )
        delayed = self._widest_delay()
        authority = (
            AuthoritySummary.objects.order_by("-exposure_initiatives", "-initiatives_participating")
            .values_list("authority_id", flat=True)
            .first()
        )
        strategy = Strategy.objects.current()
        # The first agreement and risk this user may read: a coordinator's are their authority's.
        agreement = Agreement.objects.visible_to(user).order_by("pk").values_list("pk", flat=True).first()
        network = reverse("network_json")
        pages = [
            ("overview", reverse("home")),
            ("initiatives", reverse("initiatives:list")),
            ("initiative detail", reverse("initiatives:detail", args=[initiative]) if initiative else None),
            ("authorities", reverse("authorities:list")),
            ("authority detail", reverse("authorities:detail", args=[authority]) if authority else None),
            ("interdependencies", reverse("interdependencies")),
            # Filtered, the matrices are grouped from the Dependency rows instead of the summaries.
            ("interdependencies (filtered)", f"{reverse('interdependencies')}?criticality=high"
             + (f"&strategy={strategy.code}" if strategy else "")),
            ("network authorities", f"{network}?nodes=authorities"),
            ("network initiatives", f"{network}?nodes=initiatives"
             + (f"&strategy={strategy.code}" if strategy else "")),
            ("impact", f"{reverse('impact')}?initiative={delayed}&days=90" if delayed else None),
            ("funding", reverse("funding:totals") + (f"?strategy={strategy.code}" if strategy else "")),
            ("benefits", reverse("benefits:page") + (f"?strategy={strategy.code}" if strategy else "")),
            ("interdependencies (agreements)", f"{reverse('interdependencies')}?show=agreements"),
            # A coordinator (--username) sees "asked of us" first and "asked by us" second; the
            # secretariat every agreement, filtered.
            ("agreements", reverse("agreements:list")),
            ("agreements (asked by us)", reverse("agreements:list") + "?list=by"),
            ("agreements (unanswered 30 d)", reverse("agreements:list") + "?unanswered_days=30"),
            ("agreements (committed late)", reverse("agreements:list") + "?committed_late=on"),
            # What a cell of the level matrix links to: two levels, the strategy and a state.
            ("agreements (levels)", reverse("agreements:list") + "?requester_level=municipal&provider_level=central"),
            ("agreements (cell, declined)", reverse("agreements:list")
             + "?requester_level=municipal&provider_level=central&state=declined"
             + (f"&strategy={strategy.code}" if strategy else "")),
        ]
        if agreement:  # a portfolio seeded before agreements existed has none
            pages.append(("agreement", reverse("agreements:detail", args=[agreement])))
        pages += self._risk_pages(user, strategy)
        missing = [name for name, url in pages if url is None]
        if missing:
            raise CommandError("No summaries to pick pages from: run recompute_summaries first")
        return pages

    def _risk_pages(self, user: User, strategy) -> list[tuple[str, str]]:
        """The risk register: its heatmap and list, filtered as a reader would, one heatmap cell, and
        the risk with the most to show (linked to an agreement, if the user may read one)."""
        risk = (
            Risk.objects.visible_to(user)
            .order_by(F("agreement_id").asc(nulls_last=True), "pk").values_list("pk", flat=True).first()
        )
        risks = reverse("risks:list")
        pages = [
            ("risks", risks),
            ("risks (filtered)", f"{risks}?level=municipal" + (f"&strategy={strategy.code}" if strategy else "")),
            ("risks (a heatmap cell)", f"{risks}?probability=4&impact=5&status=open&status=mitigating&sort=-review_date"),
        ]
        if risk:  # a portfolio seeded before the risk register existed has none
            pages.append(("risk", reverse("risks:detail", args=[risk])))
        return pages

    def _widest_delay(self) -> int | None:
        """Of the open initiatives with the most downstream, the one a 90-day slip hits hardest."""
        from initiatives.models import Initiative
        from summaries.impact import impact_of_delay

        candidates = Initiative.objects.filter(
            status__in=OPEN_STATUSES, summary__downstream_total__gt=0
        ).order_by("-summary__downstream_total")[:10]
        best, best_hits = None, -1
        for initiative in candidates:
            hits = len(impact_of_delay(initiative, 90).initiatives)
            if hits > best_hits:
                best, best_hits = initiative.pk, hits
        return best
