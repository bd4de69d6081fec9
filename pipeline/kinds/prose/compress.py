"""Prose (markdown, reStructuredText, man pages, pydoc, web pages as text): extractive, never reworded.

What is kept, in order of importance, within the budget:

1. the heading outline (every heading to level 3, deeper ones when cheap), so the structure stays visible;
2. the paragraphs that best answer the query, whole, and the short example right after them;
3. the first sentence of each top-level section and of the introduction;
4. sentences and list items by maximal marginal relevance: value (relevance to the query, position,
   centrality) against similarity to what is already kept.

Every kept sentence, item, code block and heading is copied verbatim. A run of
dropped blocks becomes a note like ``[… 3 paragraphs, 1 code block]``; a
dropped code block after a kept paragraph may become a one-line note naming
its first line. With the sentence model (``pipeline.model``) relevance and
centrality also use embeddings (``mode=model``); without it the same steps run
on BM25 and TF-IDF statistics (``mode=bm25``). The mode is in the transform's
name and the summary.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ...contract import Compressed, Context, Item
from ...model import Embedder, load_embedder
from ...wording import line_span
from . import rank
from .parse import CODE, HEADING, ITEM, PARAGRAPH, TABLE, Document, parse
from .rank import Passage, Ranking

log = logging.getLogger(__name__)

_LOAD = object()
_MIN_PASSAGES = 6
# Shares of the passage allowance: the outline, the answering paragraphs, the section leads.
_OUTLINE_SHARE = 0.3
_OUTLINE_MAX_SHARE = 0.5
_ALWAYS_LEVELS = 3
_ANSWER_SHARE = 0.45
_EXAMPLE_SHARE = 0.15
_LEAD_SHARE = 0.3
_CODE_MATCH = 0.5
_CODE_MATCHES = 2
_USAGE_TITLES = frozenset({"synopsis", "usage"})
# A section's lead is its first passage that reads as text (not a row of badges).
_READABLE_LEAD = 0.5
_FIRST_ALLOWANCE = 0.9
# What a note like "[… 3 paragraphs, 1 code block]" costs, for a passage that splits a dropped run.
_GAP_NOTE_TOKENS = 9
_FIT_ATTEMPTS = 4
_NOTE_FIRST_LINE = 60
_SUMMARY_CHARS = 230
_NOUNS = {
    PARAGRAPH: ("paragraph", "paragraphs"),
    ITEM: ("list item", "list items"),
    CODE: ("code block", "code blocks"),
    TABLE: ("table", "tables"),
    HEADING: ("heading", "headings"),
}


@dataclass(slots=True)
class _Selection:
    """What is kept: passages by index, blocks kept whole, headings, and code blocks shown as a note."""

    passages: set[int] = field(default_factory=set)
    whole: set[int] = field(default_factory=set)
    headings: set[int] = field(default_factory=set)
    notes: set[int] = field(default_factory=set)


class ProseCompressor:
    """Keeps the heading outline and the most valuable sentences of prose, verbatim.

    ``embedder`` is the sentence model to use: by default the installed one
    (``load_embedder()``, loaded on first use; None when not installed) for
    callers that opt in (``ctx.sentence_model``), else none; None to run on
    BM25 and statistics alone whatever the caller asks; or a model to use
    for every caller.
    """

    name = "prose"

    def __init__(self, embedder: Embedder | None | object = _LOAD):
        self._embedder_arg = embedder
        self._lock = threading.Lock()

    def embedder(self, opted_in: bool = True) -> Embedder | None:
        """The sentence model for a caller who opted in or not, loading the installed one on first need."""
        if self._embedder_arg is _LOAD and not opted_in:
            return None
        if self._embedder_arg is _LOAD:
            with self._lock:
                if self._embedder_arg is _LOAD:
                    try:
                        self._embedder_arg = load_embedder()
                    except Exception as exc:  # a broken model install must not break compression
                        log.warning("sentence model unavailable (%s: %s); prose uses BM25", type(exc).__name__, exc)
                        self._embedder_arg = None
        return self._embedder_arg  # type: ignore[return-value]

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Keep the outline and the best sentences within ``ctx.budget_tokens``; None for short or unsplittable text."""
        if _fits(content, ctx):
            return None
        doc = parse(content)
        units = rank.passages(doc, ctx.count_tokens)
        if len(units) < _MIN_PASSAGES:
            return None
        embedder = self.embedder(ctx.sentence_model)
        ranking = self._rank(doc, units, ctx.query, embedder)
        costs = _Costs(doc, ctx.count_tokens)
        allowance = ctx.budget_tokens * _FIRST_ALLOWANCE
        for _ in range(_FIT_ATTEMPTS):
            selection = _select(doc, units, ranking, allowance, costs)
            text = _render(doc, units, selection)
            tokens = ctx.count_tokens(text)
            if tokens <= ctx.budget_tokens:
                break
            # Notes between kept passages cost more than estimated: keep fewer passages.
            allowance *= ctx.budget_tokens / tokens * 0.95
        return Compressed(
            text=text,
            summary=_summary(doc, units, selection, ranking.mode),
            transform=f"prose:extract+{ranking.mode}",
            items=_items(doc),
            diagnostics=[_mode_note(ranking.mode, embedder, ctx.sentence_model)],
        )

    def _rank(self, doc: Document, units: list[Passage], query: str | None, embedder: Embedder | None) -> Ranking:
        if embedder is None:
            return rank.rank(doc, units, query, None)
        try:
            return rank.rank(doc, units, query, embedder)
        except Exception as exc:  # the model failing leaves the statistics, which need no model
            log.warning("sentence model failed (%s: %s); prose ran on BM25", type(exc).__name__, exc)
            return rank.rank(doc, units, query, None)


def _mode_note(mode: str, embedder: Embedder | None, opted_in: bool) -> str:
    """Which ranking ran and why, for the caller's diagnostics."""
    if mode == "model" and embedder is not None:
        return f"prose ranked with the sentence model ({embedder.name}) and BM25"
    why = (
        "no sentence model: headroom-mcp model install" if opted_in else "the sentence model is opt-in: sentence_model"
    )
    return f"prose ranked by BM25 and statistics only ({why})"


class _Costs:
    """Tokens of blocks and notes, each counted once however often selection asks."""

    def __init__(self, doc: Document, count_tokens: Callable[[str], int]):
        self._doc = doc
        self.count = count_tokens
        self._blocks: dict[int, int] = {}

    def block(self, index: int) -> int:
        """Tokens of block ``index`` and the line break before it."""
        if index not in self._blocks:
            self._blocks[index] = self.count(self._doc.blocks[index].text) + 2
        return self._blocks[index]


def _fits(content: str, ctx: Context) -> bool:
    """True when ``content`` is within the budget already (counted only when it might be)."""
    if len(content) <= ctx.budget_tokens:
        return True
    # A token is rarely more than 8 characters of prose: longer text cannot fit.
    return len(content) < ctx.budget_tokens * 8 and ctx.count_tokens(content) <= ctx.budget_tokens


def _select(doc: Document, units: list[Passage], ranking: Ranking, allowance: float, costs: _Costs) -> _Selection:
    """Fill ``allowance`` tokens: outline, answers, section leads, then passages by MMR, then code notes."""
    selection = _Selection()
    used = _outline(doc, selection, allowance, costs)
    by_block: dict[int, list[int]] = {}
    for index, unit in enumerate(units):
        by_block.setdefault(unit.block, []).append(index)

    def keep_whole(block: int, limit: float) -> bool:
        nonlocal used
        if used + costs.block(block) > limit:
            return False
        selection.whole.add(block)
        selection.passages.update(by_block.get(block, []))
        used += costs.block(block)
        return True

    answer_limit = used + allowance * _ANSWER_SHARE
    for number, block in enumerate(ranking.answers):
        # The best answer may take the whole allowance: under a tight budget it is what matters most.
        if keep_whole(block, allowance if number == 0 else answer_limit) and _is_example(doc, block + 1, block):
            if costs.block(block + 1) <= allowance * _EXAMPLE_SHARE:
                keep_whole(block + 1, answer_limit)
    if ranking.relevance is not None:
        relevance = ranking.relevance
        code = [i for i, b in enumerate(doc.blocks) if b.kind in (CODE, TABLE) and relevance[i] >= _CODE_MATCH]
        for block in sorted(code, key=lambda i: (-relevance[i], i))[:_CODE_MATCHES]:
            if block not in selection.whole and costs.block(block) <= allowance * _EXAMPLE_SHARE:
                keep_whole(block, answer_limit)
    lead_limit = used + allowance * _LEAD_SHARE
    for index in _leads(doc, units, ranking.readable):
        cost = units[index].tokens + 1
        if index not in selection.passages and used + cost <= lead_limit:
            selection.passages.add(index)
            used += cost
    unit_costs = [unit.tokens + 1 for unit in units]
    opens_gap = _opens_gap(doc, units, selection)
    picked = rank.select_mmr(
        ranking, unit_costs, allowance - used, sorted(selection.passages), opens_gap, _GAP_NOTE_TOKENS
    )
    for index in picked:
        selection.passages.add(index)
        used += unit_costs[index]
    _add_code_notes(doc, units, selection, allowance - used, costs)
    return selection


def _is_example(doc: Document, index: int, after: int) -> bool:
    """True when block ``index`` is code or a table right after block ``after``, in the same section."""
    return (
        index < len(doc.blocks)
        and doc.blocks[index].kind in (CODE, TABLE)
        and doc.blocks[index].section == doc.blocks[after].section
    )


def _opens_gap(doc: Document, units: list[Passage], selection: _Selection) -> list[bool]:
    """Per passage, False when it opens its section's text under a kept heading (no note goes before it)."""
    gaps: list[bool] = []
    previous = None
    for unit in units:
        section = doc.blocks[unit.block].section
        heading = doc.sections[section].heading
        gaps.append(section == previous or not (heading is None or heading in selection.headings))
        previous = section
    return gaps


def _outline(doc: Document, selection: _Selection, allowance: float, costs: _Costs) -> float:
    """Keep the headings: to level 3 at least when they fit, deeper while cheap. Returns their cost."""
    headings = [i for i, block in enumerate(doc.blocks) if block.kind == HEADING]
    cost_by_level: Counter[int] = Counter()
    for i in headings:
        cost_by_level[doc.blocks[i].level] += costs.block(i)
    cumulative = {level: sum(c for lvl, c in cost_by_level.items() if lvl <= level) for level in range(7)}
    depth = max((level for level in range(7) if cumulative[level] <= allowance * _OUTLINE_SHARE), default=0)
    if depth < _ALWAYS_LEVELS:
        depth = max(
            (level for level in range(_ALWAYS_LEVELS + 1) if cumulative[level] <= allowance * _OUTLINE_MAX_SHARE),
            default=0,
        )
    selection.headings = {i for i in headings if doc.blocks[i].level <= depth}
    return float(cumulative[depth])


def _leads(doc: Document, units: list[Passage], readable: Sequence[float]) -> list[int]:
    """The first passage of the introduction and of each top-level section, in document order."""
    top = doc.top_level()
    # How a command or function is called reads as markup ([<options>] <path>...) but is the section's point.
    usage = {s.index for s in doc.sections if s.title.strip().lower() in _USAGE_TITLES}
    first_of: dict[int, int] = {}
    for index, unit in enumerate(units):
        block = doc.blocks[unit.block]
        if block.section in first_of:
            continue
        if block.kind in (PARAGRAPH, ITEM) and (readable[index] >= _READABLE_LEAD or block.section in usage):
            first_of[block.section] = index
    wanted = [s.index for s in doc.sections if s.level <= top or s.index == 1]
    return sorted(first_of[s] for s in wanted if s in first_of)


def _add_code_notes(
    doc: Document, units: list[Passage], selection: _Selection, remaining: float, costs: _Costs
) -> None:
    """A one-line note for dropped code right after a kept paragraph, while the allowance lasts."""
    kept_blocks = {units[i].block for i in selection.passages} | selection.whole
    for index, block in enumerate(doc.blocks):
        if block.kind not in (CODE, TABLE) or index in kept_blocks or index - 1 not in kept_blocks:
            continue
        cost = costs.count(_code_note(block.text, block.kind)) + 2
        if cost > remaining:
            break
        selection.notes.add(index)
        remaining -= cost


def _render(doc: Document, units: list[Passage], selection: _Selection) -> str:
    """The kept headings, passages and notes in document order; each dropped run becomes a counted note."""
    kept_by_block: dict[int, list[int]] = {}
    all_by_block: dict[int, list[int]] = {}
    for index, unit in enumerate(units):
        all_by_block.setdefault(unit.block, []).append(index)
        if index in selection.passages:
            kept_by_block.setdefault(unit.block, []).append(index)
    pieces: list[tuple[str, bool]] = []
    run: Counter[str] = Counter()
    run_blank = False

    def flush() -> None:
        if run:
            pieces.append((_run_note(run), run_blank))
            run.clear()

    for index, block in enumerate(doc.blocks):
        kept = kept_by_block.get(index, [])
        if block.kind == HEADING:
            piece = block.text if index in selection.headings else None
        elif index in selection.whole or (kept and len(kept) == len(all_by_block[index])):
            piece = block.text
        elif kept:
            ids = all_by_block[index]
            piece = _partial(block.text, [units[i] for i in ids], [i in selection.passages for i in ids])
        elif index in selection.notes:
            piece = _code_note(block.text, block.kind)
        else:
            piece = None
        if piece is None:
            if not run:
                run_blank = block.blank_before
            run[block.kind] += 1
            continue
        flush()
        pieces.append((piece, block.blank_before))
    flush()
    out: list[str] = []
    for number, (piece, blank) in enumerate(pieces):
        if number:
            out.append("\n\n" if blank else "\n")
        out.append(piece)
    return "".join(out)


def _partial(text: str, units: list[Passage], kept: list[bool]) -> str:
    """The kept sentences of one block, verbatim, with ``…`` where sentences were left out."""
    parts: list[str] = []
    previous: int | None = None
    for position, unit in enumerate(units):
        if not kept[position]:
            continue
        if previous is None:
            parts.append("… " if position else "")
            parts.append(unit.text)
        elif previous == position - 1:
            parts.append(text[units[previous].end : unit.end])  # the original spacing between them
        else:
            parts.append(" … " + unit.text)
        previous = position
    if previous is not None and previous < len(units) - 1:
        parts.append(" …")
    return "".join(parts)


def _run_note(run: Counter[str]) -> str:
    """``[… 3 paragraphs, 1 code block]``: what a run of dropped blocks held."""
    parts = []
    for kind in (PARAGRAPH, ITEM, CODE, TABLE, HEADING):
        if run[kind]:
            one, many = _NOUNS[kind]
            parts.append(f"{run[kind]} {one if run[kind] == 1 else many}")
    return f"[… {', '.join(parts)}]"


def _code_note(text: str, kind: str) -> str:
    """``[… code block, 12 lines: <its first line>]``."""
    lines = [line.strip() for line in text.split("\n") if line.strip() and not line.strip().startswith(("```", "~~~"))]
    first = lines[0] if lines else ""
    if len(first) > _NOTE_FIRST_LINE:
        first = first[: _NOTE_FIRST_LINE - 1] + "…"
    count = len(text.split("\n"))
    noun = "code block" if kind == CODE else "table"
    unit = "row" if kind == TABLE else "line"
    return f"[… {noun}, {count} {unit}{'' if count == 1 else 's'}: {first}]"


def _summary(doc: Document, units: list[Passage], selection: _Selection, mode: str) -> str:
    """Counts of sentences and code kept, the mode, and the names of the sections left out entirely."""
    shown = {units[i].block for i in selection.passages} | selection.whole
    kept_blocks = shown | selection.notes
    prose_units = [i for i, unit in enumerate(units) if doc.blocks[unit.block].kind in (PARAGRAPH, ITEM)]
    kept_prose = sum(1 for i in prose_units if i in selection.passages)
    code_blocks = [i for i, block in enumerate(doc.blocks) if block.kind in (CODE, TABLE)]
    kept_code = sum(1 for i in code_blocks if i in shown)
    titled = [s for s in doc.sections if s.heading is not None]
    head = f"{len(prose_units):,} sentences"
    kept = f"{kept_prose:,} kept"
    if code_blocks:
        head += f", {len(code_blocks):,} code blocks/tables"
        kept = f"{kept_prose:,} sentences, {kept_code:,} code blocks kept"
    summary = f"{head} in {len(titled):,} sections → {kept} (mode={mode})"
    omitted = [s.title for s in titled if s.blocks and not kept_blocks.intersection(s.blocks)]
    if omitted:
        summary += f"; {len(omitted):,} sections omitted: "
        names: list[str] = []
        for title in omitted:
            name = " ".join(title.split())[:40]
            if len(summary) + len(", ".join([*names, name])) > _SUMMARY_CHARS:
                break
            names.append(name)
        summary += ", ".join(names)
        if len(names) < len(omitted):
            summary += f" (+{len(omitted) - len(names):,} more)"
    return summary


def _items(doc: Document) -> list[Item]:
    """One retrievable item per block, located by its lines and heading path."""
    items = []
    paths = doc.heading_paths()
    for block in doc.blocks:
        lines = line_span(block.start, block.end)
        path = paths[block.section]
        items.append(Item(f"{lines} ({path})" if path else lines, block.text))
    return items
