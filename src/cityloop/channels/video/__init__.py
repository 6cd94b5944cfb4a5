"""AI-video alarms: camera registry, per-class confidence thresholds, one open case per camera and class."""
