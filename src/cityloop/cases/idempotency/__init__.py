"""Idempotency-Key claims for intake: one request per key does the work, a retry gets its case."""
