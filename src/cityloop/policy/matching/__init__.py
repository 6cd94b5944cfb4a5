"""Matching: every policy against every subject, vectorised; eligible, near-miss and not eligible, with reasons."""
