"""A test identity provider built on pysaml2, standing in for NemLog-in: it has its own key and
metadata, reads the SP's signed AuthnRequest, and issues OIOSAML 3 style answers (signed and
encrypted assertions with the professional attributes), good ones and the bad ones NemLog-in must
never be trusted to send: another organisation, a low assurance level, expired, unsigned, or signed
with a key that is not the IdP's.

Used by the tests in-process (IdP.answer) and, over HTTP, by the browser test (tests/nemlogin/server.py).
"""

from __future__ import annotations

import base64
import datetime
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import saml2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from nemlogin import identity as oiosaml

IDP_ENTITY_ID = "https://idp.nemlogin.test/"
KOBENHAVN_CVR = "64942212"
UNKNOWN_CVR = "29189846"
COORDINATOR_PRIVILEGE = "https://portfolio.example.org/roles/coordinator"


def make_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A 2048-bit RSA key and a self-signed certificate for it (PEM files), valid for a day either side."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def privileges_attribute(cvr: str, *privileges: str) -> str:
    """The OIO-BPP privilege list NemLog-in sends (base64), with the privileges granted for `cvr`."""
    items = "".join(f"<Privilege>{p}</Privilege>" for p in privileges)
    xml = (
        '<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
        f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">{items}</PrivilegeGroup>'
        "</bpp:PrivilegeList>"
    )
    return base64.b64encode(xml.encode()).decode()


@dataclass
class Person:
    """Who logs in at the test IdP, for which organisation, at which level, with which privileges."""

    persistent_id: str = "urn:uuid:5b1d1b0e-6a86-4a3a-9d55-0f2b7f1c0a11"
    cvr: str = KOBENHAVN_CVR
    organisation: str = "Københavns Kommune"
    loa: str = "Substantial"
    email: str = "mette.hansen@kk.example.dk"
    first_name: str = "Mette"
    last_name: str = "Hansen"
    privileges: list[str] = field(default_factory=lambda: [COORDINATOR_PRIVILEGE])

    def attributes(self) -> dict[str, list[str]]:
        values = {
            oiosaml.SPEC_VERSION: ["OIO-SAML-3.0"],
            oiosaml.LOA: [self.loa],
            oiosaml.CVR: [self.cvr],
            oiosaml.ORG_NAME: [self.organisation],
            oiosaml.PERSISTENT_ID: [self.persistent_id],
            oiosaml.EMAIL: [self.email],
            oiosaml.FIRST_NAME: [self.first_name],
            oiosaml.LAST_NAME: [self.last_name],
        }
        if self.privileges:
            values[oiosaml.PRIVILEGES] = [privileges_attribute(self.cvr, *self.privileges)]
        return values


class IdP:
    """The test IdP. `sso_url` is where the SP sends browsers; answer() builds the SAMLResponse."""

    def __init__(self, directory: Path, sso_url: str = "https://idp.nemlogin.test/sso"):
        self.directory = directory
        self.sso_url = sso_url
        self.key_file, self.cert_file = make_key_pair(directory, "idp")
        self.other_key_file, self.other_cert_file = make_key_pair(directory, "not-the-idp")
        self.sp_key_file, self.sp_cert_file = make_key_pair(directory, "sp")
        self.metadata_file = directory / "idp-metadata.xml"
        self.metadata_file.write_text(create_metadata_string(None, config=self._config(with_sp=False)).decode())
        self.sp_metadata_file = directory / "sp-metadata.xml"
        self._servers: dict[tuple[bool, bool], Server] = {}

    def _config(self, *, with_sp: bool, other_key: bool = False, expired: bool = False) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": IDP_ENTITY_ID,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "service": {"idp": {
                "endpoints": {
                    "single_sign_on_service": [(self.sso_url, saml2.BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(self.sso_url.rsplit("/", 1)[0] + "/slo", saml2.BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                # An expired answer: valid until 10 minutes before it was made.
                "policy": {"default": {"lifetime": {"minutes": -10 if expired else 5}, "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
            }},
            "key_file": str(self.other_key_file if other_key else self.key_file),
            "cert_file": str(self.other_cert_file if other_key else self.cert_file),
            "metadata": {"local": [str(self.sp_metadata_file)]} if with_sp else {},
        })
        return config

    def know_the_sp(self, sp_metadata: str) -> None:
        """Take the SP's metadata (as NemLog-in is given it when the SP is registered)."""
        self.sp_metadata_file.write_text(sp_metadata)
        self._servers.clear()

    def _server(self, other_key: bool = False, expired: bool = False) -> Server:
        if (other_key, expired) not in self._servers:
            self._servers[other_key, expired] = Server(
                config=self._config(with_sp=True, other_key=other_key, expired=expired)
            )
        return self._servers[other_key, expired]

    def read_request(self, redirect_url: str):
        """The AuthnRequest the SP redirected the browser with; its signature is checked."""
        query = parse_qs(urlsplit(redirect_url).query)
        assert "Signature" in query, "the AuthnRequest is not signed"
        relay_state = query.get("RelayState", [""])[0]
        # pysaml2 checks the redirect binding's signature against the SP's certificate in its metadata.
        request = self._server().parse_authn_request(
            query["SAMLRequest"][0], saml2.BINDING_HTTP_REDIRECT,
            relay_state=relay_state or None, sigalg=query["SigAlg"][0], signature=query["Signature"][0],
        )
        return request.message, relay_state

    def answer(self, request, person: Person, *, signed: bool = True, other_key: bool = False,
               encrypted: bool = True, expired: bool = False) -> str:
        """A base64 SAMLResponse to `request` for `person`."""
        server = self._server(other_key=other_key, expired=expired)
        sp_cert = "".join(self.sp_cert_file.read_text().splitlines()[1:-1])
        response = server.create_authn_response(
            identity=person.attributes(),
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person.persistent_id),
            authn={"class_ref": f"https://data.gov.dk/concept/core/nsis/loa/{person.loa}",
                   "authn_auth": IDP_ENTITY_ID},
            sign_assertion=signed,
            sign_response=False,
            encrypt_assertion=encrypted,
            encrypt_assertion_self_contained=True,
            encrypt_cert_assertion=sp_cert if encrypted else None,
        )
        return base64.b64encode(str(response).encode()).decode()


    def answer_logout(self, redirect_url: str) -> str:
        """Read the SP's signed LogoutRequest (HTTP-Redirect) and return where the IdP sends the browser
        back: the SP's logout service with a signed LogoutResponse."""
        query = parse_qs(urlsplit(redirect_url).query)
        assert "Signature" in query, "the LogoutRequest is not signed"
        relay_state = query.get("RelayState", [""])[0]
        server = self._server()
        request = server.parse_logout_request(
            query["SAMLRequest"][0], saml2.BINDING_HTTP_REDIRECT,
            relay_state=relay_state or None, sigalg=query["SigAlg"][0], signature=query["Signature"][0],
        )
        response = server.create_logout_response(request.message, [saml2.BINDING_HTTP_REDIRECT])
        destination = server.metadata.single_logout_service(request.message.issuer.text, saml2.BINDING_HTTP_REDIRECT,
                                                            "spsso")[0]["location"]
        http_args = server.apply_binding(saml2.BINDING_HTTP_REDIRECT, str(response), destination, relay_state,
                                         response=True, sign=True)
        return dict(http_args["headers"])["Location"]


def new_persistent_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
