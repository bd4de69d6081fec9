"""Prose (markdown, reStructuredText, man pages, web text): extractive selection of passages."""
