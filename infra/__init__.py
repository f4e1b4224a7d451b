"""Tooling around the deployable stack: the local cloud and sample events."""
