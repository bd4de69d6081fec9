"""The omitted lines between kept ones, folded as finely as the budget allows.

Each gap is first a bare count (``[… 401 lines omitted (lines 13–414)]``).
Gaps are then refined in order while the budget lasts: the three biggest
templates with counts, then every repeated template, then every line kind
(a line that occurs once is shown as itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...wording import line_span
from .templates import TemplateIndex

# A note about one or two lines costs as much as the lines themselves.
_RAW_GAP = 2
_TOP_TEMPLATES = 3
# A fold of bare ``E`` or ``_ _ _`` lines tells nothing: it is counted among the other lines instead.
_WORDY = re.compile(r"\] .*[^\W_]{2}")


@dataclass(slots=True)
class _Kind:
    """Lines of one template inside one gap."""

    count: int
    first: int
    text: str


class _Gap:
    def __init__(self, start: int, end: int, members: list[int], kinds: list[_Kind]):
        self.start, self.end, self.members, self.kinds = start, end, members, kinds

    def fold(self, level: int) -> list[str]:
        """Level 3 a bare count, 2 the biggest templates, 1 every repeated one, 0 every kind of line."""
        if level == 3:
            return [f"[… {len(self.members):,} lines omitted ({line_span(self.start, self.end)})]"]
        if level == 0:
            chosen = self.kinds
        else:
            repeated = [kind for kind in self.kinds if kind.count > 1 and _WORDY.search(kind.text)]
            if level == 2:
                repeated = sorted(repeated, key=lambda kind: (-kind.count, kind.first))[:_TOP_TEMPLATES]
            chosen = sorted(repeated, key=lambda kind: kind.first)
        if not chosen:
            return self.fold(3)
        out = [kind.text for kind in chosen]
        rest = len(self.members) - sum(kind.count for kind in chosen)
        if rest:
            out.append(f"[… {rest:,} other line{'s' if rest > 1 else ''} omitted ({line_span(self.start, self.end)})]")
        return out


def fold_gaps(
    lines: list[str],
    kept: list[int],
    template_of: list[int],
    templates: TemplateIndex,
    allowance: int,
    count_tokens: Callable[[str], int],
) -> dict[int, tuple[int, list[str]]]:
    """For each gap between ``kept`` lines: its start mapped to its end and its folded lines."""
    gaps: list[_Gap] = []
    result: dict[int, tuple[int, list[str]]] = {}
    previous = 0
    for index in [*kept, len(lines)]:
        if index > previous:
            members = [i for i in range(previous, index) if lines[i].strip()]
            if len(members) <= _RAW_GAP:
                result[previous] = (index, [lines[i] for i in members])
            else:
                gaps.append(_Gap(previous, index, members, _kinds(lines, members, template_of, templates)))
        previous = index + 1

    counted: dict[str, int] = {}

    def cost(text: list[str]) -> int:
        # Each level's folding repeats most of the previous one's lines: each line is counted once.
        total = 0
        for line in text:
            tokens = counted.get(line)
            if tokens is None:
                tokens = counted[line] = count_tokens(line)
            total += tokens + 1
        return total

    folded = {gap.start: gap.fold(3) for gap in gaps}
    # Short gaps shown as they are take their share of the allowance first.
    used = sum(cost(text) for _, text in result.values()) + sum(cost(text) for text in folded.values())
    for level in (2, 1, 0):
        for gap in gaps:
            finer = gap.fold(level)
            extra = cost(finer) - cost(folded[gap.start])
            if used + extra <= allowance:
                folded[gap.start] = finer
                used += extra
    for gap in gaps:
        result[gap.start] = (gap.end, folded[gap.start])
    return result


def _kinds(lines: list[str], members: list[int], template_of: list[int], templates: TemplateIndex) -> list[_Kind]:
    """The templates of a gap's lines in order of first appearance, rendered over the gap's lines only."""
    by_template: dict[int, list[int]] = {}
    for i in members:
        by_template.setdefault(template_of[i], []).append(i)
    kinds = []
    for template_id, indices in by_template.items():
        template = templates.templates[template_id]
        for group in template.split([lines[i] for i in indices]):
            chosen = [indices[g] for g in group]
            if len(chosen) == 1:
                text = lines[chosen[0]]
            else:
                text = f"[×{len(chosen):,}] {template.render(lines[i] for i in chosen)}"
            kinds.append(_Kind(len(chosen), chosen[0], text))
    return sorted(kinds, key=lambda kind: kind.first)
