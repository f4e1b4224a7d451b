"""Offline providers: the tenant's documents ranked locally, and extractive analysis."""
