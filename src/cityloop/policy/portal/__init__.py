"""可享政策: what a logged-in firm or citizen may get, why, and what near-misses would need."""
