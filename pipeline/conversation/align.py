"""CacheAligner: a system prompt's dynamic values move to its tail, so the text before them stays byte-identical.

Providers cache a prompt's longest unchanged prefix. A system prompt that
says "Today is 2026-12-03T07:45:00Z, session 3f2a…" in its second line
changes from its second line on, every call. Each dynamic value (dates,
times, UUIDs, request and session ids) is replaced where it stood by a
numbered reference, and the values are listed at the end: nothing is lost,
and everything before that list is the same on every call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DYNAMIC = re.compile(
    "|".join(
        [
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
            # `date`'s own format: Thu Dec  3 07:45:00 UTC 2026
            rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MONTH} {{1,2}}\d{{1,2}} \d{{2}}:\d{{2}}:\d{{2}}"
            r"(?: [A-Z]{2,5})? \d{4}\b",
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
            rf"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? )?{_MONTH} {{1,2}}\d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b",
            rf"\b\d{{1,2}} {_MONTH} \d{{4}}\b",
            r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?(?: ?(?:UTC|GMT|Z))?(?!\w)",
            r"\b(?:req|request|msg|run|session|sess|trace|conv|chatcmpl|toolu|call)[-_][A-Za-z0-9]{6,}\b",
            r"\b[0-9a-f]{32,}\b",
        ]
    )
)
TAIL_HEADER = "Values referenced above:"


def align_text(text: str) -> str:
    """``text`` with each dynamic value replaced by ``[value N]`` and the values listed at its end."""
    if TAIL_HEADER in text:
        return text  # already aligned: its tail holds the values
    values: list[str] = []

    def reference(match: re.Match[str]) -> str:
        values.append(match.group(0))
        return f"[value {len(values)}]"

    body = _DYNAMIC.sub(reference, text)
    if not values:
        return text
    listed = "\n".join(f"[value {number}] = {value}" for number, value in enumerate(values, 1))
    return f"{body.rstrip()}\n\n{TAIL_HEADER}\n{listed}"


def align_system(system: Any) -> Any:
    """An Anthropic ``system`` (a string or text blocks) aligned; anything else as it was."""
    if isinstance(system, str):
        return align_text(system)
    if isinstance(system, list):
        return [
            {**block, "text": align_text(block["text"])}
            if isinstance(block, Mapping) and block.get("type") == "text" and isinstance(block.get("text"), str)
            else block
            for block in system
        ]
    return system


def align_messages(messages: list[Any]) -> list[Any]:
    """OpenAI ``system``/``developer`` messages aligned; every other message is the same object."""
    out = list(messages)
    for index, message in enumerate(messages):
        if isinstance(message, Mapping) and message.get("role") in ("system", "developer"):
            content = message.get("content")
            if isinstance(content, str):
                out[index] = {**message, "content": align_text(content)}
            elif isinstance(content, list):
                out[index] = {**message, "content": align_system(content)}
    return out
