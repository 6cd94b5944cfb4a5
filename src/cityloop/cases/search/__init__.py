"""Global search over the cases a caller may see: by number, tracking code, phone or words."""
