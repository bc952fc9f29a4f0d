"""Danish is the default language; English is chosen through the language switch and remembered."""

import pytest
from django.core.exceptions import ValidationError

from initiatives.services import dependency_add


def test_a_rule_is_explained_in_danish_by_default(kobenhavn, digst, make_initiative):
    a = make_initiative(kobenhavn, code="A")
    b = make_initiative(digst, code="B")
    dependency_add(source=a, target=b)
    with pytest.raises(ValidationError, match="Afhængigheden ville lukke en cirkel: B → A → B"):
        dependency_add(source=b, target=a)


def test_the_dashboard_speaks_danish_until_english_is_chosen_and_then_remembers_it(client, analyst):
    client.force_login(analyst)
    page = client.get("/initiatives/").content.decode()
    assert '<html lang="da"' in page and "Initiativer" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/initiatives/"})
    assert response.status_code == 302
    page = client.get("/initiatives/").content.decode()
    assert '<html lang="en"' in page and "Initiatives" in page
    assert client.get("/").content.decode().count('lang="en"') >= 1


def test_an_english_browser_still_gets_danish_until_english_is_chosen(client, analyst):
    client.force_login(analyst)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="da"' in page
    client.cookies["django_language"] = "en"
    assert '<html lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="da").content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_danish(client, analyst):
    client.force_login(analyst)
    client.cookies["django_language"] = "xx"
    assert '<html lang="da"' in client.get("/").content.decode()


def test_the_admins_import_and_export_pages_speak_danish(client, kobenhavn_coordinator, kobenhavn, make_initiative):
    # django-import-export ships no Danish; portfolio/locale_vendor supplies it.
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_initiative(kobenhavn, code="KK.1")
    client.force_login(kobenhavn_coordinator)
    page = client.get("/admin/initiatives/initiative/import/").content.decode()
    assert "Fil, der skal importeres" in page and "Importen læser disse felter" in page
    assert "File to import" not in page and "This importer will import" not in page
    page = client.get("/admin/initiatives/initiative/export/").content.decode()
    assert "Eksporten indeholder disse felter" in page and "Vælg alle" in page
    assert "This exporter will export" not in page and "Select all" not in page
    rows = "strategy,code,title_da,lead\n2022-2025,KK.2,Ny løsning,0101\n".encode()
    preview = client.post(
        "/admin/initiatives/initiative/import/",
        {"import_file": SimpleUploadedFile("ny.csv", rows), "format": "0", "resource": "0"},
    ).content.decode()
    assert "Bekræft import" in preview and "Forhåndsvisning" in preview
    assert "Confirm import" not in preview and "Below is a preview" not in preview


def test_the_admins_history_pages_speak_danish(client, kobenhavn_coordinator, kobenhavn, make_initiative):
    # django-simple-history ships no Danish either; portfolio/locale_vendor supplies it.
    initiative = make_initiative(kobenhavn, code="KK.1")
    client.force_login(kobenhavn_coordinator)
    page = client.get(f"/admin/initiatives/initiative/{initiative.pk}/history/").content.decode()
    assert "Ændret af" in page and "Årsag" in page and "Historik: KK.1" in page
    assert "Changed by" not in page and "Change reason" not in page and "View history" not in page
    version = initiative.history.first().history_id
    page = client.get(f"/admin/initiatives/initiative/{initiative.pk}/history/{version}/").content.decode()
    assert "Vis initiativ" in page and "View initiative" not in page
