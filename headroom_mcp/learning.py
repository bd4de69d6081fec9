"""What retrievals teach: per wrapped tool, how often the model pulled back what was compressed away, and why.

A retrieval after a compression means the compression was too aggressive for
what the model needed. Wrappers count, in the store's shared counters, each
tool's compressions and the retrievals of its results: their queries, whether
they asked for the whole original, and the positions of the items returned
(never copies of content). From those counts this module proposes, per tool,
the policy that would have spared the retrievals, in the keys of
``[tools."NAME"]``:

- ``compress = false`` for a tool whose results are read whole almost every time;
- ``keep = [...]`` for queries the model keeps asking: what they name is then
  kept in every result, through the query path the compressors already have;
- a larger ``max_tokens`` for a tool whose results are often read whole.

``learn --apply`` writes the proposals to ``learned.toml`` beside the config
file, which ``load_settings`` reads under the user's own keys; with
``learn = "auto"`` wrappers apply them as they become clear.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headroom_mcp import api
from headroom_mcp.config import ToolPolicy
from headroom_mcp.pipeline.store import Store
from headroom_mcp.pipeline.wording import printable

log = logging.getLogger(__name__)

# A proposal needs this many compressed results of the tool: fewer say nothing yet.
MIN_COMPRESSED = 3
# Read whole at least this often: compressing the tool's results costs more than it saves.
_PASS_THROUGH_RATE = 0.8
# Read whole at least this often: the budget is too small.
_MORE_BUDGET_RATE = 0.3
# A query is kept when it followed at least this many compressions, and this share of them.
_KEEP_MIN_TIMES = 2
_KEEP_MIN_SHARE = 1 / 3
_KEEP_MAX = 5
_HEADER = (
    "# Written by `headroom-mcp learn --apply` from what retrievals asked for; `headroom-mcp learn --reset`\n"
    '# removes it. Your own [tools."NAME"] keys in the config file win over these.\n'
)


@dataclass(frozen=True, slots=True)
class Lesson:
    """One wrapped tool's record, and the policy it suggests (empty when it suggests none)."""

    stats: api.ToolStats
    kinds: list[tuple[str, int]]
    queries: list[tuple[str, int]]
    returned: list[tuple[str, int]]
    proposal: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def retrieval_rate(self) -> float:
        """Retrievals per compressed result."""
        return self.stats.retrievals / self.stats.compressed if self.stats.compressed else 0.0


def lessons(store: Store | None = None, max_budget_tokens: int = 20_000) -> list[Lesson]:
    """Every counted tool with what it suggests, the most retrieved first."""
    counters = (store or api.default_store()).counters()  # read once: both views come from them
    labels = api.tool_labels(counters=counters)
    found = []
    for stats in api.tool_stats(counters=counters):
        kinds, queries, positions = (
            sorted(labels.get((stats.server, stats.tool, field), {}).items(), key=lambda pair: (-pair[1], pair[0]))
            for field in ("kind", "asked", "returned")
        )
        proposal, reason = propose(stats, queries, max_budget_tokens)
        found.append(Lesson(stats, kinds, queries, positions, proposal, reason))
    return sorted(found, key=lambda lesson: (-lesson.stats.retrievals, lesson.stats.server, lesson.stats.tool))


def propose(
    stats: api.ToolStats, queries: list[tuple[str, int]], max_budget_tokens: int = 20_000
) -> tuple[dict[str, Any], str]:
    """The ``[tools."NAME"]`` keys ``stats`` and its retrievals' ``queries`` suggest, and why (or why none)."""
    compressed = stats.compressed
    if compressed < MIN_COMPRESSED:
        return {}, f"{compressed} of the {MIN_COMPRESSED} compressed results a proposal needs"
    whole = stats.whole_retrievals / compressed
    if whole >= _PASS_THROUGH_RATE:
        return {"compress": False}, f"read whole after {stats.whole_retrievals} of {compressed} compressions"
    proposal: dict[str, Any] = {}
    reasons = []
    kept = [
        (query, times) for query, times in queries if times >= _KEEP_MIN_TIMES and times >= _KEEP_MIN_SHARE * compressed
    ][:_KEEP_MAX]
    if kept:
        proposal["keep"] = [query for query, _ in kept]
        reasons.append(
            ", ".join(f'"{query}" asked after {times} of {compressed} compressions' for query, times in kept)
        )
    if whole >= _MORE_BUDGET_RATE and stats.tokens_after:
        average_after = stats.tokens_after / compressed
        proposal["max_tokens"] = min(max_budget_tokens, max(1000, round(2 * average_after, -2)))
        reasons.append(f"read whole after {stats.whole_retrievals} of {compressed} compressions")
    if not proposal:
        return {}, f"retrieved after {stats.retrievals} of {compressed} compressions, for no one thing"
    return proposal, "; ".join(reasons)


def report(found: list[Lesson]) -> str:
    """What ``headroom-mcp learn`` prints: per tool, its calls, retrieval rate, queries and proposal."""
    if not found:
        return "nothing learned yet: no wrapped tool has been called with this store"
    blocks = []
    for lesson in found:
        stats = lesson.stats
        lines = [
            f"{printable(stats.tool)} ({printable(stats.server)}): {stats.calls} calls, {stats.compressed} compressed, "
            f"{stats.retrievals} retrievals ({lesson.retrieval_rate:.0%} of compressed), "
            f"{stats.whole_retrievals} of them whole"
        ]
        if lesson.kinds:
            saved = f"{stats.tokens_saved / stats.tokens_before:.0%}" if stats.tokens_before else "-"
            kinds = ", ".join(f"{kind} ×{times}" for kind, times in lesson.kinds)
            lines.append(
                f"  compressed: {kinds}; {stats.tokens_before:,} → {stats.tokens_after:,} tokens ({saved} saved)"
            )
        if lesson.queries:
            asked = ", ".join(f'"{printable(query)}" ×{times}' for query, times in lesson.queries[:8])
            lines.append(f"  asked: {asked}")
        if lesson.returned:
            lines.append("  returned most: " + ", ".join(f"{printable(p)} ×{n}" for p, n in lesson.returned[:5]))
        if lesson.proposal:
            keys = "; ".join(f"{key} = {_toml_value(value)}" for key, value in lesson.proposal.items())
            lines.append(f"  proposed: {keys} ({lesson.reason})")
        else:
            lines.append(f"  proposed: nothing ({lesson.reason})")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def per_tool(found: Iterable[Lesson]) -> dict[str, dict[str, Any]]:
    """The proposals by tool name (the config's key), the same tool on several servers combined.

    Combined so that no server's results lose what its retrievals asked for:
    compression stays on unless every server's proposal turns it off, keep
    patterns add up, and the largest budget wins.
    """
    combined: dict[str, dict[str, Any]] = {}
    for lesson in found:
        if not lesson.proposal:
            continue
        tool, proposal = lesson.stats.tool, lesson.proposal
        if tool not in combined:
            combined[tool] = dict(proposal)
            continue
        current = combined[tool]
        if current.get("compress") is False and proposal.get("compress") is not False:
            current.pop("compress")
        elif proposal.get("compress") is False and current.get("compress") is not False:
            continue
        keep = [*current.get("keep", []), *(q for q in proposal.get("keep", []) if q not in current.get("keep", []))]
        if keep:
            current["keep"] = keep
        if "max_tokens" in proposal:
            current["max_tokens"] = max(current.get("max_tokens", 0), proposal["max_tokens"])
    return combined


def write_learned(path: Path, proposals: dict[str, dict[str, Any]]) -> None:
    """Write ``proposals`` to ``path`` as readable TOML (``[tools."NAME"]`` tables), replacing it whole."""
    lines = [_HEADER]
    for tool, proposal in sorted(proposals.items()):
        lines.append(f"\n[tools.{_toml_string(tool)}]\n")
        for key in ("compress", "max_tokens", "keep"):
            if key in proposal:
                lines.append(f"{key} = {_toml_value(proposal[key])}\n")
    text = "".join(lines)
    # What is written must read back as what was meant: the settings are loaded from it.
    if tomllib.loads(text).get("tools", {}) != proposals:
        raise ValueError("the learned policy does not read back as written")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _toml_string(value: str) -> str:
    # JSON's escapes are TOML basic-string escapes; non-ASCII stays as UTF-8 (TOML has no surrogate escapes).
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_string(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


class AutoPolicies:
    """What ``learn = "auto"`` applies: the current proposals, read again from the store now and then.

    Only the keys a tool's configured policy (the user's file, then
    ``learned.toml``) leaves unset are taken from the proposals.
    """

    def __init__(self, store: Callable[[], Store], max_budget_tokens: int, refresh_seconds: float = 10.0) -> None:
        self._store = store
        self._max_budget_tokens = max_budget_tokens
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._proposals: dict[str, dict[str, Any]] = {}

    def policy(self, tool: str, configured: ToolPolicy | None) -> ToolPolicy | None:
        """``configured`` with the keys it leaves unset filled from what was learned about ``tool``."""
        proposal = self._current().get(tool)
        if not proposal:
            return configured
        own = configured.model_dump(exclude_unset=True) if configured is not None else {}
        return ToolPolicy(**{**proposal, **own})

    def _current(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if time.monotonic() - self._read_at >= self._refresh:
                self._read_at = time.monotonic()
                try:
                    self._proposals = per_tool(lessons(self._store(), self._max_budget_tokens))
                except Exception:  # learning is never worth an answer: keep what was known
                    log.warning("cannot read what retrievals taught", exc_info=True)
            return self._proposals
