"""Who may do what: API keys, the per-tenant start rate, and idempotent starts."""
