"""The listing compressor: find, ls -R, tree and MCP listings summarised by directory.

Every listing is first turned into full paths (``ls -R`` and ``tree`` rebuild
them from headers and indentation). The output names each directory down
to the depth the budget allows, with its file count (subdirectories
included) and commonest extensions; deeper directories are rolled up into
their ancestors. Paths matching the query (words or globs from the tool's
arguments) are listed in full first. Every path is a retrievable item.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...tokens import tokens_per_char
from .detect import (
    LONG_RE,
    LONG_TOTAL_RE,
    MCP_RE,
    TREE_RE,
    TREE_REPORT_RE,
    classify,
    first_line,
    is_name,
    is_path,
    ls_header,
    style,
)

_MIN_PATHS = 30
_MAX_UNPARSED_SHARE = 0.1
_MATCH_SHARE = 0.4  # matching paths may take this share of the room
_MAX_NOTES = 10
_TOP_EXTENSIONS = 3
_SAMPLE_NAMES = 5
_SAMPLE_CHARS = 6000
_GLOB_CHARS = frozenset("*?[")
_NO_EXTENSION = "no ext"
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9_+-]{1,10}\Z")

Parts = tuple[str, ...]


@dataclass(slots=True)
class Entry:
    """One listed path: its components, the input line it came from, and whether it names a directory."""

    parts: Parts
    index: int
    raw: str
    is_dir: bool = False
    rebuilt: bool = False  # the full path is not on the line itself (ls -R, tree)

    @property
    def path(self) -> str:
        """The full path as text, with a trailing ``/`` for directories."""
        text = "/".join(self.parts) or "."
        return text + "/" if self.is_dir and not text.endswith("/") else text


@dataclass(slots=True)
class Listing:
    """A parsed listing: its entries and the lines that were not paths."""

    entries: list[Entry] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def _split(path: str) -> tuple[Parts, bool]:
    """Components of ``path`` and whether it ended with ``/`` (a directory)."""
    is_dir = path.endswith("/") and len(path) > 1
    path = path.rstrip("/") if is_dir else path
    return (tuple(path.split("/")) if path else ()), is_dir


def _parse_paths(lines: list[str], listing: Listing) -> None:
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        if is_path(clean) or is_name(clean) or clean in (".", ".."):
            parts, is_dir = _split(clean)
            listing.entries.append(Entry(parts, index, line, is_dir))
        else:
            listing.notes.append((index, line))


def _parse_ls(lines: list[str], listing: Listing) -> None:
    current: Parts | None = None
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        header = ls_header(clean)
        if header is not None:
            current, _ = _split(header)
            listing.entries.append(Entry(current, index, line, is_dir=True, rebuilt=True))
        elif current is not None and clean == clean.strip() and "/" not in clean:
            listing.entries.append(Entry((*current, clean), index, line, rebuilt=True))
        else:
            listing.notes.append((index, line))


def _parse_tree(lines: list[str], listing: Listing) -> None:
    root: Parts | None = None
    stack: list[str] = []
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        match = TREE_RE.fullmatch(clean)
        if match is None:
            if root is None and not TREE_REPORT_RE.fullmatch(clean):
                root, _ = _split(clean)
                listing.entries.append(Entry(root, index, line, is_dir=True))
            else:
                listing.notes.append((index, line))
            continue
        depth = len(match["indent"]) // 4
        del stack[depth:]
        name = match["name"].split(" -> ", 1)[0]  # a symlink's target is not part of its path
        full = "/" in name.rstrip("/")  # tree -f prints full paths; tree -F marks directories with `/`
        parts, is_dir = _split(name)
        stack.append(parts[-1] if parts else name)
        if not full:
            parts = (*(root or ()), *stack)
        listing.entries.append(Entry(parts, index, line, is_dir, rebuilt=not full))


def _parse_mcp(lines: list[str], listing: Listing) -> None:
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        match = MCP_RE.fullmatch(clean)
        if match:
            parts, _ = _split(match["name"].strip())
            listing.entries.append(Entry(parts, index, line, match["kind"] == "DIR"))
        else:
            listing.notes.append((index, line))


def _parse_long(lines: list[str], listing: Listing) -> None:
    """``ls -l`` lines, under ``dir:`` headers when ``-R`` was given; ``.`` and ``..`` are not entries."""
    current: Parts = ()
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip() or LONG_TOTAL_RE.fullmatch(clean):
            continue
        header = ls_header(clean)
        match = LONG_RE.fullmatch(clean) if header is None else None
        if header is not None:
            current, _ = _split(header)
            listing.entries.append(Entry(current, index, line, is_dir=True, rebuilt=True))
        elif match is not None:
            name = match["name"].split(" -> ", 1)[0] if match["type"] == "l" else match["name"]
            if name not in (".", ".."):
                listing.entries.append(Entry((*current, name), index, line, match["type"] == "d", rebuilt=True))
        else:
            listing.notes.append((index, line))


def parse(content: str) -> Listing | None:
    """Full paths of every listed file and directory; None when the content is not a listing."""
    lines = content.split("\n")
    sample = lines if len(lines) <= 2000 else lines[:: len(lines) // 2000]
    kind = style(Counter(classify(line) for line in sample), first_line(content))
    if kind is None:
        return None
    listing = Listing()
    parsers = {"paths": _parse_paths, "ls": _parse_ls, "tree": _parse_tree, "mcp": _parse_mcp, "long": _parse_long}
    parsers[kind](lines, listing)
    return listing


@dataclass(slots=True)
class _Dir:
    parts: Parts
    files: int = 0  # including subdirectories
    extensions: Counter[str] = field(default_factory=Counter)
    children: set[Parts] = field(default_factory=set)
    names: list[str] = field(default_factory=list)  # files directly inside, in input order
    line: str = ""  # its line in the output, once rendered


def _extension(name: str) -> str:
    match = _EXTENSION_RE.search(name)
    return match.group(0).lower() if match and match.start() > 0 else _NO_EXTENSION


def _common_prefix(paths: list[Parts]) -> Parts:
    if not paths:
        return ()
    low, high = min(paths), max(paths)
    size = 0
    while size < min(len(low), len(high)) and low[size] == high[size]:
        size += 1
    return low[:size]


@dataclass(slots=True)
class Tree:
    """Directories under the listing's root with recursive file counts."""

    root: Parts
    dirs: dict[Parts, _Dir]
    files: list[Entry]


def build(listing: Listing) -> Tree:
    """Directory statistics of a parsed listing: files are entries that no other entry lies under."""
    # A directory is listed as such ([DIR], an ls -R header) or has something listed under it.
    known_dirs: set[Parts] = {entry.parts for entry in listing.entries if entry.is_dir}
    for entry in listing.entries:
        known_dirs.update(entry.parts[:i] for i in range(len(entry.parts)))
    seen: set[Parts] = set()
    files: list[Entry] = []
    listed_dirs: list[Parts] = []
    for entry in listing.entries:
        entry.is_dir = entry.parts in known_dirs
        if entry.parts in seen:
            continue
        seen.add(entry.parts)
        if entry.is_dir:
            listed_dirs.append(entry.parts)
        else:
            files.append(entry)
    root = _common_prefix([f.parts[:-1] for f in files] or listed_dirs)
    dirs: dict[Parts, _Dir] = {}

    def directory(parts: Parts) -> _Dir:
        node = dirs.get(parts)
        if node is None:
            node = dirs[parts] = _Dir(parts)
            if len(parts) > len(root):
                directory(parts[:-1]).children.add(parts)
        return node

    directory(root)
    for parts in listed_dirs:
        if parts[: len(root)] == root:
            directory(parts)
    for entry in files:
        node = directory(entry.parts[:-1])
        node.files += 1
        node.extensions[_extension(entry.parts[-1])] += 1
        node.names.append(entry.parts[-1])
    for parts in sorted(dirs, key=len, reverse=True):
        if len(parts) > len(root):
            parent, node = dirs[parts[:-1]], dirs[parts]
            parent.files += node.files
            parent.extensions.update(node.extensions)
    return Tree(root, dirs, files)


def _label(parts: Parts) -> str:
    text = "/".join(parts)
    return text + "/" if text else ("/" if parts else "./")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _dir_line(node: _Dir) -> str:
    if not node.line:
        node.line = _describe(node)
    return node.line


def _describe(node: _Dir) -> str:
    if not node.files and not node.children:
        return f"{_label(node.parts)} (no files listed)"
    shown = node.extensions.most_common()
    shown.sort(key=lambda pair: (-pair[1], pair[0]))
    kinds = [f"{count:,} {ext}" for ext, count in shown[:_TOP_EXTENSIONS]]
    other = sum(count for _, count in shown[_TOP_EXTENSIONS:])
    if other:
        kinds.append(f"{other:,} other")
    text = _plural(node.files, "file") + (": " + ", ".join(kinds) if kinds else "")
    if node.children:
        text += f"; {_plural(len(node.children), 'subdir')}"
    return f"{_label(node.parts)} ({text})"


def _sample_line(node: _Dir) -> str:
    names = ", ".join(node.names[:_SAMPLE_NAMES])
    extra = len(node.names) - _SAMPLE_NAMES
    return f"  files: {names}" + (f" (+{extra:,} more)" if extra > 0 else "")


def patterns(query: str | None) -> list[str]:
    """Words and globs of a query taken from tool arguments (``config``, ``*.py``), lower-cased.

    Flags (``-type``) and one-letter values (``f``) are noise; ``name=*.py`` keeps its value.
    """
    found: list[str] = []
    for token in re.split(r"[\s,]+", query or ""):
        token = token.strip("\"'`").split("=", 1)[-1].strip("\"'`").lower()
        if token.startswith("-") or token in ("", ".", "./", "/"):
            continue
        if (len(token) >= 2 or _GLOB_CHARS & set(token)) and token not in found:
            found.append(token)
    return found


def _matches(path: str, name: str, pattern: str) -> bool:
    if _GLOB_CHARS & set(pattern):
        return fnmatch.fnmatchcase(path if "/" in pattern else name, pattern)
    return pattern in path


def _matching(entries: list[Entry], wanted: list[str]) -> tuple[list[Entry], list[str]]:
    """Entries matching the query's patterns, best first; patterns that match everything are dropped."""
    unique: dict[Parts, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.parts, entry)  # ls -R names each directory twice
    entries = list(unique.values())
    lowered = [(entry.path.lower(), (entry.parts[-1] if entry.parts else "").lower()) for entry in entries]
    hits = {p: [i for i, (path, name) in enumerate(lowered) if _matches(path, name, p)] for p in wanted}
    useful = [p for p in wanted if len(hits[p]) < len(entries)]
    score: Counter[int] = Counter()
    for p in useful:
        score.update(hits[p])
    order = sorted(score, key=lambda i: (-score[i], i))
    return [entries[i] for i in order], useful


@dataclass(slots=True)
class _Layout:
    matches: int
    dirs: list[Parts]
    samples: set[Parts]


def _layout(tree: Tree, matching: list[Entry], fixed: float, room: float, per_char: float) -> _Layout:
    """How many matches, which directories and which sample lines fit ``room`` tokens."""

    def cost(text: str) -> float:
        return (len(text) + 1) * per_char

    left = room - fixed - cost(_dir_line(tree.dirs[tree.root]))
    if matching:
        left -= cost(f"[… {len(matching):,} more matching]")

    def take_matches(shown: int, allowance: float) -> int:
        nonlocal left
        while shown < len(matching) and cost(matching[shown].path) <= min(allowance, left):
            price = cost(matching[shown].path)
            allowance -= price
            left -= price
            shown += 1
        return shown

    shown_matches = take_matches(0, left * _MATCH_SHARE)
    # Shallow and big directories first; a directory is only named under a named parent.
    chosen = {tree.root}
    order = sorted(tree.dirs, key=lambda p: (len(p), -tree.dirs[p].files, p))
    for parts in order:
        if parts in chosen or parts[:-1] not in chosen:
            continue
        price = cost(_dir_line(tree.dirs[parts]))
        if price > left:
            break  # smaller directories than this one stay rolled up into their parents
        left -= price
        chosen.add(parts)
    shown_matches = take_matches(shown_matches, left)
    samples: set[Parts] = set()
    for parts in sorted(chosen):
        node = tree.dirs[parts]
        if node.names:
            price = cost(_sample_line(node))
            if price <= left:
                left -= price
                samples.add(parts)
    return _Layout(shown_matches, sorted(chosen), samples)


def _render(
    header: str, notes: list[str], tree: Tree, matching: list[Entry], match_header: str, shown: str, layout: _Layout
) -> str:
    lines = [header, *notes]
    if shown and not matching:
        lines.append(f"no path matches {shown}")
    elif matching:
        lines.append(match_header)
        lines.extend(entry.path for entry in matching[: layout.matches])
        if layout.matches < len(matching):
            lines.append(f"[… {len(matching) - layout.matches:,} more matching]")
    for parts in layout.dirs:
        lines.append(_dir_line(tree.dirs[parts]))
        if parts in layout.samples:
            lines.append(_sample_line(tree.dirs[parts]))
    return "\n".join(lines)


def _items(listing: Listing) -> list[Item]:
    """One item per listed path (its exact line), and one per line that is not a path."""
    entries = [
        (e.index, Item(f"line {e.index + 1} ({e.path})" if e.rebuilt else f"line {e.index + 1}", e.raw))
        for e in listing.entries
    ]
    entries += [(index, Item(f"line {index + 1}", text)) for index, text in listing.notes]
    entries.sort(key=lambda pair: pair[0])
    return [item for _, item in entries]


def _quoted(words: list[str]) -> str:
    # Square brackets would end the marker early for a reader; quotes would end its query.
    return '"' + " ".join(words).replace('"', "'").replace("[", "(").replace("]", ")")[:60] + '"'


class ListingCompressor:
    """Summarises listings by directory, listing the paths that match the query."""

    name = "listing"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Compress a listing towards ``ctx.budget_tokens``; None when small or not a listing."""
        listing = parse(content)
        if listing is None:
            return None
        lines = len(listing.entries) + len(listing.notes)
        if len(listing.entries) < _MIN_PATHS or len(listing.notes) > _MAX_UNPARSED_SHARE * lines:
            return None
        tree = build(listing)
        if not tree.files:
            return None
        matching, used = _matching(listing.entries, patterns(ctx.query))
        shown = _quoted(used) if used else ""
        directories = f"{len(tree.dirs):,} director{'y' if len(tree.dirs) == 1 else 'ies'}"
        counts = f"{_plural(len(tree.files), 'file')} in {directories}"
        header = f"{counts} (counts include subdirectories)"
        notes = [text for _, text in listing.notes[:_MAX_NOTES]]
        per_char = tokens_per_char(content, ctx.count_tokens, _SAMPLE_CHARS)
        room = max(ctx.budget_tokens - MARKER_TOKENS, 1)
        match_header = f'{_plural(len(matching), "path")} match {shown}:'
        fixed_chars = len(header) + len(match_header) + sum(len(note) + 1 for note in notes)
        for _attempt in range(3):
            layout = _layout(tree, matching, fixed_chars * per_char, room, per_char)
            text = _render(header, notes, tree, matching, match_header, shown, layout)
            actual = ctx.count_tokens(text)
            if actual <= room:
                break
            # The per-character estimate came from the input: correct it from the real output.
            per_char = max(per_char, actual / max(len(text), 1)) * 1.05
        summary = f"{counts} → summarised by directory, {len(layout.dirs):,} named"
        if used:
            listed = " listed" if layout.matches == len(matching) else f", {layout.matches:,} listed"
            summary += f"; {len(matching):,} matching {shown}{listed}" if matching else f"; none matching {shown}"
        if len(listing.notes) > _MAX_NOTES:
            summary += f"; {len(listing.notes) - _MAX_NOTES:,} other lines omitted"
        return Compressed(text, summary, "listing:dirs", _items(listing))
