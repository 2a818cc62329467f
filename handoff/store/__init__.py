"""Redis I/O: every read and write of shared state (key names in ``handoff.keys``)."""
