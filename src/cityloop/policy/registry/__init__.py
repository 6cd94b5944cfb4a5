"""Matching registries: the enterprises (and later persons) policies are matched against."""
