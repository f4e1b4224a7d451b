"""The HTTP API around the capabilities: the app factory, the Lambda entry, problem+json, limits, health."""
