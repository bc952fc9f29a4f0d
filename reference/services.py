"""Loads the real reference data kept in reference/data/ (sources in reference/data/SOURCES.md).

Idempotent: a row is written only when it differs from what is stored, so a second run changes
nothing and leaves no history entries.
"""

import csv
import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from authorities.models import Authority, Kind, Level
from initiatives.models import Initiative, Participation, Role, Status
from initiatives.services import initiative_create
from strategies.models import Strategy, StrategyKind

DATA_DIR = Path(__file__).resolve().parent / "data"

# dk_central_authorities.csv's `level` column says both level and kind for a few bodies.
CENTRAL_LEVELS = {
    "central": (Level.CENTRAL, None),
    "central council": (Level.CENTRAL, Kind.COUNCIL),
    "municipal association": (Level.MUNICIPAL, Kind.ASSOCIATION),
    "regional association": (Level.REGIONAL, Kind.ASSOCIATION),
    "private partner": (Level.PARTNER, Kind.TRADE_ORGANISATION),
}


# The regions' own English names.
REGION_NAMES_EN = {
    "1081": "North Denmark Region",
    "1082": "Central Denmark Region",
    "1083": "Region of Southern Denmark",
    "1084": "Capital Region of Denmark",
    "1085": "Region Zealand",
}


# The file names the place; the authority's official name differs for these two.
OFFICIAL_NAMES_DA = {"København": "Københavns Kommune", "Bornholm": "Bornholms Regionskommune"}
OFFICIAL_NAMES_EN = {"København": "City of Copenhagen", "Bornholm": "Bornholm Regional Municipality"}


@dataclass
class LoadReport:
    """What a load did, per model: created, updated, unchanged; and what it left out and why."""

    counts: Counter = field(default_factory=Counter)
    left_out: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        models_seen = sorted({model for model, _ in self.counts})
        out = []
        for model in models_seen:
            out.append(
                f"{model}: {self.counts[model, 'created']} created, "
                f"{self.counts[model, 'updated']} updated, {self.counts[model, 'unchanged']} unchanged"
            )
        out.extend(f"left out: {reason}" for reason in self.left_out)
        return out

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "unchanged")


def upsert(model: type[models.Model], report: LoadReport, lookup: dict, values: dict) -> models.Model:
    """Create or update one row, saving only when a value differs (so no empty history entries)."""
    obj = model.objects.filter(**lookup).first()
    label = model._meta.verbose_name_plural
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.counts[label, "created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
        report.counts[label, "updated"] += 1
    else:
        report.counts[label, "unchanged"] += 1
    return obj


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def clean_english_name(raw: str) -> str:
    """English names the compiler marked "not verified" are left out; plain brackets dropped."""
    if "not verified" in raw.lower():
        return ""
    return raw.strip().strip("()").strip()


@transaction.atomic
def load_reference_data() -> LoadReport:
    report = LoadReport()
    regions = load_regions(report)
    load_municipalities(report, regions)
    load_central_authorities(report)
    load_strategies(report)
    load_reference_initiatives(report)
    return report


def load_regions(report: LoadReport) -> dict[str, Authority]:
    regions = {}
    for row in read_csv("dk_regions.csv"):
        region = upsert(
            Authority,
            report,
            {"kind": Kind.REGION, "code": row["region_code"]},
            {
                "name_da": row["name"],
                "name_en": REGION_NAMES_EN[row["region_code"]],
                "level": Level.REGIONAL,
                "nuts2": row["nuts2"],
                "source_url": "https://dataforsyningen.dk/",
            },
        )
        regions[row["region_code"]] = region
    return regions


def load_municipalities(report: LoadReport, regions: dict[str, Authority]) -> None:
    for row in read_csv("dk_municipalities.csv"):
        outside = row["outside_municipal_division"].strip().lower() == "true"
        name_da = row["name"] if outside else OFFICIAL_NAMES_DA.get(row["name"], f"{row['name']} Kommune")
        name_en = row["name"] if outside else OFFICIAL_NAMES_EN.get(row["name"], f"{row['name']} Municipality")
        upsert(
            Authority,
            report,
            # Christiansø is governed by the state and is not counted as a municipality.
            {"kind": Kind.OTHER_INSTITUTION if outside else Kind.MUNICIPALITY, "code": row["municipality_code"]},
            {
                "name_da": name_da,
                "name_en": name_en,
                "level": Level.CENTRAL if outside else Level.MUNICIPAL,
                "region": None if outside else regions[row["region_code"]],
                "outside_municipal_division": outside,
                "source_url": "https://dataforsyningen.dk/",
            },
        )


def load_central_authorities(report: LoadReport) -> None:
    for row in read_csv("dk_central_authorities.csv"):
        if not row["source_url"].strip():
            # The note column records where the compiler looked; the report says only why a row is left out.
            report.left_out.append(f"{row['name_da']}: no source")
            continue
        level, kind = CENTRAL_LEVELS[row["level"].strip()]
        name_da = re.sub(r"\s*\(.*\)\s*$", "", row["name_da"]).strip()
        if kind is None:
            kind = Kind.MINISTRY if name_da.lower().endswith("ministeriet") else Kind.AGENCY
        upsert(
            Authority,
            report,
            {"name_da": name_da, "kind": kind},
            {
                "name_en": clean_english_name(row["name_en"]),
                "level": level,
                "source_url": row["source_url"].strip(),
            },
        )


def load_strategies(report: LoadReport) -> None:
    for row in read_csv("dk_joint_strategies.csv"):
        upsert(
            Strategy,
            report,
            {"code": f"{row['start_year']}-{row['end_year']}"},
            {
                "name_da": row["name_da"],
                "name_en": row["name_en"],
                "start_year": int(row["start_year"]),
                "end_year": int(row["end_year"]),
                "kind": StrategyKind.JOINT_PUBLIC,
                "parties": row["parties"],
                "structure": row["structure"],
                "planned_initiative_count": int(row["initiative_count"]) if row["initiative_count"] else None,
                "source_url": row["source"],
                "source_note": row["note"],
            },
        )


def load_reference_initiatives(report: LoadReport) -> None:
    strategies = {strategy.code: strategy for strategy in Strategy.objects.all()}
    for row in read_csv("dk_reference_initiatives.csv"):
        if not row["lead"].strip():
            # Every initiative has exactly one lead; the sources name none for this one, and we
            # do not guess.
            report.left_out.append(f"reference initiative {row['name_da']}: the sources name no lead")
            continue
        lead = Authority.objects.get(name_da=row["lead"].strip())
        strategy = strategies.get(row["strategy_period"]) if row["strategy_period"] else None
        start, end = int(row["start_year"]), int(row["end_year"])
        values = {
            "strategy": strategy,
            "code": row["key"].upper().replace("_", "-"),
            "title_da": row["name_da"],
            "title_en": row["name_en"],
            "description_da": row["facts"],
            "description_en": row["facts"],
            "status": Status.COMPLETED,
            # The sources give years only; the dates stand for the whole year.
            "baseline_start": datetime.date(start, 1, 1),
            "baseline_end": datetime.date(end, 12, 31),
            "forecast_start": datetime.date(start, 1, 1),
            "forecast_end": datetime.date(end, 12, 31),
            "source_url": row["source"],
        }
        existing = Initiative.objects.filter(reference_key=row["key"]).first()
        label = Initiative._meta.verbose_name_plural
        if existing is None:
            initiative = initiative_create(lead=lead, reference_key=row["key"], **values)
            report.counts[label, "created"] += 1
        else:
            initiative = upsert(Initiative, report, {"reference_key": row["key"]}, {"lead": lead, **values})
        if row["key"] == "mitid":
            # The facts column: run "in partnership with Finans Danmark".
            partner = Authority.objects.filter(name_da="Finans Danmark").first()
            if partner and not Participation.objects.filter(initiative=initiative, authority=partner).exists():
                Participation.objects.create(initiative=initiative, authority=partner, role=Role.CO_OWNER)
                report.counts[Participation._meta.verbose_name_plural, "created"] += 1
