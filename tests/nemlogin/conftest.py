import shutil

import pytest
from saml2.metadata import create_metadata_string

from nemlogin.models import PrivilegeMapping, Role
from tests.conftest import service_missing
from tests.nemlogin.idp import COORDINATOR_PRIVILEGE, KOBENHAVN_CVR, IdP

SP_ENTITY_ID = "https://portfolio.example.org/saml2/metadata/"


@pytest.fixture(scope="session")
def test_idp(tmp_path_factory) -> IdP:
    if not shutil.which("xmlsec1"):
        service_missing("no xmlsec1 program (Debian package xmlsec1), which pysaml2 signs and verifies with")
    return IdP(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def nemlogin_configured(settings, test_idp) -> IdP:
    """The product set up for NemLog-in against the test IdP, which knows the product's SP metadata."""
    from nemlogin.config import sp_config

    settings.SAML_ENABLED = True
    settings.SAML_IDP_METADATA = str(test_idp.metadata_file)
    settings.SAML_SP_KEY_FILE = str(test_idp.sp_key_file)
    settings.SAML_SP_CERT_FILE = str(test_idp.sp_cert_file)
    settings.SAML_SP_ENTITY_ID = SP_ENTITY_ID
    settings.SITE_URL = "http://testserver"
    test_idp.know_the_sp(create_metadata_string(None, config=sp_config()).decode())
    return test_idp


@pytest.fixture
def kobenhavn_connected(kobenhavn):
    """København's CVR number entered by the secretariat, and the coordinator privilege mapped."""
    kobenhavn.cvr = KOBENHAVN_CVR
    kobenhavn.save()
    PrivilegeMapping.objects.create(privilege=COORDINATOR_PRIVILEGE, role=Role.COORDINATOR)
    return kobenhavn
