"""Periodic jobs that run once per time slot across every app node, claimed in the shared database."""
