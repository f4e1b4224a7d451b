"""Analyses of a text or a finished research: summary, key points, sentiment, entities, topics, custom."""
