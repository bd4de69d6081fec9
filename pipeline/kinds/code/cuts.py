"""The cuts an outline makes: function bodies, long statements, doc comments, each leaving a note.

Every cut is a byte-range replacement (an :class:`~.text.Edit`) that keeps
the code around it well-formed: brace languages get
``{ /* [lines 120–164 elided] */ }``, Python gets ``...  # [lines 120–164 elided]``
in the body's indentation, so the outline still parses. :class:`Options`
says how much is kept; a tighter budget uses tighter options.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .nodes import Entry, NodeReader, last_row, rows
from .syntax import PYTHON_CLAUSES
from .text import (
    ENCODING,
    ERRORS,
    Edit,
    comment_first_line,
    docstring_first_line,
    span_note,
)

if TYPE_CHECKING:
    from tree_sitter import Node

_BRACKETS = {ord("{"): ord("}"), ord("("): ord(")"), ord("["): ord("]")}
# Parenthesised nodes that may be empty (call arguments, parameters, macro arguments).
_PARENTHESES = frozenset(
    {"arguments", "argument_list", "formal_parameters", "parameters", "parameter_list", "token_tree"}
)
# Long strings keep their first and last line; the note between them is part of the string.
_STRINGS = frozenset({"string", "template_string", "raw_string_literal", "string_literal", "text_block"})
_HEADER_END = re.compile(r":\s*(?:#.*)?$")
# Parts shorter than this are never cut: the note would cost as much as the lines.
_MIN_CUT_ROWS = 3
# Under `first_lines`, a declaration's line longer than this keeps its first `_LINE_HEAD` characters.
_LONG_LINE = 200
_LINE_HEAD = 160
# Declarations that list names (Go's `const (...)`) and bodies that do (enums): every name stays.
_NAME_HOLDERS = frozenset({"const_declaration"})
_NAME_LISTS = frozenset({"enumerator_list", "enum_body", "enum_variant_list"})
# Deeper than this the search for parts to cut gives up (machine-made nesting, not code to outline).
_MAX_DEPTH = 200
# A callback body this long that holds definitions is walked like a module (test suites, IIFEs).
_CALLBACK_SCOPE_ROWS = 30


@dataclass(frozen=True, slots=True)
class Options:
    """How much of the file an outline keeps.

    Statements up to ``other_rows`` (constants and types up to
    ``type_rows``, bodies up to ``tiny_rows``) stay whole. ``keep`` holds the
    start bytes of definitions kept whole (the query's). Members at
    ``drop_depth`` or deeper, and private members when ``drop_private``, are
    replaced by a counted note naming up to ``note_names`` of them; so are
    the later overloads of a name when ``drop_overloads``, and the methods of
    classes and interfaces when ``drop_members`` (only of the classes whose
    keys are in ``drop_members_of``, when given). ``first_lines``
    cuts every multi-line declaration to its first line (a header's
    prototypes, a ``.d.ts`` file's members).
    """

    docs: bool = True
    other_rows: int = 6
    type_rows: int = 30
    tiny_rows: int = 3
    drop_private: bool = False
    drop_depth: int | None = None
    keep: frozenset[int] = frozenset()
    first_lines: bool = False
    drop_overloads: bool = False
    drop_members: bool = False
    drop_members_of: frozenset[int] | None = None
    note_names: int = 8


@dataclass(slots=True)
class Cuts:
    """The edits made so far and how many original rows they hide."""

    edits: list[Edit] = field(default_factory=list)
    hidden_rows: int = 0


ScopeWalker = Callable[[list[Entry], int, object], None]
# A cut made once and replayed: its edit and how many rows it hides (None: nothing to cut).
_Cut = tuple[Edit, int] | None
_UNSET = object()
# What a statement's cuts are when it has none: one value for all (fewer objects for the collector to track).
_NO_CUTS: tuple[tuple[Edit, ...], int] = ((), 0)


class Cutter:
    """Makes the cuts for one file; ``walk_scope`` is called for a callback body that reads like a module.

    What a cut depends on besides the options (where a body starts, which parts of a statement can be
    cut, what a doc comment's first line is) is kept in ``reader.memo``, for the next walk.
    """

    def __init__(self, reader: NodeReader, options: Options, walk_scope: ScopeWalker):
        self.reader = reader
        self.source = reader.source
        self.syntax = reader.syntax
        self.options = options
        self.walk_scope = walk_scope
        self.cuts = Cuts()
        self.memo = reader.memo
        self._scopes_walked = 0  # callback bodies walked like a module: their cuts depend on every option

    def note_rows(self, first: int, last: int, text: str) -> None:
        """Replace rows ``first``..``last`` with ``text`` (a note naming them)."""
        source = self.source
        self.cuts.edits.append(Edit(source.row_start(first), source.row_end(last), text))
        self.cuts.hidden_rows += last - first + 1

    def _recall(self, key: tuple, compute: Callable[[], object]) -> object:
        found = self.memo.get(key, _UNSET)
        if found is _UNSET:
            found = self.memo[key] = compute()
        return found

    def _once(self, key: tuple, make: Callable[[], None]) -> None:
        """Make a statement's cuts once per file and options (``key``); later walks replay them.

        Not when making them walked a callback body: that walk's cuts and definitions depend on more.
        """
        found = self.memo.get(key)
        if found is not None:
            edits, hidden = found
            self.cuts.edits.extend(edits)
            self.cuts.hidden_rows += hidden
            return
        mark, hidden, scopes = len(self.cuts.edits), self.cuts.hidden_rows, self._scopes_walked
        make()
        if self._scopes_walked == scopes:
            made = len(self.cuts.edits) > mark or self.cuts.hidden_rows != hidden
            self.memo[key] = (self.cuts.edits[mark:], self.cuts.hidden_rows - hidden) if made else _NO_CUTS

    def _replay(self, cut: _Cut) -> bool:
        if cut is None:
            return False
        self.cuts.edits.append(cut[0])
        self.cuts.hidden_rows += cut[1]
        return True

    # -- function bodies -------------------------------------------------------

    def function(self, function: Node) -> None:
        """Elide a function's body, keeping its signature (and in Python its docstring's first line)."""
        options = self.options
        key = ("function", function.id, options.first_lines, options.tiny_rows, options.docs)
        self._once(key, lambda: self._function(function))

    def _function(self, function: Node) -> None:
        if self.syntax.indented:
            self._python_body(function)
            return
        body, body_rows, cuttable = self._recall(("body", function.id), lambda: self._body(function))
        if body is None and self.options.first_lines:
            self.first_line(function)  # a signature without a body: a `.d.ts` member, an overload
            return
        if body is None or body_rows - 2 <= self.options.tiny_rows:
            return
        if cuttable:
            self._cut_bracket(body)
        else:
            self._cut_targets(body, 0, None)  # an arrow function's `=> ({...})`

    def _body(self, function: Node) -> tuple[Node | None, int, bool]:
        """A function's body, its rows and whether its brackets can be cut."""
        body = function.child_by_field_name("body")
        if body is None:
            body = next((c for c in function.named_children if c.type == "block"), None)
        if body is None:
            return None, 0, False
        return body, rows(body), self._cuttable(body)

    def _python_body(self, function: Node) -> None:
        layout = self._recall(("python_body", function.id), lambda: self._python_layout(function))
        if layout is None:
            return
        first, last, start, end, indent, doc_line, doc_end = layout
        if last - first + 1 <= self.options.tiny_rows:
            return
        lines: list[str] = []
        hidden = first
        if doc_end is not None and self.options.docs:
            if doc_line is not None:
                lines.append(doc_line)
            hidden = doc_end
        if hidden > last:
            return
        lines.append(f"{indent}...  # {span_note(hidden, last)}")
        self.cuts.edits.append(Edit(start, end, "\n".join(lines)))
        self.cuts.hidden_rows += last - hidden + 1

    def _python_layout(self, function: Node) -> tuple[int, int, int, int, str, str | None, int | None] | None:
        """Where a Python function's body lies and what its docstring keeps: the same under every option.

        The rows after the colon to the body's end, their byte range, the body's indentation, the
        docstring's line to keep and the row after the docstring (None without one).
        """
        source = self.source
        body = function.child_by_field_name("body")
        if body is None:
            return None
        colon = body.prev_sibling
        while colon is not None and colon.type != ":":
            colon = colon.prev_sibling
        if colon is None:
            return None
        first, last = colon.start_point.row + 1, last_row(body)
        if body.start_point.row < first:
            return None
        indent = source.indent(body.start_point.row)
        doc_line = doc_end = None
        docstring = body.named_child(0) if body.named_child_count else None
        if docstring is not None and self.reader.is_docstring(docstring):
            if rows(docstring) == 1:
                doc_line = indent + source.line(docstring.start_point.row).strip()
            else:
                literal = docstring.named_children[0]
                line = docstring_first_line(source.text(literal.start_byte, literal.end_byte))
                doc_line = indent + line if line else None
            doc_end = docstring.start_point.row + 1
        return first, last, source.row_start(first), source.row_end(last), indent, doc_line, doc_end

    # -- long statements ---------------------------------------------------------

    def shorten(self, node: Node, limit: int, depth: int, parent: object) -> None:
        """Keep a statement whole when short (but not the bodies of functions in it); else cut its biggest parts.

        A list of constants (Go's ``const (...)``, an enum) keeps every name, whatever its length.
        """
        key = ("shorten", node.id, limit, self.options.first_lines, self.options.tiny_rows)
        self._once(key, lambda: self._shorten(node, limit, depth, parent))

    def _shorten(self, node: Node, limit: int, depth: int, parent: object) -> None:
        names = self._recall(("name_list", node.id), lambda: self._name_list(node))
        if names is not None:
            self._keep_names(names)
            return
        if self.options.first_lines and not self._closure_bodies(node) and self.first_line(node):
            return
        if rows(node) > limit:
            if node.type == "ERROR" or not self._cut_targets(node, depth, parent):
                self._cut_rows(node)
            return
        for body in self._closure_bodies(node):
            self._cut_bracket(body)

    def shorten_type(self, node: Node, definition: Node, depth: int, parent: object) -> None:
        """A type definition longer than the options allow loses its body (or its biggest part)."""
        options = self.options
        key = ("type", node.id, options.type_rows, options.first_lines, options.tiny_rows)
        self._once(key, lambda: self._shorten_type(node, definition, depth, parent))

    def _shorten_type(self, node: Node, definition: Node, depth: int, parent: object) -> None:
        body = definition.child_by_field_name("body")
        if body is not None and body.type in _NAME_LISTS:
            self._keep_names(body)
            return
        if rows(node) <= self.options.type_rows:
            return
        if body is not None and self._cuttable(body):
            self._cut_bracket(body)
        else:
            self.shorten(node, self.options.type_rows, depth, parent)

    def first_line(self, node: Node) -> bool:
        """Cut a declaration to its first line, and that line to its head when very long; ``…`` says more follows.

        False when there is nothing to cut (a short one-line declaration).
        """
        return self._replay(self._recall(("first_line", node.id), lambda: self._first_line(node)))

    def _first_line(self, node: Node) -> _Cut:
        source = self.source
        first, last = node.start_point.row, last_row(node)
        start = max(node.start_byte, source.row_start(first))
        end = min(source.row_end(first), node.end_byte)
        head = source.text(start, end)
        if len(head) > _LONG_LINE:
            end = start + len(head[:_LINE_HEAD].encode(ENCODING, ERRORS))
        elif last == first:
            return None
        note = " …"
        if last - first >= _MIN_CUT_ROWS:
            # A long option or object type says which lines it folded.
            note = f" … {self.syntax.comment_prefix} {span_note(first + 1, last)}"
            if self.syntax.comment_prefix == "//" and node.end_byte < source.row_end(last):
                note = f" … /* {span_note(first + 1, last)} */"  # code follows on its last line
        return Edit(end, node.end_byte, note), last - first

    def _name_list(self, node: Node) -> Node | None:
        """The node listing the names a constant declaration defines (``const (...)``, an enum's body), if any."""
        if node.type in _NAME_HOLDERS:
            return node
        for child in node.named_children:
            if child.type in _NAME_LISTS:
                return child
            if child.type in ("enum_specifier", "enum_declaration"):
                return child.child_by_field_name("body")
        return None

    def _keep_names(self, names: Node) -> None:
        """Every name of a constant list stays: only entries longer than a few rows lose their value's middle."""
        for entry in self._recall(("long_names", names.id), lambda: self._long_names(names)):
            self.shorten(entry, 1, 0, None)

    def _long_names(self, names: Node) -> list[Node]:
        comments = self.syntax.comments
        return [entry for entry in names.named_children if entry.type not in comments and rows(entry) > _MIN_CUT_ROWS]

    def _closure_bodies(self, node: Node) -> Sequence[Node]:
        """Bodies of anonymous functions inside ``node`` worth a note (``make(() => {...})``), outermost only."""
        minimum = self.options.tiny_rows + 3
        return self._recall(("closures", node.id, minimum), lambda: self._find_closure_bodies(node, minimum))

    def _find_closure_bodies(self, node: Node, minimum: int) -> Sequence[Node]:
        closures = self.syntax.closures
        if not closures or rows(node) < minimum:
            return ()
        found: list[Node] = []
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in closures:
                body = current.child_by_field_name("body")
                if body is not None and rows(body) >= minimum and self._cuttable(body):
                    found.append(body)
                    continue
            stack.extend(child for child in current.named_children if rows(child) >= minimum)
        return found or ()

    def _cut_targets(self, node: Node, depth: int, parent: object) -> bool:
        targets = self._recall(("targets", node.id), lambda: self._targets(node))
        for target in targets:
            if self._recall(("callback", target.id), lambda: self._callback_scope(target)):
                self._scopes_walked += 1
                self.walk_scope(self.reader.scope(target, members=False), depth, parent)
            elif self.syntax.indented and target.type == "block":
                first, last = target.start_point.row, last_row(target)
                self.note_rows(first, last, f"{self.source.indent(first)}...  # {span_note(first, last)}")
            elif target.type in _STRINGS:
                self._cut_rows(target)
            else:
                self._cut_bracket(target)
        return bool(targets)

    def _targets(self, node: Node, depth: int = 0) -> list[Node]:
        """The biggest cuttable parts of ``node``, preferring a deeper one that spans nearly the same rows.

        ``core.$constructor("X", (inst, def) => {...})`` loses the arrow
        function's body, not the whole argument list.
        """
        if depth > _MAX_DEPTH:
            return []
        if self._cuttable(node):
            spanning = [c for c in node.named_children if rows(c) >= _MIN_CUT_ROWS]
            if len(spanning) == 1 and rows(spanning[0]) >= rows(node) - 2:
                deeper = self._targets(spanning[0], depth + 1)
                if len(deeper) == 1 and rows(deeper[0]) >= rows(node) - 3:
                    return deeper
            return [node]
        found: list[Node] = []
        for child in node.children:
            if rows(child) >= _MIN_CUT_ROWS:
                found.extend(self._targets(child, depth + 1))
        return found

    def _cuttable(self, node: Node) -> bool:
        if rows(node) < _MIN_CUT_ROWS or node.type == "ERROR":
            return False
        if node.type in _STRINGS:
            return True
        if self.syntax.indented and node.type == "block":
            return node.parent is not None and node.start_point.row > node.parent.start_point.row
        data = self.source.data
        if node.end_byte - node.start_byte < 2 or _BRACKETS.get(data[node.start_byte]) != data[node.end_byte - 1]:
            return False
        # Empty `()` is only valid where a list may be empty; Python's note is `...`, valid anywhere.
        return self.syntax.indented or data[node.start_byte] != ord("(") or node.type in _PARENTHESES

    def _callback_scope(self, block: Node) -> bool:
        """True for a long callback body that reads like a module (``describe(() => {...})``, an IIFE)."""
        syntax = self.syntax
        if not syntax.function_values or block.type != "statement_block" or rows(block) < _CALLBACK_SCOPE_ROWS:
            return False
        parent = block.parent
        return parent is not None and parent.type in syntax.function_values and self.reader.module_like(block)

    def _cut_bracket(self, node: Node) -> None:
        """Replace what is between a node's brackets with a note: ``{ /* [lines 3–40 elided] */ }``."""
        self._replay(self._recall(("bracket", node.id), lambda: self._bracket_cut(node)))

    def _bracket_cut(self, node: Node) -> _Cut:
        source = self.source
        data = source.data
        inner_start, inner_end = node.start_byte + 1, node.end_byte - 1
        while inner_start < inner_end and data[inner_start] in b" \t\r\n":
            inner_start += 1
        while inner_end > inner_start and data[inner_end - 1] in b" \t\r\n":
            inner_end -= 1
        if inner_start >= inner_end:
            return None
        first, last = source.row_of(inner_start), source.row_of(inner_end - 1)
        note = span_note(first, last)
        if self.syntax.indented:
            indent = source.indent(node.start_point.row)
            text = f"\n{indent}    ...  # {note}\n{indent}"
        else:
            text = f" /* {note} */ "
        return Edit(node.start_byte + 1, node.end_byte - 1, text), last - first + 1

    def _cut_rows(self, node: Node) -> None:
        """Last resort for a long node without brackets to cut: keep its first row (and last, to close it).

        A Python header (``if x:``) keeps only itself, over a ``...`` note; a
        macro keeps its line continuation; a string its closing quote.
        """
        self._replay(self._recall(("rows", node.id), lambda: self._rows_cut(node)))

    def _rows_cut(self, node: Node) -> _Cut:
        source = self.source
        indented = self.syntax.indented
        first, last = node.start_point.row + 1, last_row(node)
        header = source.line(node.start_point.row)
        indent = source.indent(first)
        if indented and _HEADER_END.search(header) and any(c.type == "block" for c in node.children):
            if any(child.type in PYTHON_CLAUSES for child in node.children):
                return None  # an `else:` or `except:` cannot lose its `if` or `try`
            note = f"{indent}...  # {span_note(first, last)}"
        else:
            last -= 1
            if node.type in _STRINGS:
                # Inside the string the note is text; a bytes literal allows only ASCII.
                note = f"{indent}{self.syntax.comment_prefix} {span_note(first, last).replace('–', '-')}"
            elif indented:
                note = f"{indent}...  # {span_note(first, last)}"
            elif header.rstrip().endswith("\\"):
                note = f"{indent}/* {span_note(first, last)} */ \\"
            else:
                note = f"{indent}{self.syntax.comment_prefix} {span_note(first, last)}"
        if last - first + 1 < _MIN_CUT_ROWS:
            return None
        return Edit(source.row_start(first), source.row_end(last), note), last - first + 1

    # -- comments and docstrings --------------------------------------------------

    def docstring(self, node: Node) -> None:
        """A module, class or attribute docstring: its first line, or nothing when docs are off.

        A docstring that is a class's whole body stays (as its first line) so the class keeps a body.
        """
        edit = self._recall(("docstring", node.id, self.options.docs), lambda: self._docstring_edit(node))
        if edit is not None:
            self.cuts.edits.append(edit)

    def _docstring_edit(self, node: Node) -> Edit | None:
        parent = node.parent
        alone = (
            parent is not None
            and parent.type == "block"
            and sum(1 for c in parent.named_children if c.type not in self.syntax.comments) == 1
        )
        docs = self.options.docs or alone
        if rows(node) == 1 and docs:
            return None
        literal = node.named_children[0]
        line = docstring_first_line(self.source.text(literal.start_byte, literal.end_byte)) if docs else None
        return self._rows_edit(node.start_point.row, last_row(node), line, node.start_byte, node.end_byte)

    def comments(self, prefix: list[Node]) -> None:
        """Comments (above a definition or loose) shrink to their first line; attributes stay as they are."""
        if prefix:
            key = ("comments", prefix[0].id, len(prefix), self.options.docs)
            self.cuts.edits.extend(self._recall(key, lambda: self._comment_edits(prefix)))

    def _comment_edits(self, prefix: list[Node]) -> list[Edit]:
        groups: list[list[Node]] = []
        for node in prefix:
            if node.type not in self.syntax.comments:
                groups.append([])
            elif groups and groups[-1] and node.start_point.row <= last_row(groups[-1][-1]) + 1:
                groups[-1].append(node)
            else:
                groups.append([node])
        edits = [self._shrunk_comments(group) for group in groups if group]
        return [edit for edit in edits if edit is not None]

    def _shrunk_comments(self, group: list[Node]) -> Edit | None:
        first_row, end_row = group[0].start_point.row, last_row(group[-1])
        if first_row == end_row and self.options.docs:
            return None
        line = None
        if self.options.docs:
            line = comment_first_line(self.source.text(node.start_byte, node.end_byte) for node in group)
        return self._rows_edit(first_row, end_row, line, group[0].start_byte, group[-1].end_byte)

    def _rows_edit(self, first: int, last: int, line: str | None, start: int, end: int) -> Edit | None:
        """Whole rows replaced with one line in their indentation, or removed when ``line`` is None."""
        source = self.source
        if not source.alone(start, end):
            return None
        if line is not None:
            return Edit(source.row_start(first), source.row_end(last), source.indent(first) + line)
        # After a blank line or an opening line, the blank lines below the removed rows go too.
        above = source.line(first - 1).rstrip() if first > 0 else ""
        if not above or above.endswith(("{", ":")):
            while last + 1 < source.rows and source.blank(last + 1):
                last += 1
        return Edit(source.row_start(first), source.row_start(last + 1), "")
