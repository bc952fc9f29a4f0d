"""Every existing initiative's baseline becomes its version 1, approved by nobody in particular:
it is the baseline as recorded before versions were kept. Initiatives created later get theirs on
first need (reporting.services.baseline_current_version)."""

from django.db import migrations
from django.utils import timezone

INITIAL_REASON = "Baseline som registreret, før baseline-versioner blev ført."


def seed(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    BaselineVersion = apps.get_model("reporting", "BaselineVersion")
    now = timezone.now()
    rows = Initiative.objects.values_list("pk", "baseline_start", "baseline_end", "baseline_budget")
    BaselineVersion.objects.bulk_create(
        [
            BaselineVersion(initiative_id=pk, number=1, baseline_start=start, baseline_end=end,
                            baseline_budget=budget, approved_at=now, reason=INITIAL_REASON)
            for pk, start, end, budget in rows.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_snapshot_triggers"), ("initiatives", "0002_text_without_control_characters")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
