"""Settings for the test run: the project's own, plus one Celery queue per pytest-xdist process.

`make test` runs the suite in several processes (PYTEST_XDIST_WORKER is gw0, gw1, ...), each with its
own test database but one Redis database between them. The tests that start real Celery workers
pass this module on to them, so a worker only ever takes tasks its own process enqueued: never one
that another process's test enqueued for a database the worker cannot see.
"""

import os

from portfolio.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

# A password hash costs 0.24 s with the production hasher; the suite makes hundreds of them (every
# user fixture and log-in). Django's documentation recommends a fast hasher for tests; production
# keeps its own (portfolio.settings), and the hashing itself is Django's, not ours to test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# PostgreSQL in the tests: a commit need not wait for its WAL record to reach the disk (a crash of the
# test database loses nothing anyone needs). The live-server and real-worker tests commit and empty
# the tables after each test; this keeps them off the disk's flush. Production keeps the default.
#
# Between transactional tests, Django's engine with a cheaper flush: the rows there are are deleted,
# instead of every table truncated (tests/postgresql/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405

# The figures' cache (common.pagecache) is off: one Redis database serves every test process, and a test's
# data version can repeat in the next test's fresh tables. The cache's own tests turn it on and clear it.
PAGE_CACHE_SECONDS = 0
