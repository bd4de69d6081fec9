"""The omitted lines between kept ones, folded as finely as the budget allows.

Each gap is first a bare count (``[… 401 lines omitted (lines 13–414)]``).
Gaps are then refined in order while the budget lasts: the three biggest
templates with counts, then every repeated template, then every line kind
(a line that occurs once is shown as itself).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ...wording import line_span
from .counts import TokenCounts
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
    """The lines between two kept ones: each kind of line in order (``texts``), and the kinds of several lines."""

    def __init__(self, start: int, end: int, members: list[int], texts: list[str], repeated: list[_Kind]):
        self.start, self.end, self.members, self.texts = start, end, members, texts
        # The kinds worth a counted line of their own, in order.
        self._wordy = [kind for kind in repeated if _WORDY.search(kind.text)]
        self._folds: dict[int, list[str]] = {}

    def fold(self, level: int) -> list[str]:
        """Level 3 a bare count, 2 the biggest templates, 1 every repeated one, 0 every kind of line."""
        if level not in self._folds:
            self._folds[level] = self._fold(level)
        return self._folds[level]

    def _fold(self, level: int) -> list[str]:
        if level == 3:
            return [f"[… {len(self.members):,} lines omitted ({line_span(self.start, self.end)})]"]
        if level == 0:
            return self.texts  # every line told: none left to count
        chosen = self._wordy
        if level == 2:
            chosen = sorted(chosen, key=lambda kind: (-kind.count, kind.first))[:_TOP_TEMPLATES]
            chosen.sort(key=lambda kind: kind.first)
        if not chosen:
            return self.fold(3)
        out = [kind.text for kind in chosen]
        rest = len(self.members) - sum(kind.count for kind in chosen)
        if rest:
            out.append(f"[… {rest:,} other line{'s' if rest > 1 else ''} omitted ({line_span(self.start, self.end)})]")
        return out


class GapFolder:
    """Folds the gaps between kept lines; a gap seen before (the budget search tries several) is not re-read."""

    def __init__(self, lines: list[str], template_of: list[int], templates: TemplateIndex, counts: TokenCounts):
        self._lines, self._template_of, self._templates, self._counts = lines, template_of, templates, counts
        self._gaps: dict[tuple[int, int], _Gap | None] = {}

    def fold(self, kept: list[int], allowance: int) -> dict[int, tuple[int, list[str]]]:
        """For each gap between ``kept`` lines: its start mapped to its end and its folded lines."""
        lines = self._lines
        gaps: list[_Gap] = []
        result: dict[int, tuple[int, list[str]]] = {}
        previous = 0
        for index in [*kept, len(lines)]:
            if index > previous:
                gap = self._gap(previous, index)
                if gap is None:
                    result[previous] = (index, [lines[i] for i in range(previous, index) if lines[i].strip()])
                else:
                    gaps.append(gap)
            previous = index + 1

        counts = self._counts

        def cost(text: list[str]) -> int:
            return sum(counts[line] + 1 for line in text)

        folded = {gap.start: gap.fold(3) for gap in gaps}
        # Short gaps shown as they are take their share of the allowance first.
        used = sum(cost(text) for _, text in result.values()) + sum(cost(text) for text in folded.values())
        for level in (2, 1, 0):
            for gap in gaps:
                finer = gap.fold(level)
                shown = cost(folded[gap.start])
                # A fold too long even at its fewest possible tokens is not worth counting.
                if used + sum(counts.floor(line) + 1 for line in finer) - shown > allowance:
                    continue
                extra = cost(finer) - shown
                if used + extra <= allowance:
                    folded[gap.start] = finer
                    used += extra
        for gap in gaps:
            result[gap.start] = (gap.end, folded[gap.start])
        return result

    def _gap(self, start: int, end: int) -> _Gap | None:
        """The gap of lines ``start`` to ``end``, or None when it is short enough to show as it is."""
        key = (start, end)
        if key not in self._gaps:
            members = [i for i in range(start, end) if self._lines[i].strip()]
            self._gaps[key] = (
                None
                if len(members) <= _RAW_GAP
                else _Gap(start, end, members, *_kinds(self._lines, members, self._template_of, self._templates))
            )
        return self._gaps[key]


def _kinds(
    lines: list[str], members: list[int], template_of: list[int], templates: TemplateIndex
) -> tuple[list[str], list[_Kind]]:
    """Each kind of a gap's lines in order of first appearance, and the kinds of several lines.

    A kind is a template's lines (of one value where :meth:`TemplateIndex.split` tells
    them apart), rendered over the gap's lines only; a line alone is shown as itself.
    """
    by_template: defaultdict[int, list[int]] = defaultdict(list)
    for i in members:
        by_template[template_of[i]].append(i)
    repeated: list[_Kind] = []
    folded: set[int] = set()  # the lines a kind of several lines stands for, but its first
    for template_id, indices in by_template.items():
        if len(indices) == 1:
            continue
        for group in templates.split(template_id, [lines[i] for i in indices]):
            if len(group) == 1:
                continue
            chosen = [indices[g] for g in group]
            text = f"[×{len(chosen):,}] {templates.render(template_id, [lines[i] for i in chosen])}"
            repeated.append(_Kind(len(chosen), chosen[0], text))
            folded.update(chosen[1:])
    repeated.sort(key=lambda kind: kind.first)
    text_of = {kind.first: kind.text for kind in repeated}
    return [text_of.get(i, lines[i]) for i in members if i not in folded], repeated
