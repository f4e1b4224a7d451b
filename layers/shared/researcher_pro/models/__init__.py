"""Pydantic models: domain records and API schemas."""
