"""Webhooks: signed, durable callbacks for the ends of tasks and watch runs."""
