"""IoT device pages for staff."""
