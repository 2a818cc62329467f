"""Tandem's handoff service: customers, the bot bridge, live agents, on Socket.IO and Redis.

Example::

    from handoff import Settings, create_app
    app = create_app(Settings.from_env())
"""

import sys

# The project's one pyproject.toml serves two environments: Rasa's needs Python 3.10, this
# service 3.11 (datetime.UTC, enum.StrEnum, asyncio timeouts as TimeoutError). The one
# requires-python can only state the lower bound of both, so the service checks its own here,
# before anything fails obscurely (ruff lints handoff/ for 3.11 and would drop the check).
if sys.version_info < (3, 11):  # noqa: UP036  # pragma: no cover - tested with .venv/bot
    raise ImportError(
        "the handoff service needs Python 3.11 or newer; this is "
        f"{sys.version.split()[0]} (use .venv/handoff, see README 'What a fresh machine needs')"
    )

from handoff.app import create_app  # noqa: E402 - after the version check, on purpose
from handoff.config.settings import Settings  # noqa: E402

__all__ = ["Settings", "create_app"]
__version__ = "0.1.0"
