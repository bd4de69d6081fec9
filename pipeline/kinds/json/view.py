"""One big collection as the output shows it: its header, its lossless table, its rows one by one."""

from __future__ import annotations

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
        self.columns = render.common_keys(collection.rows)
        columns = self.columns
        self.table_rows = sum(render.is_table_row(row, columns) for row in collection.rows) if columns else 0
        constant = render.constant_columns(collection.rows, columns)
        first = next((row for row in collection.rows if render.is_table_row(row, columns)), None)
        self.constants: dict[str, Any] = {key: first[key] for key in constant} if first is not None else {}
        # A table row drops each key's '"key":' from the record's minified text.
        self.key_chars = sum(len(render.dumps(k, surrogates)) + 1 for k in columns or ())
        self.constant_chars = sum(
            len(render.dumps(k, surrogates)) + len(render.dumps(v, surrogates)) + 2 for k, v in self.constants.items()
        )
        self.factored = False  # True: constants said once in the header (when the plain table is over budget)
        self._lines: dict[int, str] = {}

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
            self.array.path, len(self), shown, self.columns, self.surrogates, self.others, self.noun,
            self._constants(), layout,
        )

    def table_chars(self) -> int:
        """Length of the lossless table body, computed without rendering it."""
        saved = self.key_chars + (self.constant_chars if self.factored else 0)
        # A map entry reads '"key":value' where its text is '{"key":value}'.
        return self.array.chars - saved * self.table_rows - (2 * len(self) if self.is_map else 0)

    def table(self) -> list[str]:
        """Every row, unshortened, as a table row or (other keys) the record itself."""
        return [self._prefix(i) + self._render(row) for i, row in enumerate(self.array.rows)]

    def line(self, index: int) -> str:
        """Row ``index`` as shown in the lossy form, long values shortened."""
        line = self._lines.get(index)
        if line is None:
            row = render.shorten(self.array.rows[index], self.pick, self.limits)
            line = self._lines[index] = self._prefix(index, lossy=True) + self._render(row)
        return line

    def _prefix(self, index: int, lossy: bool = False) -> str:
        if self.is_map:
            return render.dumps(self.array.keys[index], self.surrogates) + ": "
        return f"[{index}] " if lossy else ""

    def _render(self, row: Any) -> str:
        return render.render_row(row, self.columns, self.surrogates, tuple(self._constants()))

    def __getitem__(self, index: int) -> int:
        """The cost in characters of showing row ``index`` (``select_rows`` reads costs this way)."""
        return len(self.line(index)) + 1

    def __len__(self) -> int:
        return len(self.array.rows)
