"""A scripted day in the portfolio for the summary-email tests, and a local SMTP sink."""

import datetime
import socket
import threading
import zoneinfo
from dataclasses import dataclass, field

import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User

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


class FlakySink:
    """An aiosmtpd handler that stores what it accepts, and can refuse with a given code first."""

    def __init__(self, *, refuse_first: int = 0, refuse_code: int = 421, refuse_to: set[str] | None = None):
        self.messages: list = []
        self.refuse_first = refuse_first
        self.refuse_code = refuse_code
        self.refuse_to = refuse_to or set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_to:
            return f"{self.refuse_code} 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_first > 0:
                self.refuse_first -= 1
                return f"{self.refuse_code} 4.3.2 Try again later"
            self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(handler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller
