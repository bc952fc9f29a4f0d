"""The API tests' tokens: København's coordinator's and the secretariat's."""

import pytest

from api.services import token_create


def bearer(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


@pytest.fixture
def kk_token(kobenhavn_coordinator) -> str:
    return token_create(user=kobenhavn_coordinator, days=30)[1]


@pytest.fixture
def secretariat_token(analyst) -> str:
    return token_create(user=analyst, days=30)[1]
