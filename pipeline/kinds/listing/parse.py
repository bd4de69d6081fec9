"""Listings turned into full paths, with each entry's size where the listing gives one.

``ls -R`` and ``tree`` rebuild full paths from headers and indentation;
``ls -l``, ``find -ls``, ``du -a``, ``find -printf '%s %p'`` and the MCP
server's ``list_directory_with_sizes`` also give each entry's size, kept
as the listing wrote it and read into bytes for ranking and totals.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .detect import (
    FIND_LS_RE,
    LONG_RE,
    LONG_TOTAL_RE,
    MCP_RE,
    SIZED_RE,
    TREE_RE,
    TREE_REPORT_RE,
    classify,
    first_line,
    is_name,
    is_path,
    ls_header,
    sized_name,
    style,
)
from .sizes import style_of, to_bytes

Parts = tuple[str, ...]
# The footer of the MCP server's list_directory_with_sizes.
_MCP_TOTAL_RE = re.compile(r"Combined size: (?P<size>[\d.]+ [KMGT]?B)")
_PATH_CLASSES = frozenset({"path", "name"})


@dataclass(slots=True)
class Entry:
    """One listed path: its components, the input line it came from, and whether it names a directory."""

    parts: Parts
    index: int
    raw: str
    is_dir: bool = False
    rebuilt: bool = False  # the full path is not on the line itself (ls -R, tree)
    size_text: str = ""  # the size as the listing wrote it (``16458``, ``1.2M``, ``1.23 KB``)
    size: int | None = None  # the same in bytes

    @property
    def path(self) -> str:
        """The full path as text, with a trailing ``/`` for directories."""
        text = "/".join(self.parts) or "."
        return text + "/" if self.is_dir and not text.endswith("/") else text


@dataclass(slots=True)
class Listing:
    """A parsed listing: its entries and the lines that were not paths.

    ``size_style`` says how the listing writes sizes (see ``sizes``), empty
    when it gives none; ``dir_totals`` is true when a directory's own size
    is the total of what lies under it (``du``), not its inode's size;
    ``total_text`` is the listing's own total of everything, as written.
    """

    entries: list[Entry] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    size_style: str = ""
    dir_totals: bool = False
    total_text: str = ""


def _split(path: str) -> tuple[Parts, bool]:
    """Components of ``path`` and whether it ended with ``/`` (a directory)."""
    is_dir = path.endswith("/") and len(path) > 1
    path = path.rstrip("/") if is_dir else path
    return (tuple(path.split("/")) if path else ()), is_dir


def _parse_paths(lines: list[str], listing: Listing, classes: list[str | None]) -> None:
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        # A line classified as a path or a name is one: only the others need looking at again.
        if classes[index] in _PATH_CLASSES or is_path(clean) or is_name(clean) or clean in (".", ".."):
            parts, is_dir = _split(clean)
            listing.entries.append(Entry(parts, index, line, is_dir))
        else:
            listing.notes.append((index, line))


def _parse_ls(lines: list[str], listing: Listing, _classes: list[str | None]) -> None:
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


def _parse_tree(lines: list[str], listing: Listing, _classes: list[str | None]) -> None:
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


def _parse_mcp(lines: list[str], listing: Listing, _classes: list[str | None]) -> None:
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        match = MCP_RE.fullmatch(clean)
        if match:
            parts, _ = _split(match["name"].strip())
            entry = Entry(parts, index, line, match["kind"] == "DIR", size_text=match["size"] or "")
            listing.entries.append(entry)
        else:
            # The server adds up the exact sizes: a sum of its rounded ones would differ.
            footer = _MCP_TOTAL_RE.fullmatch(clean)
            listing.total_text = footer["size"] if footer else listing.total_text
            listing.notes.append((index, line))


def _parse_long(lines: list[str], listing: Listing, _classes: list[str | None]) -> None:
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
                entry = Entry((*current, name), index, line, match["type"] == "d", True, match["size"] or "")
                listing.entries.append(entry)
        else:
            listing.notes.append((index, line))


def _parse_find_ls(lines: list[str], listing: Listing, _classes: list[str | None]) -> None:
    """``find -ls`` lines: the ``ls -l`` columns after inode and blocks, with the full path."""
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        match = FIND_LS_RE.fullmatch(clean)
        if match is None:
            listing.notes.append((index, line))
            continue
        name = match["name"].split(" -> ", 1)[0] if match["type"] == "l" else match["name"]
        parts, _ = _split(name)
        listing.entries.append(Entry(parts, index, line, match["type"] == "d", size_text=match["size"] or ""))


def _parse_sized(lines: list[str], listing: Listing, classes: list[str | None]) -> None:
    """``size path`` lines (``find -printf '%s %p'``, ``du -a``)."""
    for index, line in enumerate(lines):
        clean = line.rstrip("\r")
        if not clean.strip():
            continue
        # A line classified as sized has its path where SIZED_RE puts it: no need to ask sized_name again.
        if classes[index] == "sized":
            match = SIZED_RE.fullmatch(clean)
            name = match["name"]
        else:
            name = sized_name(clean)
            if name is None:
                listing.notes.append((index, line))
                continue
            match = SIZED_RE.fullmatch(clean)
        parts, is_dir = _split(name)
        listing.entries.append(Entry(parts, index, line, is_dir, size_text=match["size"]))
    # du names a directory after what is in it, with their total; find names it first, with its own size.
    if len(listing.entries) > 1:
        first, last = listing.entries[0].parts, listing.entries[-1].parts
        listing.dir_totals = len(last) < len(first) and first[: len(last)] == last


# Each parser gets the lines, the listing to fill, and each line's class where the style's sample classified it
# (None elsewhere), so that it need not ask again what the sample already answered.
_PARSERS = {
    "paths": _parse_paths,
    "ls": _parse_ls,
    "tree": _parse_tree,
    "mcp": _parse_mcp,
    "long": _parse_long,
    "findls": _parse_find_ls,
    "sized": _parse_sized,
}


def parse(content: str) -> Listing | None:
    """Full paths of every listed file and directory; None when the content is not a listing."""
    lines = content.split("\n")
    step = 1 if len(lines) <= 2000 else len(lines) // 2000
    sampled = [classify(line) for line in lines[::step]]
    kind = style(Counter(sampled), first_line(content))
    if kind is None:
        return None
    # What the sample says of each of its lines, for the parser to reuse; None for lines outside it.
    classes: list[str | None] = sampled if step == 1 else [None] * len(lines)
    if step > 1:
        classes[::step] = sampled
    listing = Listing()
    _PARSERS[kind](lines, listing, classes)
    texts = [entry.size_text for entry in listing.entries if entry.size_text]
    if texts:
        listing.size_style = style_of(texts, kind, listing.dir_totals)
        # Listings repeat their sizes (4.0K, 8.0K): each one is read once.
        sizes: dict[str, int | None] = {}
        for entry in listing.entries:
            if entry.size_text:
                if entry.size_text not in sizes:
                    sizes[entry.size_text] = to_bytes(entry.size_text, listing.size_style)
                entry.size = sizes[entry.size_text]
    return listing
