"""The risk register's tests use the agreement personas and the cross-authority dependency, and build
risks through the service."""

import pytest

from risks.models import Risk
from risks.services import risk_save
from tests.agreements.conftest import aarhus_coordinator, cross_dependency, digst_coordinator, today  # noqa: F401


@pytest.fixture
def make_risk(analyst):
    """Records a risk through risk_save, as the secretariat unless told otherwise."""

    def build(initiative, *, user=None, **fields) -> Risk:
        values = {"title": "Risk", "probability": 3, "impact": 3, "owner": initiative.lead, **fields}
        return risk_save(risk=Risk(initiative=initiative), user=user or analyst, **values)

    return build
