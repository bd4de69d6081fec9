"""Walk a parsed file into an outline: the definitions it holds and the cuts that leave their signatures.

The walk visits the file's top level and the members of its classes, never
the inside of a function body. Each function keeps its decorators, full
signature and the first line of its doc comment or docstring, and loses its
body to a note (``cuts``). Imports stay; so do short statements,
constants and type definitions, while long ones lose their biggest bracketed
part. Under a tight budget private members, then nested ones, are dropped
into a note that counts and names them; top-level signatures always stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cuts import Cutter, Options
from .nodes import DEFINITION_KINDS, Entry, NodeReader
from .syntax import Syntax
from .text import Edit, Source, span

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Definition", "Options", "Outline", "Outliner"]


@dataclass(slots=True)
class Definition:
    """A function, method, class or type found in the file (rows are 0-based and inclusive).

    ``start_row`` includes the doc comment and decorators above it; ``key``
    (the definition node's start byte) identifies it across walks.
    """

    name: str
    kind: str
    label: str
    qualified: str
    start_row: int
    end_row: int
    depth: int
    key: int
    node: Node
    private: bool
    parent_key: int | None = None


@dataclass(slots=True)
class Outline:
    """The edits that turn the source into its outline, and what the walk found."""

    edits: list[Edit] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    elided_rows: int = 0
    dropped: int = 0
    kept_whole: list[Definition] = field(default_factory=list)


# What a scope's walk does with its entries, the same under every option: shrink a run of loose comments,
# cut a docstring (below its prefix), or walk a member (with its prefix).
_LOOSE, _DOCSTRING, _MEMBER = range(3)
_Step = tuple[int, Sequence["Node"], Entry | None]


class Outliner:
    """Outlines one parsed file, once per set of options; what the walks read of the tree is read once."""

    def __init__(self, root: Node, source: Source, syntax: Syntax):
        self._root = root
        self._reader = NodeReader(source, syntax)
        self._definitions: dict[tuple[int, int, int, int], Definition] = {}
        # By the id of a scope's entries: the reader keeps every list it made, so ids are not reused.
        self._steps: dict[tuple[int, bool], list[_Step]] = {}

    def walk(self, options: Options) -> Outline:
        """The outline of the file under ``options``."""
        walker = _Walker(self._reader, options, self._definitions, self._steps)
        walker.scope(self._reader.scope(self._root, members=False), 0, None, docstrings=True)
        walker.outline.edits = walker.cutter.cuts.edits
        walker.outline.elided_rows = walker.cutter.cuts.hidden_rows
        return walker.outline


def _steps(entries: list[Entry], docstrings: bool) -> list[_Step]:
    """A scope's entries as steps: comments and attributes directly above a member are its prefix.

    ``docstrings`` is true where a bare string is documentation: a module or class body.
    """
    steps: list[_Step] = []
    prefix: list[Node] = []
    prefix_end = -1  # the last row of the prefix so far
    previous_row = -1
    for entry in entries:
        if entry.comment and entry.start_row == previous_row:
            continue  # a comment at the end of a code line belongs to that line
        if prefix and entry.start_row > prefix_end + 1:
            steps.append((_LOOSE, prefix, None))
            prefix = []
        if entry.prefix:
            prefix.append(entry.node)
            prefix_end = entry.last_row
            continue
        # Most members have no prefix: they share one empty one (fewer objects for the collector to track).
        steps.append((_DOCSTRING if docstrings and entry.docstring else _MEMBER, prefix or (), entry))
        if prefix:
            prefix = []
        previous_row = entry.last_row
    if prefix:
        steps.append((_LOOSE, prefix, None))
    return steps


class _Walker:
    def __init__(
        self,
        reader: NodeReader,
        options: Options,
        definitions: dict[tuple[int, int, int, int], Definition],
        steps: dict[tuple[int, bool], list[_Step]],
    ):
        self.reader = reader
        self.syntax = reader.syntax
        self.source = reader.source
        self.options = options
        self.cutter = Cutter(reader, options, self.scope)
        self.outline = Outline()
        self.definitions = definitions
        self.steps = steps

    def scope(self, entries: list[Entry], depth: int, parent: Definition | None, docstrings: bool = False) -> None:
        """Walk one level: a module, a class body, an ``#ifdef`` block (see ``_steps``)."""
        key = (id(entries), docstrings)
        steps = self.steps.get(key)
        if steps is None:
            steps = self.steps[key] = _steps(entries, docstrings)
        cutter = self.cutter
        dropped: list[Definition] = []
        seen: set[str] = set()
        for step, prefix, entry in steps:
            if step == _MEMBER:
                self._member(entry, prefix, depth, parent, dropped, seen)
            elif step == _DOCSTRING:
                if prefix:
                    cutter.comments(prefix)
                cutter.docstring(entry.node)
            else:
                cutter.comments(prefix)
        if dropped:
            self._drop(dropped)

    def _member(
        self,
        entry: Entry,
        prefix: Sequence[Node],
        depth: int,
        parent: Definition | None,
        dropped: list[Definition],
        seen: set[str],
    ) -> None:
        node, member = entry.node, entry.member
        cutter, options = self.cutter, self.options
        if member.kind not in DEFINITION_KINDS:
            if dropped:
                self._drop(dropped)
            if prefix:
                cutter.comments(prefix)
            if member.kind == "transparent":
                self.scope(self.reader.scope(member.node, members=True), depth, parent)
            elif member.kind == "constant":
                cutter.shorten(node, options.type_rows, depth, parent)
            elif member.kind not in ("import", "export"):
                cutter.shorten(node, options.other_rows, depth, parent)
            return
        definition = self._definition(entry, prefix, depth, parent)
        self.outline.definitions.append(definition)
        overload = definition.kind in ("function", "method") and definition.name in seen
        seen.add(definition.name)
        if overload and options.drop_overloads and definition.key not in options.keep:
            dropped.append(definition)
            return
        if (
            depth >= 1
            and definition.key not in options.keep
            and (
                (options.drop_private and definition.private)
                or (
                    options.drop_members
                    and definition.kind in ("function", "method", "field")
                    and (options.drop_members_of is None or definition.parent_key in options.drop_members_of)
                )
                or (options.drop_depth is not None and depth >= options.drop_depth)
            )
        ):
            dropped.append(definition)
            return
        if dropped:
            self._drop(dropped)
        if definition.key in options.keep:
            self.outline.kept_whole.append(definition)
            return
        if prefix:
            cutter.comments(prefix)
        if member.kind == "function":
            cutter.function(member.function or member.node)
        elif member.kind == "field":
            cutter.shorten(node, options.other_rows, depth, parent)
        elif member.kind == "container":
            self.scope(self.reader.scope(member.node, members=True), depth + 1, definition, docstrings=True)
        else:
            cutter.shorten_type(node, member.node, depth, parent)

    def _definition(self, entry: Entry, prefix: Sequence[Node], depth: int, parent: Definition | None) -> Definition:
        """The definition ``entry`` makes, the same object in every walk."""
        start_row = prefix[0].start_point.row if prefix else entry.start_row
        key = (entry.node.id, depth, parent.key if parent is not None else -1, start_row)
        found = self.definitions.get(key)
        if found is None:
            found = self.definitions[key] = self._read_definition(entry, start_row, depth, parent)
        return found

    def _read_definition(self, entry: Entry, start_row: int, depth: int, parent: Definition | None) -> Definition:
        reader = self.reader
        node, member = entry.node, entry.member
        name = reader.name(member.node) or reader.name(node) or "?"
        if member.kind == "function":
            kind = label = "method" if parent is not None and parent.kind == "class" else "function"
        elif member.kind == "container":
            kind, label = "class", member.label
        elif member.kind == "field":
            kind = label = "field"
        else:
            kind, label = "type", member.label
        return Definition(
            name=name,
            kind=kind,
            label=label,
            qualified=f"{parent.qualified}.{name}" if parent is not None else name,
            start_row=start_row,
            end_row=entry.last_row,
            depth=depth,
            key=member.node.start_byte,
            node=member.node,
            private=reader.is_private(member.node, name, parent.node if parent is not None else None),
            parent_key=parent.key if parent is not None else None,
        )

    def _drop(self, dropped: list[Definition]) -> None:
        """Replace a run of dropped members with one note that counts and names them."""
        if not dropped:
            return
        first, last = dropped[0].start_row, dropped[-1].end_row
        names = list(dict.fromkeys(definition.name for definition in dropped))
        limit = self.options.note_names
        shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
        private = "private " if all(definition.private for definition in dropped) else ""
        what = f"{len(dropped)} {private}member{'s' if len(dropped) > 1 else ''}"
        # In Python the note is a statement, so a class whose members all went still has a body.
        lead = "...  #" if self.syntax.indented else self.syntax.comment_prefix
        note = f"{self.source.indent(first)}{lead} [{what} elided, {span(first, last)}: {shown}]"
        one_liners = all(definition.start_row == definition.end_row for definition in dropped)
        if one_liners and len(note) >= len(self.source.lines(first, last)):
            # A note as long as the members it replaces saves nothing: they stay as they are.
            dropped.clear()
            return
        self.cutter.note_rows(first, last, note)
        self.outline.dropped += len(dropped)
        dropped.clear()
