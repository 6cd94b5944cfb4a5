"""免申即享: policies whose criteria find the firms (and people) who qualify, without an application."""
