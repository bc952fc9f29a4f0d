"""Test-client helpers."""

from django.conf import settings
from django.contrib import admin

from common.versions import Tracked, version_of


def in_english(client):
    """The client as a user who has chosen English with the language switch (the choice lives in a cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _posted(bound_field) -> object:
    """A bound field's value as a browser posts it: "" for nothing, ids for rows, "on" for a tick."""
    value = bound_field.value()
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def change_form_data(response, **changes) -> dict:
    """What the admin change form in `response` posts when saved as it shows, inline rows included,
    with `changes` applied (names as posted: `title_da`, `milestones-0-title_da`)."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):  # none on a revert form
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound_field in form:
            value = _posted(bound_field)
            if value is not None:
                data[bound_field.html_name] = value
    data.update(changes)
    return data


def opened_version(record) -> dict:
    """The hidden field the record's admin change form carries when opened now (common.forms), for
    tests that post a change form they build by hand."""
    tracked = admin.site.get_model_admin(type(record)).version_tracked()
    return {"opened_version": version_of(record, (Tracked.record(type(record)), *tracked))}
