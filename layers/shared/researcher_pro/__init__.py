"""Researcher Pro: a serverless research backend."""
