"""Linking events (事) and points (点): the cases around a patrol point, and points where problems recur."""
