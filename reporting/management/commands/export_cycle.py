from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reporting.exports import FORMATS, cycle_csv, cycle_xlsx
from reporting.models import Cycle
from reporting.snapshots import cycle_rows


def find_cycle(code: str) -> Cycle:
    cycle = Cycle.objects.filter(code=code).first()
    if cycle is None:
        codes = ", ".join(Cycle.objects.order_by("period_start").values_list("code", flat=True)) or "none"
        raise CommandError(f"No cycle with code {code!r}. Cycles: {codes}")
    return cycle


class Command(BaseCommand):
    help = (
        "Write a reporting cycle's rows (a frozen cycle's snapshot; an open cycle's as of now) to a CSV "
        "or xlsx file. The CSV of a frozen cycle is byte-identical whenever it is exported."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help='the cycle, e.g. "2026-H1"')
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output, CSV only)")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="of the headers and labels")

    def handle(self, *args, code: str, format: str, output: str, language: str, **options):
        cycle = find_cycle(code)
        rows = cycle_rows(cycle)
        content = cycle_csv(rows, language=language) if format == "csv" else cycle_xlsx(cycle, rows, language=language)
        if output == "-":
            if format != "csv":
                raise CommandError("Only CSV can be written to standard output.")
            self.stdout.write(content.decode("utf-8"), ending="")
            return
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        state = "frozen" if cycle.is_frozen else "open, as of now"
        self.stderr.write(f"Cycle {cycle.code} ({state}): {len(rows)} initiatives written to {output}")
