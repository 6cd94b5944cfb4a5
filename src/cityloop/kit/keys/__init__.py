"""The secret key: where it comes from, a check value against the database, and rotation of encrypted data."""
