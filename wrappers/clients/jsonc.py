"""JSON with comments and trailing commas, read into nodes that know where they sit in the text.

Client config files are edited in place: only the spans that change are
rewritten, so every other key, the key order, the indentation and the
comments (VS Code's ``mcp.json`` is JSONC) stay byte for byte as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JsoncError(ValueError):
    """Text that is not JSON (comments and trailing commas allowed), with the place it went wrong."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message, self.line, self.column = message, line, column


@dataclass(slots=True)
class Node:
    """A value and its span ``text[start:end]``."""

    start: int
    end: int
    value: Any = None


@dataclass(slots=True)
class Member:
    """``"key": value`` inside an object; ``comma`` is the position of the comma after it, if any."""

    key: str
    key_start: int
    value: Node
    comma: int | None = None


@dataclass(slots=True)
class ObjectNode(Node):
    """An object: its members in text order (a repeated key appears twice; the last one counts)."""

    members: list[Member] = field(default_factory=list)

    def member(self, key: str) -> Member | None:
        """The member that counts for ``key``, as JSON readers take it: the last one."""
        return next((m for m in reversed(self.members) if m.key == key), None)


@dataclass(slots=True)
class ArrayNode(Node):
    """An array: its items in order."""

    items: list[Node] = field(default_factory=list)


def parse(text: str) -> Node:
    """The root node of ``text``; raises :class:`JsoncError` naming the line and column of the fault."""
    reader = _Reader(text)
    reader.skip()
    if reader.at >= len(text):
        raise reader.error("the file holds no value")
    node = reader.value()
    reader.skip()
    if reader.at < len(text):
        raise reader.error("more text after the end of the value")
    return node


def line_of(text: str, position: int) -> int:
    """1-based line number of ``position``."""
    return text.count("\n", 0, position) + 1


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 1 if text.startswith("\ufeff") else 0

    def error(self, message: str, at: int | None = None) -> JsoncError:
        at = self.at if at is None else at
        line = line_of(self.text, at)
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return JsoncError(message, line, column)

    def skip(self) -> None:
        """Past whitespace and comments."""
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char in " \t\r\n":
                self.at += 1
            elif text.startswith("//", self.at):
                end = text.find("\n", self.at)
                self.at = len(text) if end < 0 else end
            elif text.startswith("/*", self.at):
                end = text.find("*/", self.at + 2)
                if end < 0:
                    raise self.error("a /* comment is never closed")
                self.at = end + 2
            else:
                return

    def value(self) -> Node:
        char = self.text[self.at]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == '"':
            start = self.at
            return Node(start, self.string_end(), self.string_value(start))
        match = _NUMBER.match(self.text, self.at)
        if match:
            self.at = match.end()
            return Node(match.start(), match.end(), json.loads(match.group()))
        for word, value in _LITERALS.items():
            if self.text.startswith(word, self.at):
                start, self.at = self.at, self.at + len(word)
                return Node(start, self.at, value)
        raise self.error(f"unexpected {char!r}")

    def string_end(self) -> int:
        """Past the string starting at ``self.at``."""
        text, at = self.text, self.at + 1
        while at < len(text):
            char = text[at]
            if char == "\\":
                at += 2
            elif char == '"':
                self.at = at + 1
                return self.at
            elif char == "\n":
                break
            else:
                at += 1
        raise self.error("a string is never closed")

    def string_value(self, start: int) -> str:
        try:
            return json.loads(self.text[start : self.at])
        except ValueError as exc:
            raise self.error(f"invalid string: {exc.args[0].split(':')[0]}", start) from None

    def object(self) -> ObjectNode:
        node = ObjectNode(self.at, self.at)
        self.at += 1
        value: dict[str, Any] = {}
        while True:
            self.skip()
            if self.at >= len(self.text):
                raise self.error("an object is never closed", node.start)
            if self.text[self.at] == "}":
                break
            if self.text[self.at] != '"':
                raise self.error('expected a "key" or }')
            key_start = self.at
            self.string_end()
            key = self.string_value(key_start)
            self.skip()
            if self.text[self.at : self.at + 1] != ":":
                raise self.error(f'expected : after "{key}"')
            self.at += 1
            self.skip()
            if self.at >= len(self.text):
                raise self.error("an object is never closed", node.start)
            member = Member(key, key_start, self.value())
            node.members.append(member)
            value[key] = member.value.value
            self.skip()
            if self.text[self.at : self.at + 1] == ",":
                member.comma = self.at
                self.at += 1
            elif self.text[self.at : self.at + 1] != "}":
                raise self.error("expected , or } after a member")
        self.at += 1
        node.end, node.value = self.at, value
        return node

    def array(self) -> ArrayNode:
        node = ArrayNode(self.at, self.at)
        self.at += 1
        while True:
            self.skip()
            if self.at >= len(self.text):
                raise self.error("an array is never closed", node.start)
            if self.text[self.at] == "]":
                break
            node.items.append(self.value())
            self.skip()
            if self.text[self.at : self.at + 1] == ",":
                self.at += 1
            elif self.text[self.at : self.at + 1] != "]":
                raise self.error("expected , or ] after an item")
        self.at += 1
        node.end, node.value = self.at, [item.value for item in node.items]
        return node
