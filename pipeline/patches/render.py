"""Writing a parsed diff for a model: trimmed hunks, per-file +/- lines, shown files, counts."""

from __future__ import annotations

from collections.abc import Sequence

from ..wording import plural
from .parse import FileDiff, Hunk, Patch, is_change, is_generated
from .select import Selection

_CONTEXT_KEEP = 1  # unchanged lines kept on each side of a change


def trim_hunk(lines: Sequence[str], hunk: Hunk, keep: int = _CONTEXT_KEEP) -> tuple[list[str], int]:
    """The hunk with runs of unchanged lines beyond ``keep`` of a change collapsed to a note.

    Returns the rendered lines (header first) and how many context lines were
    hidden. A run of one line is shown: its note would cost as much.
    """
    body = lines[hunk.start + 1 : hunk.end]
    parents = hunk.parents
    visible = [False] * len(body)
    for k, line in enumerate(body):
        if line.startswith("\\"):
            visible[k] = True
        elif is_change(line, parents):
            for near in range(max(0, k - keep), min(len(body), k + keep + 1)):
                visible[near] = True
    out = [lines[hunk.start]]
    hidden = 0
    k = 0
    while k < len(body):
        if visible[k]:
            out.append(body[k])
            k += 1
            continue
        run_end = k
        while run_end < len(body) and not visible[run_end]:
            run_end += 1
        run = run_end - k
        if run == 1:
            out.append(body[k])
        else:
            out.append(f"[… {run} unchanged lines]")
            hidden += run
        k = run_end
    if hunk.truncated:
        out.append("[… hunk cut short in the original]")
    return out, hidden


def file_stat(f: FileDiff, shown: int | None = None, cut_short: bool = False) -> str:
    """One line for a file: ``path  +120 -45  (7 hunks, 2 shown)``; ``shown`` None leaves the hunk count out.

    ``cut_short`` says one of the shown hunks is shown only in its first lines.
    """
    name = f"{f.old_path} → {f.path}" if f.status.startswith(("renamed", "copied")) and f.old_path else f.path
    notes = [f.status] if f.status else []
    if is_generated(f.path):
        notes.append("generated")
    if shown is not None and f.hunks:
        notes.append(f"{plural(len(f.hunks), 'hunk')}, {shown} shown" + (", 1 cut short" if cut_short else ""))
    stats = "binary" if f.binary and not f.hunks else f"+{f.added} -{f.removed}"
    return f"{name}  {stats}" + (f"  ({', '.join(notes)})" if notes else "")


def render_files(
    patch: Patch,
    selection: Selection,
    trimmed: dict[tuple[int, int], list[str]],
    indices: Sequence[int] | None = None,
) -> list[str]:
    """The files that have shown hunks, in order: header lines, shown hunks, notes for the hunks between.

    ``indices`` limits rendering to those file indices (default: all).
    """
    out: list[str] = []
    lines = patch.lines
    for fi in range(len(patch.files)) if indices is None else indices:
        f = patch.files[fi]
        keys = [(fi, hi) for hi in range(len(f.hunks))]
        if not any(key in selection.whole or key == selection.partial for key in keys):
            continue
        out.extend(lines[k] for k in f.header)
        skipped: list[Hunk] = []
        for key, hunk in zip(keys, f.hunks, strict=True):
            if key in selection.whole or key == selection.partial:
                if skipped:
                    out.append(_skipped_note(skipped))
                    skipped = []
                if key == selection.partial:
                    rendered = trimmed[key]
                    out.extend(rendered[: selection.partial_lines])
                    rest = len(rendered) - selection.partial_lines
                    out.append(f"[… rest of this hunk omitted: {plural(rest, 'more line')}]")
                else:
                    out.extend(trimmed[key])
            else:
                skipped.append(hunk)
        if skipped:
            out.append(_skipped_note(skipped))
    return out


def _skipped_note(hunks: list[Hunk]) -> str:
    added = sum(h.added for h in hunks)
    removed = sum(h.removed for h in hunks)
    return f"[… {plural(len(hunks), 'hunk')} not shown: +{added} -{removed}]"


def number(value: int) -> str:
    """``1,230``: digits grouped by commas."""
    return f"{value:,}"


