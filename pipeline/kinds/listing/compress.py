"""The listing compressor: find, ls, du, tree and MCP listings summarised by directory.

Every listing is first turned into full paths (``parse``). The output names
each directory down to the depth the budget allows, with its file count and
total size (subdirectories included) and commonest extensions; deeper
directories are rolled up into their ancestors. Paths matching the query
(words or globs from the tool's arguments) are listed in full first, with
their sizes; where the listing gives sizes, the largest files come next.
Every path is a retrievable item: its own line, size included.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...tokens import tokens_per_char
from ...wording import plural
from .parse import Entry, Listing, Parts, parse
from .sizes import is_rounded, say, to_bytes

_MIN_PATHS = 30
_MAX_UNPARSED_SHARE = 0.1
_MATCH_SHARE = 0.4  # matching paths may take this share of the room
_LARGEST_SHARE = 0.3  # the largest files may take this share of what is left after the matches
_LARGEST_MAX = 20
_MAX_NOTES = 10
_TOP_EXTENSIONS = 3
_SAMPLE_NAMES = 5
_SAMPLE_CHARS = 6000
_GLOB_CHARS = frozenset("*?[")
_NO_EXTENSION = "no ext"
# What follows a name's last dot, when that is an extension.
_EXTENSION_RE = re.compile(r"[A-Za-z0-9_+-]{1,10}")


@dataclass(slots=True)
class _Dir:
    parts: Parts
    files: int = 0  # including subdirectories
    extensions: Counter[str] = field(default_factory=Counter)
    children: set[Parts] = field(default_factory=set)
    names: list[str] = field(default_factory=list)  # files directly inside, in input order
    size_style: str = ""  # how the listing writes sizes; empty when it gives none
    bytes: int = 0  # sizes of the files under it, subdirectories included
    rounded: bool = False  # some of those sizes were rounded (1.2M), so their sum is near, not exact
    listed_total: str = ""  # its own size when the listing gives totals (du), as written
    line: str = ""  # its line in the output, once rendered


def _extension(name: str) -> str:
    # An extension holds no dot, so only the last dot can start one (and not as the name's first character).
    dot = name.rfind(".")
    if dot > 0 and _EXTENSION_RE.fullmatch(name, dot + 1):
        return name[dot:].lower()
    return _NO_EXTENSION


class _Extensions(dict[str, str]):
    """Extensions by file name, each name's worked out once (``index.js`` is in every other directory)."""

    def __missing__(self, name: str) -> str:
        found = self[name] = _extension(name)
        return found


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
    """Directories under the listing's root with recursive file counts and sizes."""

    root: Parts
    dirs: dict[Parts, _Dir]
    files: list[Entry]

    def largest(self, count: int) -> list[Entry]:
        """The ``count`` biggest files, biggest first (ties in listing order); none without sizes."""
        sized = [entry for entry in self.files if entry.size is not None]
        return sorted(sized, key=lambda entry: (-(entry.size or 0), entry.index))[:count]


def build(listing: Listing) -> Tree:
    """Directory statistics of a parsed listing: files are entries that no other entry lies under."""
    # A directory is listed as such ([DIR], an ls -R header) or has something listed under it.
    ancestors: set[Parts] = set()
    for entry in listing.entries:
        parts = entry.parts
        # The set stays closed under prefixes: once an ancestor is in it, so are all above it.
        for size in range(len(parts) - 1, -1, -1):
            prefix = parts[:size]
            if prefix in ancestors:
                break
            ancestors.add(prefix)
    known_dirs = ancestors.union(entry.parts for entry in listing.entries if entry.is_dir)
    seen: set[Parts] = set()
    files: list[Entry] = []
    listed_dirs: list[Parts] = []
    for entry in listing.entries:
        entry.is_dir = entry.parts in known_dirs
        if entry.is_dir and not listing.dir_totals:
            # ls and find give a directory's own inode size (4096), which reads like what it holds.
            entry.size_text, entry.size = "", None
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
            node = dirs[parts] = _Dir(parts, size_style=listing.size_style)
            if len(parts) > len(root):
                directory(parts[:-1]).children.add(parts)
        return node

    directory(root)
    for parts in listed_dirs:
        if parts[: len(root)] == root:
            directory(parts)
    if listing.dir_totals:
        for entry in listing.entries:
            if entry.is_dir and entry.size_text and entry.parts in dirs:
                dirs[entry.parts].listed_total = entry.size_text
    if listing.total_text:
        dirs[root].listed_total = listing.total_text
    for entry in files:
        parent = entry.parts[:-1]
        node = dirs.get(parent) or directory(parent)
        node.files += 1
        if entry.size_text:  # an entry without a size text has no size
            node.bytes += entry.size or 0
            node.rounded = node.rounded or is_rounded(entry.size_text)
        node.names.append(entry.parts[-1])
    extensions = _Extensions()
    for node in dirs.values():
        if node.names:
            node.extensions.update(map(extensions.__getitem__, node.names))
    for parts in sorted(dirs, key=len, reverse=True):
        if len(parts) > len(root):
            parent, node = dirs[parts[:-1]], dirs[parts]
            parent.files += node.files
            parent.bytes += node.bytes
            parent.rounded = parent.rounded or node.rounded
            parent.extensions.update(node.extensions)
    return Tree(root, dirs, files)


def _label(parts: Parts) -> str:
    text = "/".join(parts)
    return text + "/" if text else ("/" if parts else "./")


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
    text = plural(node.files, "file") + (f", {_total(node)}" if node.size_style else "")
    text += ": " + ", ".join(kinds) if kinds else ""
    if node.children:
        text += f"; {plural(len(node.children), 'subdir')}"
    return f"{_label(node.parts)} ({text})"


def _total(node: _Dir) -> str:
    """A directory's size: the listing's own total (du), else the sum of its files' sizes."""
    if node.listed_total and node.size_style == "blocks":
        # A bare block count reads like bytes: say it in kibibytes, as the sums are.
        return say(to_bytes(node.listed_total, "blocks") or 0, "blocks")
    if node.listed_total:
        return node.listed_total
    return ("~" if node.rounded else "") + say(node.bytes, node.size_style)


def _sized_path(entry: Entry) -> str:
    """A path with its size in front, as ``du`` and ``find -printf`` put it."""
    return f"{entry.size_text}  {entry.path}" if entry.size_text else entry.path


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


def _hits(lowered: list[tuple[str, str]], pattern: str) -> list[int]:
    """Indices of the ``(path, name)`` pairs that ``pattern`` matches.

    A glob matches the name (the path when it holds a ``/``); a word matches anywhere in the path.
    """
    if not _GLOB_CHARS & set(pattern):
        return [i for i, (path, _) in enumerate(lowered) if pattern in path]
    # fnmatchcase's own translation, compiled once for every path rather than looked up for each.
    match = re.compile(fnmatch.translate(pattern)).match
    if "/" in pattern:
        return [i for i, (path, _) in enumerate(lowered) if match(path) is not None]
    return [i for i, (_, name) in enumerate(lowered) if match(name) is not None]


def _matching(entries: list[Entry], wanted: list[str]) -> tuple[list[Entry], list[str]]:
    """Entries matching the query's patterns, best first; patterns that match everything are dropped."""
    if not wanted:
        return [], []
    unique: dict[Parts, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.parts, entry)  # ls -R names each directory twice
    entries = list(unique.values())
    lowered = [(entry.path.lower(), (entry.parts[-1] if entry.parts else "").lower()) for entry in entries]
    hits = {p: _hits(lowered, p) for p in wanted}
    useful = [p for p in wanted if len(hits[p]) < len(entries)]
    score: Counter[int] = Counter()
    for p in useful:
        score.update(hits[p])
    order = sorted(score, key=lambda i: (-score[i], i))
    return [entries[i] for i in order], useful


@dataclass(slots=True)
class _Layout:
    matches: int
    largest: int
    dirs: list[Parts]
    samples: set[Parts]


def _layout(
    tree: Tree,
    order: list[Parts],
    matching: list[Entry],
    largest: list[Entry],
    fixed: float,
    room: float,
    per_char: float,
) -> _Layout:
    """How many matches and largest files, which directories and which sample lines fit ``room`` tokens.

    ``order`` is the tree's directories in the order they are named (see :func:`_naming_order`).
    """

    def cost(text: str) -> float:
        return (len(text) + 1) * per_char

    left = room - fixed - cost(_dir_line(tree.dirs[tree.root]))
    if matching:
        left -= cost(f"[… {len(matching):,} more matching]")

    def take(entries: list[Entry], shown: int, allowance: float, most: int) -> int:
        nonlocal left
        while shown < min(len(entries), most) and cost(_sized_path(entries[shown])) <= min(allowance, left):
            price = cost(_sized_path(entries[shown]))
            allowance -= price
            left -= price
            shown += 1
        return shown

    shown_matches = take(matching, 0, left * _MATCH_SHARE, len(matching))
    # The biggest files answer "what takes the space": they come before the directory breakdown,
    # and the very biggest is named whenever it fits at all.
    shown_largest = take(largest, 0, left, 1)
    shown_largest = take(largest, shown_largest, left * _LARGEST_SHARE, _LARGEST_MAX)
    # A directory is only named under a named parent.
    chosen = {tree.root}
    for parts in order:
        if parts in chosen or parts[:-1] not in chosen:
            continue
        price = cost(_dir_line(tree.dirs[parts]))
        if price > left:
            break  # smaller directories than this one stay rolled up into their parents
        left -= price
        chosen.add(parts)
    shown_matches = take(matching, shown_matches, left, len(matching))
    samples: set[Parts] = set()
    for parts in sorted(chosen):
        node = tree.dirs[parts]
        if node.names:
            price = cost(_sample_line(node))
            if price <= left:
                left -= price
                samples.add(parts)
    return _Layout(shown_matches, shown_largest, sorted(chosen), samples)


def _naming_order(tree: Tree) -> list[Parts]:
    """Directories in the order the output names them while room lasts: shallow and big ones first."""
    return sorted(tree.dirs, key=lambda p: (len(p), -tree.dirs[p].files, p))


@dataclass(slots=True)
class _Page:
    """What the output says besides the layout's choices."""

    header: str
    notes: list[str]
    matching: list[Entry]
    match_header: str
    shown: str  # the query's patterns, quoted; empty without a query
    largest: list[Entry]


def _largest_header(count: int) -> str:
    return f"{count} largest file{'' if count == 1 else 's'}:"


def _render(page: _Page, tree: Tree, layout: _Layout) -> str:
    lines = [page.header, *page.notes]
    if page.shown and not page.matching:
        lines.append(f"no path matches {page.shown}")
    elif page.matching:
        lines.append(page.match_header)
        lines.extend(_sized_path(entry) for entry in page.matching[: layout.matches])
        if layout.matches < len(page.matching):
            lines.append(f"[… {len(page.matching) - layout.matches:,} more matching]")
    if layout.largest:
        lines.append(_largest_header(layout.largest))
        lines.extend(_sized_path(entry) for entry in page.largest[: layout.largest])
    for parts in layout.dirs:
        lines.append(_dir_line(tree.dirs[parts]))
        if parts in layout.samples:
            lines.append(_sample_line(tree.dirs[parts]))
    return "\n".join(lines)


def _items(listing: Listing) -> list[Item]:
    """One item per listed path (its exact line), and one per line that is not a path."""
    entries = [
        Item(f"line {e.index + 1} ({e.path})" if e.rebuilt else f"line {e.index + 1}", e.raw) for e in listing.entries
    ]
    if not listing.notes:
        return entries
    # Both are in line order already: merging them keeps it.
    notes = [Item(f"line {index + 1}", text) for index, text in listing.notes]
    lines = [e.index for e in listing.entries] + [index for index, _ in listing.notes]
    return [item for _, item in sorted(zip(lines, entries + notes), key=lambda pair: pair[0])]


def _quoted(words: list[str]) -> str:
    # Square brackets would end the marker early for a reader; quotes would end its query.
    return '"' + " ".join(words).replace('"', "'").replace("[", "(").replace("]", ")")[:60] + '"'


class ListingCompressor:
    """Summarises listings by directory, listing the paths that match the query and the largest files."""

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
        counts = f"{plural(len(tree.files), 'file')} in {directories}"
        if listing.size_style:
            header = f"{counts}, {_total(tree.dirs[tree.root])} (counts and sizes include subdirectories)"
        else:
            header = f"{counts} (counts include subdirectories)"
        largest = tree.largest(_LARGEST_MAX)
        page = _Page(
            header,
            [text for _, text in listing.notes[:_MAX_NOTES]],
            matching,
            f"{plural(len(matching), 'path')} match {shown}:",
            shown,
            largest,
        )
        per_char = tokens_per_char(content, ctx.count_tokens, _SAMPLE_CHARS)
        room = max(ctx.budget_tokens - MARKER_TOKENS, 1)
        fixed_chars = len(page.header) + len(page.match_header) + sum(len(note) + 1 for note in page.notes)
        fixed_chars += len(_largest_header(len(largest))) + 1 if largest else 0
        order = _naming_order(tree)
        for _attempt in range(3):
            layout = _layout(tree, order, matching, largest, fixed_chars * per_char, room, per_char)
            text = _render(page, tree, layout)
            actual = ctx.count_tokens(text)
            if actual <= room:
                break
            # The per-character estimate came from the input: correct it from the real output.
            per_char = max(per_char, actual / max(len(text), 1)) * 1.05
        summary = f"{counts} → summarised by directory, {len(layout.dirs):,} named"
        if used:
            listed = " listed" if layout.matches == len(matching) else f", {layout.matches:,} listed"
            summary += f"; {len(matching):,} matching {shown}{listed}" if matching else f"; none matching {shown}"
        if layout.largest:
            summary += f"; {_largest_header(layout.largest)[:-1]} shown"
        if len(listing.notes) > _MAX_NOTES:
            summary += f"; {len(listing.notes) - _MAX_NOTES:,} other lines omitted"
        return Compressed(text, summary, "listing:dirs", _items(listing))
