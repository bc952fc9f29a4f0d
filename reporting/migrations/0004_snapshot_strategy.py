"""The snapshot's strategy and at-risk flag as columns, for the steering group's report of one
strategy. Rows frozen before are filled in from their own `data`: the immutability triggers are
lifted for exactly that update (the values are copies of what the row already holds) and put back
in the same transaction.
"""

from importlib import import_module

from django.db import migrations, models

triggers = import_module("reporting.migrations.0002_snapshot_triggers")

SQLITE_FILL = """UPDATE reporting_cyclesnapshot SET strategy = json_extract(data, '$.strategy'),
    at_risk = json_extract(data, '$.interdependencies.at_risk')"""
POSTGRESQL_FILL = """UPDATE reporting_cyclesnapshot SET strategy = data->>'strategy',
    at_risk = (data->'interdependencies'->>'at_risk')::boolean"""
SQLITE_SNAPSHOT_TRIGGERS = [s for s in triggers.SQLITE if "ON reporting_cyclesnapshot" in s]


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reporting_cyclesnapshot DISABLE TRIGGER reporting_snapshot_immutable")
        schema_editor.execute(POSTGRESQL_FILL)
        schema_editor.execute("ALTER TABLE reporting_cyclesnapshot ENABLE TRIGGER reporting_snapshot_immutable")
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS reporting_snapshot_no_update")
    schema_editor.execute("DROP TRIGGER IF EXISTS reporting_snapshot_no_delete")
    schema_editor.execute(SQLITE_FILL)
    for statement in SQLITE_SNAPSHOT_TRIGGERS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0003_benefits_light_computed'),
        ('reporting', '0003_first_baseline_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='cyclesnapshot',
            name='at_risk',
            field=models.BooleanField(blank=True, null=True, verbose_name='at risk'),
        ),
        migrations.AddField(
            model_name='cyclesnapshot',
            name='strategy',
            field=models.CharField(blank=True, max_length=20, null=True, verbose_name='strategy'),
        ),
        migrations.AddIndex(
            model_name='cyclesnapshot',
            index=models.Index(fields=['cycle', 'strategy', 'position'], name='cycle_snapshot_strategy'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
