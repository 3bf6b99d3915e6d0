"""LLM forms of the agents (anthropic Messages API), with caching, a token budget,
a concurrency limit and masking. Imported only when a team runs in ``llm`` mode."""
