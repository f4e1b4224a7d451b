"""Usage: tokens, model calls, cache hits and cost per tenant per day."""
