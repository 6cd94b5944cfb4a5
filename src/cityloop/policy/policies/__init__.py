"""Policies (惠企/惠民政策) and their criteria, imported from JSON."""
