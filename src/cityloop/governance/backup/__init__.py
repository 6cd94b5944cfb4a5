"""Backup and restore: a consistent snapshot of the database, uploads and models, and its round trip."""
