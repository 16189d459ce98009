"""Supervision tests use the same fixtures as the cases tests (a migrated database per backend)."""

from tests.integration.cases.conftest import POLICY, engine, url_of

__all__ = ["POLICY", "engine", "url_of"]
