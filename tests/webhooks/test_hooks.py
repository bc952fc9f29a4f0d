"""Registering a webhook: the secretariat's alone, a hostile URL refused naming the field, and no
request to a private address in production (SSRF)."""

import contextlib
import json
import socket
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from initiatives.services import initiative_update
from tests.clients import change_form_data
from webhooks.models import Delivery, DeliveryStatus, EventType, Hook, HookState
from webhooks.services import due_deliveries_send, hook_pause

ADD_URL = "/admin/webhooks/hook/add/"


def test_the_secretariat_registers_a_hook_in_the_admin_and_sees_its_secret(analyst_client, local_receivers_allowed):
    response = analyst_client.post(ADD_URL, {
        "name": "KL", "url": "https://hooks.example.org/portfolio", "events": [EventType.HEALTH_CHANGED],
    })
    assert response.status_code == 302
    hook = Hook.objects.get()
    assert hook.events == [EventType.HEALTH_CHANGED] and len(hook.secret) >= 40
    page = analyst_client.get(f"/admin/webhooks/hook/{hook.pk}/change/")
    assert hook.secret in page.content.decode()
    # The secret stays out of the history, which lists what changed.
    assert not hasattr(hook.history.first(), "secret")


@pytest.mark.parametrize("url, refusal", [
    ("ftp://hooks.example.org/x", "http://"),
    ("javascript:alert(1)", "http://"),
    ("https://hooks.example.org:99999/", "http://"),
    ("https://user:pw@hooks.example.org/", "user name or password"),
    ("http://10.1.2.3/hook", "private or local"),
    ("http://[::1]:8080/hook", "private or local"),
    ("https://hooks.example.org/" + "x" * 600, "500"),
])
def test_a_hostile_url_is_refused_naming_the_field_and_nothing_is_saved(analyst_client, url, refusal, english, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = analyst_client.post(ADD_URL, {"name": "Evil", "url": url, "events": [EventType.HEALTH_CHANGED]})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert refusal in " ".join(errors["url"])
    assert not Hook.objects.exists()


def test_unknown_events_and_hosts_outside_the_allowed_list_are_refused(settings, db):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.org"]
    with pytest.raises(ValidationError) as refused:
        Hook(name="x", url="https://elsewhere.example.com/", events=["initiative.deleted"]).full_clean()
    assert set(refused.value.message_dict) == {"url", "events"}
    Hook(name="x", url="https://hooks.example.org/in", events=[EventType.CYCLE_FROZEN]).full_clean()


def test_coordinators_neither_see_nor_register_hooks(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    assert client.get("/admin/webhooks/hook/").status_code == 403
    assert client.post(ADD_URL, {"name": "x", "url": "https://a.example.org/", "events": [EventType.HEALTH_CHANGED]}
                       ).status_code == 403
    assert not Hook.objects.exists()


def test_a_name_resolving_to_a_private_address_is_never_called_in_production(
    hook, receiver, settings, make_initiative, kobenhavn
):
    initiative = make_initiative(kobenhavn)
    hook.url = receiver.url.replace("127.0.0.1", "localhost")
    hook.save()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    initiative_update(initiative=initiative, forecast_cost=20_000_000)  # double the budget: red
    report = due_deliveries_send()

    delivery = Delivery.objects.get()
    assert report.delivered == 0 and receiver.requests == []
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "private or local address" in delivery.last_error


def test_the_secretariat_resumes_a_paused_hook_in_the_admin_and_what_waited_is_sent(
    analyst_client, hook, receiver, make_initiative, kobenhavn, django_capture_on_commit_callbacks, in_process
):
    initiative = make_initiative(kobenhavn)
    hook_pause(hook=hook, reason="Paused by hand.")
    initiative_update(initiative=initiative, forecast_cost=20_000_000)
    assert due_deliveries_send().delivered == 0 and receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post("/admin/webhooks/hook/", {
            "action": "resume", "_selected_action": [hook.pk],
        })

    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.state, hook.paused_reason, hook.paused_at) == (HookState.ACTIVE, "", None)
    # Without a broker the task runs in-process right after the commit, as with `make run`.
    assert len(receiver.requests) == 1 and Delivery.objects.get().status == DeliveryStatus.DELIVERED
    assert hook.history.first().state == HookState.ACTIVE


def test_the_secretariat_changes_a_hooks_events_and_the_change_is_in_its_history(analyst_client, hook):
    page = analyst_client.get(f"/admin/webhooks/hook/{hook.pk}/change/")
    version = page.context["adminform"].form["opened_version"].value()
    response = analyst_client.post(f"/admin/webhooks/hook/{hook.pk}/change/", {
        "name": hook.name, "url": hook.url, "events": [EventType.CYCLE_FROZEN], "opened_version": version,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    hook.refresh_from_db()
    assert hook.events == [EventType.CYCLE_FROZEN]
    assert hook.history.count() == 2


def test_a_light_changed_in_the_initiative_admin_or_by_a_revert_is_told(analyst_client, hook, make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    first = initiative.history.first()
    change_url = f"/admin/initiatives/initiative/{initiative.pk}/change/"
    page = analyst_client.get(change_url)
    response = analyst_client.post(change_url, change_form_data(page, forecast_end="31.12.2025"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    revert_url = f"/admin/initiatives/initiative/{initiative.pk}/history/{first.history_id}/"
    assert analyst_client.post(revert_url, change_form_data(analyst_client.get(revert_url))).status_code == 302

    told = [json.loads(body) for body in Delivery.objects.order_by("pk").values_list("body", flat=True)]
    assert [(event["event"], event["old"], event["new"]) for event in told] == [
        (EventType.HEALTH_CHANGED, "green", "red"), (EventType.HEALTH_CHANGED, "red", "green"),
    ]


def test_a_receiver_answering_a_byte_at_a_time_is_cut_off(hook, settings, make_initiative, kobenhavn):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1  # each read may wait 1 s; the whole attempt 3 s
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip():
        connection, _address = listener.accept()
        with connection, contextlib.suppress(OSError):  # the client hangs up on it
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.5):
                connection.sendall(b"X")  # a header line that never ends

    server = threading.Thread(target=drip, daemon=True)
    server.start()
    hook.url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    hook.save()
    initiative_update(initiative=make_initiative(kobenhavn), forecast_cost=20_000_000)
    started = time.monotonic()
    try:
        report = due_deliveries_send()
    finally:
        stop.set()
        server.join(timeout=5)
        listener.close()

    assert report.delivered == 0 and time.monotonic() - started < 6
    assert "no complete answer within 3 s" in Delivery.objects.get().last_error
