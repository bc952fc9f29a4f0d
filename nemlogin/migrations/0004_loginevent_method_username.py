from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("nemlogin", "0003_secretariat_reader_role"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="loginevent",
            options={"ordering": ["-at", "-pk"], "verbose_name": "login", "verbose_name_plural": "logins"},
        ),
        # Every record so far is a NemLog-in login: only those were recorded.
        migrations.AddField(
            model_name="loginevent",
            name="method",
            field=models.CharField(
                choices=[("nemlogin", "NemLog-in"), ("password", "password")], default="nemlogin", max_length=16,
                verbose_name="method",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="loginevent",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="user name given"),
        ),
    ]
