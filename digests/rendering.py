"""A digest as an email: its sections, headlines and scope in the recipient's language, rendered
to subject, text and HTML (three templates; the text part is never derived from the HTML)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import AgreementRisk, AgreementState
from common.validators import CONTROL_CHARACTERS
from initiatives.models import Criticality, DependencyKind, Health, Initiative, Status
from summaries.models import RiskReason

from .assembly import EscalatedRiskItem, RecipientDigest
from .changes import DUE_SOON_DAYS, FieldChange, InitiativeRow
from .models import SubscriptionScope

# Items shown per section; the rest are counted ("and 12 more") with a link to the dashboard.
SECTION_LIMIT = 25


@dataclass
class RenderedDigest:
    """The email's three parts. Subject and text are plain text, escaped wherever a page shows
    them; the HTML is the email's own document, shown only in a sandboxed frame."""

    subject: str
    text: str
    html: str


@dataclass
class Section:
    """A titled list, cut at SECTION_LIMIT."""

    key: str
    title: str
    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _health_label(value: str) -> str:
    return str(Health(value).label) if value in Health.values else value


def _display(change: FieldChange) -> tuple[str, str, str]:
    """(field label, old, new) in the active language."""
    labels = {
        "status": _("status"),
        "baseline_start": _("baseline start"),
        "baseline_end": _("baseline end"),
        "forecast_start": _("forecast start"),
        "forecast_end": _("forecast end"),
        "baseline_budget": _("baseline budget (DKK)"),
        "forecast_cost": _("forecast cost (DKK)"),
        "benefits_health": _("benefits health"),
        "health": _("health"),
        "lead_id": _("lead authority"),
    }

    def show(value) -> str:
        if value is None or value == "":
            return "—"
        if change.field == "status":
            return str(Status(value).label) if value in Status.values else str(value)
        if change.field in ("benefits_health", "health"):
            return _health_label(value)
        if isinstance(value, datetime.date):
            return date_format(value, "DATE_FORMAT")
        if isinstance(value, int) and change.field in ("baseline_budget", "forecast_cost"):
            return f"{value:,}".replace(",", ".")
        return str(value)

    return labels[change.field], show(change.old), show(change.new)


def _health_reason(row: InitiativeRow) -> str:
    """Why the initiative has its health now: the lights that are not green, with their reasons."""
    assessment = Initiative(
        baseline_end=row.baseline_end,
        forecast_end=row.forecast_end,
        baseline_budget=row.baseline_budget,
        forecast_cost=row.forecast_cost,
        benefits_health=row.benefits_health,
    ).assess_health()
    parts = []
    if assessment.schedule != Health.GREEN:
        parts.append(_("schedule %(light)s: %(reason)s") % {
            "light": _health_label(assessment.schedule).lower(), "reason": assessment.schedule_reason})
    if assessment.cost != Health.GREEN:
        parts.append(_("cost %(light)s: %(reason)s") % {
            "light": _health_label(assessment.cost).lower(), "reason": assessment.cost_reason})
    if assessment.benefits != Health.GREEN:
        parts.append(_("benefits %(light)s (assessed by hand)") % {"light": _health_label(assessment.benefits).lower()})
    if not parts:
        parts.append(_("all three lights are green"))
    return "; ".join(parts)


def _risk_reason_label(value: str) -> str:
    return str(RiskReason(value).label) if value in RiskReason.values else ""


def _escalation_reason(item: EscalatedRiskItem) -> str:
    """Why the risk is escalated: what its linked agreement says, naming the other initiative."""
    risk = item.risk
    other = f"{item.other.code_with_strategy} {item.other.title}" if item.other else "–"
    if item.why == AgreementRisk.DECLINED:
        return _("the dependency agreement with %(other)s was declined") % {"other": other}
    if item.why == AgreementRisk.UNANSWERED:
        return _("the dependency agreement with %(other)s is unanswered after its needed-by date, %(date)s") % {
            "other": other, "date": date_format(risk.needed_by, "DATE_FORMAT")}
    if risk.agreement_id is None:
        return _("its linked dependency agreement was removed; the next re-assessment lifts the escalation")
    state = str(AgreementState(risk.agreement_state).label) if risk.agreement_state in AgreementState.values else ""
    return _("the dependency agreement with %(other)s is %(state)s now; the next re-assessment lifts the "
             "escalation") % {"other": other, "state": state.lower()}


def _label_items(digest: RecipientDigest) -> None:
    """Put on the digest's items the labels the templates show, in the active language."""
    for change in digest.health_worse + digest.health_better:
        change.reason = _health_reason(change.initiative)
        change.before_label = _health_label(change.before)
        change.after_label = _health_label(change.after)
        change.details = [
            {"field": label, "old": old, "new": new, "user": c.user}
            for c in change.changes
            if c.field != "health"  # the change itself is the item's headline
            for label, old, new in [_display(c)]
        ]
    for risk in digest.newly_at_risk + digest.no_longer_at_risk:
        risk.reason_label = _risk_reason_label(risk.reason)
    for item in digest.risks_newly_escalated + digest.risks_still_escalated:
        item.reason = _escalation_reason(item)
    kinds, criticalities = _dependency_labels()
    for item in digest.dependencies_added + digest.dependencies_removed:
        item.kind_label = kinds.get(item.event.kind, item.event.kind)
        item.criticality_label = criticalities.get(item.event.criticality, item.event.criticality).lower()


def _sections(digest: RecipientDigest) -> list[Section]:
    """The digest's titled lists, in the order the email tells them; empty ones left out."""

    def section(key: str, title: str, items: list) -> Section:
        return Section(key, title, items[:SECTION_LIMIT], len(items))

    sections = [
        section("health_worse", _("Health got worse"), digest.health_worse),
        section("health_better", _("Health got better"), digest.health_better),
        section("newly_at_risk", _("Newly at risk"), digest.newly_at_risk),
        section("no_longer_at_risk", _("No longer at risk"), digest.no_longer_at_risk),
        section("risks_newly_escalated", _("Risks newly escalated (owned by your authorities)"),
                digest.risks_newly_escalated),
        section("milestones_missed", _("Milestones missed"), digest.milestones_missed),
        section(
            "milestones_due",
            _("Milestones due in the next %(days)s days") % {"days": DUE_SOON_DAYS},
            digest.milestones_due,
        ),
        section("dependencies_added", _("Dependencies added"), digest.dependencies_added),
        section("dependencies_removed", _("Dependencies removed"), digest.dependencies_removed),
        section("initiatives_added", _("Initiatives added"), digest.initiatives_added),
        section("initiatives_completed", _("Initiatives completed"), digest.initiatives_completed),
        section("initiatives_cancelled", _("Initiatives cancelled"), digest.initiatives_cancelled),
    ]
    return [s for s in sections if s.total]


def _dependency_labels() -> tuple[dict, dict]:
    return (
        {k: str(v) for k, v in DependencyKind.choices},
        {k: str(v) for k, v in Criticality.choices},
    )


def _headlines(digest: RecipientDigest) -> list[str]:
    lines = []
    for authority, figures in digest.authority_figures:
        depends = ngettext(
            "%(authority)s's initiatives depend on %(count)s other authority;",
            "%(authority)s's initiatives depend on %(count)s other authorities;",
            figures.depends_on,
        ) % {"authority": authority.name, "count": figures.depends_on}
        at_risk = ngettext(
            "%(risk)s of those links is at risk.", "%(risk)s of those links are at risk.", figures.links_at_risk
        ) % {"risk": figures.links_at_risk}
        lines.append(f"{depends} {at_risk}")
        lines.append(
            _("%(authority)s leads %(led)s and takes part in %(part)s initiatives; %(risk)s of its own are at risk "
              "because of others.")
            % {"authority": authority.name, "led": figures.initiatives_led, "part": figures.initiatives_participating,
               "risk": figures.at_risk_because_of_others}
        )
    counts = digest.counts
    lines.append(
        _("In your scope: %(open)s open initiatives – %(green)s green, %(yellow)s yellow, %(red)s red; "
          "%(risk)s at risk because of what they depend on.")
        % {"open": counts["open"], "green": counts[Health.GREEN], "yellow": counts[Health.YELLOW],
           "red": counts[Health.RED], "risk": counts["at_risk"]}
    )
    return lines


def _scope_label(digest: RecipientDigest) -> str:
    scope = digest.subscription.scope
    if scope == SubscriptionScope.PORTFOLIO:
        return _("the whole portfolio")
    if scope == SubscriptionScope.AUTHORITIES:
        return ", ".join(a.name for a in digest.scope_authorities) or _("your authorities")
    if scope == SubscriptionScope.STRATEGIES:
        return ", ".join(s.name for s in digest.scope_strategies) or _("your strategies")
    return ngettext("%(count)s chosen initiative", "%(count)s chosen initiatives", digest.scope_size) % {
        "count": digest.scope_size
    }


def render_digest(digest: RecipientDigest, *, unsubscribe_link: str) -> RenderedDigest:
    """Subject, text and HTML in the recipient's language and time zone."""
    with translation.override(digest.subscription.language), timezone.override(settings.TIME_ZONE):
        _label_items(digest)
        context = {
            "digest": digest,
            "recipient": digest.user,
            "date": digest.date,
            "since": timezone.localtime(digest.since),
            "sections": _sections(digest),
            "headlines": _headlines(digest),
            "scope_label": _scope_label(digest),
            "change_count": digest.change_count,
            "follow_ups_owed": digest.follow_ups_owed,
            "agreements_awaiting": digest.agreements_awaiting,
            "reports_owed": digest.reports_owed,
            "risks_still_escalated": Section(
                "risks_still_escalated", _("Risks still escalated (owned by your authorities)"),
                digest.risks_still_escalated[:SECTION_LIMIT], len(digest.risks_still_escalated),
            ),
            "site_url": settings.SITE_URL,
            "settings_url": settings.SITE_URL + reverse("subscription_settings"),
            "unsubscribe_url": unsubscribe_link,
            "accessibility_url": settings.SITE_URL + reverse("accessibility_statement"),
            "language": digest.subscription.language,
            "section_limit": SECTION_LIMIT,
        }
        subject = " ".join(_plain_text("emails/digest_subject.txt", context).split())
        text = _plain_text("emails/digest.txt", context)
        html = CONTROL_CHARACTERS.sub("", render_to_string("emails/digest.html", context))
    return RenderedDigest(subject=subject, text=text, html=html)


def _plain_text(template_name: str, context: dict) -> str:
    """A plain-text template's output as an ordinary str, without control characters.

    render_to_string marks what it returns safe for HTML, but text rendered with autoescaping off
    is not HTML: a page that shows it (the preview, the admin) must escape it like any other text.
    """
    return CONTROL_CHARACTERS.sub("", str.__str__(render_to_string(template_name, context)))
