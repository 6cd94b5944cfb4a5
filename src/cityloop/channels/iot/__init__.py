"""IoT over MQTT: sensor registry, ingest worker, thresholds with hysteresis, storm suppression."""
