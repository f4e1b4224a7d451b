"""Benchmarks for Researcher Pro: `python -m benchmarks.run` writes benchmarks/results.json."""
