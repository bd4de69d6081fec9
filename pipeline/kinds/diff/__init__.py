"""Unified diffs: headers and changed lines kept, context trimmed, hunks chosen by relevance."""
