"""How the summaries stay current: marks, coalescing, the lock, the broker-down path, a real worker."""

import datetime
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from celery.exceptions import Retry
from celery.schedules import crontab
from django.conf import settings
from django.db import connection, transaction

from initiatives.models import Health, Initiative, Status
from initiatives.services import dependency_add, initiative_update
from portfolio.celery import app as celery_app
from summaries import freshness
from summaries.engine.run import recompute_summaries, summaries_lock, sweep_dirty_summaries
from summaries.freshness import summaries_freshness
from summaries.models import InitiativeSummary, RiskReason, SummaryChange, SummaryRun, SummaryState, SummaryTrigger
from summaries.scheduling import mark_dirty
from summaries.tasks import recompute_summaries_task

D = datetime.date
BASE_DIR = Path(settings.BASE_DIR)


def state() -> SummaryState:
    return SummaryState.objects.get(scope="all")


def owed() -> int:
    """How many committed changes the summaries do not reflect yet."""
    return SummaryChange.objects.count()


def wait_until(condition, *, timeout: float, message: str) -> None:
    """Poll the database until the condition holds; fail after the timeout (never sleep unbounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{message} (waited {timeout} s)")


@pytest.fixture
def celery_conf():
    """Change the Celery app's settings for one test and restore them (and its broker pool) after."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}

    def reset_pool():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    def change(**values):
        celery_app.conf.update(**values)
        reset_pool()

    yield change
    celery_app.conf.update(**saved)
    reset_pool()


@pytest.fixture
def in_process(celery_conf):
    """Tasks run in-process, as with `make run` (whatever REDIS_URL the test run has)."""
    celery_conf(task_always_eager=True)


@pytest.fixture
def enqueued(monkeypatch):
    """Record enqueued recomputes instead of sending them."""
    calls = []
    monkeypatch.setattr(
        recompute_summaries_task, "apply_async", lambda *args, **kwargs: calls.append(kwargs) or None
    )
    return calls


@pytest.fixture
def two_initiatives(transactional_db, reference_data, make_initiative, kobenhavn, digst):
    platform = make_initiative(digst, code="P", forecast_start=D(2023, 1, 1), forecast_end=D(2023, 6, 30),
                               baseline_start=D(2023, 1, 1), baseline_end=D(2023, 6, 30))
    service = make_initiative(kobenhavn, code="S", forecast_start=D(2023, 7, 1), forecast_end=D(2024, 6, 30),
                              baseline_start=D(2023, 7, 1), baseline_end=D(2024, 6, 30))
    return platform, service


class TestMarkingChanges:
    def test_a_committed_change_is_recorded_and_enqueues_a_recompute_with_a_delay(
        self, two_initiatives, enqueued
    ):
        platform, service = two_initiatives
        recompute_summaries()
        enqueued.clear()
        assert owed() == 0

        dependency_add(source=service, target=platform)

        assert owed() == 1
        assert summaries_freshness().dirty_since is not None
        assert enqueued == [{
            "kwargs": {"trigger": SummaryTrigger.CHANGE},
            "countdown": settings.SUMMARY_COALESCE_SECONDS,
            "retry": True,
            "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
        }]
        assert summaries_freshness().pending

    def test_many_writes_in_one_transaction_mark_and_enqueue_once(self, two_initiatives, enqueued):
        platform, service = two_initiatives
        recompute_summaries()
        enqueued.clear()
        assert owed() == 0

        with transaction.atomic():
            for n in range(50):
                initiative_update(initiative=service, title_en=f"Renamed {n}")
            dependency_add(source=service, target=platform)
            assert enqueued == []  # nothing before the commit

        assert owed() == 1
        assert len(enqueued) == 1

    def test_a_rolled_back_change_leaves_no_mark_and_enqueues_nothing(self, two_initiatives, enqueued):
        platform, service = two_initiatives
        recompute_summaries()
        enqueued.clear()

        with pytest.raises(RuntimeError), transaction.atomic():
            dependency_add(source=service, target=platform)
            raise RuntimeError("the request failed")

        assert owed() == 0
        assert enqueued == []

    @pytest.mark.parametrize("change", ["milestone", "participation", "authority", "delete", "queryset_update"])
    def test_every_kind_of_change_marks_the_summaries_dirty(
        self, change, two_initiatives, enqueued, aarhus, kobenhavn
    ):
        from initiatives.services import milestone_add, participation_set

        platform, service = two_initiatives
        recompute_summaries()
        if change == "milestone":
            milestone_add(initiative=service, title_da="Pilot", baseline_date=D(2024, 1, 1))
        elif change == "participation":
            participation_set(initiative=service, authority=aarhus, role="contributor")
        elif change == "authority":
            kobenhavn.website = "https://www.kk.dk/"
            kobenhavn.save()
        elif change == "delete":
            platform.delete()
        else:
            Initiative.objects.filter(pk=service.pk).update(status=Status.PAUSED)
            mark_dirty()  # what code that bypasses signals must do
        assert summaries_freshness().pending


class TestCoalescing:
    def test_a_hundred_edits_in_a_row_enqueue_one_recompute_that_sees_them_all(
        self, two_initiatives, enqueued
    ):
        platform, service = two_initiatives
        recompute_summaries()
        enqueued.clear()

        for n in range(100):  # each its own transaction, like 100 saves in the admin
            initiative_update(initiative=service, title_en=f"Edit {n}")
        dependency_add(source=service, target=platform)

        assert len(enqueued) == 1
        # The worker picks it up after the delay and computes the last version.
        assert recompute_summaries_task.run(trigger=SummaryTrigger.CHANGE) == "done"
        assert owed() == 0 and not summaries_freshness().pending
        assert InitiativeSummary.objects.get(initiative=service).upstream_total == 1

    def test_a_change_after_the_recompute_started_enqueues_again(self, two_initiatives, enqueued):
        platform, service = two_initiatives
        recompute_summaries()
        initiative_update(initiative=service, title_en="First")
        assert len(enqueued) == 1
        recompute_summaries_task.run(trigger=SummaryTrigger.CHANGE)

        initiative_update(initiative=service, title_en="Second")
        assert len(enqueued) == 2

    def test_with_nothing_owed_a_queued_task_does_nothing(self, two_initiatives, enqueued):
        recompute_summaries()
        runs = SummaryRun.objects.count()

        assert recompute_summaries_task.run(trigger=SummaryTrigger.CHANGE) == "current"
        assert SummaryRun.objects.count() == runs

    def test_in_process_each_transaction_recomputes_once_after_commit(self, in_process, two_initiatives):
        """`make run` without Redis: summaries follow every committed change, once per transaction."""
        platform, service = two_initiatives
        runs = SummaryRun.objects.filter(trigger=SummaryTrigger.CHANGE).count()

        with transaction.atomic():
            for n in range(20):
                initiative_update(initiative=service, title_en=f"Edit {n}")
            dependency_add(source=service, target=platform)

        assert SummaryRun.objects.filter(trigger=SummaryTrigger.CHANGE).count() == runs + 1
        assert InitiativeSummary.objects.get(initiative=service).upstream_total == 1
        assert not summaries_freshness().pending


class TestBrokerDown:
    def test_the_change_is_saved_and_the_sweep_catches_up_when_the_broker_is_back(
        self, two_initiatives, celery_conf
    ):
        platform, service = two_initiatives
        recompute_summaries()
        # Nothing listens on port 9: connecting is refused at once.
        celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")

        started = time.monotonic()
        dependency = dependency_add(source=service, target=platform)
        initiative_update(initiative=platform, benefits_health=Health.RED)
        assert time.monotonic() - started < 10  # the request is not held up for long

        assert Initiative.objects.get(pk=platform.pk).health == Health.RED
        assert dependency.pk is not None
        assert summaries_freshness().pending  # the durable marker is left
        assert state().last_enqueued_at is None  # no task claims to be coming
        assert not InitiativeSummary.objects.get(initiative=service).at_risk

        celery_conf(task_always_eager=True)  # the broker is back; beat runs the sweep
        from summaries.tasks import sweep_dirty_summaries as sweep_task

        sweep_task.apply()
        assert not summaries_freshness().pending
        summary = InitiativeSummary.objects.get(initiative=service)
        assert (summary.at_risk, summary.risk_reason) == (True, RiskReason.RED)
        assert SummaryRun.objects.first().trigger == SummaryTrigger.SWEEP

    def test_the_sweep_leaves_a_change_to_the_task_that_is_on_its_way(self, two_initiatives, enqueued):
        platform, service = two_initiatives
        recompute_summaries()
        dependency_add(source=service, target=platform)
        assert len(enqueued) == 1

        assert sweep_dirty_summaries() is None
        assert summaries_freshness().pending

    def test_the_sweep_takes_over_when_the_enqueued_task_was_lost(self, two_initiatives, enqueued):
        platform, service = two_initiatives
        recompute_summaries()
        dependency_add(source=service, target=platform)
        with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)):
            result = sweep_dirty_summaries()
        assert result.status == "done"
        assert not summaries_freshness().pending


class TestLock:
    def test_a_recompute_that_finds_the_lock_held_defers_and_the_task_retries(self, two_initiatives, enqueued):
        holding, release = threading.Event(), threading.Event()

        def hold_lock():
            with summaries_lock(wait=True):
                holding.set()
                release.wait(timeout=30)
            connection.close()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        try:
            assert holding.wait(timeout=30)
            mark_dirty()
            assert recompute_summaries(wait=False).status == "busy"
            with pytest.raises(Retry):
                recompute_summaries_task.run(trigger=SummaryTrigger.CHANGE)
        finally:
            release.set()
            holder.join(timeout=30)
        assert recompute_summaries(wait=False).status == "done"
        assert not summaries_freshness().pending

    def test_two_recomputes_at_once_run_one_after_the_other_and_agree(
        self, require_postgres, two_initiatives, make_initiative, kobenhavn
    ):
        platform, service = two_initiatives
        dependency_add(source=service, target=platform)
        results, errors = [], []

        def run():
            try:
                results.append(recompute_summaries(trigger=SummaryTrigger.MANUAL, wait=True))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert [r.status for r in results] == ["done", "done"]
        first, second = sorted((r.run for r in results), key=lambda run: run.started_at)
        first.refresh_from_db()
        assert first.finished_at <= second.started_at  # never both at once
        assert InitiativeSummary.objects.get(initiative=service).upstream_total == 1
        assert not summaries_freshness().pending

    def test_a_run_left_behind_by_a_lost_worker_is_marked_and_redone(self, two_initiatives):
        from django.utils import timezone

        lost = SummaryRun.objects.create(trigger=SummaryTrigger.CHANGE, started_at=timezone.now())
        recompute_summaries()
        lost.refresh_from_db()
        assert lost.status == SummaryRun.Status.FAILED and "interrupted" in lost.error
        assert SummaryRun.objects.first().status == SummaryRun.Status.DONE


class TestSchedule:
    def test_beat_runs_the_nightly_recompute_at_half_past_four_and_the_sweep_every_minute(self):
        schedule = celery_app.conf.beat_schedule
        nightly = schedule["recompute-all-summaries-nightly"]
        assert nightly["task"] in celery_app.tasks
        assert nightly["schedule"] == crontab(hour=4, minute=30)
        assert celery_app.conf.timezone == "Europe/Copenhagen"
        sweep = schedule["sweep-dirty-summaries"]
        assert sweep["task"] in celery_app.tasks and sweep["schedule"] == 60.0

    def test_the_nightly_task_recomputes_even_when_nothing_is_owed(self, in_process, two_initiatives):
        from summaries.tasks import recompute_all_summaries

        recompute_summaries()
        recompute_all_summaries.apply()
        assert SummaryRun.objects.first().trigger == SummaryTrigger.NIGHTLY


# --- A real Celery worker against real Redis and PostgreSQL ---------------------------------


def _database_url_for(settings_dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{credentials}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def celery_worker_process(require_postgres, require_redis, transactional_db, tmp_path, celery_conf):
    """`celery -A portfolio worker` in a subprocess, on the test database and the test Redis."""
    celery_conf(task_always_eager=False, broker_url=settings.REDIS_URL)
    celery_app.control.purge()  # tasks left by earlier test runs on this Redis database
    hostname = f"engine-test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "SUMMARY_COALESCE_SECONDS": str(settings.SUMMARY_COALESCE_SECONDS),
    }
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portfolio", "worker", "--pool", "solo", "--hostname", hostname,
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the worker did not start:\n" + (tmp_path / "worker.log").read_text()[-3000:])
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()


@pytest.mark.xdist_group("celery-workers")  # one real-worker test at a time: they are CPU-bound
class TestRealWorker:
    def test_a_committed_edit_reaches_the_summaries_through_the_worker(
        self, celery_worker_process, two_initiatives, settings
    ):
        platform, service = two_initiatives
        wait_until(lambda: not summaries_freshness().pending and InitiativeSummary.objects.exists(),
                   timeout=60, message="the worker did not compute the initial summaries")

        edited_at = time.monotonic()
        dependency_add(source=service, target=platform)
        initiative_update(initiative=platform, status=Status.PAUSED)
        wait_until(
            lambda: InitiativeSummary.objects.filter(
                initiative=service, upstream_total=1, risk_reason=RiskReason.PAUSED
            ).exists() and not summaries_freshness().pending,
            timeout=60, message="the summaries did not reflect the edit",
        )
        # The coalescing delay plus a run on a tiny portfolio; generous for a loaded machine.
        assert time.monotonic() - edited_at < settings.SUMMARY_COALESCE_SECONDS + 20
        assert SummaryRun.objects.filter(trigger=SummaryTrigger.CHANGE, status=SummaryRun.Status.DONE).exists()

    def test_a_burst_of_a_hundred_edits_causes_at_most_three_recomputes(
        self, celery_worker_process, two_initiatives, settings
    ):
        platform, service = two_initiatives
        wait_until(lambda: not summaries_freshness().pending and InitiativeSummary.objects.exists(),
                   timeout=60, message="the worker did not compute the initial summaries")
        before = SummaryRun.objects.filter(status=SummaryRun.Status.DONE).count()
        # One run per coalescing window: a window longer than the burst takes on a loaded test
        # machine (100 commits, a few seconds), as production's 2 s is on a quiet one.
        settings.SUMMARY_COALESCE_SECONDS = 10
        started = time.monotonic()

        for n in range(99):
            initiative_update(initiative=service, title_en=f"Edit {n}")
        dependency_add(source=service, target=platform)
        burst_seconds = time.monotonic() - started
        final_version = freshness.newest_change()

        wait_until(lambda: freshness.reflects(final_version), timeout=60,
                   message="the burst was not computed")
        # Let any task still queued from the burst run out before counting.
        wait_until(lambda: state().last_enqueued_at is None, timeout=30, message="a task stayed queued")
        runs = SummaryRun.objects.filter(status=SummaryRun.Status.DONE).count() - before
        assert 1 <= runs <= 3, f"{runs} runs for a burst that took {burst_seconds:.1f} s"
        assert InitiativeSummary.objects.get(initiative=service).upstream_total == 1
