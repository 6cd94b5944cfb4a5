"""Channels beyond the hotline: IoT sensors over MQTT (and, as they land, Open311, video alarms, notices)."""
