"""What a delivery's body says: the event, when, the record it is about, old and new value.
No personal data: initiatives and cycles by their codes and titles, authorities by name."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable

from agreements.models import Agreement
from initiatives.models import Initiative, code_with_strategy
from reporting.models import Cycle

from .models import EventType


def initiative_records(ids: list[int]) -> dict[int, dict]:
    """The initiatives as receivers see them, one query for all."""
    rows = Initiative.objects.filter(pk__in=ids).values(
        "pk", "code", "title_da", "title_en", "strategy__code", "strategy__start_year", "strategy__end_year",
        "lead_id", "lead__code", "lead__name_da", "lead__name_en",
    )
    return {
        row["pk"]: {
            "id": row["pk"],
            "strategy": row["strategy__code"],
            "code": row["code"],
            "code_with_strategy": code_with_strategy(row["code"], row["strategy__start_year"], row["strategy__end_year"]),
            "title": row["title_da"],
            "title_en": row["title_en"],
            "lead_authority": {
                "id": row["lead_id"], "code": row["lead__code"], "name": row["lead__name_da"],
                "name_en": row["lead__name_en"],
            },
        }
        for row in rows
    }


def cycle_records(ids: list[int]) -> dict[int, dict]:
    """The reporting cycles as receivers see them (who froze one is left out: a person)."""
    cycles = Cycle.objects.filter(pk__in=ids).prefetch_related("strategies")
    return {
        cycle.pk: {
            "id": cycle.pk,
            "code": cycle.code,
            "period_start": cycle.period_start.isoformat(),
            "period_end": cycle.period_end.isoformat(),
            "frozen_at": cycle.frozen_at.isoformat() if cycle.frozen_at else None,
            "strategies": sorted(strategy.code for strategy in cycle.strategies.all()),
        }
        for cycle in cycles
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def agreement_records(ids: list[int]) -> dict[int, dict]:
    """The agreements as receivers see them: the two initiatives (each with its lead), the dates. Not what was
    asked or the reasons (free text a person wrote), not who acted."""
    agreements = list(Agreement.objects.filter(pk__in=ids).select_related("dependency").order_by())
    initiatives = initiative_records(sorted({a.dependency.source_id for a in agreements}
                                            | {a.dependency.target_id for a in agreements}))
    return {
        agreement.pk: {
            "id": agreement.pk,
            "dependency_id": agreement.dependency_id,
            "dependant": initiatives[agreement.dependency.source_id],
            "depends_on": initiatives[agreement.dependency.target_id],
            "state": agreement.state,
            "needed_by": _iso(agreement.needed_by),
            "committed_date": _iso(agreement.committed_date),
            "proposed_date": _iso(agreement.proposed_date),
            "requested_at": _iso(agreement.requested_at),
            "answered_at": _iso(agreement.answered_at),
        }
        for agreement in agreements
    }


# Each event's record: the key it is sent under and how many are loaded at once.
RECORDS: dict[str, tuple[str, Callable[[list[int]], dict[int, dict]]]] = {
    EventType.HEALTH_CHANGED: ("initiative", initiative_records),
    EventType.AT_RISK_CHANGED: ("initiative", initiative_records),
    EventType.CYCLE_FROZEN: ("cycle", cycle_records),
    EventType.AGREEMENT_STATE_CHANGED: ("agreement", agreement_records),
}


def event_body(
    *, event: str, event_id: uuid.UUID, occurred_at: datetime.datetime, record: dict, old, new
) -> str:
    """The JSON body, made once and stored: every attempt sends (and signs) the same bytes."""
    key, _load = RECORDS[event]
    return json.dumps(
        {"id": str(event_id), "event": event, "occurred_at": occurred_at.isoformat(), key: record,
         "old": old, "new": new},
        ensure_ascii=False, separators=(",", ":"),
    )
