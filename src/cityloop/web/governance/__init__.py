"""Data-governance pages for administrators."""
