import json

from django.core.management.base import BaseCommand, CommandError, no_translations

from authorities.models import Authority
from initiatives.models import Dependency, Initiative, Milestone, Participation
from reference.demo import ensure_demo_users, seed_demo, seed_national
from reference.demo_reporting import seed_demo_reporting


class Command(BaseCommand):
    help = (
        "Add the illustrative demo portfolio and the demo users (idempotent). "
        "--scale national adds a national-scale illustrative portfolio for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument("--initiatives", type=int, default=20_000, help="national scale only")
        parser.add_argument("--new-passwords", action="store_true", help="generate new demo passwords")

    @no_translations  # the command reports in English, like the rest of its output
    def handle(self, *args, scale, initiatives, new_passwords, **options):
        if not Authority.objects.municipalities().exists():
            raise CommandError("Load the reference data first: python manage.py load_reference_data")
        if scale == "national":
            if initiatives < 100:
                raise CommandError("--initiatives must be at least 100")
            report = seed_national(initiatives=initiatives)
        else:
            report = seed_demo()
        if report.skipped:
            self.stdout.write(f"The {scale} portfolio is there already; nothing written.")
        else:
            for name, count in sorted(report.counts.items()):
                self.stdout.write(f"  {name}: {count:,} created")
            self.stdout.write(self.style.SUCCESS(f"Illustrative {scale} portfolio seeded in {report.seconds:.1f} s."))
        if scale == "demo":
            for line in ensure_demo_users(new_passwords=new_passwords):
                self.stdout.write(line)
            if seed_demo_reporting():
                self.stdout.write("Reporting cycles 2026-H1 (frozen) and 2026-H2 (open) seeded (illustrative).")
        totals = {
            "authorities": Authority.objects.count(),
            "initiatives": Initiative.objects.count(),
            "participations": Participation.objects.count(),
            "dependencies": Dependency.objects.count(),
            "milestones": Milestone.objects.count(),
        }
        self.stdout.write("Database now holds: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
        self.stdout.write(json.dumps({"scale": scale, "seconds": round(report.seconds, 1), "skipped": report.skipped,
                                      **totals}))
