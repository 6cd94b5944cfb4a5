"""Applications (办件) against service items, with their append-only events."""
