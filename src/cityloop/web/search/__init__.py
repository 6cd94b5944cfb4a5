"""The global search page behind the header search box."""
