from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.exports import FORMATS, cycle_csv, cycle_xlsx
from reporting.models import Cycle
from reporting.pdf import steering_pdf
from reporting.selectors import cycle_strategies, default_strategy
from reporting.snapshots import cycle_export_rows
from strategies.models import Strategy


def find_cycle(code: str) -> Cycle:
    cycle = Cycle.objects.filter(code=code).first()
    if cycle is None:
        codes = ", ".join(Cycle.objects.order_by("period_start").values_list("code", flat=True)) or "none"
        raise CommandError(f"No cycle with code {code!r}. Cycles: {codes}")
    return cycle


def find_strategy(cycle: Cycle, code: str | None) -> Strategy:
    """The covered strategy named, or without a name the one the report page shows first."""
    strategies = cycle_strategies(cycle)
    chosen = next((s for s in strategies if s.code == code), None) if code else default_strategy(
        strategies, timezone.localdate()
    )
    if chosen is None:
        codes = ", ".join(s.code for s in strategies) or "none"
        raise CommandError(f"Cycle {cycle.code} covers no strategy {code!r}. It covers: {codes}")
    return chosen


class Command(BaseCommand):
    help = (
        "Write a reporting cycle's rows (a frozen cycle's snapshot; an open cycle's as of now) to a CSV "
        "or xlsx file, or one strategy's steering-group report to a PDF. The CSV of a frozen cycle is "
        "byte-identical whenever it is exported."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help='the cycle, e.g. "2026-H1"')
        parser.add_argument("--format", choices=[*FORMATS, "pdf"], default="csv")
        parser.add_argument("--strategy", help="PDF only: the covered strategy's code (default: the current one, "
                                               "else the newest covered)")
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output, CSV only)")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="of the headers and labels")

    def handle(self, *args, code: str, format: str, output: str, language: str, strategy: str | None, **options):
        cycle = find_cycle(code)
        if format == "pdf":
            self._pdf(cycle, strategy, output, language)
            return
        if strategy:
            raise CommandError("--strategy goes with --format pdf; CSV and xlsx hold the whole cycle.")
        rows = cycle_export_rows(cycle)
        content = cycle_csv(rows, language=language) if format == "csv" else cycle_xlsx(cycle, rows, language=language)
        if output == "-":
            if format != "csv":
                raise CommandError("Only CSV can be written to standard output.")
            self.stdout.write(content.decode("utf-8"), ending="")
            return
        self._write(output, content)
        state = "frozen" if cycle.is_frozen else "open, as of now"
        self.stderr.write(f"Cycle {cycle.code} ({state}): {len(rows)} initiatives written to {output}")

    def _pdf(self, cycle: Cycle, code: str | None, output: str, language: str) -> None:
        if output == "-":
            raise CommandError("Only CSV can be written to standard output.")
        strategy = find_strategy(cycle, code)
        self._write(output, steering_pdf(cycle, strategy, language=language))
        state = "frozen" if cycle.is_frozen else "open, as of now"
        self.stderr.write(f"Cycle {cycle.code} ({state}): the steering group's report of {strategy.code} written to {output}")

    def _write(self, output: str, content: bytes) -> None:
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
