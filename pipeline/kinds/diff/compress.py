"""Unified diffs: headers and changed lines kept, unchanged context collapsed.

Stage 1 keeps every file header, hunk header and changed line and collapses
each run of unchanged context to one line either side of a change. When that
is still over budget, stage 2 lists every file with its +/- counts and shows
whole hunks chosen greedily: those relevant to the query first, then one per
file before a second, then small before big, lockfiles and generated files
last.

The parse, relevance and hunk selection, trimming and rendering live in
``pipeline/patches/``, shared with the git log compressor (``git log -p``). Anything that does not parse
as a diff makes the compressor return None, so the content passes through.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...patches.parse import (
    FileDiff,
    Patch,
    is_change,
    parse_patch,
    patch_items,
    split_lines,
)
from ...patches.render import file_stat, number, render_files, trim_hunk
from ...patches.select import (
    Selection,
    TokenMeter,
    hunk_scores,
    query_terms,
    select_hunks,
)
from ...wording import plural

_TEXT_SHARE = 0.25  # at most this share of the budget for text around the diff (commit messages)
_LIST_SHARE = 0.5  # at most this share for the per-file list


def _trim_all(patch: Patch) -> tuple[dict[tuple[int, int], list[str]], int]:
    trimmed: dict[tuple[int, int], list[str]] = {}
    hidden = 0
    for fi, f in enumerate(patch.files):
        for hi, hunk in enumerate(f.hunks):
            rendered, count = trim_hunk(patch.lines, hunk)
            trimmed[(fi, hi)] = rendered
            hidden += count
    return trimmed, hidden


class DiffCompressor:
    """Compresses unified diffs (see the module docstring)."""

    name = "diff"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Trim context, or summarise per file with the most relevant hunks; None when it is not a diff."""
        raw, view = split_lines(content)
        patch = parse_patch(view)
        if patch is None:
            return None
        meter = TokenMeter(ctx.count_tokens, content)
        if meter.chars(len(content)) <= ctx.budget_tokens:
            return None  # it fits as it is: nothing needs to go
        room = max(ctx.budget_tokens - MARKER_TOKENS, 1)
        trimmed, hidden = _trim_all(patch)
        items = patch_items(patch, raw)
        stage1 = _render_trimmed(patch, trimmed)
        if meter.lines(stage1) <= room * 1.1:
            text = "\n".join(stage1)
            if ctx.count_tokens(text) <= room:
                binary = sum(f.binary_lines for f in patch.files)
                omitted = f"{number(hidden)} unchanged context lines omitted"
                if binary:
                    omitted += f", {number(binary)} lines of binary patch data"
                summary = f"{number(len(raw))} diff lines → every header and changed line shown; {omitted}"
                return Compressed(text, summary, "diff:trimmed", items)
        terms = query_terms(ctx.query)
        scores = hunk_scores(patch, terms, ctx.query) if terms else {}
        return _summarise(patch, raw, trimmed, scores, meter, room, ctx, items)


def _render_trimmed(patch: Patch, trimmed: dict[tuple[int, int], list[str]]) -> list[str]:
    """Stage 1: everything in order, each hunk trimmed, binary patch data replaced by a note."""
    out: list[str] = []
    lines = patch.lines
    fi = 0
    for part in patch.parts:
        if isinstance(part, tuple):
            out.extend(lines[part[0] : part[1]])
            continue
        out.extend(lines[k] for k in part.header)
        if part.binary_lines:
            out.append(f"[… {number(part.binary_lines)} lines of binary patch data]")
        for hi in range(len(part.hunks)):
            out.extend(trimmed[(fi, hi)])
        fi += 1
    return out


def _summarise(
    patch: Patch,
    raw: Sequence[str],
    trimmed: dict[tuple[int, int], list[str]],
    scores: dict[tuple[int, int], float],
    meter: TokenMeter,
    room: int,
    ctx: Context,
    items: list[Item],
) -> Compressed:
    """Stage 2: text around the diff, a +/- line per file, then the hunks that fit, in original order."""
    files = patch.files
    texts = _kept_text(patch, meter, int(room * _TEXT_SHARE))
    share = int(room * _LIST_SHARE)
    listing = meter.lines(_file_list(files, Selection(), scores, meter, share))
    hunk_room = room - sum(meter.lines(kept) for kept in texts.values()) - listing
    for _attempt in range(4):
        selection = select_hunks(patch, trimmed, scores, meter, max(hunk_room, 0))
        stats = _file_list(files, selection, scores, meter, share)
        text = "\n".join(_layout(patch, texts, stats, selection, trimmed))
        overflow = ctx.count_tokens(text) - room
        if overflow <= 0 or not (selection.whole or selection.partial):
            break
        # The estimate came from a sample of the input: take the error out of the hunks' share.
        hunk_room -= int(overflow * 1.1) + 10
    summary = _summary(patch, raw, selection, trimmed, texts)
    return Compressed(text, summary, "diff:summary", items)


def _kept_text(patch: Patch, meter: TokenMeter, share: int) -> dict[int, list[str]]:
    """The lines shown of each range of text around the files, by the range's start; blank ranges dropped."""
    kept: dict[int, list[str]] = {}
    used = 0
    for part in patch.parts:
        if not isinstance(part, tuple):
            continue
        a, b = part
        lines = patch.lines[a:b]
        if not any(line.strip() for line in lines):
            continue
        shown: list[str] = []
        for line in lines:
            cost = meter.chars(len(line) + 1)
            if used + cost > share:
                break
            shown.append(line)
            used += cost
        if len(shown) < len(lines):
            shown.append(f"[… {plural(len(lines) - len(shown), 'more line')}]")
        kept[a] = shown
    return kept


def _file_list(
    files: list[FileDiff],
    selection: Selection,
    scores: dict[tuple[int, int], float],
    meter: TokenMeter,
    share: int,
) -> list[str]:
    """A heading and one +/- line per file; past ``share`` tokens the least relevant files are grouped."""
    shown_count = [0] * len(files)
    for fi, _hi in selection.whole:
        shown_count[fi] += 1
    if selection.partial:
        shown_count[selection.partial[0]] += 1
    cut = selection.partial[0] if selection.partial else None
    lines = [file_stat(f, shown_count[fi], fi == cut) for fi, f in enumerate(files)]
    added = sum(f.added for f in files)
    removed = sum(f.removed for f in files)
    shown_hunks = len(selection.whole) + (1 if selection.partial else 0)
    total_hunks = sum(len(f.hunks) for f in files)
    heading = (
        f"{plural(len(files), 'file')} changed, +{number(added)} -{number(removed)}"
        f"; {number(shown_hunks)} of {number(total_hunks)} hunks shown below:"
    )
    if meter.lines(lines) <= share:
        return [heading, *lines, ""]
    best = [0.0] * len(files)
    for (fi, _hi), score in scores.items():
        best[fi] = max(best[fi], score)
    size = [f.added + f.removed for f in files]
    order = sorted(
        range(len(files)), key=lambda fi: (-shown_count[fi], -best[fi], files[fi].generated, -size[fi], fi)
    )
    keep: set[int] = set()
    used = 0
    for fi in order:
        cost = meter.chars(len(lines[fi]) + 1)
        if used + cost > share:
            break
        keep.add(fi)
        used += cost
    rest = [f for fi, f in enumerate(files) if fi not in keep]
    out = [heading, *(lines[fi] for fi in sorted(keep))]
    out.append(_grouped_note(rest))
    out.append("")
    return out


def _grouped_note(files: list[FileDiff]) -> str:
    """One note for many files: their count, +/- totals and the directories they are in.

    Directories are the top level ones, or one level deeper when all files share a top directory.
    """
    by_dir: dict[str, int] = {}
    for depth in (1, 2):
        by_dir = {}
        for f in files:
            parts = f.path.split("/")
            top = "/".join(parts[:depth]) + "/" if len(parts) > depth else "(top level)"
            by_dir[top] = by_dir.get(top, 0) + 1
        if len(by_dir) > 1:
            break
    dirs = sorted(by_dir.items(), key=lambda item: (-item[1], item[0]))
    where = ", ".join(f"{number(count)} in {name}" for name, count in dirs[:5])
    if len(dirs) > 5:
        where += f", {number(sum(count for _, count in dirs[5:]))} elsewhere"
    added = sum(f.added for f in files)
    removed = sum(f.removed for f in files)
    return f"[… {plural(len(files), 'more file')}, +{number(added)} -{number(removed)}: {where}]"


def _layout(
    patch: Patch,
    texts: dict[int, list[str]],
    stats: list[str],
    selection: Selection,
    trimmed: dict[tuple[int, int], list[str]],
) -> list[str]:
    """Text ranges and shown files in original order, the per-file list after the leading text."""
    out: list[str] = []
    listed = False
    fi = 0
    for part in patch.parts:
        if isinstance(part, tuple):
            out.extend(texts.get(part[0], []))
            continue
        if not listed:
            out.extend(stats)
            listed = True
        out.extend(render_files(patch, selection, trimmed, [fi]))
        fi += 1
    if not listed:
        out.extend(stats)
    while out and not out[-1]:
        out.pop()
    return out


def _summary(
    patch: Patch,
    raw: Sequence[str],
    selection: Selection,
    trimmed: dict[tuple[int, int], list[str]],
    texts: dict[int, list[str]],
) -> str:
    """``2,140 diff lines → 31 files shown as +/- stats, 12 of 96 hunks shown; 1,830 lines omitted (...)``."""
    changed = context = headers = binary = other = 0
    lines = patch.lines
    for fi, f in enumerate(patch.files):
        binary += f.binary_lines
        shown_any = False
        for hi, hunk in enumerate(f.hunks):
            key = (fi, hi)
            shown: list[str] = []
            if key in selection.whole:
                shown = trimmed[key]
            elif key == selection.partial:
                shown = trimmed[key][: selection.partial_lines]
            else:
                headers += 1
            shown_any = shown_any or bool(shown)
            body = [ln for ln in shown[1:] if not ln.startswith("[… ")]
            shown_changed = sum(is_change(ln, hunk.parents) for ln in body)
            changed += hunk.changed - shown_changed
            context += hunk.end - hunk.start - 1 - hunk.changed - (len(body) - shown_changed)
        if not shown_any:
            headers += len(f.header)
    for part in patch.parts:
        if isinstance(part, tuple):
            a, b = part
            nonblank = sum(1 for k in range(a, b) if lines[k].strip())
            kept = [ln for ln in texts.get(a, []) if not ln.startswith("[… ")]
            other += max(nonblank - sum(1 for ln in kept if ln.strip()), 0)
    files = patch.files
    shown_hunks = len(selection.whole) + (1 if selection.partial else 0)
    counts = {"changed": changed, "context": context, "header": headers, "binary patch": binary, "other": other}
    parts = [f"{number(count)} {name}" for name, count in counts.items() if count]
    omitted = sum(counts.values())
    return (
        f"{number(len(raw))} diff lines → {plural(len(files), 'file')} shown as +/- stats, "
        f"{number(shown_hunks)} of {number(patch.hunk_count)} hunks shown; "
        f"{number(omitted)} lines omitted ({', '.join(parts) or 'none'})"
    )
