"""Build and test logs, and application logs: keep what went wrong, fold the rest into counted templates.

What is kept is decided by value. Runner summaries, failures with their
tracebacks (the project's own frames before library frames), errors with their
context and the first occurrence of each distinct warning are kept verbatim,
in that order of importance, as far as the budget goes. Everything between
kept lines is folded into templates (``[×1,201] tests/test_calc.py::test_add[{0–1200}] PASSED``)
or, when even that is too long, into a count of omitted lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ...contract import Compressed, Context, Item
from . import signals
from .blocks import blocks, sections
from .gaps import fold_gaps, span
from .signals import Role
from .templates import TemplateIndex

_MIN_LINES = 8
# Lines after an error that still explain it (a traceback, a compiler's caret).
_CONTEXT_AFTER = 30
_CONTEXT_BEFORE = 8
_EDGE_LINES = 3
# Repeats of one error template kept verbatim before the rest are only counted.
_ERROR_REPEATS = 2
# Share of the budget the kept lines may take; the rest folds the gaps between them.
_KEPT_SHARE = 0.8
# What a note like "[… 1,204 lines omitted (lines 4–1207)]" costs, for a kept line that opens a new gap.
_GAP_NOTE_TOKENS = 14
_FIT_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class _Priority:
    """Lower keeps first. Names say why a line is worth keeping."""

    SUMMARY = 0
    FAILURE = 1
    KEY = 2
    CONTEXT = 3
    BODY = 4
    EDGE = 5
    EXTRA = 6


P = _Priority
# Failures and warnings fold only among themselves, never into the ordinary lines they resemble.
_GROUP = {Role.ERROR: 1, Role.WARNING: 2, Role.SUMMARY: 3, Role.SECTION: 4}


class LogCompressor:
    """Compresses line-oriented logs: test runs, builds, installs, application logs."""

    name = "log"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Keep failures, errors, warnings and summaries; fold repeated lines into templates."""
        lines = content.split("\n")
        if content.endswith("\n"):
            lines.pop()
        if len(lines) < _MIN_LINES:
            return None
        clean = [line.rstrip("\r") for line in lines]
        roles = [signals.classify(line) for line in clean]
        templates = TemplateIndex()
        template_of = [templates.add(i, line, _GROUP.get(roles[i], 0)) for i, line in enumerate(clean)]
        failure_sections = sections(clean, roles)
        priority = _priorities(clean, roles, template_of, templates, failure_sections)
        allowance = ctx.budget_tokens * _KEPT_SHARE
        for _ in range(_FIT_ATTEMPTS):
            kept = _select(clean, priority, ctx, allowance)
            text, shown = _render(clean, kept, template_of, templates, roles, ctx)
            tokens = ctx.count_tokens(text)
            if tokens <= ctx.budget_tokens:
                break
            # The notes between far-apart kept lines cost more than estimated: keep fewer lines.
            allowance *= ctx.budget_tokens / tokens * 0.9
        items = [Item(span(a, b), "\n".join(lines[a:b])) for a, b in blocks(clean, roles, failure_sections)]
        return Compressed(
            text=text,
            summary=_summary(clean, roles, kept, shown),
            transform="log:templates",
            items=items,
        )


def _priorities(
    lines: list[str],
    roles: list[Role],
    template_of: list[int],
    templates: TemplateIndex,
    failure_sections: list[tuple[int, int]],
) -> dict[int, int]:
    """How much each notable line is worth keeping; unlisted lines are folded."""
    priority: dict[int, int] = {}

    def offer(index: int, value: int) -> None:
        if 0 <= index < len(lines) and lines[index].strip():
            priority[index] = min(priority.get(index, value), value)

    for start, end in failure_sections:
        offer(start, P.FAILURE)
        frame_priority = P.BODY
        for index in range(start + 1, end):
            role, line = roles[index], lines[index]
            if role is Role.FRAME:
                frame_priority = P.EXTRA if signals.is_library_frame(line) else P.KEY
                offer(index, frame_priority)
            elif role in (Role.ERROR, Role.SUMMARY):
                offer(index, P.KEY)
            elif role is Role.CONTINUATION and frame_priority == P.EXTRA:
                offer(index, P.EXTRA)
            else:
                offer(index, P.CONTEXT if index - start <= 3 or index == end - 1 else P.BODY)
    seen_errors: Counter[int] = Counter()
    seen_warnings: set[int] = set()
    for index, role in enumerate(roles):
        if role is Role.SUMMARY:
            offer(index, P.SUMMARY)
        elif role is Role.ERROR:
            seen_errors[template_of[index]] += 1
            offer(index, P.FAILURE if seen_errors[template_of[index]] <= _ERROR_REPEATS else P.EXTRA)
            _offer_context(lines, roles, index, offer)
        elif role is Role.SECTION:
            offer(index, P.FAILURE)
        elif role is Role.WARNING and template_of[index] not in seen_warnings:
            seen_warnings.add(template_of[index])
            offer(index, P.CONTEXT)
            for after in range(index + 1, min(len(lines), index + 4)):
                if not signals.is_continuation(lines[after]):
                    break
                offer(after, P.EXTRA)
        elif signals.is_separator(lines[index]) and any(c.isalpha() for c in lines[index]):
            offer(index, P.BODY)
    for index in [*range(_EDGE_LINES), *range(len(lines) - _EDGE_LINES, len(lines))]:
        offer(index, P.EDGE)
    return priority


def _offer_context(lines: list[str], roles: list[Role], index: int, offer) -> None:
    """The lines that explain an error: indented lines before it, its traceback or caret after it.

    Library frames (and the source lines under them) come last, so a tight
    budget keeps the project's own frames.
    """
    before = index
    while before > 0 and index - before < _CONTEXT_BEFORE and signals.is_continuation(lines[before - 1]):
        before -= 1
    after = index + 1
    while (
        after < len(lines)
        and after - index <= _CONTEXT_AFTER
        and (roles[after] is Role.FRAME or roles[after] is Role.CONTINUATION)
    ):
        after += 1
    frame_priority = P.CONTEXT
    for position in range(before, after):
        if position == index:
            continue
        if roles[position] is Role.FRAME:
            frame_priority = P.EXTRA if signals.is_library_frame(lines[position]) else P.CONTEXT
        offer(position, frame_priority)


def _select(lines: list[str], priority: dict[int, int], ctx: Context, allowance: float) -> list[int]:
    """The notable lines that fit ``allowance`` tokens, most important first.

    A line away from every kept line opens a new gap, whose note costs too.
    """
    query = (ctx.query or "").lower()
    used = 0.0
    kept: list[int] = []
    kept_set: set[int] = set()
    # A line naming what the caller asked about is worth as much as a failure.
    order = sorted(
        priority, key=lambda i: (min(priority[i], P.FAILURE) if query and query in lines[i].lower() else priority[i], i)
    )
    for index in order:
        cost = ctx.count_tokens(lines[index]) + 1
        if index - 1 not in kept_set and index + 1 not in kept_set:
            cost += _GAP_NOTE_TOKENS
        if used + cost > allowance:
            if priority[index] <= P.FAILURE:
                continue  # a later failure may be shorter
            break
        used += cost
        kept.append(index)
        kept_set.add(index)
    return sorted(kept)


def _render(
    lines: list[str],
    kept: list[int],
    template_of: list[int],
    templates: TemplateIndex,
    roles: list[Role],
    ctx: Context,
) -> tuple[str, int]:
    """The kept lines in order, with notes on repeats, and every gap between them folded."""
    kept_set = set(kept)
    kept_tokens = sum(ctx.count_tokens(lines[i]) + 1 for i in kept)
    notes = _repeat_notes(kept, template_of, templates, roles, kept_set)
    note_tokens = sum(ctx.count_tokens(note) + 1 for note in notes.values())
    allowance = max(0, ctx.budget_tokens - kept_tokens - note_tokens)
    folded = fold_gaps(lines, kept, template_of, templates, allowance, ctx.count_tokens)
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in folded:
            end, text = folded[index]
            out.extend(text)
            index = end
            continue
        out.append(lines[index])
        if index in notes:
            out.append(notes[index])
        index += 1
    return "\n".join(out), len(kept)


def _repeat_notes(
    kept: list[int], template_of: list[int], templates: TemplateIndex, roles: list[Role], kept_set: set[int]
) -> dict[int, str]:
    """After the first kept line of a repeated error or warning: how often it occurs in all."""
    notes: dict[int, str] = {}
    noted: set[int] = set()
    for index in kept:
        if roles[index] not in (Role.ERROR, Role.WARNING):
            continue
        template_id = template_of[index]
        if template_id in noted:
            continue
        noted.add(template_id)
        members = templates.templates[template_id].lines
        hidden = [i for i in members if i not in kept_set]
        if hidden:
            notes[index] = f"[↑ ×{len(members):,} in all; {len(hidden):,} more not shown, {span(hidden[0], hidden[-1] + 1)}]"
    return notes


def _summary(lines: list[str], roles: list[Role], kept: list[int], shown: int) -> str:
    kept_set = set(kept)
    omitted: Counter[str] = Counter()
    for index, line in enumerate(lines):
        if index in kept_set or not line.strip():
            continue
        omitted[_category(line, roles[index])] += 1
    parts = ", ".join(f"{count:,} {name}" for name, count in sorted(omitted.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(omitted.values())
    return f"{len(lines):,} log lines → {shown:,} kept verbatim; {total:,} folded into counts ({parts})"


def _category(line: str, role: Role) -> str:
    if role in (Role.ERROR, Role.SECTION):
        return "error"
    if role is Role.WARNING:
        return "warning"
    if role in (Role.FRAME, Role.CONTINUATION):
        return "indented/trace"
    if signals.is_passing(line):
        return "passing"
    return "other"
