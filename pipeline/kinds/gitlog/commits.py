"""Reading ``git log`` output into commits: the formats, the graph drawing, dates, stats and patches.

The detector and the compressor share these patterns, so what is detected as
a log is what the compressor can parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...patches.parse import Patch, parse_patch
from ...wording import plural

GRAPH_CHARS = frozenset("|/\\*_ .-")
COMMIT_RE = re.compile(r"(?P<graph>[|/\\*_ .-]*?)commit (?P<sha>[0-9a-f]{7,40})(?P<refs> \(.*\))?$")
MCP_COMMIT_RE = re.compile(r"Commit: (?P<sha>[0-9a-f]{40})$")
ONELINE_RE = re.compile(r"(?P<graph>[|/\\*_ .-]*?)(?P<sha>[0-9a-f]{7,40}) (?P<subject>\S.*)$")
HEADER_RE = re.compile(r"(Merge|Author|AuthorDate|Commit|CommitDate|Date|Reflog|Message): ?(.*)$")
_STAT_TOTAL_RE = re.compile(
    r" ?(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?"
)
_STAT_FILE_RE = re.compile(r" (\S.*?)\s+\|\s+(?:\d+|Bin)")
ISO_DATE_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_GIT_DATE_RE = re.compile(r"\b([A-Z][a-z]{2}) (\d{1,2}) \d\d:\d\d:\d\d (\d{4})\b")
_RFC_DATE_RE = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\b")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_MAX_PREAMBLE_LINES = 5


def graph_prefix_ok(graph: str) -> bool:
    """True when ``graph`` can precede a commit: nothing, or a ``--graph`` drawing with the commit's ``*``."""
    return graph == "" or "*" in graph


def commit_start(line: str) -> tuple[str, str, str] | None:
    """``(graph, sha, refs)`` when ``line`` opens a commit of the default formats or mcp-server-git's."""
    if "ommit" not in line:
        return None
    match = COMMIT_RE.match(line)
    if match and graph_prefix_ok(match.group("graph")):
        return match.group("graph"), match.group("sha"), (match.group("refs") or "").strip()
    match = MCP_COMMIT_RE.match(line)
    if match:
        return "", match.group("sha"), ""
    return None


def short_date(value: str) -> str:
    """``YYYY-MM-DD`` from git's default, ISO or RFC 2822 dates; the value itself (shortened) otherwise."""
    match = ISO_DATE_RE.search(value)
    if match:
        return match.group(0)
    match = _GIT_DATE_RE.search(value)
    if match and match.group(1) in _MONTHS:
        return f"{match.group(3)}-{_MONTHS[match.group(1)]:02d}-{int(match.group(2)):02d}"
    match = _RFC_DATE_RE.search(value)
    if match and match.group(2) in _MONTHS:
        return f"{match.group(3)}-{_MONTHS[match.group(2)]:02d}-{int(match.group(1)):02d}"
    return value.strip()[:24]


@dataclass(slots=True)
class Commit:
    """One commit of a log: its line range and what its one-line form shows."""

    start: int
    end: int  # one past its last non-blank line
    sha: str
    refs: str = ""
    author: str = ""
    date: str = ""
    subject: str = ""
    header_lines: int = 0
    message_lines: int = 0
    stat_lines: int = 0
    files: int | None = None
    added: int = 0
    removed: int = 0
    patch: Patch | None = None
    patch_start: int | None = None
    patch_lines: int = 0
    match_text: str = ""
    score: float = 0.0
    attached: list[int] = field(default_factory=list)

    def line(self) -> str:
        """``<sha7> (refs) <date> <author>: <subject> [3 files +40 -2]``."""
        parts = [self.sha[:7]]
        if self.refs:
            parts.append(self.refs)
        if self.date:
            parts.append(self.date)
        who = f"{self.author}: " if self.author else ""
        text = " ".join(parts) + f" {who}{self.subject}"
        if self.files is not None:
            counts = f" +{self.added} -{self.removed}" if self.added or self.removed or self.patch else ""
            text += f" [{plural(self.files, 'file')}{counts}]"
        return text


def _strip_graph(line: str, width: int) -> str:
    """``line`` without the first ``width`` columns of ``--graph`` drawing."""
    head = line[:width]
    if all(ch in GRAPH_CHARS for ch in head):
        return line[width:]
    return line.lstrip("|/\\*_ .-")


def parse_log(view: list[str]) -> tuple[list[str], list[Commit], int] | None:
    """The lines without graph drawing, the commits, and where the first one starts; None if not a log.

    A commit starts at a ``commit <sha>`` line (or mcp-server-git's
    ``Commit: <sha>``) followed by a header line such as ``Author:``.
    """
    starts: list[tuple[int, str, str, str]] = []
    graph_mode: bool | None = None
    for i, line in enumerate(view):
        found = commit_start(line)
        if found is None:
            continue
        graph, sha, refs = found
        nxt = view[i + 1] if i + 1 < len(view) else ""
        if not HEADER_RE.match(_strip_graph(nxt, len(graph)) if graph else nxt):
            continue
        if graph_mode is None:
            graph_mode = bool(graph)
        if bool(graph) != graph_mode:
            continue
        starts.append((i, graph, sha, refs))
    if len(starts) < 2:
        return None
    first = starts[0][0]
    if sum(1 for line in view[:first] if line.strip()) > _MAX_PREAMBLE_LINES:
        return None
    lines = list(view)
    commits: list[Commit] = []
    for n, (i, graph, sha, refs) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(view)
        if graph:
            width = len(graph)
            for k in range(i, end):
                lines[k] = _strip_graph(view[k], width)
        commits.append(_parse_commit(lines, i, end, sha, refs))
    return lines, commits, first


def _parse_commit(lines: list[str], start: int, end: int, sha: str, refs: str) -> Commit:
    """Header, message, stat and patch of the commit on ``lines[start:end]``."""
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    commit = Commit(start, end, sha, refs=refs)
    headers: dict[str, str] = {}
    j = start + 1
    message: list[str] = []
    while j < end:
        match = HEADER_RE.match(lines[j])
        if not match:
            break
        key, value = match.group(1), match.group(2).strip()
        if key == "Message":  # mcp-server-git: the message follows unindented, to the next commit
            message = [value, *lines[j + 1 : end]]
            j = end
            break
        headers.setdefault(key, value)
        j += 1
    commit.header_lines = j - start
    if not message:
        while j < end and not lines[j].strip():
            j += 1
        body_start = j
        while j < end and (lines[j].startswith("    ") or not lines[j].strip()):
            j += 1
        message = [line[4:] for line in lines[body_start:j]]
        files = _parse_rest(commit, lines, j, end)
    else:
        files = []
    texts = [line.strip() for line in message if line.strip()]
    commit.subject = texts[0] if texts else ""
    commit.message_lines = max(len(texts) - 1, 0)
    commit.author = (headers.get("Author") or "").split(" <", 1)[0].strip()
    commit.date = short_date(headers.get("AuthorDate") or headers.get("Date") or headers.get("CommitDate") or "")
    commit.match_text = "\n".join([sha, headers.get("Author", ""), *texts, *files]).lower()
    return commit


def _parse_rest(commit: Commit, lines: list[str], j: int, end: int) -> list[str]:
    """Read what follows the message (``--stat`` or ``--name-only`` lines, a patch); the file names in it."""
    names = 0
    stat_files: list[str] = []
    for k in range(j, end):
        line = lines[k]
        if line.startswith("diff "):
            patch = parse_patch(lines, k, end)
            if patch is not None:
                commit.patch, commit.patch_start = patch, k
                commit.patch_lines = sum(1 for n in range(k, end) if lines[n].strip())
                files = patch.files
                commit.files = len(files)
                commit.added = sum(f.added for f in files)
                commit.removed = sum(f.removed for f in files)
                stat_files.extend(f.path for f in files)
                break
        total = _STAT_TOTAL_RE.match(line)
        if total:
            commit.stat_lines += 1
            commit.files = int(total.group(1))
            commit.added = int(total.group(2) or 0)
            commit.removed = int(total.group(3) or 0)
            continue
        stat = _STAT_FILE_RE.match(line)
        if stat:
            commit.stat_lines += 1
            stat_files.append(stat.group(1))
        elif line.strip() and line.strip() != "---":
            names += 1
            stat_files.append(line.strip())
    if commit.files is None and names:
        commit.files = names
        commit.stat_lines = names
    return stat_files


def parse_oneline(view: list[str]) -> list[Commit] | None:
    """``--oneline`` (optionally ``--graph``/``--stat``): commit lines, and the lines below each attached to it."""
    commits: list[Commit] = []
    stray = 0
    for i, line in enumerate(view):
        match = ONELINE_RE.match(line)
        if match and graph_prefix_ok(match.group("graph")):
            subject = match.group("subject")
            refs = ""
            if subject.startswith("(") and ") " in subject:
                refs, subject = subject.split(") ", 1)
                refs += ")"
            sha = match.group("sha")
            commit = Commit(i, i + 1, sha, refs=refs, subject=subject)
            commit.match_text = f"{sha}\n{subject}".lower()
            commits.append(commit)
        elif commits:
            commits[-1].attached.append(i)
            commits[-1].match_text += "\n" + line.lower()
        elif line.strip():
            stray += 1
    if len(commits) < 2 or stray > _MAX_PREAMBLE_LINES:
        return None
    return commits
