"""Demo catalogue of the demo city: items with guides, written for the demo."""
