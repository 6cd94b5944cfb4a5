"""Notifications out of the platform: a transactional outbox drained by a sender (SMS, 站内信, webhooks)."""
