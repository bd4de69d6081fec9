"""Drain-style templates: lines that differ only in their variable parts share one template.

Variable parts (timestamps, ids, hex, numbers with their units) are masked by
pattern first; lines of the same length in tokens whose remaining tokens mostly
agree are then merged, the disagreeing positions becoming ``<*>``. A
template is rendered over some of its lines with the range of their values,
so a run of 1,200 similar lines can be shown as one line.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from operator import eq, ne
from typing import NamedTuple

WILDCARD = "<*>"
# How many tokens must agree (as a share) for two masked lines to share a template.
_SIMILARITY = 0.6
# A bucket holding more templates than this is not a repeating log: stop merging, keep exact.
_MAX_TEMPLATES_PER_BUCKET = 64
_MAX_SLOT_VALUES = 3
# More value combinations than this are not a few kinds of line: one pattern says them better.
_MAX_SPLIT_GROUPS = 6

# Patterns that open with a character class are searched for that class first, position after position
# in C: each mask is written so (one leading digit, not two alternatives each opening with digits).
_TS = (
    r"\d(?:\d{3}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d:\d{2}:\d{2}(?:[.,]\d+)?)"
)
_ID = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b|0x[0-9a-fA-F]+"
)
_NUM = r"\d\d*(?:[.,]\d+)*(?:ms|µs|us|ns|s|m|h|%|[KMG]i?B|B)?"


class _Masks(NamedTuple):
    """The patterns that find values, compiled for one kind of line."""

    digit: re.Pattern[str]
    # Every mask in one pass, each value with its kind. Every value opens with a digit or a hex letter:
    # the lookahead rules out other places at once.
    variable: re.Pattern[str]
    # The same masks as three plain substitutions (no Python callback per value), for the first pass over
    # every line; an id needs a run of seven hex digits (``hex_run``) or "0x".
    timestamp: re.Pattern[str]
    hex_run: re.Pattern[str]
    id: re.Pattern[str]
    number: re.Pattern[str]


def _masks(flags: int = 0) -> _Masks:
    return _Masks(
        re.compile(r"\d", flags),
        re.compile(f"(?=[\\da-fA-F])(?:(?P<ts>{_TS})|(?P<id>{_ID})|(?P<num>{_NUM}))", flags),
        re.compile(_TS, flags),
        re.compile(r"[0-9a-fA-F][0-9a-fA-F]{6}", flags),
        re.compile(f"(?=[0-9a-fA-F])(?:{_ID})", flags),
        re.compile(_NUM, flags),
    )


# On an ASCII line ``\d`` and ``[0-9]`` match alike (so do ``\b`` and ``\w``, and the masks use no ``\s``);
# ASCII patterns test a character without a Unicode table lookup.
_ANY_LINE, _ASCII_LINE = _masks(), _masks(re.ASCII)
_PLACEHOLDERS = {"ts": "<TS>", "id": "<ID>", "num": "<N>"}
_DIGITS_AS_ONE = bytes.maketrans(b"23456789", b"11111111")
_RENDER_SAMPLE = 500
# A number slot's lowest and highest value and its unit.
_Range = tuple[float, float, str]


@dataclass(slots=True)
class Template:
    """One cluster of similar lines: its tokens (``<*>`` where lines disagree)."""

    tokens: list[str]
    # Where the wildcards are, once asked for; forgotten whenever a token becomes one.
    _wild: list[int] | None = None

    @property
    def wild(self) -> list[int]:
        """The positions of the wildcards among :attr:`tokens`."""
        if self._wild is None:
            self._wild = [position for position, token in enumerate(self.tokens) if token == WILDCARD]
        return self._wild

    def render(self, members: list[str], masks: Masks) -> str:
        """The template with each value shown as its range over ``members`` (some of its lines).

        Past 500 members the ranges come from 500 evenly spread ones, the
        first and the last always among them.

        Numbers become ``{5–44}ms``, timestamps and ids ``{first … last}``; a
        wildcard shows its value when every member has the same one, else
        ``<*>``: a pattern, never an alternation of unrelated ids
        (:meth:`split` separates the few-valued ones first).
        """
        sample = _spread(members, _RENDER_SAMPLE)
        if not sample:
            return " ".join(self.tokens)
        ranges = _Ranges()
        wild = self.wild
        for line in sample:
            ranges.add(wild, *masks.values(line))
        first = masks.tokens(sample[0])
        slot = 0
        out: list[str] = []
        for position, token in enumerate(self.tokens):
            shape = first[position] if position < len(first) else token
            # Every slot is written with "<": most tokens hold none and need no pattern.
            slots = len(_SLOT_RE.findall(shape)) if "<" in shape else 0
            if token == WILDCARD:
                seen = ranges.wild.get(position, [])
                if len(seen) != 1:
                    out.append(WILDCARD)
                    slot += slots
                    continue
                token = seen[0]
            if "<" in token:
                numbered = iter(range(slot, slot + slots))
                token = _SLOT_RE.sub(lambda _m: ranges.text(next(numbered, None)), token)
            out.append(token)
            slot += slots
        return " ".join(out)

    def split(self, members: list[str], masks: Masks) -> list[list[int]]:
        """Positions in ``members`` grouped by the values of the wildcards that take only a few values there.

        ``GET /health`` and ``GET /users/alice`` then fold as two counted
        lines rather than one ``{/health|/users/alice}``; wildcards with many
        values (test ids, file names) stay one ``<*>`` pattern.
        """
        if len(members) < 2:
            return [list(range(len(members)))]
        wild = self.wild
        if not wild:
            return [list(range(len(members)))]
        # An even sample finds the few-valued wildcards; most templates have none, and then nothing more is masked.
        sampled = list(map(masks.tokens, _spread(members, _RENDER_SAMPLE)))
        few: list[int] = []
        for position in wild:
            values = {p[position] if position < len(p) else "" for p in sampled}
            if 1 < len(values) <= _MAX_SLOT_VALUES:
                few.append(position)
        if not few:
            return [list(range(len(members)))]
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, line in enumerate(members):
            groups.setdefault(self._values_at(line, few, masks), []).append(index)
        if len(groups) > _MAX_SPLIT_GROUPS:
            return [list(range(len(members)))]
        return list(groups.values())

    def _values_at(self, line: str, positions: list[int], masks: Masks) -> tuple[str, ...]:
        """What ``line`` holds at ``positions``, numbers aside: the key :meth:`split` groups lines by."""
        raw = line.split()
        if len(raw) == len(self.tokens):
            # No timestamp with a space in it: raw and masked tokens line up; a run of digits stands for a number.
            return tuple([_DIGITS.sub("0", raw[i]) for i in positions])
        parts = masks.tokens(line)
        return tuple(parts[i] if i < len(parts) else "" for i in positions)


class _Ranges:
    """First, last, lowest and highest value of each slot over a set of lines."""

    def __init__(self) -> None:
        self.first: list[str] = []
        self.last: list[str] = []
        self.numbers: list[_Range | None] = []
        self.wild: dict[int, list[str]] = {}

    def add(self, wild: list[int], parts: list[str], values: list[tuple[str, _Range | None]]) -> None:
        """Take the values of one line (from :meth:`Masks.values`); ``wild`` are the template's wildcard positions."""
        for position in wild:
            if position < len(parts):
                seen = self.wild.setdefault(position, [])
                if parts[position] not in seen and len(seen) <= _MAX_SLOT_VALUES:
                    seen.append(parts[position])
        if not self.first:
            self.first = [text for text, _ in values]
            self.last = list(self.first)
            self.numbers = [parsed for _, parsed in values]
            return
        if len(values) != len(self.first):
            return
        for slot, (text, parsed) in enumerate(values):
            self.last[slot] = text
            number = self.numbers[slot]
            if number is None:
                continue  # not a plain number somewhere already: only first and last are shown
            if parsed is None or parsed[2] != number[2]:
                self.numbers[slot] = None
            elif parsed[0] < number[0]:
                self.numbers[slot] = (parsed[0], number[1], number[2])
            elif parsed[0] > number[1]:
                self.numbers[slot] = (number[0], parsed[0], number[2])

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
    masks = _ASCII_LINE if line.isascii() else _ANY_LINE
    if not masks.digit.search(line):
        return line  # every variable part holds a digit
    # Each mask is tried only where it can match: a timestamp has a colon, an id "0x" or a run of seven hex digits.
    if ":" in line:
        line = masks.timestamp.sub("<TS>", line)
    if "0x" in line or masks.hex_run.search(line):
        line = masks.id.sub("<ID>", line)
    return masks.number.sub("<N>", line)


def mask(line: str) -> tuple[str, list[tuple[str, str]]]:
    """``line`` with its variable parts replaced by ``<TS>``, ``<ID>`` or ``<N>``, and the values replaced."""
    values: list[tuple[str, str]] = []
    masks = _ASCII_LINE if line.isascii() else _ANY_LINE
    if not masks.digit.search(line) and "-" not in line:
        return line, values  # every variable part holds a digit, but a uuid of letters, which holds dashes

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup or "num"
        values.append((kind, match.group()))
        return _PLACEHOLDERS[kind]

    return masks.variable.sub(replace, line), values


class Masks:
    """Each distinct line's masked forms, worked out once: a log repeats its lines (blank ones, rules, frames)."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._by_shape: dict[bytes, str] = {}
        self._tokens: dict[str, list[str]] = {}
        self._values: dict[str, tuple[list[str], list[tuple[str, _Range | None]]]] = {}
        self._numbers: dict[str, _Range | None] = {}

    def text(self, line: str) -> str:
        """``line`` stripped, its variable parts masked (:func:`masked_text`)."""
        masked = self._text.get(line)
        if masked is None:
            stripped = line.strip()
            # Lines that differ only in digits other than 0 mask alike: the masks tell such digits apart
            # nowhere (only "0x" names one) and leave none unmasked. Each such shape is masked once.
            shape = stripped.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ONE)
            masked = self._by_shape.get(shape)
            if masked is None:
                masked = self._by_shape[shape] = masked_text(stripped)
            self._text[line] = masked
        return masked

    def tokens(self, line: str) -> list[str]:
        """The words of :meth:`text` (shared: not to be changed)."""
        tokens = self._tokens.get(line)
        if tokens is None:
            tokens = self._tokens[line] = self.text(line).split()
        return tokens

    def values(self, line: str) -> tuple[list[str], list[tuple[str, _Range | None]]]:
        """The words of ``line`` stripped and masked by :func:`mask`, and its values with their number ranges."""
        found = self._values.get(line)
        if found is None:
            masked, values = mask(line.strip())
            found = self._values[line] = (masked.split(), [(text, self._number(kind, text)) for kind, text in values])
        return found

    def _number(self, kind: str, text: str) -> _Range | None:
        """:func:`_as_range` of a value; the same value on many lines (a status, an address) is read once."""
        if kind != "num":
            return None
        if text not in self._numbers:
            self._numbers[text] = _as_range(kind, text)
        return self._numbers[text]


class TemplateIndex:
    """Assigns every line a template; lines are added in order."""

    def __init__(self) -> None:
        self.templates: list[Template] = []
        self.masks = Masks()
        self._exact: dict[tuple[int, str], int] = {}
        self._buckets: dict[tuple[int, int, str], list[int]] = {}
        self._rendered: dict[tuple[int | str, ...], str] = {}

    def split(self, template_id: int, members: list[str]) -> list[list[int]]:
        """:meth:`Template.split` of one template over ``members``."""
        return self.templates[template_id].split(members, self.masks)

    def render(self, template_id: int, members: list[str]) -> str:
        """:meth:`Template.render` of one template over ``members``; the same members again are not rendered again.

        (The same source line under every failure's report folds in every gap.)
        """
        if 1 < len(members) <= _RENDER_SAMPLE:
            # A line right after the same line changes no range: each run of one line is read once.
            members = [members[0], *itertools.compress(members[1:], map(ne, members[1:], members))]
        key = (template_id, *members)
        text = self._rendered.get(key)
        if text is None:
            text = self._rendered[key] = self.templates[template_id].render(members, self.masks)
        return text

    def add(self, line: str, group: int = 0, fuzzy: bool = True) -> int:
        """Put ``line`` into its template and return the template's id.

        Lines of different ``group`` never share a template (a FAILED line must
        not fold into the PASSED lines it resembles). A line added with
        ``fuzzy`` false only joins lines equal to it once masked (source code
        echoed by a compiler: two statements sharing words are not a pattern).
        """
        masked = self.masks.text(line)
        template_id = self._exact.get((group, masked))
        if template_id is None:
            tokens = masked.split()
            # Lines of one template have the same length and, almost always, the same last word
            # (PASSED, ok, done): bucketing by both keeps merges cheap and precise.
            bucket = (group, len(tokens), tokens[-1] if tokens and tokens[-1] != WILDCARD else "")
            template_id = self._match(tokens, bucket) if fuzzy else None
            if template_id is None:
                template_id = len(self.templates)
                self.templates.append(Template(tokens))
                self._buckets.setdefault(bucket, []).append(template_id)
            self._exact[(group, masked)] = template_id
        return template_id

    def _match(self, tokens: list[str], key: tuple[int, int, str]) -> int | None:
        if len(tokens) < 3:
            return None
        bucket = self._buckets.get(key, [])
        if len(bucket) > _MAX_TEMPLATES_PER_BUCKET:
            return None
        best, best_score = None, _SIMILARITY
        for template_id in bucket:
            candidate = self.templates[template_id]
            # Tokens equal, compared in C, and the wildcards' other tokens (bucketed lines have as many tokens).
            same = sum(map(eq, candidate.tokens, tokens)) + sum(tokens[p] != WILDCARD for p in candidate.wild)
            score = same / len(tokens)
            if score >= best_score:
                best, best_score = template_id, score
        if best is not None:
            template = self.templates[best]
            # The few positions where the tokens differ are found in C.
            for position in itertools.compress(itertools.count(), map(ne, template.tokens, tokens)):
                if template.tokens[position] != WILDCARD:
                    template.tokens[position] = WILDCARD
                    template._wild = None
        return best


def _as_range(kind: str, text: str) -> _Range | None:
    """A number slot's value as a one-point range with its unit (``12ms`` → 12, 12, ``ms``)."""
    if kind != "num":
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    value = float(match.group().replace(",", ""))
    return value, value, text[match.end() :]
