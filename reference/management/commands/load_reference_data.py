from django.core.management.base import BaseCommand

from reference.services import load_reference_data


class Command(BaseCommand):
    help = "Load the regions, municipalities, central authorities, strategies and reference initiatives."

    def handle(self, *args, **options):
        report = load_reference_data()
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded: {report.changed} rows written."))
