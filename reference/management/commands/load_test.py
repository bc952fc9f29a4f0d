"""`python manage.py load_test`: the product under load, served for real, with figures and a JSON last line.

Starts the production server (gunicorn, DEBUG off, `portfolio/gunicorn_conf.py`) and a Celery worker against this
configuration's PostgreSQL and Redis, then runs the locust scenario (`reference/loadtest/locustfile.py`) for a
bounded time: the secretariat browsing, coordinators editing, API clients reading. It measures what the server
answers (p50/p95 per group, failures) and how long each edit takes to be reflected in the interdependency
summaries. The load-test users it makes are switched off again and their tokens deleted at the end.
"""

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from api.services import token_create
from authorities.models import Authority, Coordinator, Kind
from common.roles import ensure_roles
from initiatives.models import Initiative
from strategies.models import Strategy
from summaries.models import SummaryRun

ROOT = Path(settings.BASE_DIR)
LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"
SECRETARIAT_USER, COORDINATOR_USER = "loadtest-secretariat", "loadtest-coordinator"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentile(histogram: dict[str, int], share: float) -> float | None:
    """The response time below which `share` of the requests fell, from locust's rounded-time histogram."""
    times = sorted((float(ms), count) for ms, count in histogram.items())
    total = sum(count for _ms, count in times)
    if not total:
        return None
    seen = 0
    for ms, count in times:
        seen += count
        if seen >= share * total:
            return ms
    return times[-1][0]


class Command(BaseCommand):
    help = (
        "Load test: the production server and a worker under the locust scenario for a bounded time; "
        "prints p50/p95 per group, failures and edit-to-summary times, the last line JSON. Needs PostgreSQL and "
        "Redis (DATABASE_URL, REDIS_URL), locust (pip install '.[load]'), and a portfolio (seed_demo --scale national)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
        parser.add_argument(
            "--spawn-rate", type=float, default=2,
            help="users started per second (default 2: 50 users in 25 s; each browser logs in once, a deliberately costly hash)",
        )
        parser.add_argument("--duration", type=int, default=120, help="seconds of load after the start (default 120)")
        parser.add_argument("--web-processes", type=int, default=4, help="gunicorn processes (default 4)")
        parser.add_argument("--web-threads", type=int, default=4, help="threads per process (default 4)")
        parser.add_argument(
            "--worker-nice", type=int, default=10,
            help="the worker's nice level (default 10, as the README's systemd unit: pages first, recomputes with the rest)",
        )

    def handle(self, *args, users, spawn_rate, duration, web_processes, web_threads, worker_nice, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("The load test needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL.")
        if not 1 <= users <= 1000 or not 10 <= duration <= 3600:
            raise CommandError("--users must be 1 to 1000 and --duration 10 to 3600 seconds.")
        # Looked up, not imported: importing locust would patch this process for gevent.
        if importlib.util.find_spec("locust") is None:
            raise CommandError("locust is not installed: .venv/bin/pip install '.[load]'")

        setup = self._users(users)
        self.stdout.write(
            f"Portfolio: {Initiative.objects.count():,} initiatives; {users} users for {duration} s "
            f"(gunicorn {web_processes}×{web_threads}, one Celery worker at nice {worker_nice})."
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "WEB_CONCURRENCY": str(web_processes),
            "WEB_THREADS": str(web_threads),
            "LOG_LEVEL": "WARNING",
        }
        # Collected as production collects them (DEBUG off: hashed names and their manifest).
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        logs = tempfile.mkdtemp(prefix="load-test-")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "portfolio/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
             "--access-logfile", os.devnull, "portfolio.wsgi"],
            cwd=ROOT, env=env, stdout=open(f"{logs}/server.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )
        worker = subprocess.Popen(
            ["nice", "-n", str(worker_nice), sys.executable, "-m", "celery", "-A", "portfolio", "worker",
             "--concurrency", "1", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=open(f"{logs}/worker.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )
        try:
            self._wait_until_healthy(base, server)
            started_at, load_before = timezone.now(), [round(x, 2) for x in os.getloadavg()]
            stats = self._run_locust(base, env, {**setup, "LOAD_ERRORS_FILE": f"{logs}/errors.json"}, users,
                                     spawn_rate, duration)
        finally:
            for process in (server, worker):
                process.send_signal(signal.SIGTERM)
            for process in (server, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            self._retire_users()
        self._report(stats, users=users, duration=duration, logs=logs, started_at=started_at, load_before=load_before)

    # --- set-up ------------------------------------------------------------------------------------

    def _users(self, clients: int) -> dict[str, str]:
        kobenhavn = Authority.objects.filter(kind=Kind.MUNICIPALITY, code="0101").first()
        own = list(Initiative.objects.open().filter(lead=kobenhavn, forecast_end__isnull=False)
                   .values_list("pk", flat=True)[:50]) if kobenhavn else []
        if not own:
            raise CommandError("No open initiative led by Københavns Kommune to edit: run seed_demo first.")
        any_ids = list(Initiative.objects.open().order_by("?").values_list("pk", flat=True)[:200])
        strategies = list(Strategy.objects.filter(initiatives__isnull=False).distinct()
                          .order_by("-start_year").values_list("code", flat=True)[:4])
        password = secrets.token_urlsafe(24)
        # A national-scale seed has no roles yet; a run stopped halfway may have left a lock-out behind.
        secretariat_group, coordinators_group = ensure_roles()
        secretariat = self._user(SECRETARIAT_USER, password, secretariat_group)
        coordinator = self._user(COORDINATOR_USER, password, coordinators_group)
        for username in (SECRETARIAT_USER, COORDINATOR_USER):
            axes_reset(username=username)
        Coordinator.objects.get_or_create(user=coordinator, authority=kobenhavn)
        return {
            "LOAD_SECRETARIAT": SECRETARIAT_USER,
            "LOAD_COORDINATOR": COORDINATOR_USER,
            "LOAD_PASSWORD": password,
            # One token per API client, as each outside system has its own (the rate limit is per token).
            "LOAD_API_TOKENS": ",".join(token_create(user=secretariat, days=30)[1] for _ in range(clients)),
            "LOAD_OWN_INITIATIVES": ",".join(map(str, own)),
            "LOAD_ANY_INITIATIVES": ",".join(map(str, any_ids)),
            "LOAD_STRATEGIES": ",".join(strategies),
        }

    @staticmethod
    def _user(username: str, password: str, group: Group) -> User:
        user, _created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_active = user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.set([group])
        return user

    @staticmethod
    def _retire_users() -> None:
        from knox.models import AuthToken

        AuthToken.objects.filter(user__username__in=[SECRETARIAT_USER, COORDINATOR_USER]).delete()
        User.objects.filter(username__in=[SECRETARIAT_USER, COORDINATOR_USER]).update(is_active=False)

    def _wait_until_healthy(self, base: str, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("The server stopped while starting; see its log.")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise CommandError("The server did not answer /healthz within 120 s.")

    def _run_locust(self, base, env, setup, users, spawn_rate, duration) -> list[dict]:
        self.stdout.write(f"Running the scenario against {base} …")
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
             "--spawn-rate", str(spawn_rate), "--run-time", f"{duration}s", "--stop-timeout", "30", "--host", base,
             "--json", "--skip-log", "--only-summary"],
            cwd=ROOT, env={**env, **setup}, capture_output=True, text=True, timeout=duration + 300,
        )
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError:
            raise CommandError(f"locust gave no figures:\n{result.stderr[-3000:]}") from None

    # --- figures -----------------------------------------------------------------------------------

    def _report(self, stats: list[dict], *, users: int, duration: int, logs: str, started_at, load_before) -> None:
        groups = _by_group(stats)
        self.stdout.write(f"{'':36}{'requests':>9}{'failures':>9}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
        for entry in sorted(stats, key=lambda e: e["name"]):
            times = entry["response_times"]
            self.stdout.write(
                f"{entry['name'][:35]:36}{entry['num_requests']:>9}{entry['num_failures']:>9}"
                f"{_percentile(times, 0.5) or 0:>8.0f}{_percentile(times, 0.95) or 0:>8.0f}{entry['max_response_time'] or 0:>8.0f}"
            )
        errors, still_awaited = _errors(f"{logs}/errors.json")
        for error in errors:
            self.stdout.write(f"error ×{error['occurrences']}: {error['name']}: {error['error'][:200]}")
        figures = {
            "users": users,
            "duration_s": duration,
            "initiatives": Initiative.objects.count(),
            "requests": sum(group["requests"] for name, group in groups.items() if name != "summaries"),
            "failures": sum(group["failures"] for group in groups.values()),
        }
        for name, key in (("page", "pages"), ("api", "api"), ("edit", "edits"), ("summaries", "edit_to_summaries")):
            group = groups.get(name)
            figures[f"{key}_requests"] = group["requests"] if group else 0
            figures[f"{key}_failures"] = group["failures"] if group else 0
            figures[f"{key}_p50_ms"] = _percentile(group["histogram"], 0.5) if group else None
            figures[f"{key}_p95_ms"] = _percentile(group["histogram"], 0.95) if group else None
        summaries = groups.get("summaries")
        figures["edit_to_summaries_max_ms"] = max(map(float, summaries["histogram"]), default=None) if summaries else None
        figures["edits_still_awaited_at_the_end"] = still_awaited
        figures["errors"] = {f"{e['name']}: {e['error'][:120]}": e["occurrences"] for e in errors}
        figures["server_errors_logged"] = _count_errors(f"{logs}/server.log")
        figures["worker_errors_logged"] = _count_errors(f"{logs}/worker.log")
        figures["recomputes"] = _recomputes_since(started_at)
        figures["load_average_before"] = load_before
        figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        figures["logs"] = logs
        self.stdout.write(json.dumps(figures))


def _by_group(stats: list[dict]) -> dict[str, dict]:
    """Requests, failures and the merged time histogram per group (the name's part before the colon)."""
    groups: dict[str, dict] = {}
    for entry in stats:
        group = entry["name"].split(":", 1)[0]
        merged = groups.setdefault(group, {"requests": 0, "failures": 0, "histogram": {}})
        merged["requests"] += entry["num_requests"]
        merged["failures"] += entry["num_failures"]
        for ms, count in entry["response_times"].items():
            merged["histogram"][ms] = merged["histogram"].get(ms, 0) + count
    return groups


def _errors(path: str) -> tuple[list[dict], int | None]:
    """What failed and how often (most frequent first), and how many saves were still awaiting their
    summaries, as the scenario wrote them when it stopped."""
    try:
        with open(path) as written:
            outcome = json.load(written)
    except (OSError, ValueError):
        return [], None
    return sorted(outcome["errors"], key=lambda e: -e["occurrences"]), outcome["edits_still_awaited"]


def _count_errors(path: str) -> int:
    """Lines the server or the worker logged at ERROR or worse (their logs are JSON lines)."""
    try:
        with open(path) as log:
            return sum('"level": "ERROR"' in line or '"level": "CRITICAL"' in line for line in log)
    except OSError:
        return 0


def _recomputes_since(started_at) -> dict:
    """How many recomputes ran during the test and how long they took (the worker's side of the edit path)."""
    durations = sorted(
        SummaryRun.objects.filter(started_at__gte=started_at, status=SummaryRun.Status.DONE)
        .values_list("duration_ms", flat=True)
    )
    if not durations:
        return {"runs": 0}
    return {"runs": len(durations), "median_ms": durations[len(durations) // 2], "max_ms": durations[-1]}
