"""一件事一次办: bundles of items with one form and a merged material list."""
