"""The search compressor: grep / git grep / ripgrep hits grouped by file.

Every file with hits is named with its count while that fits the budget;
files past it are summarised by directory. The hits shown are chosen by
relevance to the query (the agent's search pattern and arguments) and by
diversity across files: every file gets its best hit before any file gets a
second. Each hit, with the context lines grep printed around it, is one
retrievable item, so ``headroom_retrieve`` with a query returns exact lines.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...tokens import tokens_per_char
from ...wording import plural
from .detect import (
    COLUMN_RE,
    HIT_RE,
    SEPARATOR,
    bare,
    is_diagnostic,
    is_heading,
    numbered,
    plausible_path,
)

_TEXT_CHARS = 200
_FOCUS_LEAD = 60  # characters kept before the match when a long hit is shortened
_FILE_SHARE = 0.6  # file lines may take at most this share of the room when not all fit
_MAX_NOTES = 10
_MAX_DIR_GROUPS = 6
_SAMPLE_CHARS = 6000
_VIMGREP_SHARE = 0.9
_DASH_NUMBER_RE = re.compile(r"-(\d+)-")
_REGEX_ESCAPE_RE = re.compile(r"\\[A-Za-z]")
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_DEFINITION_RE = re.compile(
    r"\b(?:def|class|function|fn|func|struct|interface|trait|enum|type)\s+\*?([A-Za-z_$][\w$]*)"
)
_MINOR_PATH_RE = re.compile(
    r"(?:^|/)(?:tests?|__tests__|specs?|testing|node_modules|site-packages|vendor|third_party|dist|build)/"
    r"|(?:^|/)test_[^/]*\Z|_test\.\w+\Z|\.(?:test|spec)\.\w+\Z"
)
_DEFINITION_BOOST = 1.25
_MINOR_PATH_FACTOR = 0.8


@dataclass(slots=True)
class Hit:
    """One matching line: where it is, what it says, and the original lines of its item."""

    order: int
    path: str
    line: int | None
    text: str
    lines: list[tuple[int, str]]  # (index in the input, original line): the hit and its context
    block: int  # hits and context lines between the same separators share a block
    locator: str = ""
    exact: bool = False
    relevance: float = 0.0

    @property
    def matches(self) -> bool:
        """True when the hit matches the query at all."""
        return self.exact or self.relevance > 0


@dataclass(slots=True)
class _ContextLine:
    index: int
    path: str
    block: int
    raw: str


@dataclass(slots=True)
class Parsed:
    """Search output read line by line: hits, context lines, and lines that are neither (notes)."""

    hits: list[Hit] = field(default_factory=list)
    contexts: list[_ContextLine] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    parsed_lines: int = 0


@dataclass(slots=True)
class _File:
    path: str
    hits: list[Hit]  # best first
    matching: int = 0


def _known_paths(lines: list[str]) -> set[str]:
    """Paths that have ``path:N:`` hits, so context lines ``path-N-text`` can be split safely."""
    known: set[str] = set()
    for line in lines:
        match = HIT_RE.match(line) or bare(line)
        if match and plausible_path(match["path"]):
            known.add(match["path"])
    return known


def _context_path(line: str, known: set[str]) -> str | None:
    """The known path a context line (``path-12-text`` or ``path-text``) starts with, if any."""
    for match in _DASH_NUMBER_RE.finditer(line):
        if line[: match.start()] in known:
            return line[: match.start()]
    dash = line.find("-")
    while 0 < dash < 1024:
        if line[:dash] in known:
            return line[:dash]
        dash = line.find("-", dash + 1)
    return None


def parse(content: str) -> Parsed:
    """Read grep, git grep or ripgrep output (plain, context, vimgrep or heading style)."""
    raw_lines = content.split("\n")
    lines = [line.rstrip("\r") for line in raw_lines]
    known = _known_paths(lines)
    parsed = Parsed()
    heading: str | None = None
    block = 0

    def add_hit(index: int, path: str, line: int | None, text: str) -> None:
        hit = Hit(len(parsed.hits), path, line, text, [(index, raw_lines[index])], block, str(line or ""))
        parsed.hits.append(hit)

    for index, line in enumerate(lines):
        if not line.strip():
            heading = None
            block += 1
            continue
        if line == SEPARATOR:
            block += 1
            continue
        parsed.parsed_lines += 1
        if heading is not None:
            match = numbered(line)
            if match:
                if match["sep"] == ":":
                    add_hit(index, heading, int(match["line"]), match["text"])
                else:
                    parsed.contexts.append(_ContextLine(index, heading, block, raw_lines[index]))
                continue
            heading = None
        if (index == 0 or not lines[index - 1].strip()) and is_heading(line):
            if index + 1 < len(lines) and numbered(lines[index + 1]):
                heading = line
                block += 1
                continue
        match = HIT_RE.match(line)
        if match and plausible_path(match["path"]) and not is_diagnostic(match["text"]):
            add_hit(index, match["path"], int(match["line"]), match["text"])
            continue
        path = _context_path(line, known)
        if path is not None:
            parsed.contexts.append(_ContextLine(index, path, block, raw_lines[index]))
            continue
        match = bare(line)
        if match:
            add_hit(index, match["path"], None, match["text"])
            continue
        parsed.parsed_lines -= 1
        parsed.notes.append((index, raw_lines[index]))
    _split_columns(parsed.hits)
    return parsed


def _split_columns(hits: list[Hit]) -> None:
    """rg --vimgrep prints ``path:line:col:text``: when nearly every hit has a column, take it out of the text."""
    numbered_hits = [hit for hit in hits if hit.line is not None]
    columns = [COLUMN_RE.match(hit.text) for hit in numbered_hits]
    if not numbered_hits or sum(m is not None for m in columns) < _VIMGREP_SHARE * len(numbered_hits):
        return
    for hit, match in zip(numbered_hits, columns, strict=True):
        if match:
            hit.locator = f"{hit.line}:{match['col']}"
            hit.text = match["text"]


def _attach_contexts(parsed: Parsed) -> list[tuple[int, str]]:
    """Give each context line to the nearest hit of its file in its group; return the orphans."""
    groups: dict[tuple[int, str], list[Hit]] = {}
    for hit in parsed.hits:
        groups.setdefault((hit.block, hit.path), []).append(hit)
    starts = {key: [hit.lines[0][0] for hit in group] for key, group in groups.items()}
    orphans: list[tuple[int, str]] = []
    for context in parsed.contexts:
        key = (context.block, context.path)
        candidates = groups.get(key)
        if not candidates:
            orphans.append((context.index, context.raw))
            continue
        at = bisect.bisect_left(starts[key], context.index)
        nearby = [candidates[i] for i in (at - 1, at) if 0 <= i < len(candidates)]
        nearest = min(nearby, key=lambda hit: (abs(hit.lines[0][0] - context.index), hit.order))
        nearest.lines.append((context.index, context.raw))
    return orphans


def query_terms(query: str) -> list[str]:
    """Identifier-like words of a search query, lower-cased: regex escapes and ``-flags`` dropped."""
    terms: list[str] = []
    for token in _REGEX_ESCAPE_RE.sub(" ", query).split():
        if token.startswith("-"):
            continue
        for word in _WORD_RE.findall(token.lower()):
            if len(word) >= 2 and not word.isdigit() and word not in terms:
                terms.append(word)
    return terms


def _score(hits: list[Hit], query: str) -> None:
    """Set each hit's relevance: the whole query verbatim, else query words weighted by rarity (idf)."""
    needle = query.strip().lower()
    terms = query_terms(query)
    texts = [hit.text.lower() for hit in hits]
    total = len(hits)
    weights: dict[str, float] = {}
    for term in terms:
        frequency = sum(term in text for text in texts)
        if frequency:
            weights[term] = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
    for hit, text in zip(hits, texts, strict=True):
        hit.exact = bool(needle) and needle in text
        relevance = sum(weight for term, weight in weights.items() if term in text)
        if relevance and _defines(hit.text, terms):
            relevance *= _DEFINITION_BOOST
        if relevance and _MINOR_PATH_RE.search(hit.path):
            relevance *= _MINOR_PATH_FACTOR
        hit.relevance = relevance


def _defines(text: str, terms: list[str]) -> bool:
    """True when the line defines a name the query names (``def compute_tax`` for ``compute_tax``)."""
    return any(match.group(1).lower() in terms for match in _DEFINITION_RE.finditer(text))


def _priority(hit: Hit) -> tuple[bool, float, int]:
    return (not hit.exact, -hit.relevance, hit.order)


def _files(hits: list[Hit], ranked: bool) -> list[_File]:
    """Hits grouped by file: with a query the best files and hits first, else in input order."""
    by_path: dict[str, list[Hit]] = {}
    for hit in hits:
        by_path.setdefault(hit.path, []).append(hit)
    files = [_File(path, group) for path, group in by_path.items()]
    if ranked:
        for file in files:
            file.hits.sort(key=_priority)
            file.matching = sum(hit.matches for hit in file.hits)
        files.sort(key=lambda file: _priority(file.hits[0]))
    return files



def _file_line(file: _File) -> str:
    return f"{file.path} ({plural(len(file.hits), 'hit')})"


def _needles(query: str | None) -> list[str]:
    """What to look for in a long hit, best first: the whole query, then its words."""
    return [query.lower(), *query_terms(query)] if query else []


def _focus(hit: Hit, needles: list[str]) -> int:
    """Where in a long hit the match is, so shortening keeps it in view."""
    lowered = hit.text.lower()
    for needle in needles:
        found = lowered.find(needle)
        if found >= 0:
            return found
    if ":" in hit.locator:
        return int(hit.locator.split(":")[1]) - 1
    return 0


def _hit_line(hit: Hit, needles: list[str]) -> str:
    text = hit.text.rstrip()
    if len(text) > _TEXT_CHARS:
        start = max(0, min(_focus(hit, needles) - _FOCUS_LEAD, len(text) - _TEXT_CHARS))
        end = start + _TEXT_CHARS
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return f"  {hit.locator}: {text}" if hit.locator else f"  {text}"


def _more_line(count: int) -> str:
    return f"  [… {count:,} more]"


def _directories(paths: list[str]) -> str:
    """The few deepest directories that together hold ``paths`` (``src/foo/, tests/``)."""
    parts = [path.split("/")[:-1] for path in paths]
    counts: Counter[str] = Counter()
    for depth in range(max(map(len, parts)), -1, -1):
        counts = Counter("/".join(p[:depth]) + "/" if p[:depth] else "./" for p in parts)
        if len(counts) <= _MAX_DIR_GROUPS:
            break
    names = sorted(counts, key=lambda name: (-counts[name], name))
    shown = ", ".join(names[:_MAX_DIR_GROUPS])
    extra = len(names) - _MAX_DIR_GROUPS
    return shown + (f" and {extra:,} more directories" if extra > 0 else "")


def _rest_line(files: list[_File]) -> str:
    hits = plural(sum(len(file.hits) for file in files), "more hit")
    return f"[… {hits} in {plural(len(files), 'file')} under {_directories([file.path for file in files])}]"


@dataclass(slots=True)
class _Layout:
    shown: list[_File]
    counts: list[int]  # hits shown per file of ``shown``
    rest: list[_File]


def _layout(files: list[_File], fixed: int, room: int, per_char: float, needles: list[str]) -> _Layout:
    """Which files are named and how many of each one's hits are shown, within ``room`` tokens."""

    def cost(text: str) -> float:
        return (len(text) + 1) * per_char

    left = room - fixed
    file_costs = [cost(_file_line(file)) for file in files]
    shown = files
    if sum(file_costs) > left:
        # Not every file fits: the best ones are named, the rest summarised by directory.
        allowance = max(left * _FILE_SHARE - cost(_rest_line(files)), 0)
        used = 0.0
        count = 0
        while count < len(files) and used + file_costs[count] <= allowance:
            used += file_costs[count]
            count += 1
        shown = files[: max(count, 1)]
    rest = files[len(shown) :]
    left -= sum(file_costs[: len(shown)]) + (cost(_rest_line(rest)) if rest else 0)
    counts = [0] * len(shown)
    more_cost = cost(_more_line(len(max(files, key=lambda f: len(f.hits)).hits)))
    # With a query, hits that match it are shown first; then everyone else's, one per file per round.
    limits = [[len(file.hits) for file in shown]]
    if needles:
        limits.insert(0, [file.matching for file in shown])
    for limit in limits:
        active = list(range(len(shown)))
        while active:
            still = []
            for i in active:
                if counts[i] >= limit[i]:
                    continue
                price = cost(_hit_line(shown[i].hits[counts[i]], needles))
                if counts[i] == 0 and len(shown[i].hits) > 1:
                    price += more_cost
                if price > left:
                    continue
                left -= price
                counts[i] += 1
                still.append(i)
            active = still
    return _Layout(shown, counts, rest)


def _render(header: str, notes: list[str], layout: _Layout, needles: list[str]) -> str:
    lines = [header, *notes]
    for file, count in zip(layout.shown, layout.counts, strict=True):
        lines.append(_file_line(file))
        lines.extend(_hit_line(hit, needles) for hit in file.hits[:count])
        if 0 < count < len(file.hits):
            lines.append(_more_line(len(file.hits) - count))
    if layout.rest:
        lines.append(_rest_line(layout.rest))
    return "\n".join(lines)


def _note_lines(notes: list[tuple[int, str]]) -> list[str]:
    """Lines grep printed besides hits (``Binary file x matches``, errors), verbatim, a few of them."""
    shown = [text if len(text) <= _TEXT_CHARS else text[:_TEXT_CHARS] + "…" for _, text in notes[:_MAX_NOTES]]
    if len(notes) > _MAX_NOTES:
        shown.append(f"[… {plural(len(notes) - _MAX_NOTES, 'more line')} that are not hits]")
    return shown


def _summary(parsed: Parsed, files: list[_File], layout: _Layout) -> str:
    total = len(parsed.hits)
    shown = sum(layout.counts)
    omitted = total - shown
    partly = sum(count < len(file.hits) for file, count in zip(layout.shown, layout.counts, strict=True))
    partly += len(layout.rest)
    head = f"{plural(total, 'hit')} in {plural(len(files), 'file')} → {plural(shown, 'hit')} shown"
    parts = [f"{head}; {omitted:,} omitted in {plural(partly, 'file')}" if omitted else f"{head}; none omitted"]
    if layout.rest:
        parts.append(f"{plural(len(layout.rest), 'file')} counted by directory only")
    if parsed.contexts:
        parts.append(f"{plural(len(parsed.contexts), 'context line')} omitted")
    if len(parsed.notes) > _MAX_NOTES:
        parts.append(f"{len(parsed.notes) - _MAX_NOTES:,} other lines omitted")
    return "; ".join(parts)


def _items(parsed: Parsed, orphans: list[tuple[int, str]]) -> list[Item]:
    """One item per hit (with its context lines, in input order), and one per other line."""
    entries: list[tuple[int, Item]] = []
    for hit in parsed.hits:
        hit.lines.sort()
        position = f"{hit.path}:{hit.line}" if hit.line is not None else hit.path
        entries.append((hit.lines[0][0], Item(position, "\n".join(text for _, text in hit.lines))))
    for index, text in [*parsed.notes, *orphans]:
        entries.append((index, Item(f"line {index + 1}", text)))
    entries.sort(key=lambda entry: entry[0])
    return [item for _, item in entries]


class SearchCompressor:
    """Groups search hits by file with counts, keeping the hits most relevant to the query."""

    name = "search"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Compress grep-like output towards ``ctx.budget_tokens``; None when it does not parse as one."""
        parsed = parse(content)
        if not parsed.hits or len(parsed.notes) > parsed.parsed_lines:
            return None
        orphans = _attach_contexts(parsed)
        query = ctx.query.strip() if ctx.query and ctx.query.strip() else None
        if query:
            _score(parsed.hits, query)
        files = _files(parsed.hits, ranked=query is not None)
        header = f"{plural(len(parsed.hits), 'hit')} in {plural(len(files), 'file')}"
        if query:
            header += " (best matches for the query first)"
        notes = _note_lines(parsed.notes)
        needles = _needles(query)
        per_char = tokens_per_char(content, ctx.count_tokens, _SAMPLE_CHARS)
        room = max(ctx.budget_tokens - MARKER_TOKENS, 1)
        fixed_chars = len(header) + sum(len(note) + 1 for note in notes)
        for _attempt in range(3):
            layout = _layout(files, int(fixed_chars * per_char), room, per_char, needles)
            text = _render(header, notes, layout, needles)
            actual = ctx.count_tokens(text)
            if actual <= room:
                break
            # The per-character estimate came from the input: correct it from the real output.
            per_char = max(per_char, actual / max(len(text), 1)) * 1.05
        summary = _summary(parsed, files, layout)
        return Compressed(text, summary, "search:grouped", _items(parsed, orphans))
