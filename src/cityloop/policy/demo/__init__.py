"""Demo enterprises and policies: a synthetic registry with a real city's shape, matched at seed time."""
