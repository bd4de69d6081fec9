"""Whole conversations (Anthropic and OpenAI message lists): only tool outputs are compressed, in place."""
