"""Outbound webhooks: outbox fan-out, signed delivery with retries and a dead-letter state."""
