"""Retention: reporter identity deleted after its period, a person's data exported or erased on request, legal holds."""
