"""The load scenario (locust), started by `python manage.py load_test`: the secretariat browsing the dashboard and
its filters, coordinators editing their initiatives in the admin, and API clients reading pages of initiatives.

It runs in locust's own process (gevent), so it imports nothing from the project: the command passes what it
needs in the environment (users, passwords, tokens, ids). Request names group what the command reports on:
"page: …" (dashboard and admin pages), "api: …" (API reads), "edit: …" (saving a change) and, for each edit,
"summaries: edit reflected" whose time is how long the interdependency summaries took to include the edit.
"""

import datetime
import html
import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

SECRETARIAT = os.environ["LOAD_SECRETARIAT"]
COORDINATOR = os.environ["LOAD_COORDINATOR"]
PASSWORD = os.environ["LOAD_PASSWORD"]
API_TOKENS = os.environ["LOAD_API_TOKENS"].split(",")
OWN_INITIATIVES = [int(pk) for pk in os.environ["LOAD_OWN_INITIATIVES"].split(",")]
ANY_INITIATIVES = [int(pk) for pk in os.environ["LOAD_ANY_INITIATIVES"].split(",")]
STRATEGIES = os.environ["LOAD_STRATEGIES"].split(",")
# The production server sends cookies only over HTTPS; this client speaks plain HTTP to it on the same
# machine, as a proxy that terminates TLS would, and says so in this header.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
FRESHNESS_TIMEOUT = 60
# How often the edit's waiting greenlet asks: the edit-to-summaries times are within this of the truth. It is
# the measurement's own load, not a user's (every pending edit polls), so not more often than it needs.
FRESHNESS_POLL_SECONDS = 0.5
# Where to write what went wrong (request, error, occurrences) when the run ends: locust's --json has only counts.
ERRORS_FILE = os.environ.get("LOAD_ERRORS_FILE", "")


# Each API client its own token, each coordinator its own initiatives: outside systems have their own tokens
# (and rate limits), and two people editing the same initiative at once is a conflict the admin refuses on
# purpose (the second save is shown again with a message), not the load this measures.
API_CLIENT_NUMBERS = itertools.count()
COORDINATOR_NUMBERS = itertools.count()
INITIATIVES_PER_COORDINATOR = 5
ERROR_TEXT = re.compile(r'<(?:p class="errornote"|ul class="errorlist[^"]*")[^>]*>(.*?)</(?:p|ul)>', re.S)

# Saves whose reflection in the summaries was still awaited when the run stopped (neither a time nor a failure).
AWAITING: set[int] = set()


@events.quitting.add_listener
def _write_errors(environment, **kwargs):
    if ERRORS_FILE:
        errors = [
            {"name": error.name, "method": error.method, "error": str(error.error), "occurrences": error.occurrences}
            for error in environment.stats.errors.values()
        ]
        with open(ERRORS_FILE, "w") as out:
            json.dump({"errors": errors, "edits_still_awaited": len(AWAITING)}, out)


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id (inlines and hidden fields included)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


class Browser(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        self.client.headers.update(PROXY_HEADERS)
        self.client.get("/accounts/login/", name="page: login")
        self._insecure_cookies()
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            headers={"Referer": f"https://{urlsplit(self.host).netloc}/accounts/login/"},
            name="edit: log in",
        )
        self._insecure_cookies()

    def _insecure_cookies(self):
        # The session and CSRF cookies are marked Secure; send them back over the plain HTTP hop.
        for cookie in self.client.cookies:
            cookie.secure = False


class Secretariat(Browser):
    """The secretariat's analyst: the overview, the lists and their filters, the matrix, delay impact."""

    weight = 6
    wait_time = between(1, 4)
    username = SECRETARIAT

    @task(3)
    def overview(self):
        self.client.get(f"/?strategy={random.choice(STRATEGIES)}", name="page: overview")

    @task(3)
    def initiatives(self):
        filters = random.choice(["", "&at_risk=true", "&level=municipal", "&health=red", "&q=data"])
        self.client.get(f"/initiatives/?strategy={random.choice(STRATEGIES)}{filters}", name="page: initiatives (filtered)")

    @task(2)
    def initiative(self):
        self.client.get(f"/initiatives/{random.choice(ANY_INITIATIVES)}/", name="page: initiative")

    @task(1)
    def authorities(self):
        self.client.get("/authorities/", name="page: authorities")

    @task(1)
    def interdependencies(self):
        self.client.get(f"/interdependencies/?strategy={random.choice(STRATEGIES)}", name="page: interdependencies")

    @task(1)
    def impact(self):
        self.client.get(f"/impact/?initiative={random.choice(ANY_INITIATIVES)}&days=90", name="page: delay impact")

    @task(1)
    def funding(self):
        self.client.get(f"/funding/?strategy={random.choice(STRATEGIES)}", name="page: funding")


class Coordinator(Browser):
    """A coordinator changing the forecast end of one of their authority's initiatives in the admin."""

    weight = 1
    wait_time = between(5, 15)
    username = COORDINATOR

    def on_start(self):
        super().on_start()
        first = next(COORDINATOR_NUMBERS) * INITIATIVES_PER_COORDINATOR
        self.initiatives = [OWN_INITIATIVES[(first + n) % len(OWN_INITIATIVES)] for n in range(INITIATIVES_PER_COORDINATOR)]

    @task
    def edit_forecast_end(self):
        pk = random.choice(self.initiatives)
        url = f"/admin/initiatives/initiative/{pk}/change/"
        page = self.client.get(url, name="page: admin change form")
        if page.status_code != 200:
            return
        form = FormFields("initiative_form")
        form.feed(page.text)
        fields = dict(form.fields)
        try:
            end = datetime.datetime.strptime(fields["forecast_end"], "%d.%m.%Y").date()
        except (KeyError, ValueError):
            return
        shifted = (end + datetime.timedelta(days=random.choice([-7, 7]))).strftime("%d.%m.%Y")
        data = [(name, shifted if name == "forecast_end" else value) for name, value in form.fields]
        data.append(("_save", "Save"))
        self._insecure_cookies()
        with self.client.post(url, data, headers={"Referer": f"https://{urlsplit(self.host).netloc}{url}"},
                              name="edit: save an initiative", allow_redirects=False, catch_response=True) as saved:
            if saved.status_code != 302:
                shown = " / ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", m)).split())
                                   for m in ERROR_TEXT.findall(saved.text))
                saved.failure(f"the save was not accepted ({saved.status_code}): {shown[:300]}")
                return
        gevent.spawn(self._await_summaries, datetime.datetime.now(datetime.UTC))

    def _await_summaries(self, saved_at):
        """Poll the API's freshness until the summaries reflect the edit: computed by a run started after it."""
        started = datetime.datetime.now(datetime.UTC)
        AWAITING.add(id(started))
        try:
            self._poll_freshness(saved_at, started)
        finally:
            AWAITING.discard(id(started))

    def _poll_freshness(self, saved_at, started):
        while (datetime.datetime.now(datetime.UTC) - started).total_seconds() < FRESHNESS_TIMEOUT:
            gevent.sleep(FRESHNESS_POLL_SECONDS)
            answer = self.client.get("/api/v1/summaries/freshness/", name="api: summaries freshness")
            if answer.status_code != 200:
                continue
            state = answer.json()
            as_of = datetime.datetime.fromisoformat(state["as_of"]) if state["as_of"] else None
            # A run that started after the save read it (a run notes what it owes before reading): reflected,
            # whether or not later coordinators' edits are pending by now (under steady edits something is).
            if as_of and as_of >= saved_at:
                elapsed = (datetime.datetime.now(datetime.UTC) - saved_at).total_seconds() * 1000
                events.request.fire(request_type="SUMMARY", name="summaries: edit reflected", response_time=elapsed,
                                    response_length=0, exception=None, context={})
                return
        events.request.fire(request_type="SUMMARY", name="summaries: edit reflected",
                            response_time=FRESHNESS_TIMEOUT * 1000, response_length=0,
                            exception=TimeoutError("the summaries did not reflect the edit in time"), context={})


class ApiClient(HttpUser):
    """Another system reading the portfolio through the API with a token, a page of 100 at a time."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        token = API_TOKENS[next(API_CLIENT_NUMBERS) % len(API_TOKENS)]
        self.client.headers.update({**PROXY_HEADERS, "Authorization": f"Token {token}"})

    @task(3)
    def initiatives(self):
        first = self.client.get(f"/api/v1/initiatives/?strategy={random.choice(STRATEGIES)}&page_size=100",
                                name="api: initiatives (page 1)")
        if first.status_code == 200 and first.json().get("next"):
            following = urlsplit(first.json()["next"])
            self.client.get(f"{following.path}?{following.query}", name="api: initiatives (next page)")

    @task(1)
    def initiative(self):
        self.client.get(f"/api/v1/initiatives/{random.choice(ANY_INITIATIVES)}/", name="api: initiative")

    @task(1)
    def dependencies(self):
        self.client.get("/api/v1/dependencies/?page_size=100", name="api: dependencies")
