"""Tasks (任务) a supervisor gives grid workers over a set of points, with progress and warning cards."""
