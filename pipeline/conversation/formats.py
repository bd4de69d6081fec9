"""Where the tool outputs, calls and user text sit in Anthropic and OpenAI message lists.

One pass reads both formats: Anthropic ``tool_use``/``tool_result`` content
blocks and OpenAI ``tool_calls``/``tool`` messages. A tool output is located
by its message index and a path of keys and list indices inside that message,
so it can be written back without touching anything else: unknown fields,
ids, order and images stay as they were.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """One text of one tool output, the call that produced it, and the user text it answers."""

    message: int
    path: Path
    text: str
    call_name: str | None
    call_arguments: Mapping[str, Any] | None
    user_text: str | None

    @property
    def block(self) -> int | None:
        """The content block the text is in (Anthropic), or None for a whole message's content."""
        return self.path[1] if len(self.path) > 1 and isinstance(self.path[1], int) else None


def _texts_of(content: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """The text parts of a message's or a tool result's content: a string, or ``{"type": "text"}`` blocks."""
    if isinstance(content, str):
        yield path, content
    elif isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str):
                yield (*path, index, "text"), part["text"]


def _arguments(raw: Any) -> Mapping[str, Any] | None:
    """A call's arguments: Anthropic gives a dict, OpenAI a JSON string."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def _calls_of(message: Mapping[str, Any]) -> Iterator[tuple[str, str | None, Mapping[str, Any] | None]]:
    """``(id, name, arguments)`` of every tool call an assistant message makes, in either format."""
    content = message.get("content")
    if isinstance(content, list):
        for block in content:
            if isinstance(block, Mapping) and block.get("type") == "tool_use" and isinstance(block.get("id"), str):
                yield block["id"], block.get("name"), _arguments(block.get("input"))
    for call in message.get("tool_calls") or []:
        if isinstance(call, Mapping) and isinstance(call.get("id"), str):
            function = call.get("function") or {}
            yield call["id"], function.get("name"), _arguments(function.get("arguments"))


def user_text(message: Mapping[str, Any]) -> str | None:
    """What a user message says in words (not its tool results); None when it says nothing."""
    if message.get("role") != "user":
        return None
    texts = [text for _, text in _texts_of(message.get("content"), ("content",))]
    return "\n".join(texts) if texts else None


def tool_outputs(messages: list[Mapping[str, Any]]) -> list[ToolOutput]:
    """Every text of every tool output, in order, with its call and the user text before it."""
    calls: dict[str, tuple[str | None, Mapping[str, Any] | None]] = {}
    last_user: str | None = None
    found: list[ToolOutput] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        for call_id, name, arguments in _calls_of(message):
            calls[call_id] = (name, arguments)
        said = user_text(message)
        if said:
            last_user = said
        if message.get("role") == "tool":
            name, arguments = calls.get(message.get("tool_call_id") or "", (None, None))
            for path, text in _texts_of(message.get("content"), ("content",)):
                found.append(ToolOutput(index, path, text, name, arguments, last_user))
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, list):
            for position, block in enumerate(content):
                if not isinstance(block, Mapping) or block.get("type") != "tool_result":
                    continue
                name, arguments = calls.get(block.get("tool_use_id") or "", (None, None))
                for path, text in _texts_of(block.get("content"), ("content", position, "content")):
                    found.append(ToolOutput(index, path, text, name, arguments, last_user))
    return found


def replaced(messages: list[Any], texts: Mapping[tuple[int, Path], str]) -> list[Any]:
    """``messages`` with the text at each ``(message, path)`` replaced; other messages are the same objects."""
    out = list(messages)
    by_message: dict[int, list[tuple[Path, str]]] = {}
    for (index, path), text in texts.items():
        by_message.setdefault(index, []).append((path, text))
    for index, edits in by_message.items():
        message = copy.deepcopy(messages[index])
        for path, text in edits:
            holder: Any = message
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = text
        out[index] = message
    return out


def text_parts(value: Any) -> Iterator[str]:
    """Every string a model reads in a message or a system prompt: texts, tool inputs, call arguments."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from text_parts(item)
    elif isinstance(value, Mapping):
        for key in ("content", "text", "input", "tool_calls", "function", "arguments", "name"):
            if key not in value:
                continue
            inner = value[key]
            if key == "input" and not isinstance(inner, str):
                yield json.dumps(inner, ensure_ascii=False, sort_keys=True)
            else:
                yield from text_parts(inner)
