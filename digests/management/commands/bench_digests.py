import datetime
import json
import logging
import random
import socket
import threading
import time

from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority
from digests.delivery import deliveries_send
from digests.models import DigestDelivery, Subscription, SubscriptionScope
from digests.schedule import schedule_digests
from digests.smtp import PHASE_RECORDING_BACKEND
from initiatives.models import Initiative, Status
from initiatives.services import initiative_update
from strategies.models import Strategy

# The users' names keep the prefix of the first runs, so --cleanup still finds those.
BENCH_PREFIX = "bench-summary-"
BENCH_DOMAIN = "bench.invalid"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSink:
    """An aiosmtpd handler that counts what it accepts (and keeps nothing)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.original_content or b"")
        return "250 Message accepted for delivery"


class Command(BaseCommand):
    help = (
        "Measure building and sending the digest emails for many recipients (default 1,000) to a local "
        "SMTP sink it starts on a free 127.0.0.1 port. Benchmark users are named bench-summary-N, have "
        "@bench.invalid addresses and benchmark subscriptions; they are reused on the next run "
        "(--cleanup removes them). Run `seed_demo --scale national` first for national scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=1000)
        parser.add_argument("--edits", type=int, default=300, help="initiatives changed before the run (a day of edits)")
        parser.add_argument("--cleanup", action="store_true", help="remove the benchmark users and their digests")

    def handle(self, *args, recipients, edits, cleanup, **options):
        User = get_user_model()
        bench_users = User.objects.filter(username__startswith=BENCH_PREFIX, email__endswith="@" + BENCH_DOMAIN)
        if cleanup:
            count = bench_users.count()
            bench_users.delete()
            self.stdout.write(f"Removed {count} benchmark users with their subscriptions and digests.")
            return
        if recipients < 1:
            raise CommandError("--recipients must be at least 1")
        initiatives = Initiative.objects.count()
        if initiatives < 10_000:
            self.stdout.write(self.style.WARNING(
                f"Only {initiatives:,} initiatives: not national scale (run seed_demo --scale national)."))

        self._ensure_bench_users(recipients)
        edited = self._a_day_of_edits(edits)
        today = timezone.localdate()
        # Idempotent: the benchmark's own digests for today are removed, so each run measures afresh.
        DigestDelivery.objects.filter(recipient__in=bench_users, date=today).delete()

        # aiosmtpd logs every connection at INFO; a thousand lines would bury the figures.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        sink = CountingSink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            started = time.monotonic()
            result = schedule_digests(today=today, benchmark=True)
            built = time.monotonic()

            def connection():
                return mail.get_connection(
                    PHASE_RECORDING_BACKEND, host="127.0.0.1", port=port, username="",
                    password="", use_tls=False, use_ssl=False, timeout=10, fail_silently=False,
                )

            report = deliveries_send(result.pending_ids, connection_factory=connection)
            finished = time.monotonic()
        finally:
            controller.stop()

        figures = {
            "recipients": recipients,
            "initiatives": initiatives,
            "edited_initiatives": edited,
            "digests_built": result.created,
            "skipped_nothing_changed": result.skipped,
            "sent": report.sent,
            "failed": report.failed,
            "outcome_unknown": len(report.unknown),
            "received_by_sink": sink.count,
            "megabytes_sent": round(sink.bytes / 1_000_000, 1),
            "build_seconds": round(built - started, 1),
            "send_seconds": round(finished - built, 1),
            "total_seconds": round(finished - started, 1),
        }
        figures["under_2_minutes"] = figures["total_seconds"] < 120
        self.stdout.write(
            f"{recipients:,} recipients, {initiatives:,} initiatives: built {result.created:,} digests in "
            f"{figures['build_seconds']} s, sent {report.sent:,} to the sink in {figures['send_seconds']} s; "
            f"total {figures['total_seconds']} s."
        )
        self.stdout.write(json.dumps(figures))

    @transaction.atomic
    def _ensure_bench_users(self, count: int) -> None:
        """Benchmark recipients with a realistic mix of scopes; created once, then reused."""
        User = get_user_model()
        existing = set(User.objects.filter(username__startswith=BENCH_PREFIX).values_list("username", flat=True))
        authorities = list(
            Authority.objects.filter(participations__isnull=False).distinct().order_by("id").values_list("id", flat=True)
        )
        strategies = list(Strategy.objects.order_by("start_year").values_list("id", flat=True))
        initiative_ids = list(Initiative.objects.order_by("id").values_list("id", flat=True)[:5000])
        rng = random.Random(2026)
        created = []
        for n in range(1, count + 1):
            username = f"{BENCH_PREFIX}{n}"
            if username in existing:
                continue
            created.append(User(username=username, email=f"{username}@{BENCH_DOMAIN}", first_name="Benchmark",
                                last_name=str(n), is_active=True))
        for user in created:
            user.set_unusable_password()
        User.objects.bulk_create(created, batch_size=500)
        users = User.objects.filter(username__startswith=BENCH_PREFIX, digest_subscription__isnull=True)
        for user in users:
            n = int(user.username.removeprefix(BENCH_PREFIX))
            # Mostly coordinators (one authority each), some by strategy or initiatives, a few the whole portfolio.
            if n % 100 == 0:
                scope = SubscriptionScope.PORTFOLIO
            elif n % 20 == 0:
                scope = SubscriptionScope.STRATEGIES
            elif n % 25 == 0:
                scope = SubscriptionScope.INITIATIVES
            else:
                scope = SubscriptionScope.AUTHORITIES
            subscription = Subscription.objects.create(
                user=user, scope=scope, language="en" if n % 2 else "da", send_when_empty=True, is_benchmark=True
            )
            if scope == SubscriptionScope.AUTHORITIES and authorities:
                subscription.authorities.add(authorities[n % len(authorities)])
            elif scope == SubscriptionScope.STRATEGIES and strategies:
                subscription.strategies.add(strategies[n % len(strategies)])
            elif scope == SubscriptionScope.INITIATIVES and initiative_ids:
                subscription.initiatives.add(*rng.sample(initiative_ids, min(10, len(initiative_ids))))

    # One transaction: the engine recomputes the summaries once after it commits, not per edit.
    @transaction.atomic
    def _a_day_of_edits(self, edits: int) -> int:
        """Change some initiatives through the services (so history records them), as a day would."""
        if edits <= 0:
            return 0
        rng = random.Random(int(time.time()))
        ids = list(Initiative.objects.open().values_list("id", flat=True))
        chosen = rng.sample(ids, min(edits, len(ids)))
        for n, initiative in enumerate(Initiative.objects.filter(pk__in=chosen)):
            if n % 10 == 0:
                initiative_update(initiative=initiative, status=Status.COMPLETED)
            elif initiative.forecast_end:
                shift = datetime.timedelta(days=rng.choice((-60, 45, 120, 200)))
                fields = {"forecast_end": initiative.forecast_end + shift}
                if initiative.forecast_start and fields["forecast_end"] < initiative.forecast_start:
                    continue
                initiative_update(initiative=initiative, **fields)
        return len(chosen)
