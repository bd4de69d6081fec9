"""``git log`` output: one line per commit, whole commits where the query points."""
