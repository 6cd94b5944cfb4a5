"""一网共享: the data resource catalogue, sharing requests with approvals, scoped keys and export approvals."""
