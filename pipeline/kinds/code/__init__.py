"""Source code: a tree-sitter outline of signatures and structure, with a line-based fallback."""
