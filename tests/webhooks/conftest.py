"""A real local receiver (http.server in a thread) and a registered hook pointing at it."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import EventType, Hook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each event (by its X-Portfolio-Delivery id) with the next of `answers`, then 200."""

    url: str
    answers: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    _answered: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            event_id = received.headers.get("X-Portfolio-Delivery", "")
            count = self._answered.get(event_id, 0)
            self._answered[event_id] = count + 1
            return self.answers[count] if count < len(self.answers) else 200


def signature_is_valid(received: Received, secret: str, *, tolerance: int = 300) -> bool:
    """What the README tells a receiver to do: recompute the signature, compare in constant time,
    refuse an old timestamp."""
    timestamp = received.headers["X-Portfolio-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(expected, received.headers["X-Portfolio-Signature"])


@pytest.fixture
def receiver():
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state["receiver"].answer(Received(dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/portfolio-events?source=test")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def local_receivers_allowed(settings):
    # The receiver listens on 127.0.0.1, which production refuses (SSRF); development allows it.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_ALLOWED_HOSTS = []


@pytest.fixture
def hook(db, receiver, local_receivers_allowed) -> Hook:
    hook = Hook(name="KL's portfolio tool", url=receiver.url, events=list(EventType.values))
    hook.full_clean()
    hook.save()
    return hook


@pytest.fixture
def in_process():
    """Tasks run in-process, as with `make run` (whatever REDIS_URL the test run has)."""
    from portfolio.celery import app as celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved
