"""A scripted day in the portfolio for the summary-email tests, and a local SMTP sink."""

import asyncio
import datetime
import os
import socket
import subprocess
import sys
import threading
import time
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection

from digests.models import Subscription, SubscriptionLanguage
from initiatives.models import Status
from initiatives.services import dependency_add, initiative_update, milestone_add
from summaries.engine import run as engine

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
DAY_BEFORE = datetime.date(2026, 11, 26)  # Thursday: the first summary
DAY = datetime.date(2026, 11, 27)  # Friday: the summary after the scripted day
NEXT_DAY = datetime.date(2026, 11, 28)


def at(date: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=COPENHAGEN)


def travel(date: datetime.date, hour: int, minute: int = 0):
    return time_machine.travel(at(date, hour, minute), tick=False)


@dataclass
class ScriptedDay:
    """What the test portfolio holds and who changed what on the scripted day."""

    coordinator: User
    analyst: User
    own: object  # led by Københavns Kommune; gets late, then at risk
    upstream: object  # led by Digitaliseringsstyrelsen; paused on the day
    regional: object  # led by Region Midtjylland; København's initiative comes to depend on it
    finishing: object  # København takes part; completed on the day
    added: object | None = None
    extra: dict = field(default_factory=dict)


def build_portfolio(make_initiative, *, kobenhavn, digst, region_midtjylland, kobenhavn_coordinator, analyst):
    """The portfolio before the day, with the previous summaries' subscriptions in place."""
    for user, email in ((kobenhavn_coordinator, "kk@example.invalid"), (analyst, "analyst@example.invalid")):
        user.email = email
        user.first_name = user.username
        user.save()
    with travel(DAY_BEFORE, 1):
        # Upstream work finishes before København's starts: nothing is at risk before the day.
        upstream = make_initiative(digst, title_da="Fælles login", title_en="Shared login",
                                   baseline_end=datetime.date(2026, 6, 30), forecast_end=datetime.date(2026, 6, 30),
                                   status=Status.ACTIVE)
        own = make_initiative(kobenhavn, title_da="Borgerservice", title_en="Citizen service",
                              baseline_start=datetime.date(2026, 7, 1), forecast_start=datetime.date(2026, 7, 1),
                              baseline_end=datetime.date(2027, 6, 30), forecast_end=datetime.date(2027, 6, 30),
                              status=Status.ACTIVE)
        regional = make_initiative(region_midtjylland, title_da="Regionale data", title_en="Regional data",
                                   baseline_end=datetime.date(2026, 6, 30), forecast_end=datetime.date(2026, 6, 30),
                                   status=Status.ACTIVE)
        finishing = make_initiative(kobenhavn, title_da="Skoleportal", title_en="School portal",
                                    baseline_end=datetime.date(2027, 6, 30), forecast_end=datetime.date(2027, 6, 30),
                                    status=Status.ACTIVE)
        dependency_add(source=own, target=upstream)
        milestone_add(initiative=own, title_da="Pilot i drift", title_en="Pilot live",
                      baseline_date=datetime.date(2026, 11, 26))
        engine.recompute_summaries(wait=True)
    from digests.subscriptions import subscription_ensure_default

    with travel(DAY_BEFORE, 2):  # subscribed once the portfolio was there, before the first summary
        subscription_ensure_default(kobenhavn_coordinator)
        subscription_ensure_default(analyst)
    Subscription.objects.filter(user=kobenhavn_coordinator).update(language=SubscriptionLanguage.ENGLISH)
    Subscription.objects.filter(user=analyst).update(language=SubscriptionLanguage.DANISH)
    return ScriptedDay(kobenhavn_coordinator, analyst, own, upstream, regional, finishing)


def script_the_day(day: ScriptedDay, make_initiative, *, kobenhavn, region_midtjylland) -> ScriptedDay:
    """The edits of the day between the two summaries, by the coordinator."""
    with travel(DAY_BEFORE, 10):
        day.own._history_user = day.coordinator
        # Five months late: schedule red, and so health red.
        initiative_update(initiative=day.own, forecast_end=datetime.date(2027, 11, 30))
        day.upstream._history_user = day.coordinator
        initiative_update(initiative=day.upstream, status=Status.PAUSED)
        dependency_add(source=day.own, target=day.regional)
        day.finishing._history_user = day.coordinator
        initiative_update(initiative=day.finishing, status=Status.COMPLETED)
        day.added = make_initiative(kobenhavn, title_da="Ny velfærdsløsning", title_en="New welfare solution",
                                    status=Status.PLANNED, baseline_end=datetime.date(2028, 6, 30),
                                    forecast_end=datetime.date(2028, 6, 30))
        milestone_add(initiative=day.added, title_da="Udbud afsluttet", title_en="Tender closed",
                      baseline_date=datetime.date(2026, 12, 4))
        engine.recompute_summaries(wait=True)
    return day


def message_to(address):
    matches = [m for m in mail.outbox if m.to == [address]]
    assert len(matches) == 1, f"{len(matches)} messages to {address}"
    message = matches[0]
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return message, message.body, html


class FlakySink:
    """An aiosmtpd handler that stores what it accepts, and can misbehave first: refuse with a given
    code, drop the connection at RCPT (before DATA), keep the message and drop the connection
    instead of answering DATA, or answer DATA only after a pause."""

    def __init__(self, *, refuse_first: int = 0, refuse_code: int = 421, refuse_to: set[str] | None = None,
                 drop_at_rcpt: int = 0, drop_after_data: int = 0, reply_delay: float = 0):
        self.messages: list = []  # accepted (or kept before dropping the connection)
        self.data_received: list = []  # every message that reached the end of DATA, refused or not
        self.refuse_first = refuse_first
        self.refuse_code = refuse_code
        self.refuse_to = refuse_to or set()
        self.drop_at_rcpt = drop_at_rcpt
        self.drop_after_data = drop_after_data
        self.reply_delay = reply_delay
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            drop = self.drop_at_rcpt > 0
            self.drop_at_rcpt -= drop
        if drop:
            server.transport.close()  # nothing of the message sent yet
            return "250 OK"  # never reaches the client
        if address in self.refuse_to:
            return f"{self.refuse_code} 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_received.append(envelope)
            if self.refuse_first > 0:
                self.refuse_first -= 1
                return f"{self.refuse_code} 4.3.2 Try again later"
            self.messages.append(envelope)
            drop = self.drop_after_data > 0
            self.drop_after_data -= drop
        if drop:
            # The server has the message; the client never hears its 250.
            server.transport.close()
            return "250 Message accepted for delivery"  # never reaches the client
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(handler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def worker_env(controller=None, **extra: str) -> dict:
    """The environment for a real Celery worker on the test database (the settings module is the test
    run's own, inherited), sending email to the sink when one is given, with `extra` settings."""
    db = connection.settings_dict
    email = {
        "EMAIL_HOST": controller.hostname,
        "EMAIL_PORT": str(controller.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
    } if controller is not None else {}
    return {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        **email,
        **extra,
    }


def start_worker(name: str, env: dict) -> subprocess.Popen:
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "portfolio", "worker", "--pool", "solo", "-n", f"{name}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def wait_until_listening(*names: str, seconds: float = 60) -> bool:
    """Whether the named workers (start_worker's names) answer a ping within `seconds`: each then consumes
    its queue, so a task sent now is taken even if something removed the queue's routing before."""
    from portfolio.celery import app as celery_app

    wanted = {f"{name}@{socket.gethostname()}" for name in names}

    def answered() -> bool:
        replies = celery_app.control.ping(destination=sorted(wanted), timeout=0.5) or []
        return wanted <= {worker for reply in replies for worker in reply}

    return wait_until(answered, seconds)


def stop_workers(workers: list[subprocess.Popen]) -> list[str]:
    """Stop the workers; what each printed."""
    for worker in workers:
        worker.terminate()
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=20)[0].decode(errors="replace"))
        except subprocess.TimeoutExpired:
            worker.kill()
            outputs.append(worker.communicate()[0].decode(errors="replace"))
    return outputs


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()
