"""The wire protocol: typed messages, their validation, error codes and the event registry.

``docs/protocol.md`` is the prose version; ``docs/protocol-examples.json`` the golden examples.
"""
