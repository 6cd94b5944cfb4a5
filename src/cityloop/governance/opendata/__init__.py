"""Open data: public datasets without personal data, their DCAT-AP catalogue and a CKAN-compatible read API."""
