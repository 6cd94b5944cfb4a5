"""一网共享 pages: the resource catalogue, sharing requests and their approvals, export approvals."""
