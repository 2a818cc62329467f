"""Tandem's handoff service: customers, the bot bridge, live agents, on Socket.IO and Redis.

Example::

    from handoff import Settings, create_app
    app = create_app(Settings.from_env())
"""

from handoff.app import create_app
from handoff.config.settings import Settings

__all__ = ["Settings", "create_app"]
__version__ = "0.1.0"
