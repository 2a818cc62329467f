"""Redis I/O: every read and write of shared state, and every key name (``keys.py``)."""
