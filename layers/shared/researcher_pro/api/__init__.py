"""The HTTP API: one FastAPI app factory, one router per resource."""
