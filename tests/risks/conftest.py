"""The risk register's tests use the agreement personas and the cross-authority dependency."""

from tests.agreements.conftest import aarhus_coordinator, cross_dependency, digst_coordinator, today  # noqa: F401
