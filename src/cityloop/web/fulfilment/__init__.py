"""免申即享 handler pages: the caller's fulfilment tasks and their next step."""
