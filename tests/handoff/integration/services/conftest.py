"""Service tests over the real stores: the same Redis client fixture as the store tests."""

from tests.handoff.integration.store.conftest import redis

__all__ = ["redis"]
