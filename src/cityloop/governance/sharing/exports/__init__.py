"""Approvals to export personal data in clear."""
