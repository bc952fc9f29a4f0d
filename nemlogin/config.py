"""The SAML service provider's configuration for pysaml2, built from the settings (environment
variables) on each use, after OIOSAML 3: signed AuthnRequests and logout messages, signed assertions
required, encrypted assertions decrypted with the SP's key, SHA-256, and Substantial asked for."""

import functools
import shutil

import saml2
from django.conf import settings
from django.urls import reverse
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT, AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

LOA_SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"


def _absolute(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def sp_settings() -> dict:
    metadata = settings.SAML_IDP_METADATA
    return {
        "entityid": settings.SAML_SP_ENTITY_ID or _absolute("saml2_metadata"),
        "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "Strategiportefølje",
                "endpoints": {
                    "assertion_consumer_service": [(_absolute("saml2_acs"), saml2.BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (_absolute("saml2_ls"), saml2.BINDING_HTTP_REDIRECT),
                        (_absolute("saml2_ls_post"), saml2.BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "allow_unsolicited": False,
                "requested_authn_context": RequestedAuthnContext(
                    authn_context_class_ref=[AuthnContextClassRef(text=LOA_SUBSTANTIAL)], comparison="minimum"
                ),
            },
        },
        "metadata": {"remote": [{"url": metadata}]} if metadata.startswith("https://") else {"local": [metadata]},
        "key_file": settings.SAML_SP_KEY_FILE,
        "cert_file": settings.SAML_SP_CERT_FILE,
        "encryption_keypairs": [{"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}],
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        # Clocks of NemLog-in and this server may differ by this many seconds.
        "accepted_time_diff": 60,
    }


@functools.lru_cache(maxsize=4)
def _loaded(metadata: str, key_file: str, cert_file: str, entity_id: str, site_url: str) -> SPConfig:
    config = SPConfig()
    config.load(sp_settings())
    return config


def sp_config(request=None) -> SPConfig:
    """djangosaml2's config loader (SAML_CONFIG_LOADER). Loaded once per configuration, not per request:
    loading reads (or, for an https:// address, downloads) NemLog-in's metadata. A new metadata file
    takes effect when the app restarts."""
    return _loaded(settings.SAML_IDP_METADATA, settings.SAML_SP_KEY_FILE, settings.SAML_SP_CERT_FILE,
                   settings.SAML_SP_ENTITY_ID, settings.SITE_URL)
