import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def import_settings(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import portfolio.settings"], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"HEALTH_SCHEDULE_RED_MONTHS": "-1"}, "HEALTH_SCHEDULE_RED_MONTHS"),
        ({"SITE_URL": "portfolio.example.org"}, "SITE_URL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"WEBHOOK_ALLOWED_HOSTS": "https://hooks.example.org/"}, "WEBHOOK_ALLOWED_HOSTS"),
        ({"WEBHOOK_PAUSE_AFTER_FAILURES": "0"}, "WEBHOOK_PAUSE_AFTER_FAILURES"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(env, named):
    result = import_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_nothing_set_gives_the_embedded_default():
    result = subprocess.run(
        [sys.executable, "-c", "from portfolio import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, s.TIME_ZONE)"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["common.db.sqlite3", "True", "da", "Europe/Copenhagen"]
