"""An import may create an initiative with its baseline, never change an approved one."""

import pytest

from initiatives.models import Initiative
from tests.initiatives.imports import SAMPLES, import_file, row_errors, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def kk(client, kobenhavn_coordinator, strategy_2022):
    client.force_login(kobenhavn_coordinator)
    return client


def test_an_import_changing_the_baseline_is_refused_naming_the_field_and_nothing_is_saved(kk, settings):
    settings.LANGUAGE_CODE = "en"
    content = (SAMPLES / "kobenhavn_initiatives.csv").read_bytes()
    import_file(kk, "initiative", content, "first.csv")
    before = Initiative.objects.get(code="KK-1")
    line = next(line for line in content.decode().splitlines() if ",KK-1," in line)
    fields = line.split(",")
    fields[7] = "2030-12-31"  # baseline_end
    changed = content.decode().replace(line, ",".join(fields)).encode()
    preview = upload(kk, "initiative", changed, "second.csv")
    errors = row_errors(preview)
    assert any("approved baseline cannot be changed by an import" in text for text in errors.values()), errors
    assert preview.context.get("confirm_form") is None
    assert Initiative.objects.get(code="KK-1").baseline_end == before.baseline_end
