"""Open311 GeoReport v2 server (with the mySociety service request updates extension) at /open311/v2/."""
