"""Model and search providers: OpenAI, Perplexity, and the offline ones."""
