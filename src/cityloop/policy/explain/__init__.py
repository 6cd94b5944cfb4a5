"""Explaining criteria to people: JSON Logic rules rendered as zh/en text, values shown as they read."""
