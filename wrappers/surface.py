"""The compact tool surface of ``wrap --compact-tools``: shorter tool definitions, the full ones on request.

A wrapped server's ``tools/list`` is sent to the model on every turn. With
compaction, each tool's description is cut to its first sentence and a long
``inputSchema`` is replaced by ``{"type": "object"}`` (which accepts every call
the full schema accepts, so clients that validate arguments still let them
through), the arguments written into the description as a signature such as
``(path: string, head?: number)``. ``headroom_describe`` gives back a tool's
definition as the upstream sent it. Pure functions: the relay keeps the originals.
"""

from __future__ import annotations

import json
import re
from typing import Any

DESCRIBE = "headroom_describe"
# Tools of headroom's own (or of a headroom behind this one) are never compacted: their wording is a contract.
_OURS = frozenset({DESCRIBE, "headroom_retrieve"})
# An inputSchema longer than this many characters (compact JSON, about 30 o200k tokens) is replaced: anything
# beyond no argument or one plain one. Its replacement costs about 6 tokens plus the signature's 3 to 30, so a
# schema at or under this would save next to nothing. Characters, not tokens: the listing is the first thing a
# client asks for, and counting tokens would make it wait for the tokenizer's build (about 0.3 s).
SCHEMA_CHARS = 110
# A first "sentence" longer than this (a description without full stops) is cut at a word here.
_FIRST_SENTENCE_CHARS = 300
# An enum is written out in a signature when it is this small; else its type stands for it.
_ENUM_VALUES = 6
_ENUM_CHARS = 60
_POINTER = f"Full definition: {DESCRIBE}."

# The end of a sentence: ., ! or ? (and closing quotes or brackets) before white space or the end.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|$)")
# Words that end in a full stop without ending the sentence.
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "incl.", "esp.", "no.", "resp.", "ca."})
# A paragraph break, or a line that starts a list, a heading or a docstring section, ends the first sentence too.
_BULLET = re.compile(r"^[-*+•]\s+")
_BREAK = re.compile(r"\n\s*\n|\n\s*(?:[-*+•#>|]|\d+[.)]\s|[A-Z][A-Za-z ]{0,30}:\s*(?:\n|$))")

DEFINITION: dict[str, Any] = {
    "name": DESCRIBE,
    "title": "Describe a tool in full",
    "description": "The full definition (description and input schema) of a tool whose listing was shortened.",
    "inputSchema": {
        "type": "object",
        "properties": {"tool": {"type": "string", "description": "The tool's name."}},
        "required": ["tool"],
    },
    "annotations": {"title": "Describe a tool in full", "readOnlyHint": True, "openWorldHint": False},
}


def compact_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """``tool`` with its description cut to the first sentence and a long ``inputSchema`` replaced.

    Every other field (name, title, annotations, outputSchema, _meta, unknown
    ones) is kept as it is. A tool that loses nothing is returned as it came
    (the same object), so an unchanged listing can pass byte for byte.
    """
    name = tool.get("name")
    if not isinstance(name, str) or name in _OURS:
        return tool
    description = tool.get("description")
    if isinstance(description, str) and description.endswith(_POINTER):
        return tool  # compacted already (a headroom behind this one): its signature is kept
    schema = tool.get("inputSchema")
    first = first_sentence(description) if isinstance(description, str) else None
    # A description that is one sentence already stays as it is, line breaks and all.
    cut = first is not None and first != " ".join(description.split())
    if not cut:
        first = description if isinstance(description, str) and description.strip() else None
    replace = _replaceable(schema)
    if not cut and not replace:
        return tool
    parts = [first] if first else []
    if replace:
        parts.append(signature(schema))
    parts.append(_POINTER)
    compacted = {**tool, "description": " ".join(parts)}
    if replace:
        compacted["inputSchema"] = {"type": "object"}
    return compacted


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, its line breaks made spaces (the whole text if it is one sentence)."""
    text = text.strip()
    while text.startswith("#") and "\n" in text:
        text = text.split("\n", 1)[1].lstrip()  # a leading heading names the tool; what it does comes after
    text = _BULLET.sub("", text)
    stop = _BREAK.search(text)
    head = text[: stop.start()] if stop else text
    for end in _SENTENCE_END.finditer(head):
        candidate = head[: end.end()]
        word = candidate.rsplit(None, 1)[-1].lower()
        after = head[end.end() :].lstrip()
        # "e.g. this" or "approx. ten" go on; so does a full stop followed by a lower-case word.
        if word.rstrip("\"')]") in _ABBREVIATIONS or (after and after[0].islower()):
            continue
        head = candidate
        break
    head = " ".join(head.split())
    if len(head) > _FIRST_SENTENCE_CHARS:
        head = head[:_FIRST_SENTENCE_CHARS].rsplit(" ", 1)[0] + "…"
    return head


def signature(schema: dict[str, Any]) -> str:
    """The arguments of an ``inputSchema`` in one line: ``(path: string, head?: number, mode?: "a"|"b")``."""
    properties = schema.get("properties")
    required = schema.get("required")
    needed = set(required) if isinstance(required, list) else set()
    if not isinstance(properties, dict):
        return "()"
    shown = []
    for name, details in properties.items():
        mark = "" if name in needed else "?"
        shown.append(f"{name}{mark}: {_type_of(details)}")
    return "(" + ", ".join(shown) + ")"


def describe_answer(arguments: Any, originals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``tools/call`` result of headroom_describe: the named tool's original definition, or a readable error.

    The definition is the tool's name, description (when it has one) and
    inputSchema exactly as the upstream sent them: what compaction may have
    changed. The rest of the tool is listed unchanged.
    """
    name = arguments.get("tool") if isinstance(arguments, dict) else None
    if not isinstance(name, str):
        return _error(f"{DESCRIBE} needs the argument `tool`, a tool's name.")
    tool = originals.get(name)
    if tool is None:
        known = ", ".join(sorted(originals)) or "none listed yet"
        return _error(f"{DESCRIBE}: no tool named {name!r}. Tools: {known}.")
    definition = {key: tool[key] for key in ("name", "description", "inputSchema") if key in tool}
    text = json.dumps(definition, ensure_ascii=False, indent=1)
    return {"content": [{"type": "text", "text": text}], "structuredContent": definition}


def _replaceable(schema: Any) -> bool:
    """Whether ``schema`` is an object schema long enough to be worth a signature instead."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return False  # not what MCP requires: left for the client to judge as the upstream sent it
    return len(json.dumps(schema, ensure_ascii=False, separators=(",", ":"))) > SCHEMA_CHARS


def _type_of(schema: Any, depth: int = 0) -> str:
    """A property's type as a signature writes it: ``string``, ``number[]``, ``"a"|"b"``, ``string|null``."""
    if not isinstance(schema, dict) or depth > 3:
        return "any"
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        written = "|".join(json.dumps(value, ensure_ascii=False) for value in enum)
        if len(enum) <= _ENUM_VALUES and len(written) <= _ENUM_CHARS:
            return written
    for union in ("anyOf", "oneOf"):
        members = schema.get(union)
        if isinstance(members, list) and members:
            return "|".join(dict.fromkeys(_type_of(member, depth + 1) for member in members))
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(dict.fromkeys(_one_type(schema, str(k), depth) for k in kind))
    if isinstance(kind, str):
        return _one_type(schema, kind, depth)
    if isinstance(schema.get("$ref"), str):
        return schema["$ref"].rsplit("/", 1)[-1] or "any"
    return "any"


def _one_type(schema: dict[str, Any], kind: str, depth: int) -> str:
    if kind == "array":
        item = _type_of(schema.get("items"), depth + 1)
        return f"({item})[]" if "|" in item else f"{item}[]"
    return kind


def _error(message: str) -> dict[str, Any]:
    # retrieve.error's result, written here: retrieve loads pydantic, which the relay keeps off its start-up path.
    return {"content": [{"type": "text", "text": message}], "isError": True}
