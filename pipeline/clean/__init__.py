"""Cleaning before detection: what a terminal or a file reader added that is noise to a model.

ANSI escapes are dropped; line-number gutters are lifted off so the content
behind them is detected and compressed as what it is, then put back on the
lines that were kept.
"""
