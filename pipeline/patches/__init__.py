"""Unified-diff patches as the diff and git log kinds both read them: parse, select hunks, render."""
