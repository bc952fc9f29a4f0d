"""The OIOSAML 3 assertion's attributes as NemLog-in sends them for an employee (a "professional"),
read into one ProfessionalIdentity, or refused with a message the person can act on.

Attribute names: OIOSAML 3.0 Web SSO Profile, the professional attribute profile.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

SPEC_VERSION = "https://data.gov.dk/model/core/specVersion"
LOA = "https://data.gov.dk/concept/core/nsis/loa"
CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
ORG_NAME = "https://data.gov.dk/model/core/eid/professional/orgName"
PERSISTENT_ID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
EMAIL = "https://data.gov.dk/model/core/eid/email"
FIRST_NAME = "https://data.gov.dk/model/core/eid/firstName"
LAST_NAME = "https://data.gov.dk/model/core/eid/lastName"
PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"

# NSIS assurance levels, lowest first. A login below Substantial is refused (NSIS: personal data of
# other people may only be handled at Substantial or higher).
LEVELS_OF_ASSURANCE = ["Low", "Substantial", "High"]
MINIMUM_LOA = "Substantial"
# OIO-BPP: a privilege group's scope names the organisation it was granted for.
CVR_SCOPE = "urn:dk:gov:saml:cvrNumberIdentifier:"
CVR_PATTERN = re.compile(r"^[0-9]{8}$")


class LoginRefused(PermissionDenied):
    """A NemLog-in login the product refuses; the message says why and what to do, in the active language."""

    def __init__(self, message: str, *, cvr: str = "", reason: str = "refused"):
        super().__init__(message)
        self.message, self.cvr, self.reason = message, cvr, reason


@dataclass(frozen=True)
class ProfessionalIdentity:
    """Who logged in, for which organisation, how surely, with which privileges there."""

    persistent_id: uuid.UUID
    cvr: str
    organisation: str
    loa: str
    email: str
    first_name: str
    last_name: str
    privileges: frozenset[str]

    @property
    def username(self) -> str:
        # Stable across name and email changes: NemLog-in's persistent professional identifier.
        return f"nemlogin-{self.persistent_id}"


def _one(attributes: dict, name: str, *, required: bool = True, limit: int = 254) -> str:
    values = attributes.get(name) or []
    value = str(values[0]).strip() if values else ""
    if required and not value:
        raise LoginRefused(
            _("NemLog-in did not send the attribute %(name)s, which the strategy portfolio needs. Ask your "
              "organisation's administrator of MitID Erhverv.") % {"name": name},
            reason="missing_attribute",
        )
    return value[:limit]


def _privileges(encoded: str, cvr: str) -> frozenset[str]:
    """The privileges granted for the organisation `cvr` in the base64-encoded OIO-BPP privilege list."""
    if not encoded:
        return frozenset()
    try:
        root = ElementTree.fromstring(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, ElementTree.ParseError, DefusedXmlException):
        raise LoginRefused(
            _("The privileges NemLog-in sent could not be read. Try again; if it happens again, tell the "
              "secretariat of the joint digital strategies."),
            cvr=cvr, reason="unreadable_privileges",
        ) from None
    granted = set()
    for group in root.iter():
        if group.tag.rsplit("}", 1)[-1] != "PrivilegeGroup" or group.get("Scope") != CVR_SCOPE + cvr:
            continue
        for privilege in group:
            if privilege.tag.rsplit("}", 1)[-1] == "Privilege" and (privilege.text or "").strip():
                granted.add(privilege.text.strip()[:300])
    return frozenset(granted)


def identity_from_attributes(attributes: dict[str, list]) -> ProfessionalIdentity:
    """Read the assertion's attributes; refuse a login below Substantial or without what is needed."""
    loa = _one(attributes, LOA, required=False)
    if loa not in LEVELS_OF_ASSURANCE or LEVELS_OF_ASSURANCE.index(loa) < LEVELS_OF_ASSURANCE.index(MINIMUM_LOA):
        raise LoginRefused(
            _("You logged in at the assurance level “%(loa)s”. The strategy portfolio requires at least "
              "Substantial: log in again with MitID (app or code device).") % {"loa": loa or _("none")},
            reason="low_assurance",
        )
    cvr = _one(attributes, CVR)
    if not CVR_PATTERN.match(cvr):
        raise LoginRefused(_("NemLog-in sent “%(cvr)s”, which is not a CVR number.") % {"cvr": cvr[:20]},
                           reason="bad_cvr")
    raw_id = _one(attributes, PERSISTENT_ID)
    try:
        persistent_id = uuid.UUID(raw_id.removeprefix("urn:uuid:"))
    except ValueError:
        raise LoginRefused(_("NemLog-in sent an identifier the strategy portfolio cannot read."), cvr=cvr,
                           reason="bad_identifier") from None
    return ProfessionalIdentity(
        persistent_id=persistent_id,
        cvr=cvr,
        organisation=_one(attributes, ORG_NAME, required=False, limit=200),
        loa=loa,
        email=_one(attributes, EMAIL, required=False),
        first_name=_one(attributes, FIRST_NAME, required=False, limit=150),
        last_name=_one(attributes, LAST_NAME, required=False, limit=150),
        privileges=_privileges(_one(attributes, PRIVILEGES, required=False, limit=100_000), cvr),
    )
