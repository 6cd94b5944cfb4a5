"""Grid workers' daily work: patrol points, check-ins, coverage."""
