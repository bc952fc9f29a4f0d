"""Helpers for the import tests: upload a file to the admin's import, confirm its preview, read its errors."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

SAMPLES = Path(__file__).resolve().parents[2] / "reference" / "data" / "samples"
CSV_FORMAT, XLSX_FORMAT = "0", "1"

HEADER = "strategy,code,title_da,title_en,lead,status,baseline_start,baseline_end,forecast_start,forecast_end,baseline_budget,forecast_cost\n"


def upload(client, model: str, content: bytes, name: str, file_format: str = CSV_FORMAT, app: str = "initiatives"):
    return client.post(
        reverse(f"admin:{app}_{model}_import"),
        {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"},
    )


def confirm(client, model: str, preview, app: str = "initiatives"):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:{app}_{model}_process_import"), {k: form.initial[k] for k in form.initial})


def import_file(client, model: str, content: bytes, name: str, file_format: str = CSV_FORMAT, app: str = "initiatives"):
    preview = upload(client, model, content, name, file_format, app=app)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, row_errors(preview)
    return confirm(client, model, preview, app=app)


def row_errors(preview) -> dict[int, str]:
    """Line number → the messages shown for that line."""
    result = preview.context["result"]
    errors = {}
    for row in result.invalid_rows:
        errors[row.number] = " ".join(str(m) for messages in row.error_dict.values() for m in messages)
    for number, row_errors_ in result.row_errors():
        errors[number] = " ".join(str(error.error) for error in row_errors_)
    return errors
