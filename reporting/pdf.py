"""The steering group's report of one strategy as a PDF (WeasyPrint), set in the design system's
typeface (IBM Plex Sans, as the DKFDS build ships it in static/).

The document is the same selector's report as the page, unpaged: every covered initiative of the
strategy, its at-risk interdependencies and the changes since the previous frozen cycle. WeasyPrint
may fetch nothing but those font files: the texts in the report are the users', never a link the
renderer follows.
"""

import datetime
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from strategies.models import Strategy

from . import exports, selectors
from .models import Cycle

FONT_DIRECTORY = "vendor/dkfds/fonts/IBMPlexSans/complete"
FONT_FILES = {  # weight → file
    400: "ttf/IBMPlexSans-Regular.ttf",
    600: "woff/IBMPlexSans-SemiBold.woff",
    700: "woff/IBMPlexSans-Bold.woff",
}


def font_faces() -> list[dict]:
    """Each weight with the file: address of its font file."""
    faces = []
    for weight, name in FONT_FILES.items():
        found = finders.find(f"{FONT_DIRECTORY}/{name}")
        if found is None:
            raise FileNotFoundError(f"The design system's font {FONT_DIRECTORY}/{name} is missing from static/")
        faces.append({"weight": weight, "url": Path(found).as_uri()})
    return faces


def _fonts_only_fetcher(allowed: set[str]):
    """WeasyPrint's fetcher that opens the font files and refuses every other address."""
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"not fetched: {url[:80]}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=["file"])


def _field_change(field, labels: dict) -> str:
    names = {"assessed": _("Assessed status"), "forecast_end": _("Forecast end"),
             "baseline_version": _("Baseline version"), "track": _("Track"), "status": _("Status")}
    kind = {"assessed": "health", "track": "track", "status": "status"}.get(field.field)
    before, after = field.before, field.after
    if kind:
        before, after = labels[kind].get(before, before), labels[kind].get(after, after)
    elif field.field == "forecast_end":
        before, after = _date_text(before), _date_text(after)
    text = f"{names[field.field]}: {before or '–'} → {after or '–'}"
    if field.days is not None:
        text += " (" + ngettext("%(days)s day", "%(days)s days", field.days) % {"days": field.days} + ")"
    return text


def _date_text(value: str | None) -> str:
    return datetime.date.fromisoformat(value).strftime("%d.%m.%Y") if value else ""


def _risk(row: dict) -> str:
    figures = row["interdependencies"]
    if not (figures and figures["at_risk"]):
        return ""
    english = (translation.get_language() or "da").startswith("en")
    authority = (figures["risk_authority_en"] if english else "") or figures["risk_authority_da"]
    cause = figures["risk_initiative"] + (f" ({authority})" if authority else "")
    return _("at risk because of %(cause)s") % {"cause": cause or "–"}


def _line(row: dict, labels: dict) -> str:
    """An initiative's entry on one line, in the order of the legend (LEGEND): WeasyPrint lays out
    and draws a line of text many times faster than a table row of cells (a strategy of 2,900
    initiatives: seconds instead of minutes), and its time grows with the glyphs printed."""
    health = labels["health"]
    parts = [
        f"{row['code_with_strategy']} {row['title']}", row["lead"],
        f"{health.get(row['computed_overall'], '–')} → {health.get(row['assessed'], '–')}",
        labels["track"].get(row["track"], "–"), _date_text(row["forecast_end"]) or "–", f"v{row['baseline_version']}",
    ]
    risk = _risk(row)
    return " · ".join([*parts, risk] if risk else parts)


def legend() -> str:
    return " · ".join([
        _("Initiative"), _("Lead authority"), _("computed → assessed"), _("Track"), _("Forecast end"),
        _("Baseline"), _("what puts it at risk"),
    ])


def _note(row: dict, labels: dict) -> str:
    """What the steering group asks about, on a second line: a brighter assessment and its
    rationale, and what changed since the previous cycle."""
    notes = []
    if row["better_than_computed"]:
        rationale = row["rationale"] if row["texts_readable"] else ""
        notes.append(_("Assessed better than computed") + (f": {rationale}" if rationale else ""))
    change = row["change"]
    if change is not None:
        notes.append("; ".join([_change_kind(change.kind), *(_field_change(f, labels) for f in change.fields)]))
    return " · ".join(notes)


def _change_kind(kind: str) -> str:
    return {"added": _("Added"), "completed": _("Completed"), "cancelled": _("Cancelled"),
            "dropped": _("No longer covered"), "changed": _("Changed")}[kind]


def _areas(report: selectors.SteeringReport, labels: dict) -> list[dict]:
    """Each focus area's entries as the lines the document prints (built here: thousands of rows
    render fastest without per-row template logic)."""
    return [
        {
            "heading": f"{report.strategy.code} · {area.code} {area.name}" if area.code
            else f"{report.strategy.code} · {_('No focus area')}",
            "rows": [{"line": _line(row, labels), "note": _note(row, labels)} for row in area.rows],
        }
        for area in report.areas
    ]


def _no_longer_covered(report: selectors.SteeringReport, labels: dict) -> list[str]:
    """The changes of initiatives not in this cycle (the others are noted on their entries)."""
    shown = {row["initiative_id"] for area in report.areas for row in area.rows}
    english = (translation.get_language() or "da").startswith("en")
    return [
        f"{change.code} {(change.title_en if english else '') or change.title_da} · {_change_kind(change.kind)}"
        for change in report.changes if change.initiative_id not in shown
    ]


def pdf_filename(cycle: Cycle, strategy: Strategy) -> str:
    return f"cycle-{cycle.code}-{strategy.code}.pdf"


def steering_pdf(cycle: Cycle, strategy: Strategy, *, user=None, language: str) -> bytes:
    """One strategy's report of the cycle. With a user, the report texts they may read; without
    (the command, run by the operator), all of them."""
    from weasyprint import HTML  # loaded on first use: it brings Pango along

    faces = font_faces()
    with translation.override(language):
        report = selectors.steering_report(cycle, user, strategy, per_page=None, all_texts=user is None)
        labels = exports.labels()
        html = render_to_string(
            "reporting/steering_report_pdf.html",
            {"report": report, "cycle": cycle, "strategy": strategy, "fonts": faces, "LANGUAGE_CODE": language,
             "areas": _areas(report, labels), "legend": legend(),
             "no_longer_covered": _no_longer_covered(report, labels), "made_at": timezone.localtime()},
        )
    return HTML(string=html, url_fetcher=_fonts_only_fetcher({face["url"] for face in faces})).write_pdf()
