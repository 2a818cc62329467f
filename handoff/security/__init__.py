"""Identity and abuse protection (no I/O): signed ids and tokens, password hashes, rate limits."""
