import json

from django.core.management.base import BaseCommand, CommandError

from strategies.models import Strategy
from summaries.engine.run import recompute_summaries
from summaries.models import SCOPE_ALL, SummaryTrigger


class Command(BaseCommand):
    help = (
        "Recompute the interdependency summaries now (the service the worker runs) and print what was "
        "written. Waits if another recompute is running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strategy", metavar="CODE",
            help="only this strategy's initiatives and level matrix, e.g. 2022-2025 (the graph is still read whole)",
        )
        parser.add_argument(
            "--rewrite", action="store_true", help="replace every row, not only those whose figures changed"
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object only")

    def handle(self, *args, strategy, rewrite: bool = False, json: bool = False, **options):
        scope = SCOPE_ALL
        if strategy:
            if not Strategy.objects.filter(code=strategy).exists():
                codes = ", ".join(Strategy.objects.values_list("code", flat=True))
                raise CommandError(f"No strategy with code {strategy!r}. Codes: {codes}")
            scope = strategy
        result = recompute_summaries(scope=scope, trigger=SummaryTrigger.MANUAL, wait=True, rewrite=rewrite)
        summary = {"scope": result.scope, "data_version": result.data_version,
                   "seconds": round(result.seconds, 3), **result.counts}
        if json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(f"Recomputed summaries ({result.scope}) up to change {result.data_version} "
                          f"in {result.seconds:.2f} s:")
        for name, count in result.counts.items():
            self.stdout.write(f"  {name.replace('_', ' ')}: {count:,}")
        self.stdout.write(self.style.SUCCESS("Done."))


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True)
