"""The import's confirmation step trusts nothing it is sent: it must confirm a preview this session
made (issue: hardening, 4), and a file without its key columns says so in the user's language, with
no traceback (8)."""

import os
import tempfile

import pytest
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative

from .imports import upload

pytestmark = pytest.mark.usefixtures("english")

GOOD = (
    "strategy,code,title_da,lead,status,baseline_start,baseline_end\n"
    "2022-2025,KK-77,Bekræftet import,0101,active,2024-01-01,2024-12-31\n"
)
PROCESS = reverse("admin:initiatives_initiative_process_import")


def preview_fields(client) -> dict:
    preview = upload(client, "initiative", GOOD.encode(), "good.csv")
    form = preview.context["confirm_form"]
    return {k: form.initial[k] for k in form.initial}


def refused(response) -> bool:
    return response.status_code == 400 and "Nothing was imported" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"import_file_name": None},  # missing
        {"format": "x"},
        {"format": "9"},
        {"format": "-1"},
        {"resource": "7"},
        {"resource": "x"},
        {"original_file_name": None},
        {"format": "1"},  # another valid format than the preview's
    ],
    ids=["no-file-name", "format-x", "format-out-of-range", "format-negative", "resource-out-of-range",
         "resource-x", "no-original-name", "other-format"],
)
def test_a_tampered_confirmation_is_refused_with_400_and_imports_nothing(kk, change):
    data = preview_fields(kk)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    assert refused(kk.post(PROCESS, data))
    assert not Initiative.objects.filter(code="KK-77").exists()


def test_a_confirmation_naming_another_file_in_the_temporary_folder_is_refused_and_the_file_kept(kk):
    victim = tempfile.NamedTemporaryFile(dir=tempfile.gettempdir(), suffix=".csv", delete=False)
    victim.write(GOOD.encode())
    victim.close()
    try:
        data = {**preview_fields(kk), "import_file_name": os.path.basename(victim.name)}
        assert refused(kk.post(PROCESS, data))
        assert os.path.exists(victim.name)  # not read, not deleted
        assert not Initiative.objects.filter(code="KK-77").exists()
    finally:
        os.unlink(victim.name)


def test_another_users_preview_cannot_be_confirmed(kk, analyst):
    data = preview_fields(kk)
    other = Client()
    other.force_login(analyst)
    assert refused(other.post(PROCESS, data))
    assert not Initiative.objects.filter(code="KK-77").exists()


def test_a_preview_is_confirmed_once_and_a_replay_is_refused(kk):
    data = preview_fields(kk)
    assert kk.post(PROCESS, data).status_code == 302
    assert Initiative.objects.filter(code="KK-77").count() == 1
    assert refused(kk.post(PROCESS, data))


def test_a_file_without_its_key_columns_names_them_without_a_traceback(kk):
    preview = upload(kk, "initiative", b"title_da,lead\nX,0101\n", "nokey.csv")
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "The file lacks the columns “strategy”, “code”" in page
    assert "Traceback" not in page and "site-packages" not in page and "import_id_fields" not in page


def test_the_missing_key_column_is_named_in_danish_by_default(client, kobenhavn_coordinator, strategy_2022, settings):
    settings.LANGUAGE_CODE = "da"
    client.force_login(kobenhavn_coordinator)
    preview = upload(client, "milestone", b"strategy,title_da\n2022-2025,X\n", "nokey.csv")
    page = preview.content.decode()
    assert "Filen mangler kolonnen “initiative”" in page
    assert "Traceback" not in page


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(kk, settings):
    settings.IMPORT_MAX_BYTES = 1024
    preview = upload(kk, "initiative", (GOOD + "x" * 2000).encode(), "big.csv")
    assert preview.status_code == 200
    errors = " ".join(preview.context["form"].errors.get("import_file", []))
    assert "an import takes at most 1.0\xa0KB" in errors and "Split it into smaller files" in errors
    assert preview.context.get("confirm_form") is None


def test_a_file_over_the_row_limit_is_refused_with_the_counts(kk, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = "".join(f"2022-2025,KK-{n},Titel {n},0101,active,2024-01-01,2024-12-31\n" for n in range(4))
    preview = upload(kk, "initiative", (GOOD.splitlines()[0] + "\n" + rows).encode(), "rows.csv")
    page = preview.content.decode()
    assert "The file has 4 rows; an import takes at most 3." in page
    assert preview.context.get("confirm_form") is None
    assert not Initiative.objects.filter(code__startswith="KK-").exists()
