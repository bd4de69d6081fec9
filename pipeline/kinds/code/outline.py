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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cuts import Cutter, Options
from .nodes import DEFINITION_KINDS, Member, NodeReader, last_row, named
from .syntax import Syntax
from .text import Edit, Source, span

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Definition", "Options", "Outline", "walk"]


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


def walk(root: Node, source: Source, syntax: Syntax, options: Options) -> Outline:
    """The outline of the file whose tree is ``root``."""
    walker = _Walker(NodeReader(source, syntax), options)
    walker.scope(named(root), 0, None, docstrings=True)
    walker.outline.edits = walker.cutter.cuts.edits
    walker.outline.elided_rows = walker.cutter.cuts.hidden_rows
    return walker.outline


class _Walker:
    def __init__(self, reader: NodeReader, options: Options):
        self.reader = reader
        self.syntax = reader.syntax
        self.source = reader.source
        self.options = options
        self.cutter = Cutter(reader, options, self.scope)
        self.outline = Outline()

    def scope(self, members: list[Node], depth: int, parent: Definition | None, docstrings: bool = False) -> None:
        """Walk one level: a module, a class body, an ``#ifdef`` block.

        Comments and attributes directly above a member are its prefix (doc
        comment, ``#[derive]``). ``docstrings`` is true where a bare string
        is documentation: a module or class body.
        """
        comments, attributes = self.syntax.comments, self.syntax.attributes
        prefix: list[Node] = []
        dropped: list[Definition] = []
        seen: set[str] = set()
        previous_row = -1
        for node in members:
            if node.type in comments and node.start_point.row == previous_row:
                continue  # a comment at the end of a code line belongs to that line
            if prefix and node.start_point.row > last_row(prefix[-1]) + 1:
                self.cutter.comments(prefix)
                prefix = []
            if node.type in comments or node.type in attributes:
                prefix.append(node)
                continue
            if docstrings and self.reader.is_docstring(node):
                self.cutter.comments(prefix)
                self.cutter.docstring(node)
            else:
                self._member(node, prefix, depth, parent, dropped, seen)
            prefix = []
            previous_row = last_row(node)
        self.cutter.comments(prefix)
        self._drop(dropped)

    def _member(
        self,
        node: Node,
        prefix: list[Node],
        depth: int,
        parent: Definition | None,
        dropped: list[Definition],
        seen: set[str],
    ) -> None:
        member = self.reader.classify(node)
        cutter, options = self.cutter, self.options
        if member.kind not in DEFINITION_KINDS:
            self._drop(dropped)
            cutter.comments(prefix)
            if member.kind == "transparent":
                self.scope(self.reader.members(member.node), depth, parent)
            elif member.kind == "constant":
                cutter.shorten(node, options.type_rows, depth, parent)
            elif member.kind not in ("import", "export"):
                cutter.shorten(node, options.other_rows, depth, parent)
            return
        definition = self._definition(node, member, prefix, depth, parent)
        self.outline.definitions.append(definition)
        overload = definition.kind in ("function", "method") and definition.name in seen
        seen.add(definition.name)
        if overload and options.drop_overloads and definition.key not in options.keep:
            dropped.append(definition)
            return
        if depth >= 1 and definition.key not in options.keep and (
            (options.drop_private and definition.private)
            or (
                options.drop_members
                and definition.kind in ("function", "method", "field")
                and (options.drop_members_of is None or definition.parent_key in options.drop_members_of)
            )
            or (options.drop_depth is not None and depth >= options.drop_depth)
        ):
            dropped.append(definition)
            return
        self._drop(dropped)
        if definition.key in options.keep:
            self.outline.kept_whole.append(definition)
            return
        cutter.comments(prefix)
        if member.kind == "function":
            cutter.function(member.function or member.node)
        elif member.kind == "field":
            cutter.shorten(node, options.other_rows, depth, parent)
        elif member.kind == "container":
            self.scope(self.reader.members(member.node), depth + 1, definition, docstrings=True)
        else:
            cutter.shorten_type(node, member.node, depth, parent)

    def _definition(
        self, node: Node, member: Member, prefix: list[Node], depth: int, parent: Definition | None
    ) -> Definition:
        reader = self.reader
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
            start_row=prefix[0].start_point.row if prefix else node.start_point.row,
            end_row=last_row(node),
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
