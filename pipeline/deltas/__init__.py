"""Deltas: what changed between a repeated call's previous result and its current one.

``delta(previous, current, kind)`` returns a :class:`Delta` (only what
changed, in the form that fits the kind) or None when a delta makes no sense.
Pure functions: no store, no MCP.
"""

from .contract import Delta
from .route import MAKERS, delta

__all__ = ["MAKERS", "Delta", "delta"]
