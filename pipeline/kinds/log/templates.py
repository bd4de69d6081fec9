"""Drain-style templates: lines that differ only in their variable parts share one template.

Variable parts (timestamps, ids, hex, numbers with their units) are masked by
pattern first; lines of the same length in tokens whose remaining tokens mostly
agree are then merged, the disagreeing positions becoming ``<*>``. Each
template remembers how many lines it covers, where they are and the range of
its values, so a run of 1,200 similar lines can be shown as one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

WILDCARD = "<*>"
# How many tokens must agree (as a share) for two masked lines to share a template.
_SIMILARITY = 0.6
# A bucket holding more templates than this is not a repeating log: stop merging, keep exact.
_MAX_TEMPLATES_PER_BUCKET = 64
_MAX_SLOT_VALUES = 3
# More value combinations than this are not a few kinds of line: one pattern says them better.
_MAX_SPLIT_GROUPS = 6

_TS = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
)
_ID = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b|0x[0-9a-fA-F]+"
)
_NUM = r"\d+(?:[.,]\d+)*(?:ms|µs|us|ns|s|m|h|%|[KMG]i?B|B)?"
_VARIABLE = re.compile(f"(?P<ts>{_TS})|(?P<id>{_ID})|(?P<num>{_NUM})")
# The same masks as three plain substitutions: no Python callback per value, for the first pass over every line.
# Each is tried only where it can match: a timestamp has a colon, an id "0x" or a run of seven hex digits.
_HEX_RUN = re.compile(r"[0-9a-fA-F]{7}")
_MASKS = (
    (re.compile(_TS), "<TS>", lambda line: ":" in line),
    (re.compile(_ID), "<ID>", lambda line: "0x" in line or _HEX_RUN.search(line) is not None),
    (re.compile(_NUM), "<N>", lambda line: True),
)
_RENDER_SAMPLE = 500


@dataclass(slots=True)
class Template:
    """One cluster of similar lines: its tokens (``<*>`` where lines disagree) and where its lines are."""

    tokens: list[str]
    lines: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many lines share this template."""
        return len(self.lines)

    def render(self, members: Iterable[str]) -> str:
        """The template with each value shown as its range over ``members`` (some of its lines).

        Past 500 members the ranges come from 500 evenly spread ones, the
        first and the last always among them.

        Numbers become ``{5–44}ms``, timestamps and ids ``{first … last}``; a
        wildcard shows its value when every member has the same one, else
        ``<*>``: a pattern, never an alternation of unrelated ids
        (:meth:`split` separates the few-valued ones first).
        """
        sample = _spread(list(members), _RENDER_SAMPLE)
        if not sample:
            return " ".join(self.tokens)
        ranges = _Ranges()
        wild = [position for position, token in enumerate(self.tokens) if token == WILDCARD]
        for line in sample:
            ranges.add(wild, line)
        first = masked_text(sample[0].strip()).split()
        slot = 0
        out: list[str] = []
        for position, token in enumerate(self.tokens):
            shape = first[position] if position < len(first) else token
            slots = len(_SLOT_RE.findall(shape))
            if token == WILDCARD:
                seen = ranges.wild.get(position, [])
                if len(seen) != 1:
                    out.append(WILDCARD)
                    slot += slots
                    continue
                token = seen[0]
            numbered = iter(range(slot, slot + slots))
            out.append(_SLOT_RE.sub(lambda _m: ranges.text(next(numbered, None)), token))
            slot += slots
        return " ".join(out)

    def split(self, members: list[str]) -> list[list[int]]:
        """Positions in ``members`` grouped by the values of the wildcards that take only a few values there.

        ``GET /health`` and ``GET /users/alice`` then fold as two counted
        lines rather than one ``{/health|/users/alice}``; wildcards with many
        values (test ids, file names) stay one ``<*>`` pattern.
        """
        wild = [position for position, token in enumerate(self.tokens) if token == WILDCARD]
        if not wild or len(members) < 2:
            return [list(range(len(members)))]
        # An even sample finds the few-valued wildcards; most templates have none, and then nothing more is masked.
        sampled = [masked_text(line.strip()).split() for line in _spread(members, _RENDER_SAMPLE)]
        few: list[int] = []
        for position in wild:
            values = {p[position] if position < len(p) else "" for p in sampled}
            if 1 < len(values) <= _MAX_SLOT_VALUES:
                few.append(position)
        if not few:
            return [list(range(len(members)))]
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, line in enumerate(members):
            groups.setdefault(self._values_at(line, few), []).append(index)
        if len(groups) > _MAX_SPLIT_GROUPS:
            return [list(range(len(members)))]
        return list(groups.values())


    def _values_at(self, line: str, positions: list[int]) -> tuple[str, ...]:
        """What ``line`` holds at ``positions``, numbers aside: the key :meth:`split` groups lines by."""
        raw = line.split()
        if len(raw) == len(self.tokens):
            # No timestamp with a space in it: raw and masked tokens line up; a run of digits stands for a number.
            return tuple(_DIGITS.sub("0", raw[i]) for i in positions)
        parts = masked_text(line.strip()).split()
        return tuple(parts[i] if i < len(parts) else "" for i in positions)


class _Ranges:
    """First, last, lowest and highest value of each slot over a set of lines."""

    def __init__(self) -> None:
        self.first: list[str] = []
        self.last: list[str] = []
        self.numbers: list[tuple[float, float, str] | None] = []
        self.wild: dict[int, list[str]] = {}

    def add(self, wild: list[int], line: str) -> None:
        """Take the values of one line; ``wild`` are the template's wildcard positions."""
        line = line.strip()
        if not wild:
            values = [(match.lastgroup or "num", match.group()) for match in _VARIABLE.finditer(line)]
        else:
            masked, values = mask(line)
            parts = masked.split()
            for position in wild:
                if position < len(parts):
                    seen = self.wild.setdefault(position, [])
                    if parts[position] not in seen and len(seen) <= _MAX_SLOT_VALUES:
                        seen.append(parts[position])
        if not self.first:
            self.first = [text for _, text in values]
            self.last = list(self.first)
            self.numbers = [_as_range(kind, text) for kind, text in values]
            return
        if len(values) != len(self.first):
            return
        for slot, (kind, text) in enumerate(values):
            self.last[slot] = text
            number = self.numbers[slot]
            if number is None:
                continue  # not a plain number somewhere already: only first and last are shown
            parsed = _as_range(kind, text)
            if parsed is None or parsed[2] != number[2]:
                self.numbers[slot] = None
            else:
                self.numbers[slot] = (min(number[0], parsed[0]), max(number[1], parsed[1]), number[2])

    def text(self, slot: int | None) -> str:
        if slot is None or slot >= len(self.first):
            return WILDCARD
        number = self.numbers[slot]
        if number is not None:
            low, high, unit = number
            return self.first[slot] if low == high else f"{{{_fmt(low)}–{_fmt(high)}}}{unit}"
        first, last = self.first[slot], self.last[slot]
        return first if first == last else f"{{{first} … {last}}}"


_SLOT_RE = re.compile(r"<(?:TS|ID|N)>")
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")
_NUMBER_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _spread(items: list[str], limit: int) -> list[str]:
    """At most ``limit`` items evenly spread, always the first and the last: ranges of huge runs stay cheap."""
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def masked_text(line: str) -> str:
    """``line`` with its variable parts replaced by ``<TS>``, ``<ID>`` or ``<N>`` (no values kept: fast)."""
    if not _DIGIT.search(line):
        return line  # every variable part holds a digit
    for pattern, placeholder, possible in _MASKS:
        if possible(line):
            line = pattern.sub(placeholder, line)
    return line


def mask(line: str) -> tuple[str, list[tuple[str, str]]]:
    """``line`` with its variable parts replaced by ``<TS>``, ``<ID>`` or ``<N>``, and the values replaced."""
    values: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup or "num"
        values.append((kind, match.group()))
        return {"ts": "<TS>", "id": "<ID>"}.get(kind, "<N>")

    return _VARIABLE.sub(replace, line), values


class TemplateIndex:
    """Assigns every line a template; lines are added in order."""

    def __init__(self) -> None:
        self.templates: list[Template] = []
        self._exact: dict[tuple[int, str], int] = {}
        self._buckets: dict[tuple[int, int, str], list[int]] = {}

    def add(self, index: int, line: str, group: int = 0, fuzzy: bool = True) -> int:
        """Put line number ``index`` (0-based) into its template and return the template's id.

        Lines of different ``group`` never share a template (a FAILED line must
        not fold into the PASSED lines it resembles). A line added with
        ``fuzzy`` false only joins lines equal to it once masked (source code
        echoed by a compiler: two statements sharing words are not a pattern).
        """
        masked = masked_text(line.strip())
        template_id = self._exact.get((group, masked))
        tokens = masked.split()
        if template_id is None:
            bucket = (group, *self._bucket(tokens))
            template_id = self._match(tokens, bucket) if fuzzy else None
            if template_id is None:
                template_id = len(self.templates)
                self.templates.append(Template(list(tokens)))
                self._buckets.setdefault(bucket, []).append(template_id)
            self._exact[(group, masked)] = template_id
        template = self.templates[template_id]
        self._record(template, index)
        return template_id

    @staticmethod
    def _bucket(tokens: list[str]) -> tuple[int, str]:
        # Lines of one template have the same length and, almost always, the same last word
        # (PASSED, ok, done): bucketing by both keeps merges cheap and precise.
        return len(tokens), tokens[-1] if tokens and tokens[-1] != WILDCARD else ""

    def _match(self, tokens: list[str], key: tuple[int, int, str]) -> int | None:
        if len(tokens) < 3:
            return None
        bucket = self._buckets.get(key, [])
        if len(bucket) > _MAX_TEMPLATES_PER_BUCKET:
            return None
        best, best_score = None, _SIMILARITY
        for template_id in bucket:
            candidate = self.templates[template_id].tokens
            same = sum(1 for a, b in zip(candidate, tokens, strict=True) if a == b or a == WILDCARD)
            score = same / len(tokens)
            if score >= best_score:
                best, best_score = template_id, score
        if best is not None:
            template = self.templates[best]
            for position, (a, b) in enumerate(zip(template.tokens, tokens, strict=True)):
                if a != b and a != WILDCARD:
                    template.tokens[position] = WILDCARD
        return best

    @staticmethod
    def _record(template: Template, index: int) -> None:
        template.lines.append(index)


def _as_range(kind: str, text: str) -> tuple[float, float, str] | None:
    """A number slot's value as a one-point range with its unit (``12ms`` → 12, 12, ``ms``)."""
    if kind != "num":
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    value = float(match.group().replace(",", ""))
    return value, value, text[match.end() :]
