"""The rules, as plain functions and records (no I/O): ownership, routing, waiting, transcript
entries, what agents see, agent accounts, metrics text."""
