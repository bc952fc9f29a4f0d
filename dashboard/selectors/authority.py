"""Reads for the authority page, from the summary tables, in a fixed number of queries."""

from authorities.models import Authority
from initiatives.models import Initiative, Participation, Role
from summaries.models import AuthorityPairSummary, InitiativeSummary

INITIATIVE_LIMIT = 50  # led and taken part in, each; the initiative list has them all
PAIR_LIMIT = 50  # authorities depended on and depending, each
RISK_LIMIT = 50  # at-risk links in and out, each


def _bounded(queryset, limit: int) -> tuple[list, bool]:
    """The first `limit` rows and whether there are more, in one query."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def authority_page(authority: Authority) -> dict:
    led, led_more = _bounded(
        Initiative.objects.filter(lead=authority)
        .select_related("strategy", "summary")
        .order_by("-strategy__start_year", "code", "pk"),
        INITIATIVE_LIMIT,
    )
    participating, participating_more = _bounded(
        Participation.objects.filter(authority=authority)
        .exclude(role=Role.LEAD)
        .select_related("initiative", "initiative__strategy", "initiative__lead", "initiative__summary")
        .order_by("-initiative__strategy__start_year", "initiative__code", "pk"),
        INITIATIVE_LIMIT,
    )
    depends_on, depends_on_more = _bounded(
        AuthorityPairSummary.objects.filter(source=authority)
        .exclude(target=authority)
        .select_related("target")
        .order_by("-edges", "target__name_da"),
        PAIR_LIMIT,
    )
    depended_by, depended_by_more = _bounded(
        AuthorityPairSummary.objects.filter(target=authority)
        .exclude(source=authority)
        .select_related("source")
        .order_by("-edges", "source__name_da"),
        PAIR_LIMIT,
    )
    risk_select = (
        "initiative", "initiative__strategy", "initiative__lead", "risk_initiative", "risk_initiative__strategy",
        "risk_authority",
    )
    # Its initiatives put at risk by another authority's initiative...
    at_risk_in, at_risk_in_more = _bounded(
        InitiativeSummary.objects.filter(at_risk=True, initiative__lead=authority)
        .exclude(risk_authority=authority)
        .select_related(*risk_select)
        .order_by("-downstream_total", "initiative__code", "pk"),
        RISK_LIMIT,
    )
    # ...and others' initiatives it puts at risk.
    at_risk_out, at_risk_out_more = _bounded(
        InitiativeSummary.objects.filter(at_risk=True, risk_authority=authority)
        .exclude(initiative__lead=authority)
        .select_related(*risk_select)
        .order_by("-downstream_total", "initiative__code", "pk"),
        RISK_LIMIT,
    )
    return {
        "summary": getattr(authority, "summary", None),
        "led": led,
        "led_more": led_more,
        "participating": participating,
        "participating_more": participating_more,
        "depends_on": depends_on,
        "depends_on_more": depends_on_more,
        "depended_by": depended_by,
        "depended_by_more": depended_by_more,
        "at_risk_in": at_risk_in,
        "at_risk_in_more": at_risk_in_more,
        "at_risk_out": at_risk_out,
        "at_risk_out_more": at_risk_out_more,
    }
