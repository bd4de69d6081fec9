"""What a tree-sitter node is, for an outline: a function, a class, a type, an import, or other code.

The per-language tables of ``syntax`` name the node kinds; this module
reads a node through them: its kind after unwrapping decorators and
``export``, its name (down C's nested declarators, Go's type specs), whether
it is private, and which members a class, namespace or ``#ifdef`` holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .syntax import PYTHON_CLAUSES, Syntax
from .text import Source

if TYPE_CHECKING:
    from tree_sitter import Node

DEFINITION_KINDS = ("function", "container", "type", "field")
_IDENTIFIERS = frozenset(
    {
        "identifier",
        "type_identifier",
        "field_identifier",
        "property_identifier",
        "private_property_identifier",
        "primitive_type",
        "string",
        "constant",
    }
)
_NAME_HOLDERS = frozenset(
    {"type_spec", "type_alias", "variable_declarator", "const_spec", "var_spec", "init_declarator"}
)
# TypeScript members without a name, called by what they are in a note that lists dropped members.
_UNNAMED_SIGNATURES = {
    "call_signature": "(call signature)",
    "construct_signature": "(construct signature)",
    "index_signature": "(index signature)",
}
_CALLBACKS = frozenset({"arrow_function", "function_expression", "function"})
_MAX_NAME = 80


@dataclass(slots=True)  # made once per node and never changed; a frozen dataclass is slower to make
class Member:
    """One statement of a scope, classified.

    ``kind`` is one of function, container, transparent, type, field, import,
    export (a list of exported names), constant, other; ``node`` is the definition inside any wrapper;
    ``function`` the node whose body is elided (an arrow function for
    ``const f = () => {}``).
    """

    kind: str
    node: Node
    label: str = ""
    function: Node | None = None


@dataclass(slots=True)  # made once per node and never changed; a frozen dataclass is slower to make
class Entry:
    """One node of a scope with what every walk asks of it: its rows, its role, what it is.

    A ``prefix`` node (a comment, an attribute) belongs to the member below it;
    a ``docstring`` is a statement that is only a string; ``member`` is the
    node classified, for the other nodes.
    """

    node: Node
    start_row: int
    last_row: int
    comment: bool
    prefix: bool
    docstring: bool
    member: Member | None


def last_row(node: Node) -> int:
    """The last row holding ``node``'s text (a line comment's span ends at the next row's column 0)."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def rows(node: Node) -> int:
    """How many rows ``node`` spans."""
    return last_row(node) - node.start_point.row + 1


def named(node: Node) -> list[Node]:
    """The named children of ``node`` (comments included, punctuation not); do not change the list."""
    return node.named_children


def calls_back(node: Node) -> bool:
    """True for ``it("x", () => {...})``: a statement whose call takes a function."""
    expression = node.named_children[0] if node.type == "expression_statement" and node.named_child_count else None
    if expression is None or expression.type not in ("call_expression", "await_expression"):
        return False
    arguments = expression.child_by_field_name("arguments")
    return arguments is not None and any(c.type in _CALLBACKS for c in arguments.named_children)


class NodeReader:
    """Reads nodes of one file through its language's tables.

    What a node is and which members it holds are read once: the outline is walked again for every
    budget level, over the same tree.
    """

    def __init__(self, source: Source, syntax: Syntax):
        self.source = source
        self.syntax = syntax
        self._classified: dict[int, Member] = {}
        self._scopes: dict[tuple[int, bool], list[Entry]] = {}
        # Facts about nodes that hold under every option (where a body starts, what a cut writes), by the cuts.
        self.memo: dict[tuple, object] = {}

    def text(self, node: Node) -> str:
        """The node's text on one line, cut to a name's length."""
        return " ".join(self.source.text(node.start_byte, node.end_byte).split())[:_MAX_NAME]

    def classify(self, node: Node) -> Member:
        """What ``node`` is, looking through decorators, ``export`` and ``declare``."""
        found = self._classified.get(node.id)
        if found is None:
            found = self._classified[node.id] = self._classify(node, node.type)
        return found

    def _classify(self, node: Node, kind: str) -> Member:
        syntax = self.syntax
        outer = node
        for _ in range(3):
            fields = syntax.wrappers.get(kind)
            if fields is None:
                break
            inner = next((c for f in fields if (c := node.child_by_field_name(f)) is not None), None)
            if inner is None and not fields:
                inner = next((c for c in node.named_children if c.type not in syntax.comments), None)
            if inner is None:
                return Member("export", outer)  # `export { a, b }`, `export * from "./x"`
            node = inner
            kind = node.type
        if kind == "expression_statement" and syntax.function_values and node.named_child_count == 1:
            child = node.named_children[0]
            if child.type in syntax.transparent:  # TypeScript's `namespace N {}`
                node, kind = child, child.type
        if kind in syntax.functions:
            return Member("function", node, function=node)
        if kind in syntax.containers:
            return Member("container", node, syntax.containers[kind])
        if kind in syntax.transparent:
            if syntax.indented and not self._holds_definitions(node):
                return Member("other", node)
            return Member("transparent", node)
        if kind in syntax.types:
            return Member("type", node, self._type_label(node, syntax.types[kind]))
        if kind in syntax.imports:
            return Member("import", node)
        if syntax.indented and kind == "expression_statement" and self._assigns(node, "__all__"):
            return Member("export", node)
        valued = self._function_value(node) if syntax.function_values else None
        if valued is not None:
            return Member("function", node, function=valued)
        if kind == "declaration" and syntax.name == "c" and self._prototype(node):
            return Member("function", node, function=node)  # a header's prototype: named and retrievable
        if kind in syntax.fields:
            return Member("field", node, "field")
        if kind in syntax.constants or node is not outer:
            return Member("constant", node)
        return Member("other", node)

    def scope(self, node: Node, members: bool) -> list[Entry]:
        """The entries of ``node``'s members (``members``) or of its named children; do not change the list."""
        key = (node.id, members)
        found = self._scopes.get(key)
        if found is None:
            found = self._scopes[key] = [
                self._entry(child) for child in (self.members(node) if members else named(node))
            ]
        return found

    def _entry(self, node: Node) -> Entry:
        syntax = self.syntax
        kind = node.type
        comment = kind in syntax.comments
        prefix = comment or kind in syntax.attributes
        start, end = node.start_point.row, node.end_point
        member = None
        if not prefix:
            member = self._classified.get(node.id)
            if member is None:
                member = self._classified[node.id] = self._classify(node, kind)
        return Entry(
            node=node,
            start_row=start,
            last_row=end.row - 1 if end.column == 0 and end.row > start else end.row,
            comment=comment,
            prefix=prefix,
            docstring=syntax.indented and kind == "expression_statement" and self.is_docstring(node),
            member=member,
        )

    def members(self, node: Node) -> list[Node]:
        """The members of a class body, a namespace, an ``#ifdef`` or a Python ``if``/``try``."""
        if self.syntax.indented and node.type in self.syntax.transparent:
            found: list[Node] = []
            for child in node.children:
                blocks = [child] if child.type == "block" else []
                if child.type in PYTHON_CLAUSES:
                    blocks = [c for c in child.children if c.type == "block"]
                for block in blocks:
                    found.extend(named(block))
            return found
        body = node.child_by_field_name("body")
        if body is not None:
            return named(body)
        if node.type.startswith("preproc_"):
            return [
                child
                for index, child in enumerate(node.children)
                if child.is_named and node.field_name_for_child(index) not in ("name", "condition")
            ]
        return named(node) if node.type in self.syntax.transparent else []

    def is_docstring(self, node: Node) -> bool:
        """True for a Python statement that is only a string."""
        return (
            self.syntax.indented
            and node.type == "expression_statement"
            and node.named_child_count == 1
            and node.named_children[0].type == "string"
        )

    def name(self, node: Node) -> str:
        """The defined name: the ``name`` field, or down C's nested declarators and Go's type specs."""
        kind = node.type
        if kind == "impl_item":
            target = node.child_by_field_name("type")
            trait = node.child_by_field_name("trait")
            if target is not None:
                return f"{self.text(trait)} for {self.text(target)}" if trait is not None else self.text(target)
        if kind == "static_initializer":
            return "static"
        if kind in _UNNAMED_SIGNATURES:
            return _UNNAMED_SIGNATURES[kind]
        if kind == "expression_statement" and node.named_child_count == 1:
            left = node.named_children[0].child_by_field_name("left")
            return self.text(left) if left is not None else ""
        current = node
        for _ in range(8):
            child = current.child_by_field_name("name")
            if child is None:
                child = current.child_by_field_name("declarator")
            if child is None:
                child = next((c for c in current.named_children if c.type in _NAME_HOLDERS), None)
            if child is None:
                return ""
            if child.type in _IDENTIFIERS or child.child_count == 0:
                return self.text(child)
            current = child
        return ""

    def is_private(self, node: Node, name: str, parent: Node | None) -> bool:
        """True for members outsiders are not meant to use: ``_name``, ``#name``, ``private``, Rust without ``pub``."""
        language = self.syntax.name
        if language == "python":
            return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
        if language in ("javascript", "typescript"):
            if name.startswith(("#", "_")):
                return True
            if self.source.data.find(b"private", node.start_byte, node.end_byte) == -1:
                return False  # no need to read the children: none can say `private`
            return any(c.type == "accessibility_modifier" and self.text(c) == "private" for c in node.children)
        if language == "java":
            if self.source.data.find(b"private", node.start_byte, node.end_byte) == -1:
                return False
            modifiers = next((c for c in node.children if c.type == "modifiers"), None)
            return modifiers is not None and "private" in self.text(modifiers).split()
        if language == "rust" and parent is not None and parent.type == "impl_item":
            inherent = parent.child_by_field_name("trait") is None
            return inherent and not any(c.type == "visibility_modifier" for c in node.children)
        return False

    def module_like(self, block: Node) -> bool:
        """True for a callback body holding definitions or test cases: ``describe(() => {...})``, an IIFE."""
        found = 0
        for member in named(block):
            if self.classify(member).kind in DEFINITION_KINDS or (rows(member) >= 3 and calls_back(member)):
                found += 1
                if found >= 2:
                    return True
        return False

    def _function_value(self, node: Node) -> Node | None:
        """The function of ``const f = () => {}``, ``exports.f = function () {}`` or a class field arrow."""
        kind = node.type
        value = None
        if kind in ("lexical_declaration", "variable_declaration"):
            declarators = [c for c in node.named_children if c.type == "variable_declarator"]
            if len(declarators) == 1:
                value = declarators[0].child_by_field_name("value")
        elif kind == "expression_statement" and node.named_child_count == 1:
            expression = node.named_children[0]
            if expression.type == "assignment_expression":
                value = expression.child_by_field_name("right")
        elif kind in ("public_field_definition", "field_definition"):
            value = node.child_by_field_name("value")
        return value if value is not None and value.type in self.syntax.function_values else None

    def _prototype(self, node: Node) -> bool:
        """True for a C declaration of a function (``extern FILE *fopen (const char *, const char *);``)."""
        declarator = node.child_by_field_name("declarator")
        for _ in range(4):
            if declarator is None or declarator.type == "function_declarator":
                break
            declarator = declarator.child_by_field_name("declarator")
        return declarator is not None and declarator.type == "function_declarator"

    def _assigns(self, node: Node, name: str) -> bool:
        """True for a Python statement assigning to ``name`` (``__all__ = [...]``, ``__all__: list[str] = ...``)."""
        if self.source.data.find(name.encode(), node.start_byte, node.end_byte) == -1:
            return False  # the name is nowhere in the statement
        assignment = node.named_children[0] if node.named_child_count else None
        target = assignment.child_by_field_name("left") if assignment is not None else None
        return target is not None and self.text(target) == name

    def _type_label(self, node: Node, label: str) -> str:
        """Go's ``type X struct`` and ``type X interface`` say which they are."""
        if self.syntax.name == "go":
            spec = next((c for c in node.named_children if c.type in ("type_spec", "type_alias")), None)
            shape = spec.child_by_field_name("type") if spec is not None else None
            if shape is not None and shape.type in ("struct_type", "interface_type"):
                return shape.type.removesuffix("_type")
        return label

    def _holds_definitions(self, node: Node) -> bool:
        """True when a Python ``if``/``try``/``with`` holds definitions or imports in its own blocks."""
        syntax = self.syntax
        wanted = syntax.functions | set(syntax.containers) | set(syntax.wrappers) | syntax.imports
        return any(member.type in wanted for member in self.members(node))
