"""Shared fixtures: the reference data, the named personas, and small builders.

Services (PostgreSQL, Redis, Chromium) are used when configured; a test that needs one asks for
the `require_*` fixture, which skips with a printed reason, or fails when REQUIRE_SERVICES=1.
"""

import datetime
import io
import os
import shutil
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from authorities.models import Authority, Coordinator, Kind
from initiatives.models import Initiative
from initiatives.services import initiative_create
from strategies.models import Strategy
from tests.dashboard.builders import build_portfolio

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def service_missing(reason: str) -> None:
    """Skip the test for want of a service, or fail when the run requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def require_postgres():
    if connection.vendor != "postgresql":  # the tests' engine is tests.postgresql (tests/settings.py)
        service_missing("DATABASE_URL does not point at PostgreSQL")


@pytest.fixture
def require_redis():
    if not settings.REDIS_URL:
        service_missing("REDIS_URL is not set")


@pytest.fixture
def require_chromium():
    if not shutil.which(CHROMIUM):
        service_missing(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


class RecordedRows:
    """What a build writes, recorded the first time it runs in this process: the rows it adds, changes
    and removes. Later tests get the same database state for a few queries: the removed rows deleted,
    the changed ones updated, the added ones in one bulk insert per table (foreign keys are checked at
    the commit, so the order of tables is free), and the sequences moved past them.

    `guarded`: first look whether a row with one of the added keys is there already (the test wrote
    it before); then build as the first time did, instead of failing on the duplicate key."""

    def __init__(self, build, *, guarded: bool = False):
        self.build = build
        self.guarded = guarded
        self.rows: list[tuple[type, list[dict]]] | None = None  # added
        self.changed: list[tuple[type, list[dict]]] = []
        self.removed: list[tuple[type, list]] = []

    def write(self, **build_arguments) -> None:
        if self.rows is None:
            self._record(**build_arguments)
        elif self.guarded and self._taken():
            self.build(**build_arguments)
        else:
            self._replay()

    def _record(self, **build_arguments) -> None:
        before = _all_rows()
        self.build(**build_arguments)
        self.rows = []
        for model, after in _all_rows().items():
            added = [row for pk, row in after.items() if pk not in before[model]]
            changed = [row for pk, row in after.items() if pk in before[model] and row != before[model][pk]]
            removed = [pk for pk in before[model] if pk not in after]
            for recorded, rows in ((self.rows, added), (self.changed, changed), (self.removed, removed)):
                if rows:
                    recorded.append((model, rows))

    def _taken(self) -> bool:
        return any(model._base_manager.filter(pk__in=[row[model._meta.pk.attname] for row in rows]).exists()
                   for model, rows in self.rows)

    def _replay(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for model, pks in self.removed:  # raw: no signals, no cascades (the build's own deletes were seen)
                table, column = (connection.ops.quote_name(name) for name in (model._meta.db_table,
                                                                                model._meta.pk.column))
                cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(pks))})", pks)
            for model, rows in self.changed:
                for row in rows:
                    model._base_manager.filter(pk=row[model._meta.pk.attname]).update(**row)
            for model, rows in self.rows:
                model._base_manager.bulk_create([model(**row) for row in rows])
            for statement in connection.ops.sequence_reset_sql(no_style(), [model for model, _rows in self.rows]):
                cursor.execute(statement)


# Not recorded for replay: the claim of the summaries' recompute task (summaries.freshness.claim_enqueue).
# The recording test's changes enqueued a task and claimed it; a replay enqueues none, so a replayed
# claim would tell the next test's changes a task is already on its way and enqueue nothing for them.
NOT_REPLAYED = frozenset({"summaries.SummaryState"})


def replayed_models() -> list[type]:
    return [model for model in apps.get_models(include_auto_created=True) if model._meta.label not in NOT_REPLAYED]


def _all_rows() -> dict[type, dict]:
    return {model: {row[model._meta.pk.attname]: row for row in model._base_manager.values()}
            for model in replayed_models()}


@pytest.fixture
def english(settings):
    """For tests that read the English texts; tests/portfolio/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def page_cache(settings):
    """The figures' cache (common.pagecache) on, in a key space of this test's own.

    Never `cache.clear()`: on Redis that empties the whole database the test processes share, Celery's
    queue bindings with it, and a real worker then waits for tasks that were published to no queue.
    """
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


# The rows `load_reference_data` writes (with their history): recorded the first time a test in this
# process loads them, then inserted in bulk: ~15 queries instead of ~1,800 (the suite's largest setup cost).
_reference_rows = RecordedRows(lambda: call_command("load_reference_data", stdout=io.StringIO()))


@pytest.fixture
def reference_data(db):
    _reference_rows.write()


@pytest.fixture
def kobenhavn(reference_data) -> Authority:
    return Authority.objects.get(kind=Kind.MUNICIPALITY, code="0101")


@pytest.fixture
def aarhus(reference_data) -> Authority:
    return Authority.objects.get(kind=Kind.MUNICIPALITY, code="0751")


@pytest.fixture
def region_midtjylland(reference_data) -> Authority:
    return Authority.objects.get(kind=Kind.REGION, code="1082")


@pytest.fixture
def digst(reference_data) -> Authority:
    return Authority.objects.get(name_da="Digitaliseringsstyrelsen")


@pytest.fixture
def strategy_2022(reference_data) -> Strategy:
    return Strategy.objects.get(code="2022-2025")


@pytest.fixture
def strategy_2026(reference_data) -> Strategy:
    return Strategy.objects.get(code="2026-2029")


def make_coordinator(username: str, *authorities: Authority) -> User:
    user = User.objects.create_user(username=username, password="not-used-in-tests-7Qx!", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="Coordinators")[0])
    for authority in authorities:
        Coordinator.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def analyst(db) -> User:
    """The secretariat analyst: sees and edits everything."""
    from common.roles import ensure_roles

    ensure_roles()
    user = User.objects.create_user(username="analyst", password="not-used-in-tests-7Qx!", is_staff=True)
    user.groups.add(Group.objects.get(name="Secretariat"))
    return user


@pytest.fixture
def kobenhavn_coordinator(kobenhavn) -> User:
    from common.roles import ensure_roles

    ensure_roles()
    return make_coordinator("kk-coordinator", kobenhavn)


@pytest.fixture
def midtjylland_coordinator(region_midtjylland) -> User:
    from common.roles import ensure_roles

    ensure_roles()
    return make_coordinator("rm-coordinator", region_midtjylland)


@pytest.fixture
def secretariat_reader(db) -> User:
    """A reader at the secretariat: sees the whole portfolio, in the admin too, and changes nothing."""
    from common.roles import SECRETARIAT_READERS, ensure_roles

    ensure_roles()
    user = User.objects.create_user(username="reader", password="not-used-in-tests-7Qx!", is_staff=True)
    user.groups.add(Group.objects.get(name=SECRETARIAT_READERS))
    return user


@pytest.fixture
def outsider(db) -> User:
    """A logged-in user with no role: may view the dashboard, nothing else."""
    return User.objects.create_user(username="outsider", password="not-used-in-tests-7Qx!")


@pytest.fixture
def make_initiative(strategy_2022):
    """Builds initiatives through the service, with sensible dates and money."""
    counter = iter(range(1, 10_000))

    def build(lead: Authority, **fields) -> Initiative:
        n = next(counter)
        defaults = {
            "strategy": strategy_2022,
            "code": f"T.{n}",
            "title_da": f"Testinitiativ {n}",
            "title_en": f"Test initiative {n}",
            "baseline_start": datetime.date(2023, 1, 1),
            "baseline_end": datetime.date(2024, 12, 31),
            "forecast_start": datetime.date(2023, 1, 1),
            "forecast_end": datetime.date(2024, 12, 31),
            "baseline_budget": 10_000_000,
            "forecast_cost": 10_000_000,
        }
        defaults.update(fields)
        return initiative_create(lead=lead, **defaults)

    return build


@pytest.fixture
def kk_in_english(client, kobenhavn_coordinator, english):
    """The test client as København's coordinator, reading the English texts."""
    client.force_login(kobenhavn_coordinator)
    return client


@pytest.fixture
def analyst_client(client, analyst):
    """The test client, logged in as the secretariat analyst."""
    client.force_login(analyst)
    return client


@pytest.fixture
def portfolio_size() -> int:
    """How many municipal initiatives `portfolio` builds; a folder or a module may override it."""
    return 5


@pytest.fixture
def portfolio(portfolio_size, strategy_2022, digst, kobenhavn, region_midtjylland) -> dict:
    """The pages' small portfolio, its summaries written directly (tests/dashboard/builders.py):
    `portfolio_size` initiatives of Københavns Kommune, with Region Midtjylland taking part, all
    depending on one red initiative of Digitaliseringsstyrelsen."""
    return build_portfolio(strategy=strategy_2022, size=portfolio_size, central=digst, municipality=kobenhavn,
                           region=region_midtjylland)


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language, whatever the test before it (in the same
    worker process) left active."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
