"""The omitted lines between kept ones, folded as finely as the budget allows.

Each gap is first a bare count (``[… 401 lines omitted (lines 13–414)]``).
Gaps are then refined in order while the budget lasts: the three biggest
templates with counts, then every repeated template, then every line kind
(a line that occurs once is shown as itself).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ...wording import line_span
from .counts import TokenCounts
from .templates import TemplateIndex

# A note about one or two lines costs as much as the lines themselves.
_RAW_GAP = 2
_TOP_TEMPLATES = 3
# A fold of bare ``E`` or ``_ _ _`` lines tells nothing: it is counted among the other lines instead.
_WORDY = re.compile(r"\] .*[^\W_]{2}")
# What a line costs at the fewest: one token and its line break.
_FEWEST_TOKENS = 2


@dataclass(slots=True)
class _Kind:
    """Lines of one template inside one gap."""

    count: int
    first: int
    text: str


# A gap's lines told kind by kind, and its kinds of several lines (:func:`_kinds`).
_Kinds = tuple[list[str], list[_Kind]]


class _Gap:
    """The lines between two kept ones: each kind of line in order, and the kinds of several lines.

    The kinds are worked out on the first fold finer than a bare count: a gap
    the budget leaves at its count is never read line by line.
    """

    def __init__(self, start: int, end: int, members: list[int], read: Callable[[list[int]], _Kinds]):
        self.start, self.end, self.members = start, end, members
        self._read = read
        self._folds: dict[int, list[str]] = {}

    @cached_property
    def _kinds(self) -> _Kinds:
        return self._read(self.members)

    @cached_property
    def _wordy(self) -> list[_Kind]:
        """The kinds worth a counted line of their own, in order."""
        return [kind for kind in self._kinds[1] if _WORDY.search(kind.text)]

    def fold(self, level: int) -> list[str]:
        """Level 3 a bare count, 2 the biggest templates, 1 every repeated one, 0 every kind of line."""
        if level not in self._folds:
            self._folds[level] = self._fold(level)
        return self._folds[level]

    def _fold(self, level: int) -> list[str]:
        if level == 3:
            return [f"[… {len(self.members):,} lines omitted ({line_span(self.start, self.end)})]"]
        if level == 0:
            return self._kinds[0]  # every line told: none left to count
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
                    result[previous] = (index, list(filter(str.strip, lines[previous:index])))
                else:
                    gaps.append(gap)
            previous = index + 1

        counts = self._counts

        def cost(text: list[str]) -> int:
            return sum(map(counts.__getitem__, text)) + len(text)

        folded = {gap.start: gap.fold(3) for gap in gaps}
        shown = {start: cost(text) for start, text in folded.items()}
        # Short gaps shown as they are take their share of the allowance first.
        used = sum(cost(text) for _, text in result.values()) + sum(shown.values())
        for level in (2, 1, 0):
            for gap in gaps:
                # Any finer fold holds a line of a token at least: past that, the gap's kinds are not worked out.
                if used + _FEWEST_TOKENS - shown[gap.start] > allowance:
                    continue
                finer = gap.fold(level)
                # A fold too long even at its fewest possible tokens is not worth counting.
                if used + sum(map(counts.floor, finer)) + len(finer) - shown[gap.start] > allowance:
                    continue
                finer_cost = cost(finer)
                if used + finer_cost - shown[gap.start] <= allowance:
                    folded[gap.start] = finer
                    used += finer_cost - shown[gap.start]
                    shown[gap.start] = finer_cost
        for gap in gaps:
            result[gap.start] = (gap.end, folded[gap.start])
        return result

    def _read(self, members: list[int]) -> _Kinds:
        """:func:`_kinds` of a gap's lines."""
        return _kinds(self._lines, members, self._template_of, self._templates)

    def _gap(self, start: int, end: int) -> _Gap | None:
        """The gap of lines ``start`` to ``end``, or None when it is short enough to show as it is."""
        key = (start, end)
        if key not in self._gaps:
            members = list(itertools.compress(range(start, end), map(str.strip, self._lines[start:end])))
            self._gaps[key] = None if len(members) <= _RAW_GAP else _Gap(start, end, members, self._read)
        return self._gaps[key]


def _kinds(lines: list[str], members: list[int], template_of: list[int], templates: TemplateIndex) -> _Kinds:
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
        for group in templates.split(template_id, list(map(lines.__getitem__, indices))):
            if len(group) == 1:
                continue
            chosen = list(map(indices.__getitem__, group))
            text = f"[×{len(chosen):,}] {templates.render(template_id, list(map(lines.__getitem__, chosen)))}"
            repeated.append(_Kind(len(chosen), chosen[0], text))
            folded.update(chosen[1:])
    repeated.sort(key=lambda kind: kind.first)
    text_of = {kind.first: kind.text for kind in repeated}
    shown = list(itertools.filterfalse(folded.__contains__, members))
    return list(map(text_of.get, shown, map(lines.__getitem__, shown))), repeated
