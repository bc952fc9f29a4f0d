"""Reads for the interdependencies page's map: each municipality's and region's participation and
dependency exposure, in heat bins with a legend."""

from django.utils.translation import gettext_lazy

from authorities.models import Kind, localized_name
from summaries.models import AuthoritySummary

from .scales import HEAT_CLASSES

MAP_MEASURES = {
    "participation": gettext_lazy("Participation: initiatives led or taken part in"),
    "exposure": gettext_lazy("Dependency exposure: initiatives downstream"),
}


def map_figures() -> dict:
    """Participation and exposure of each municipality and region (one query), with heat bins."""
    rows = list(
        AuthoritySummary.objects.filter(
            authority__kind__in=[Kind.MUNICIPALITY, Kind.REGION], authority__code__gt=""
        )
        .order_by("authority__kind", "authority__name_da")
        .values(
            "authority_id", "authority__code", "authority__kind", "authority__name_da", "authority__name_en",
            "initiatives_led", "initiatives_participating", "exposure_initiatives", "exposure_authorities",
        )
    )
    areas = {"municipality": [], "region": []}
    for row in rows:
        kind = "municipality" if row["authority__kind"] == Kind.MUNICIPALITY else "region"
        areas[kind].append(
            {
                "id": row["authority_id"],
                "code": row["authority__code"],
                "name": localized_name(row["authority__name_da"], row["authority__name_en"]),
                # A participation row exists for the lead too, so "taken part in" includes led.
                "participation": max(row["initiatives_participating"], row["initiatives_led"]),
                "led": row["initiatives_led"],
                "exposure": row["exposure_initiatives"],
                "exposure_authorities": row["exposure_authorities"],
            }
        )
    legends = {}
    for kind, items in areas.items():
        legends[kind] = {}
        for measure in MAP_MEASURES:
            breaks = _breaks([item[measure] for item in items])
            legends[kind][measure] = _legend(breaks)
            for item in items:
                item[f"{measure}_bin"] = _bin(item[measure], breaks)
    return {"areas": areas, "legends": legends, "measures": MAP_MEASURES}


def _breaks(values: list[int]) -> list[int]:
    """Upper bounds of up to five classes over the non-zero values, by quantile, strictly rising."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    breaks: list[int] = []
    for i in range(1, HEAT_CLASSES):
        bound = positive[min(len(positive) - 1, round(i * len(positive) / (HEAT_CLASSES - 1)) - 1)]
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    if breaks[-1] < positive[-1]:
        breaks.append(positive[-1])
    return breaks[: HEAT_CLASSES - 1]


def _bin(value: int, breaks: list[int]) -> int:
    if value <= 0 or not breaks:
        return 0
    for index, bound in enumerate(breaks, start=1):
        if value <= bound:
            return index
    return len(breaks)


def _legend(breaks: list[int]) -> list[dict]:
    legend = [{"bin": 0, "label": "0"}]
    low = 1
    for index, bound in enumerate(breaks, start=1):
        legend.append({"bin": index, "label": str(bound) if bound == low else f"{low}–{bound}"})
        low = bound + 1
    return legend
