"""The access log is append-only, enforced by the database itself: accesslog/triggers.py says how."""

from django.db import migrations

from accesslog import triggers


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0001_initial")]

    operations = [migrations.RunPython(triggers.install, triggers.uninstall)]
