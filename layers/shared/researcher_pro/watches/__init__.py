"""Watches: saved research that re-runs on a schedule and says what changed."""
