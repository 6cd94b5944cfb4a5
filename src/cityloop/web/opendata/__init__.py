"""The open-data portal page."""
