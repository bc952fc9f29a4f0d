"""Serving for real: `/healthz` and the production server (`make serve`: gunicorn with JSON logs)."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.digests.builders import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_and_broker_answer(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["state"] == "ok"
    # With no REDIS_URL tasks run in-process: there is no broker to lose.
    assert body["checks"]["broker"]["state"] == ("ok" if settings.REDIS_URL else "in-process")


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_it_is_down(client, monkeypatch):
    from common import health

    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Down())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["checks"]["database"]["state"]) == ("unavailable", "unavailable")
    assert "refused" not in response.content.decode()  # no error text for outsiders


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {**body["checks"], "broker": {**body["checks"]["broker"], "state": "unavailable"}}
    assert body["checks"]["database"]["state"] == "ok"


def test_healthz_takes_no_writes(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_the_production_server_serves_with_debug_off_and_logs_each_request_as_json(tmp_path):
    """gunicorn with the project's configuration (as `make serve` starts it): the health check and a
    static file (WhiteNoise, from the collected files) answer, plain HTTP is sent to HTTPS, and every
    request and the server's own messages are JSON lines on standard error."""
    static_root = tmp_path / "static"
    static_root.mkdir()
    (static_root / "probe.txt").write_text("served by WhiteNoise")
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
    }
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "portfolio/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
             "portfolio.wsgi"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                    health = (response.status, json.load(response))
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert health[0] == 200 and health[1]["status"] == "ok"
        proxied = urllib.request.Request(f"{base}/static/probe.txt", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(proxied, timeout=5) as response:
            assert response.read() == b"served by WhiteNoise"
        plain = urllib.request.build_opener(NoRedirect())
        with pytest.raises(urllib.error.HTTPError) as redirected:
            plain.open(f"{base}/", timeout=5)
        redirected.value.close()
        assert redirected.value.code == 301 and redirected.value.headers["Location"].startswith("https://")
    finally:
        server.terminate()
        server.wait(timeout=30)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    requests = [record for record in records if record["logger"] == "gunicorn.access"]
    assert [(r["method"], r["path"], r["status"]) for r in requests][-3:] == [
        ("GET", "/healthz", 200), ("GET", "/static/probe.txt", 200), ("GET", "/", 301),
    ]
    assert all({"time", "level", "duration_ms"} <= record.keys() for record in requests)
    assert any(record["logger"] == "gunicorn.error" and "Booting worker" in record["message"] for record in records)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
