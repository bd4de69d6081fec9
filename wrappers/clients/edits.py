"""Edits of a JSON(C) text that touch only what changes, in the file's own indentation and line endings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .jsonc import Member, ObjectNode


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str


@dataclass(frozen=True, slots=True)
class Style:
    """How the file writes JSON: one level of indentation and its line ending."""

    unit: str = "  "
    newline: str = "\n"

    @classmethod
    def of(cls, text: str, root: ObjectNode) -> Style:
        """The style of ``text``, read off its top-level members (two spaces and ``\\n`` for a new file)."""
        newline = "\r\n" if "\r\n" in text else "\n"
        first = root.members[0].key_start if root.members else None
        unit = indent_at(text, first) if first is not None else None
        return cls(unit or "  ", newline)


def apply(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` made."""
    out, at = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            raise ValueError("overlapping edits")
        out += [text[at : edit.start], edit.new]
        at = edit.end
    out.append(text[at:])
    return "".join(out)


def indent_at(text: str, position: int) -> str | None:
    """The whitespace before ``position`` on its line, or None when something else comes first."""
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position]
    return before if before.strip() == "" else None


def line_indent(text: str, position: int) -> str:
    """The leading whitespace of the line holding ``position``."""
    line_start = text.rfind("\n", 0, position) + 1
    line = text[line_start:position]
    return line[: len(line) - len(line.lstrip(" \t"))]


def render(value: Any, indent: str, style: Style, inline: bool = False) -> str:
    """``value`` as JSON starting at a line indented by ``indent``; on one line when ``inline``.

    A list of plain values (an ``args`` list) stays on one line, as the clients' own documentation writes it.
    """
    plain = isinstance(value, list) and not any(isinstance(item, (dict, list)) for item in value)
    if inline or plain or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    inner = indent + style.unit
    if isinstance(value, dict):
        parts = [
            f"{inner}{json.dumps(key, ensure_ascii=False)}: {render(item, inner, style)}" for key, item in value.items()
        ]
        return "{" + style.newline + ("," + style.newline).join(parts) + style.newline + indent + "}"
    parts = [inner + render(item, inner, style) for item in value]
    return "[" + style.newline + ("," + style.newline).join(parts) + style.newline + indent + "]"


def replace_value(text: str, member: Member, value: Any, style: Style) -> Edit:
    """Set ``member`` to ``value``, on one line if its old value was on one line."""
    old = text[member.value.start : member.value.end]
    indent = line_indent(text, member.key_start)
    return Edit(member.value.start, member.value.end, render(value, indent, style, inline="\n" not in old))


def replace_member(text: str, member: Member, pairs: list[tuple[str, Any]], style: Style) -> Edit:
    """Put the members ``pairs`` where ``member`` is (its comma and comments stay)."""
    indent = indent_at(text, member.key_start)
    between = "," + (style.newline + indent if indent is not None else " ")
    rendered = [
        f"{json.dumps(key)}: {render(value, indent or '', style, inline=indent is None)}" for key, value in pairs
    ]
    return Edit(member.key_start, member.value.end, between.join(rendered))


def insert_member(text: str, obj: ObjectNode, key: str, value: Any, style: Style) -> list[Edit]:
    """Add ``"key": value`` as the last member of ``obj``."""
    if obj.members:
        last = obj.members[-1]
        indent = indent_at(text, last.key_start)
        member = f"{json.dumps(key)}: {render(value, indent or '', style, inline=indent is None)}"
        if indent is None:  # an object written on one line stays on one line
            at = last.comma + 1 if last.comma is not None else last.value.end
            return [Edit(at, at, ("" if last.comma is not None else ",") + " " + member)]
        at = _end_of_line_comment(text, last.comma + 1 if last.comma is not None else last.value.end)
        # A file that ends its members with a comma (JSONC) gets one after the new member too.
        new = style.newline + indent + member + ("," if last.comma is not None else "")
        comma = "" if last.comma is not None else ","
        if at == last.value.end:
            return [Edit(at, at, comma + new)]
        # After a comment that closes the last member's line: the comma goes before the comment.
        return [Edit(at, at, new), *([Edit(last.value.end, last.value.end, comma)] if comma else [])]
    outer = line_indent(text, obj.start)
    inner = outer + style.unit
    member = f"{json.dumps(key)}: {render(value, inner, style)}"
    interior = text[obj.start + 1 : obj.end - 1]
    if interior.strip() == "":
        return [Edit(obj.start + 1, obj.end - 1, style.newline + inner + member + style.newline + outer)]
    # Only comments inside: the member goes after them, before the closing brace's line.
    at = obj.end - 1
    while at > obj.start + 1 and text[at - 1] in " \t\r\n":
        at -= 1
    return [Edit(at, at, style.newline + inner + member)]


def remove_member(text: str, obj: ObjectNode, member: Member) -> list[Edit]:
    """Take ``member`` out of ``obj``, with its line when it has one, keeping the commas valid."""
    index = obj.members.index(member)
    previous = obj.members[index - 1] if index else None
    is_last = index == len(obj.members) - 1
    edits = []
    if indent_at(text, member.key_start) is not None:
        start = text.rfind("\n", 0, member.key_start) + 1
        end = _end_of_line_comment(text, member.comma + 1 if member.comma is not None else member.value.end)
        end = text.find("\n", end) + 1 if text.find("\n", end) >= 0 else len(text)
        if start == 0 or (is_last and end >= obj.end):
            end = min(end, obj.end - 1)
        edits.append(Edit(start, end, ""))
    elif member.comma is not None and not is_last:
        end = member.comma + 1
        while end < len(text) and text[end] in " \t":
            end += 1
        edits.append(Edit(member.key_start, end, ""))
    else:
        start = previous.value.end if previous is not None else member.key_start
        edits.append(Edit(start, member.comma + 1 if member.comma is not None else member.value.end, ""))
        return edits
    if is_last and member.comma is None and previous is not None and previous.comma is not None:
        edits.append(Edit(previous.comma, previous.comma + 1, ""))
    return edits


def _end_of_line_comment(text: str, position: int) -> int:
    """Past spaces and a ``//`` comment that follow ``position`` on its line."""
    at = position
    while at < len(text) and text[at] in " \t":
        at += 1
    if text.startswith("//", at):
        end = text.find("\n", at)
        return len(text) if end < 0 else (end - 1 if text[end - 1] == "\r" else end)
    return position
