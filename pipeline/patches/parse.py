"""Parsing unified diffs into files and hunks, located by line index in the original.

The data model (:class:`Patch` of :class:`FileDiff` of :class:`Hunk`), the
parse itself, and the retrievable items of a parsed patch. Handles ``git
diff``/``git show``/``format-patch`` output, combined (merge) diffs, plain
``diff -u`` and ``Index:`` headers; anything that does not parse cleanly
gives None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..contract import Item

HUNK_RE = re.compile(r"(@@+) (-\d+(?:,\d+)?(?: -\d+(?:,\d+)?)*) \+\d+(?:,(\d+))? \1(.*)$")
_OLD_RANGE_RE = re.compile(r"-\d+(?:,(\d+))?")
_DIFF_COMMAND_RE = re.compile(r"diff (?:--git|--cc|--combined) |diff(?: -{1,2}[\w=-]+)+ \S")
_BINARY_DATA_RE = re.compile(r"(?:literal|delta) \d+$|[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*$|$")
_HEADER_PREFIXES = (
    "diff ", "index ", "--- ", "+++ ", "new file mode", "deleted file mode", "old mode", "new mode",
    "similarity index", "dissimilarity index", "rename from", "rename to", "copy from", "copy to",
    "Binary files ", "GIT binary patch", "Index: ", "=====",
)  # fmt: skip
_GENERATED_NAMES = frozenset(
    "package-lock.json npm-shrinkwrap.json yarn.lock pnpm-lock.yaml cargo.lock poetry.lock pipfile.lock uv.lock"
    " gemfile.lock composer.lock go.sum flake.lock packages.lock.json".split()
)
_GENERATED_SUFFIXES = (".min.js", ".min.css", ".map", ".lock", ".pb.go", "_pb2.py", ".snap")


@dataclass(slots=True)
class Hunk:
    """One ``@@`` hunk: the index of its header line, one past its last line, and its line counts."""

    start: int
    end: int
    added: int
    removed: int
    context: int
    parents: int = 1  # 2 or more in combined (merge) diffs
    truncated: bool = False

    @property
    def changed(self) -> int:
        """Added plus removed lines."""
        return self.added + self.removed


@dataclass(slots=True)
class FileDiff:
    """One file of a diff: its header lines (indices), its hunks and what it says about the file."""

    start: int
    end: int
    path: str
    old_path: str
    status: str
    header: list[int]
    hunks: list[Hunk]
    binary: bool = False
    binary_lines: int = 0

    @property
    def added(self) -> int:
        """Lines added in this file."""
        return sum(h.added for h in self.hunks)

    @property
    def removed(self) -> int:
        """Lines removed in this file."""
        return sum(h.removed for h in self.hunks)

    @property
    def generated(self) -> bool:
        """True for lockfiles, minified, source-map and generated files, and binary files."""
        return self.binary or is_generated(self.path)


@dataclass(slots=True)
class Patch:
    """A parsed diff over ``lines[start:end]``: files and ranges of other text, in order."""

    lines: Sequence[str]
    start: int
    end: int
    parts: list[FileDiff | tuple[int, int]] = field(default_factory=list)
    files: list[FileDiff] = field(default_factory=list)  # the FileDiff parts, in order

    @property
    def hunk_count(self) -> int:
        """Number of hunks over all files."""
        return sum(len(f.hunks) for f in self.files)



def split_lines(content: str) -> tuple[list[str], list[str]]:
    """The lines of ``content`` exactly as they are (``raw``) and without carriage returns (``view``).

    Splits on ``\\n`` only, so ``"\\n".join(raw[a:b])`` is always an exact
    substring of ``content``; a final newline adds no empty line.
    """
    raw = content.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    if "\r" not in content:
        return raw, raw
    return raw, [line[:-1] if line.endswith("\r") else line for line in raw]


def is_generated(path: str) -> bool:
    """True for lockfiles, minified bundles, source maps and other generated files."""
    name = path.rsplit("/", 1)[-1].lower()
    return name in _GENERATED_NAMES or name.endswith(_GENERATED_SUFFIXES)


def _parse_hunk(lines: Sequence[str], i: int, end: int) -> Hunk | None:
    """The hunk whose header is ``lines[i]``, its body consumed by the header's line counts."""
    match = HUNK_RE.match(lines[i])
    if match is None:
        return None
    parents = len(match.group(1)) - 1
    olds = _OLD_RANGE_RE.findall(match.group(2))
    if len(olds) != parents:
        return None
    old_left = [int(count) if count else 1 for count in olds]
    new_left = int(match.group(3)) if match.group(3) is not None else 1
    added = removed = context = 0
    j = i + 1
    if parents == 1:
        old = old_left[0]
        while j < end and (old > 0 or new_left > 0):
            mark = lines[j][:1]
            if mark == " " or mark == "":  # some transports strip the space of an empty context line
                old -= 1
                new_left -= 1
                context += 1
            elif mark == "-":
                old -= 1
                removed += 1
            elif mark == "+":
                new_left -= 1
                added += 1
            elif mark != "\\":
                break
            if old < 0 or new_left < 0:
                return None
            j += 1
        old_left = [old]
    else:
        while j < end and (new_left > 0 or any(old_left)):
            line = lines[j]
            if line.startswith("\\"):
                j += 1
                continue
            marks = line[:parents].ljust(parents)
            if marks.strip(" +-"):
                break
            if "-" in marks:
                removed += 1
            elif "+" in marks:
                added += 1
            else:
                context += 1
            if "-" not in marks:
                new_left -= 1
            for p, mark in enumerate(marks):
                if mark != "+":
                    old_left[p] -= 1
            if new_left < 0 or min(old_left) < 0:
                return None
            j += 1
    truncated = new_left > 0 or any(old_left)
    while j < end and lines[j].startswith("\\"):
        j += 1
    return Hunk(i, j, added, removed, context, parents, truncated)


def _starts_file(lines: Sequence[str], i: int, end: int) -> bool:
    line = lines[i]
    if line.startswith("diff "):
        return _DIFF_COMMAND_RE.match(line) is not None
    nxt = lines[i + 1] if i + 1 < end else ""
    if line.startswith("--- "):
        return nxt.startswith("+++ ")
    return line.startswith("Index: ") and nxt.startswith("=====")


def _clean_path(text: str, prefix: str) -> str:
    path = text.split("\t", 1)[0].strip()
    if len(path) >= 2 and path[0] == path[-1] == '"':
        path = path[1:-1]
    if path == "/dev/null":
        return ""
    return path[2:] if path.startswith(prefix) else path


def _paths(lines: Sequence[str], header: list[int]) -> tuple[str, str]:
    """The old and new path named by a file's header lines ("" for /dev/null)."""
    old = new = fallback = ""
    for k in header:
        line = lines[k]
        if line.startswith("--- "):
            old = _clean_path(line[4:], "a/")
        elif line.startswith("+++ "):
            new = _clean_path(line[4:], "b/")
        elif line.startswith(("rename from ", "copy from ")):
            old = line.split(" from ", 1)[1]
        elif line.startswith(("rename to ", "copy to ")):
            new = line.split(" to ", 1)[1]
        elif line.startswith("diff --git "):
            sides = line[11:]
            split = sides.find(" b/")
            fallback = _clean_path(sides[split + 1 :], "b/") if split > 0 else sides
        elif line.startswith(("diff --cc ", "diff --combined ", "Index: ")):
            fallback = line.split(" ", 2)[-1].strip()
        elif line.startswith("Binary files ") and " and " in line:
            fallback = _clean_path(line[13:].rsplit(" differ", 1)[0].split(" and ", 1)[1], "b/")
    return old, new or old or fallback


def _status(lines: Sequence[str], header: list[int], old: str, new: str, hunks: list[Hunk]) -> str:
    """What happened to the file, as git says it: new, deleted, renamed, copied, mode change, or ""."""
    heads = [lines[k] for k in header]

    def has(prefix: str) -> bool:
        return any(line.startswith(prefix) for line in heads)

    if has("new file mode") or (not old and new and has("--- ")):
        return "new file"
    if has("deleted file mode") or (old and has("+++ /dev/null")):
        return "deleted"
    if has("rename from"):
        return "renamed"
    if has("copy from"):
        return "copied"
    if has("old mode") and not hunks:
        return "mode change"
    return ""


def _parse_file(lines: Sequence[str], i: int, end: int) -> FileDiff | None:
    """The file whose header starts at ``lines[i]``; None when one of its hunks is malformed."""
    header = [i]
    seen_old = lines[i].startswith("--- ")
    binary = in_binary_data = False
    binary_lines = 0
    j = i + 1
    while j < end:
        line = lines[j]
        if line.startswith("@@") or (line.startswith("diff ") and _starts_file(lines, j, end)):
            break
        if in_binary_data and _BINARY_DATA_RE.match(line):
            binary_lines += 1
        elif line.startswith(_HEADER_PREFIXES):
            if line.startswith("--- "):
                if seen_old:
                    break  # a second ---/+++ pair: the next file of a plain `diff -u`
                seen_old = True
            elif line.startswith("Index: "):
                break
            binary = binary or line.startswith(("Binary files ", "GIT binary patch"))
            in_binary_data = line.startswith("GIT binary patch")
            header.append(j)
        else:
            break
        j += 1
    hunks: list[Hunk] = []
    while j < end and lines[j].startswith("@@"):
        hunk = _parse_hunk(lines, j, end)
        if hunk is None:
            return None
        hunks.append(hunk)
        j = hunk.end
        if hunk.truncated:
            break
    old, new = _paths(lines, header)
    status = _status(lines, header, old, new, hunks)
    if binary:
        status = f"{status}, binary" if status else "binary"
    return FileDiff(i, j, new or "(unnamed)", old, status, header, hunks, binary, binary_lines)


def parse_patch(lines: Sequence[str], start: int = 0, end: int | None = None) -> Patch | None:
    """Parse ``lines[start:end]`` as a diff; None unless it holds a hunk or a binary file and parses cleanly.

    Text around the files (a commit message before them, a format-patch
    trailer after) is kept as ranges. A hunk cut short by the end of the
    content is accepted (``Hunk.truncated``); a hunk header outside a file
    means the line counts were wrong, and the whole parse fails.
    """
    end = len(lines) if end is None else end
    patch = Patch(lines, start, end)
    text_start: int | None = None
    i = start
    while i < end:
        line = lines[i]
        if line[:1] in "dI-" and _starts_file(lines, i, end):
            if text_start is not None:
                patch.parts.append((text_start, i))
                text_start = None
            parsed = _parse_file(lines, i, end)
            if parsed is None:
                return None
            patch.parts.append(parsed)
            i = parsed.end
            continue
        if line.startswith("@@") and HUNK_RE.match(line):
            return None
        if text_start is None:
            text_start = i
        i += 1
    if text_start is not None:
        patch.parts.append((text_start, end))
    patch.files = [part for part in patch.parts if isinstance(part, FileDiff)]
    if not any(f.hunks or f.binary for f in patch.files):
        return None
    return patch


def is_change(line: str, parents: int) -> bool:
    """True when a hunk body line adds or removes (any of its ``parents`` marks is ``+`` or ``-``)."""
    marks = line[:parents]
    return "+" in marks or "-" in marks


def hunk_label(lines: Sequence[str], hunk: Hunk) -> str:
    """The hunk's ``@@ -a,b +c,d @@`` part, without the function name git appends."""
    line = lines[hunk.start]
    match = HUNK_RE.match(line)
    return line[: match.start(4)].rstrip() if match else line


def patch_items(patch: Patch, raw: Sequence[str], prefix: str = "") -> list[Item]:
    """One item per file header, per hunk and per range of other text: exact original text, located.

    A hunk's position names its file, so a query naming a file finds the
    file's header item and the position of each of its hunks says where it is.
    """
    items: list[Item] = []

    def text(a: int, b: int) -> str:
        return "\n".join(raw[a:b])

    for part in patch.parts:
        if isinstance(part, tuple):
            a, b = part
            if any(raw[k].strip() for k in range(a, b)):
                items.append(Item(f"{prefix}lines {a + 1}-{b}", text(a, b)))
            continue
        header_end = part.hunks[0].start if part.hunks else part.end
        position = f"{prefix}{part.path} header (lines {part.start + 1}-{header_end})"
        items.append(Item(position, text(part.start, header_end)))
        for hunk in part.hunks:
            label = hunk_label(patch.lines, hunk)
            position = f"{prefix}{part.path} {label} (lines {hunk.start + 1}-{hunk.end})"
            items.append(Item(position, text(hunk.start, hunk.end)))
    return items
