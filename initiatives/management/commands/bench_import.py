"""Time the admin's initiative import, preview and confirmation, and what it does to other users.

Through the admin as a secretariat user (Django's test Client: the whole middleware stack, the
view, the template): the initiatives are exported, every title_en is changed, the file is
previewed and confirmed, then the original file is imported back, so the portfolio ends as it
began (with its history showing the two imports). Meanwhile another connection makes a small write
every 0.2 s, as a login or a coordinator's save would; its slowest wait is what other users feel.
The last line of output is JSON.
"""

import json
import re
import statistics
import threading
import time

import tablib
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from common.roles import SECRETARIAT
from initiatives.resources import InitiativeResource

CSV_FORMAT = "0"
HIDDEN = re.compile(r'<input type="hidden" name="(?P<name>[a-z_]+)" value="(?P<value>[^"]*)"')


class OtherWriter:
    """A second connection writing every 0.2 s; records how long each write took."""

    def __init__(self):
        self.waits: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    with transaction.atomic():  # a write transaction, as a save or a login takes
                        Session.objects.filter(session_key="bench-import-no-such-session").delete()
                except Exception as exc:  # "database is locked": what the user would see as an error
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                self.waits.append(time.perf_counter() - started)
                self.stop.wait(0.2)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=120)

    def figures(self) -> dict:
        return {
            "other_writes": len(self.waits),
            "other_write_max_ms": round(max(self.waits, default=0) * 1000, 1),
            "other_write_median_ms": round(statistics.median(self.waits) * 1000, 1) if self.waits else 0,
            "other_write_failures": len(self.failures),
        }


class Command(BaseCommand):
    help = "Time the admin's initiative import (preview, confirm) and the slowest write of another user meanwhile."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=0, help="initiatives in the file (default: all, up to IMPORT_MAX_ROWS)")

    def handle(self, *args, rows: int, **options):
        user = User.objects.filter(groups__name=SECRETARIAT, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No secretariat user: run seed_demo first.")
        original = InitiativeResource(user=None).export()
        if rows:
            original = original.subset(rows=range(min(rows, len(original))))
        if not len(original):
            raise CommandError("No initiatives to import: run seed_demo first.")
        column = original.headers.index("title_en")
        edited = tablib.Dataset(
            *(row[:column] + (f"{row[column] or ''} (bench)",) + row[column + 1:] for row in original),
            headers=original.headers,
        )

        client = Client(raise_request_exception=True)
        client.force_login(user)
        figures = {"database": connection.vendor, "rows": len(edited)}
        self.stdout.write(f"Importing {len(edited)} initiatives on {connection.vendor}, as {user.username}.")
        for label, dataset in (("edit", edited), ("restore", original)):
            content = dataset.export("csv").encode("utf-8")
            with OtherWriter() as writer:
                started = time.perf_counter()
                preview = client.post(
                    reverse("admin:initiatives_initiative_import"),
                    {"import_file": SimpleUploadedFile("bench.csv", content), "format": CSV_FORMAT, "resource": "0"},
                )
                preview_seconds = time.perf_counter() - started
            hidden = {m["name"]: m["value"] for m in HIDDEN.finditer(preview.content.decode())}
            if preview.status_code != 200 or "import_file_name" not in hidden:
                raise CommandError(f"The preview offered no confirmation (status {preview.status_code}).")
            preview_other = writer.figures()
            with OtherWriter() as writer:
                started = time.perf_counter()
                confirmed = client.post(reverse("admin:initiatives_initiative_process_import"), hidden)
                confirm_seconds = time.perf_counter() - started
            if confirmed.status_code != 302:
                raise CommandError(f"The confirmation failed (status {confirmed.status_code}).")
            confirm_other = writer.figures()
            figures[label] = {
                "preview_seconds": round(preview_seconds, 2),
                "preview_ms_per_row": round(preview_seconds / len(dataset) * 1000, 1),
                "preview_other_writes": preview_other,
                "confirm_seconds": round(confirm_seconds, 2),
                "confirm_ms_per_row": round(confirm_seconds / len(dataset) * 1000, 1),
                "confirm_other_writes": confirm_other,
            }
            self.stdout.write(
                f"{label}: preview {preview_seconds:.1f} s ({preview_seconds / len(dataset) * 1000:.0f} ms/row; "
                f"another user's write waited at most {preview_other['other_write_max_ms']:.0f} ms, "
                f"{preview_other['other_write_failures']} failed); confirm {confirm_seconds:.1f} s "
                f"({confirm_seconds / len(dataset) * 1000:.0f} ms/row; another user's write waited at most "
                f"{confirm_other['other_write_max_ms']:.0f} ms, {confirm_other['other_write_failures']} failed)."
            )
        self.stdout.write(json.dumps(figures))
