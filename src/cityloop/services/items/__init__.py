"""Service items (政务服务事项): the versioned catalogue."""
