"""Edge tests over a real Redis: the same client fixture as the store tests."""

from tests.handoff.integration.store.conftest import redis

__all__ = ["redis"]
