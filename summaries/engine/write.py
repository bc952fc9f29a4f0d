"""Writing the figures: each summary table made equal to what was computed, by COPY on PostgreSQL."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable

from django.db import connection, models

from common.events import Change, announce
from strategies.models import Strategy

from ..events import AT_RISK_CHANGED
from ..models import LEVELS, AuthorityPairSummary, AuthoritySummary, InitiativeSummary, LevelMatrixCell
from .compute import Figures
from .graph import Graph

INITIATIVE_FIGURES = [
    "upstream_direct", "upstream_total", "downstream_direct", "downstream_total", "upstream_authorities",
    "upstream_levels", "upstream_depth", "at_risk", "risk_reason", "risk_initiative_id", "risk_authority_id",
]
LEVEL_CELL_FIGURES = [
    "edges", "high_edges", "at_risk_edges",
    "agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined",
]
AUTHORITY_FIGURES = [
    "initiatives_led", "initiatives_participating", "depends_on_direct", "depends_on_total",
    "depended_by_direct", "depended_by_total", "exposure_initiatives", "exposure_authorities",
    "at_risk_because_of_others", "others_at_risk_because_of_it",
    "agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined",
]
PAIR_FIGURES = [
    "edges", "high_edges", "at_risk_edges", "shared_initiatives",
    "agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined",
]


def write_figures(
    graph: Graph, figures: Figures, *, strategy: Strategy | None, computed_at: datetime.datetime, rewrite: bool
) -> dict[str, int]:
    """Write the initiatives' rows and the level matrix (of `strategy` only, when given), and for a
    full run the authorities and their pairs; returns the rows computed and written per table."""
    sync = functools.partial(sync_table, rewrite=rewrite, computed_at=computed_at)
    initiative_rows = _initiative_rows(graph, figures, strategy)
    cell_rows = _level_cell_rows(figures, strategy)
    initiative_summaries = (
        InitiativeSummary.objects.filter(initiative__strategy=strategy) if strategy else InitiativeSummary.objects.all()
    )
    # The flags as they were, to tell which the run changes: a run that compares reads them anyway;
    # a rewrite, which compares nothing, reads just these two columns before replacing the rows.
    stored_rows: dict[tuple, tuple] = {}
    at_risk_before = dict(initiative_summaries.values_list("initiative_id", "at_risk")) if rewrite else None
    counts = {
        "initiative_summaries": len(initiative_rows),
        "initiative_summaries_written": sync(
            InitiativeSummary, initiative_summaries, ["initiative_id"], INITIATIVE_FIGURES, initiative_rows,
            stored=stored_rows,
        ),
        "level_cells": len(cell_rows),
        "level_cells_written": sync(
            LevelMatrixCell,
            LevelMatrixCell.objects.filter(strategy=strategy) if strategy else LevelMatrixCell.objects.all(),
            ["strategy_id", "source_level", "target_level"], LEVEL_CELL_FIGURES, cell_rows,
        ),
    }
    at = INITIATIVE_FIGURES.index("at_risk")
    counts["at_risk_changed"] = _announce_at_risk_changes(
        at_risk_before.items() if at_risk_before is not None
        else ((key[0], values[at]) for key, values in stored_rows.items()),
        initiative_rows,
    )
    if strategy is not None:
        return counts
    authority_ids = graph.authority_ids
    authority_rows = {(authority_ids[a],): tuple(row) for a, row in enumerate(figures.authority_rows)}
    counts["authority_summaries"] = len(authority_rows)
    counts["authority_summaries_written"] = sync(
        AuthoritySummary, AuthoritySummary.objects.all(), ["authority_id"], AUTHORITY_FIGURES, authority_rows
    )
    pair_rows = {(authority_ids[a], authority_ids[b]): tuple(rest) for a, b, *rest in figures.pair_rows}
    counts["authority_pairs"] = len(pair_rows)
    counts["authority_pairs_written"] = sync(
        AuthorityPairSummary, AuthorityPairSummary.objects.all(), ["source_id", "target_id"], PAIR_FIGURES, pair_rows
    )
    return counts


def _announce_at_risk_changes(before: Iterable[tuple[int, bool]], computed: dict[tuple, tuple]) -> int:
    """Announce, in one batch, the initiatives whose at-risk flag the run changed (those with a
    stored row: a new initiative's first figures are no change). Returns how many."""
    at = INITIATIVE_FIGURES.index("at_risk")
    changes = []
    for initiative_id, was_at_risk in before:
        row = computed.get((initiative_id,))
        if row is not None and row[at] != was_at_risk:
            changes.append(Change(initiative_id, was_at_risk, row[at]))
    announce(AT_RISK_CHANGED, changes)
    return len(changes)


def _initiative_rows(graph: Graph, figures: Figures, strategy: Strategy | None) -> dict[tuple, tuple]:
    ids, authority_ids, lead = graph.ids, graph.authority_ids, graph.lead
    wanted = range(len(ids))
    if strategy is not None:
        wanted = [i for i in wanted if graph.strategy[i] == strategy.pk]
    rows = {}
    for i in wanted:
        cause = figures.risk[i]
        rows[(ids[i],)] = (
            figures.upstream_direct[i], figures.upstream_total[i], figures.downstream_direct[i],
            figures.downstream_total[i], figures.upstream_authorities[i], figures.upstream_levels[i],
            figures.upstream_depth[i], cause is not None, cause[3] if cause else "",
            ids[cause[2]] if cause else None, authority_ids[lead[cause[2]]] if cause else None,
        )
    return rows


def _level_cell_rows(figures: Figures, strategy: Strategy | None) -> dict[tuple, tuple]:
    """Every cell of each matrix, empty ones included (the matrix is always 4 by 4)."""
    cells = figures.level_cells
    return {
        (strategy_id, source_level, target_level): tuple(
            cells[strategy_id].get((source_level, target_level), (0,) * len(LEVEL_CELL_FIGURES))
        )
        for strategy_id in ([strategy.pk] if strategy is not None else list(cells))
        for source_level in LEVELS
        for target_level in LEVELS
    }


def sync_table(
    model: type[models.Model],
    queryset: models.QuerySet,
    key_columns: list[str],
    value_columns: list[str],
    rows: dict[tuple, tuple],
    *,
    rewrite: bool,
    computed_at: datetime.datetime,
    stored: dict[tuple, tuple] | None = None,
) -> int:
    """Make the table's rows within `queryset` equal `rows` (key → values); returns the rows written.
    `stored`, when given, is filled with the rows as they were (key → values) when they are compared
    (not by a rewrite).

    Rows whose figures did not change are kept as they are (with their `computed_at`): after an
    edit only a few figures change, and rewriting 60,000 rows would cost more than the whole
    computation. `rewrite` replaces every row (the nightly run does, to start from a clean slate).
    """
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    width = len(key_columns)
    if rewrite:
        queryset.delete()
        keys = list(rows)
    else:
        existing: dict[tuple, tuple] = {} if stored is None else stored
        stale = []
        for pk, *row in queryset.values_list("pk", *[attnames[c] for c in key_columns + value_columns]):
            key, values = tuple(row[:width]), tuple(row[width:])
            existing[key] = values
            if rows.get(key) != values:
                stale.append(pk)
        for start in range(0, len(stale), 5000):
            model.objects.filter(pk__in=stale[start:start + 5000]).delete()
        keys = [key for key, values in rows.items() if existing.get(key) != values]
    return write_rows(
        model, [*key_columns, *value_columns, "computed_at"], ((*key, *rows[key], computed_at) for key in keys)
    )


def write_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows (tuples in `columns` order, column names as in the database) fast."""
    if connection.vendor == "postgresql":
        # COPY is several times faster than INSERT for tens of thousands of rows, and formatting
        # the text ourselves (only ints, bools, short strings and one timestamp occur) is several
        # times faster than psycopg adapting row by row.
        lines = ["\t".join(_copy_text(value) for value in row) for row in rows]
        with connection.cursor() as cursor:
            statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for start in range(0, len(lines), 10_000):
                    copy.write("".join(line + "\n" for line in lines[start:start + 10_000]))
        return len(lines)
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    names = [attnames[c] for c in columns]
    objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)
