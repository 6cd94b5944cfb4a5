"""Data governance: open data, backup and restore (field grading and sharing build on these)."""
