"""Situational guides (情形引导): decision trees that select an item's materials."""
