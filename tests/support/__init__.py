"""Reusable test helpers: a real redis-server, the handoff service, a stand-in Rasa.

Owned by the handoff service; the end-to-end tests (tests/e2e) reuse them.
"""
