"""Coverage: which points were due and which were patrolled on a day."""
