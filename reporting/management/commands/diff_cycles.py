import json

from django.core.management.base import BaseCommand

from reporting.comparison import compare_cycles
from reporting.management.commands.export_cycle import find_cycle


def _text(value) -> str:
    return "—" if value in (None, "") else str(value)


class Command(BaseCommand):
    help = (
        "List, per initiative, exactly what changed from cycle A to cycle B: assessed status, forecast "
        "end (with the days it moved), baseline version, track, status; and the initiatives added, "
        "completed, cancelled or no longer covered."
    )

    def add_arguments(self, parser):
        parser.add_argument("a", help="the earlier cycle's code")
        parser.add_argument("b", help="the later cycle's code")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, a: str, b: str, json: bool = False, **options):
        earlier, later = find_cycle(a), find_cycle(b)
        changes = compare_cycles(earlier, later)
        if json:
            self.stdout.write(_dumps({"from": earlier.code, "to": later.code,
                                      "initiatives": [change.as_json() for change in changes]}))
            return
        if not changes:
            self.stdout.write(f"No changes from {earlier.code} to {later.code}.")
        for change in changes:
            self.stdout.write(f"{change.code} {change.title_da}: {change.kind}")
            for field in change.fields:
                moved = f" ({field.days:+d} days)" if field.days is not None else ""
                self.stdout.write(f"  {field.field}: {_text(field.before)} → {_text(field.after)}{moved}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
