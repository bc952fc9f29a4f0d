"""Webhooks: the secretariat's registered receivers, the outbox of signed deliveries, and sending
them (at least once, with retries and backoff; a receiver that keeps failing is paused)."""
