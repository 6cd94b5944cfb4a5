"""In-app notifications (站内信): what staff are told about their cases."""
