"""One big collection as the output shows it: its header, its lossless table, its rows one by one."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from operator import add, mul, sub
from typing import Any

from . import render
from .locate import Collection


class Rows:
    """A big array or map as shown; rows are rendered only when asked (50 MB arrays).

    An array row reads ``[index] row``, a map entry ``"key": value``; a
    record with the table's columns is a table row, the columns with one value
    everywhere said once in the header.
    """

    def __init__(
        self,
        collection: Collection,
        surrogates: bool,
        pick: render.Picker,
        json_lines: bool = False,
        limits: render.Limits = render.DEFAULT,
    ):
        self.array = collection
        self.surrogates = surrogates
        self.pick = pick
        self.limits = limits
        self.is_map = collection.keys is not None
        self.noun = "JSON lines" if json_lines else "entries" if self.is_map else "records"
        self.columns, self._is_table = render.table_layout(collection.rows)
        columns = self.columns
        table = list(itertools.compress(collection.rows, self._is_table))
        self.table_rows = len(table)
        constant = render.constant_columns(table, columns)
        self.constants: dict[str, Any] = {key: table[0][key] for key in constant} if table else {}
        # A table row drops each key's '"key":' from the record's minified text.
        self.key_chars = sum(len(render.dumps(k, surrogates)) + 1 for k in columns or ())
        self.constant_chars = sum(
            len(render.dumps(k, surrogates)) + len(render.dumps(v, surrogates)) + 2 for k, v in self.constants.items()
        )
        self.factored = False  # True: constants said once in the header (when the plain table is over budget)
        self._lines: dict[int, str] = {}
        self._costs: dict[int, int] = {}
        self._same: dict[int, bool] = {}  # whether shortening leaves the row as it is, once known
        self._texts = _Texts(collection.texts)  # shared with the tightened copies: it does not depend on limits
        self._family: dict[tuple[render.Limits, bool], Rows] = {}  # this view and its tightened copies

    def tightened(self, limits: render.Limits) -> Rows:
        """The same collection with long values shortened to ``limits`` (its shape is not worked out again).

        Asked twice, the same view (and the rows it has rendered) comes back.
        """
        tight = self._family.get((limits, self.factored))
        if tight is None:
            tight = copy.copy(self)  # shares the shape, the table flags, the facts of the texts, the family
            tight.limits = limits
            tight._lines, tight._costs, tight._same = {}, {}, {}
            self._family[limits, self.factored] = tight
        return tight

    @property
    def others(self) -> bool:
        """True when some records do not fit the table's columns (they are shown whole)."""
        return self.columns is not None and self.table_rows < len(self.array.rows)

    def _constants(self) -> dict[str, Any]:
        return self.constants if self.factored else {}

    def header(self, shown: int | None) -> str:
        """The line introducing this collection in the output."""
        layout = '"key": value' if self.is_map else "[index] row"
        return render.header(
            self.array.path,
            len(self),
            shown,
            self.columns,
            self.surrogates,
            self.others,
            self.noun,
            self._constants(),
            layout,
        )

    def table_chars(self) -> int:
        """Length of the lossless table body, computed without rendering it."""
        saved = self.key_chars + (self.constant_chars if self.factored else 0)
        # A map entry reads '"key":value' where its text is '{"key":value}'.
        return self.array.chars - saved * self.table_rows - (2 * len(self) if self.is_map else 0)

    def table(self) -> list[str]:
        """Every row, unshortened, as a table row or (other keys) the record itself."""
        return [self._prefix(i) + self._render(i, row) for i, row in enumerate(self.array.rows)]

    def line(self, index: int) -> str:
        """Row ``index`` as shown in the lossy form, long values shortened."""
        line = self._lines.get(index)
        if line is None:
            row = self.array.rows[index]
            if not self._unchanged(index):
                row = render.shorten(row, self.pick, self.limits)
            line = self._lines[index] = self._prefix(index, lossy=True) + self._render(index, row)
        return line

    def _prefix(self, index: int, lossy: bool = False) -> str:
        if self.is_map:
            return render.dumps(self.array.keys[index], self.surrogates) + ": "
        return f"[{index}] " if lossy else ""

    def _render(self, index: int, row: Any) -> str:
        """Row ``index`` (``row``: it, or it shortened) as a table row or as the record itself."""
        if self._is_table and self._is_table[index]:
            return render.table_row(row, self.surrogates, tuple(self._constants()))
        if row is self.array.rows[index]:  # unshortened: its text is already minified
            return self._text(index)
        return render.dumps(row, self.surrogates)

    def _text(self, index: int) -> str:
        """The minified row: a map entry's text without its key (``{"key":value}`` holds ``value``)."""
        text = self.array.texts[index]
        if self.is_map:
            return text[len(render.dumps(self.array.keys[index], self.surrogates)) + 2 : -1]
        return text

    def _unchanged(self, index: int) -> bool:
        """True when shortening leaves row ``index`` as it is (its text alone often tells)."""
        same = self._same.get(index)
        if same is None:
            plain = self._plain_text(index)
            same = plain if plain is not None else not render.is_shortened(self.array.rows[index], self.limits)
            self._same[index] = same
        return same

    def _plain_text(self, index: int) -> bool | None:
        """Whether shortening leaves row ``index`` as it is, as far as its text tells (None: it cannot tell)."""
        limits = self.limits
        length, commas, stretch = self._texts.row(index)
        if commas >= limits.items:
            return None
        if length <= limits.string + 2 or (stretch is not None and stretch <= limits.string):
            return True
        return None

    def _unshortened_cost(self, index: int) -> int:
        """``self[index]`` of a row that shortening leaves as it is, from its text."""
        text = self.array.texts[index]
        saved = self.key_chars if self._is_table and self._is_table[index] else 0
        if self.is_map:  # '{"key":value}' is shown as '"key": value'
            return len(text) - saved
        return len(text) + len(str(index)) + 4 - saved  # '[index] ' before it

    def known_cost(self, index: int) -> int | None:
        """``self[index]`` when known without rendering or walking the row, else None."""
        cost = self._costs.get(index)
        if cost is None and not self.factored and self._plain_text(index):
            cost = self._costs[index] = self._unshortened_cost(index)
        return cost

    @property
    def costs(self) -> Sequence[int]:
        """Each row's cost (see ``__getitem__``): worked out at once when no row needs shortening."""
        if self.factored or not self._texts.unshortened(self.limits):
            return self
        if self._texts.costs is None:
            self._texts.costs = self._unshortened_costs()
        return self._texts.costs

    def _unshortened_costs(self) -> list[int]:
        """``self[i]`` for every row, when shortening leaves every row as it is (see ``_unshortened_cost``)."""
        # The text (a map entry's braces make up for '": "' and the line break), at C speed.
        costs = list(map(len, self.array.texts))
        if not self.is_map:  # '[index] ' before the row, and the line break
            widths = map(len, map(str, range(len(self))))
            costs = list(map(add, map(add, costs, widths), itertools.repeat(4)))
        if any(self._is_table):  # a table row less its keys: a flag times the keys' length
            costs = list(map(sub, costs, map(mul, self._is_table, itertools.repeat(self.key_chars))))
        return costs

    def __getitem__(self, index: int) -> int:
        """The cost in characters of showing row ``index`` (``select_rows`` reads costs this way)."""
        cost = self._costs.get(index)
        if cost is None:
            if not self.factored and self._unchanged(index):
                cost = self._unshortened_cost(index)
            else:
                cost = len(self.line(index)) + 1
            self._costs[index] = cost
        return cost

    def __len__(self) -> int:
        return len(self.array.rows)

    def know_longest_string(self, length: int) -> None:
        """Learn that no row holds an object, a list or a string longer than ``length`` (then shortening to
        any limits at least that long leaves every row as it is; see ``costs``)."""
        self._texts.longest_string = length


class _Texts:
    """What the rows' texts tell of every row at once, worked out when first asked."""

    def __init__(self, texts: list[str]):
        self._all = texts
        self._facts: tuple[bool, int] | None = None
        self._rows: list[tuple[int, int, int | None] | None] = [None] * len(texts)
        self.costs: list[int] | None = None  # the rows' costs once known: the same under any limits
        self.longest_string: int | None = None  # see Rows.know_longest_string

    def row(self, index: int) -> tuple[int, int, int | None]:
        """What row ``index``'s text tells: its length, its commas when it holds a list (else -1), and
        the longest stretch between two quotes (None when it holds an escaped quote).

        A list of more than the limit's items holds that many commas. A string's text is at least as
        long as the string, between two quotes, holding none unless an escaped one: so a text no longer
        than the limit and its quotes, or whose longest stretch is no longer than the limit, holds no
        string over the limit.
        """
        facts = self._rows[index]
        if facts is None:
            text = self._all[index]
            commas = text.count(",") if "[" in text else -1
            stretch = max(map(len, text.split('"'))) if '\\"' not in text else None
            facts = self._rows[index] = (len(text), commas, stretch)
        return facts

    def unshortened(self, limits: render.Limits) -> bool:
        """True when shortening to ``limits`` surely leaves every row as it is: no list, no long text."""
        if self.longest_string is not None and self.longest_string <= limits.string:
            return True
        if self._facts is None:
            self._facts = ("[" in "\n".join(self._all), max(map(len, self._all), default=0))
        has_list, longest = self._facts
        # A string's text is two characters longer than the string, or more (see row).
        return not has_list and longest <= limits.string + 2
