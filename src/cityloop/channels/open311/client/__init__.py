"""Open311 client: a unit whose cases are handled in another system that speaks GeoReport v2."""
