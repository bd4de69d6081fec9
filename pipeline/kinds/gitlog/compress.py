"""``git log`` output: one line per commit, whole commits where the query points.

Handles the default, ``--pretty=fuller``/``full``/``short``, ``--stat``,
``--name-only``, ``-p`` and ``--graph`` formats, the mcp-server-git
``git_log`` tool's ``Commit:``/``Message:`` format, and ``--oneline``.
Each commit becomes ``<sha7> <YYYY-MM-DD> <author>: <subject>`` (plus
``[3 files +40 -2]`` when the log carries stats or patches); commits matching
the query stay whole (for ``-p``: message, per-file stats and the matching
hunks, through the diff compressor's helpers). Over budget, the newest
commits, the query matches and the oldest commit stay and each run of the
rest becomes one note with its dates and authors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...patches.parse import patch_items, split_lines
from ...patches.render import file_stat, render_files, trim_hunk
from ...patches.select import (
    Selection,
    TokenMeter,
    hunk_scores,
    hunk_texts,
    keep_best,
    query_terms,
    relevance,
    select_hunks,
)
from ...wording import plural
from .commits import ISO_DATE_RE, Commit, parse_log, parse_oneline

_HEX_RE = re.compile(r"[0-9a-f]{4,40}")
_MATCH_SHARE = 0.5  # at most this share of the budget for commits shown whole
_NOTE_TOKENS = 30


def _score(commits: list[Commit], query: str | None) -> None:
    """Each commit's relevance: a sha prefix named in the query, else its words (author, message, files)."""
    terms = query_terms(query)
    if not terms:
        return
    scores = keep_best(relevance([c.match_text for c in commits], terms, query))
    shas = [w for w in terms if _HEX_RE.fullmatch(w)]
    top = max(scores, default=0.0) + 1.0
    for commit, score in zip(commits, scores, strict=True):
        commit.score = top if any(commit.sha.startswith(s) for s in shas) else score


def _describe(run: list[Commit]) -> str:
    """``1,230 commits 2024-01-02..2025-06-30 by 14 authors``: what a run of omitted commits holds."""
    text = plural(len(run), "commit")
    dates = sorted(c.date for c in run if ISO_DATE_RE.fullmatch(c.date))
    if dates:
        text += f" {dates[0]}..{dates[-1]}" if dates[0] != dates[-1] else f" {dates[0]}"
    authors = {c.author for c in run if c.author}
    if authors:
        text += f" by {plural(len(authors), 'author')}"
    return text


def _note(run: list[Commit]) -> str:
    """``[… 1,230 commits 2024-01-02..2025-06-30 by 14 authors omitted]``."""
    return f"[… {_describe(run)} omitted]"


class GitLogCompressor:
    """Compresses ``git log`` output (see the module docstring)."""

    name = "gitlog"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """One line per commit, query matches whole, head/matches/tail when over budget; None if not a log."""
        raw, view = split_lines(content)
        meter = TokenMeter(ctx.count_tokens, content)
        if meter.chars(len(content)) <= ctx.budget_tokens:
            return None  # it fits as it is: nothing needs to go
        room = max(ctx.budget_tokens - MARKER_TOKENS, 1)
        parsed = parse_log(view)
        if parsed is not None:
            lines, commits, first = parsed
            return _Full(raw, lines, commits, first, meter, room, ctx).compress()
        commits = parse_oneline(view)
        if commits is None:
            return None
        return _compress_oneline(raw, commits, meter, room, ctx)


def _pick(costs: list[int], scores: list[float], room: int, match_room: int) -> set[int]:
    """Entries to show: the oldest, query matches (best first, up to ``match_room``), then the newest in order.

    Every entry shown away from the head may open a gap, and each gap costs a note.
    """
    picked: set[int] = set()
    used = _NOTE_TOKENS
    last = len(costs) - 1
    if costs[last] + _NOTE_TOKENS <= room:
        picked.add(last)
        used += costs[last] + _NOTE_TOKENS
    for i in sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i)):
        cost = costs[i] + _NOTE_TOKENS
        if i not in picked and used + cost <= match_room:
            picked.add(i)
            used += cost
    for i in range(len(costs)):
        if i in picked:
            continue
        if used + costs[i] > room:
            break
        picked.add(i)
        used += costs[i]
    return picked


def _compress_oneline(
    raw: list[str], commits: list[Commit], meter: TokenMeter, room: int, ctx: Context
) -> Compressed:
    """``--oneline``: already one line per commit, so keep the newest, the matches and the oldest."""
    _score(commits, ctx.query)
    entries = [[raw[c.start], *(raw[k] for k in c.attached)] for c in commits]
    costs = [meter.lines(entry) for entry in entries]
    scores = [c.score for c in commits]
    picked = _pick(costs, scores, room, int(room * _MATCH_SHARE))
    out: list[str] = []
    run: list[Commit] = []
    for i, commit in enumerate(commits):
        if i in picked:
            if run:
                out.append(_note(run))
                run = []
            out.extend(entries[i])
        else:
            run.append(commit)
    if run:
        out.append(_note(run))
    omitted = len(commits) - len(picked)
    matches = sum(1 for i in picked if scores[i] > 0)
    matching = f" ({matches:,} matching the query)" if ctx.query else ""
    summary = f"{len(commits):,} commits → {len(picked):,} shown{matching}; {omitted:,} omitted"
    items = []
    for c in commits:
        last = max(c.attached, default=c.start)
        items.append(Item(f"commit {c.sha[:7]} (line {c.start + 1})", "\n".join(raw[c.start : last + 1])))
    return Compressed("\n".join(out), summary, "gitlog:oneline", items)


@dataclass(slots=True)
class _Full:
    """Compression of the multi-line formats (default, fuller, stat, patch, graph, mcp-server-git)."""

    raw: list[str]
    lines: list[str]
    commits: list[Commit]
    first: int
    meter: TokenMeter
    room: int
    ctx: Context
    shown_patch: dict[int, int] = field(default_factory=dict)  # original patch lines shown, by commit start

    def compress(self) -> Compressed:
        """Every commit as one line (with ``-p`` per-file stats if those fit too), else head, matches and tail."""
        commits = self.commits
        _score(commits, self.ctx.query)
        terms = query_terms(self.ctx.query)
        if terms:
            self._score_hunks(terms)
        preamble = [self.raw[k] for k in range(self.first) if self.raw[k].strip()]
        room = self.room - self.meter.lines(preamble)
        short = [c.line() for c in commits]
        short_cost = [self.meter.chars(len(s) + 1) for s in short]
        matched = [i for i, c in enumerate(commits) if c.score > 0]
        whole = self._whole_commits(matched, int(room * _MATCH_SHARE))
        if not terms:
            self._newest_patches(whole, short_cost, room)
        whole_cost = {i: self.meter.lines(lines) for i, lines in whole.items()}
        stats = {i: self._file_lines(c) for i, c in enumerate(commits) if c.patch and i not in whole}
        every = sum(short_cost[i] for i in range(len(commits)) if i not in whole) + sum(whole_cost.values())
        with_stats = every + sum(self.meter.lines(s) for s in stats.values())
        if with_stats <= room:
            picked, detail = set(range(len(commits))), stats
        elif every <= room:
            picked, detail = set(range(len(commits))), {}
        else:
            costs = [whole_cost.get(i, short_cost[i]) for i in range(len(commits))]
            picked, detail = _pick(costs, [c.score for c in commits], room, int(room * 0.75)), {}
        out = list(preamble)
        run: list[Commit] = []
        for i, commit in enumerate(commits):
            if i not in picked:
                run.append(commit)
                continue
            if run:
                out.append(_note(run))
                run = []
            if i in whole:
                out.extend(whole[i])
            else:
                out.append(short[i])
                out.extend(detail.get(i, []))
        if run:
            out.append(_note(run))
        return Compressed("\n".join(out), self._summary(picked, whole), "gitlog:summary", self._items())

    def _score_hunks(self, terms: list[str]) -> None:
        """Score every hunk of a ``-p`` log together; a commit with a matching hunk matches too.

        One corpus for all hunks, so a name found in one commit's patch
        outranks a word found in every commit's.
        """
        owners: list[Commit] = []
        named: list[str] = []
        context: list[str] = []
        for commit in self.commits:
            if commit.patch is not None:
                _keys, names, unchanged = hunk_texts(commit.patch)
                owners += [commit] * len(names)
                named += names
                context += unchanged
        scores = keep_best(relevance(named, terms, self.ctx.query, context))
        best_meta = max((c.score for c in self.commits), default=0.0)
        best_hunk = max(scores, default=0.0)
        for commit, score in zip(owners, scores, strict=True):
            if score > 0:
                # Below any commit that names the query in its message, ranked among themselves by score.
                boost = score / best_hunk * best_meta / 2 if best_meta else score
                commit.score = max(commit.score, boost)

    def _whole_commits(self, matched: list[int], share: int) -> dict[int, list[str]]:
        """Query-matching commits as they will be shown whole, best first until ``share`` tokens."""
        whole: dict[int, list[str]] = {}
        used = 0
        for i in sorted(matched, key=lambda i: (-self.commits[i].score, i)):
            rendered = self._whole(self.commits[i], max(share - used, 0))
            cost = self.meter.lines(rendered)
            if used + cost <= share:
                whole[i] = rendered
                used += cost
        return whole

    def _newest_patches(self, whole: dict[int, list[str]], short_cost: list[int], room: int) -> None:
        """Without a query, the newest commits' hunks are what a reader of ``git log -p`` came for.

        Every commit keeps its line and per-file stats first; what budget is
        left shows the newest commits' hunks, newest first, until one does not fit.
        """
        stats_cost = {i: self.meter.lines(self._file_lines(c)) for i, c in enumerate(self.commits) if c.patch}
        spare = room - sum(short_cost) - sum(stats_cost.values())
        for i, commit in enumerate(self.commits):
            if commit.patch is None or i in whole:
                continue
            plain = short_cost[i] + stats_cost[i]
            rendered = self._whole(commit, spare + plain, only_relevant=False)
            extra = self.meter.lines(rendered) - plain
            if extra > spare or not self.shown_patch.get(commit.start):
                self.shown_patch.pop(commit.start, None)
                break
            whole[i] = rendered
            spare -= extra

    def _whole(self, commit: Commit, share: int, only_relevant: bool = True) -> list[str]:
        """A commit in full; for ``-p``, its message, per-file stats and the hunks matching the query
        (or, with ``only_relevant`` false, whichever hunks fit ``share``)."""
        if commit.patch is None or commit.patch_start is None:
            return self.raw[commit.start : commit.end]
        head_end = commit.patch_start
        while head_end > commit.start + 1 and not self.lines[head_end - 1].strip():
            head_end -= 1
        head = self.raw[commit.start : head_end]
        patch = commit.patch
        trimmed = {
            (fi, hi): trim_hunk(patch.lines, hunk)[0]
            for fi, f in enumerate(patch.files)
            for hi, hunk in enumerate(f.hunks)
        }
        scores = hunk_scores(patch, query_terms(self.ctx.query), self.ctx.query)
        room = share - self.meter.lines(head) - self.meter.lines(self._file_lines(commit))
        selection = select_hunks(patch, trimmed, scores, self.meter, max(room, 0), only_relevant=only_relevant)
        hunks = render_files(patch, selection, trimmed)
        self.shown_patch[commit.start] = sum(1 for line in hunks if not line.startswith("[… "))
        return [*head, *self._file_lines(commit, selection), *hunks]

    def _file_lines(self, commit: Commit, selection: Selection | None = None) -> list[str]:
        """The per-file ``path  +a -d`` lines of a commit's patch, indented under it."""
        if commit.patch is None:
            return []
        files = commit.patch.files
        if selection is None:
            return [f"  {file_stat(f)}" for f in files]
        shown = [0] * len(files)
        for fi, _hi in selection.whole:
            shown[fi] += 1
        cut = selection.partial[0] if selection.partial else None
        if cut is not None:
            shown[cut] += 1
        return [f"  {file_stat(f, shown[fi], fi == cut)}" for fi, f in enumerate(files)]

    def _summary(self, picked: set[int], whole: dict[int, list[str]]) -> str:
        """``312 commits → 40 shown (3 in full), 272 omitted (dates, authors); 5,210 lines omitted (...)``."""
        commits = self.commits
        header = message = stat = patch = 0
        for i, c in enumerate(commits):
            if i not in picked:
                header += c.header_lines
                message += c.message_lines + 1
                stat += c.stat_lines
                patch += c.patch_lines
            elif i not in whole:
                message += c.message_lines
                stat += c.stat_lines
                patch += c.patch_lines
            elif c.patch is not None:
                patch += max(c.patch_lines - self.shown_patch.get(c.start, 0), 0)
        omitted = [c for i, c in enumerate(commits) if i not in picked]
        text = f"{len(commits):,} commits → {len(picked):,} shown"
        if whole:
            text += f" ({len(whole):,} in full)"
        if omitted:
            text += f", {_describe(omitted)} omitted"
        parts = [
            f"{count:,} {name}"
            for count, name in ((header, "header"), (message, "message"), (stat, "stat"), (patch, "patch"))
            if count
        ]
        if parts:
            text += f"; {header + message + stat + patch:,} lines omitted ({', '.join(parts)})"
        return text

    def _items(self) -> list[Item]:
        """One item per commit (its exact text, patch included) and, for ``-p``, one per hunk and file header."""
        items: list[Item] = []
        for c in self.commits:
            label = f"commit {c.sha[:7]}"
            items.append(Item(f"{label} (lines {c.start + 1}-{c.end})", "\n".join(self.raw[c.start : c.end])))
            if c.patch is not None:
                items.extend(patch_items(c.patch, self.raw, f"{label} "))
        return items
