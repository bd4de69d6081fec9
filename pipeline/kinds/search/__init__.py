"""Search results (grep, git grep, ripgrep): hits grouped by file, query matches first."""
