"""``headroom_retrieve``: its published definition and its answer, as plain JSON-RPC data.

Shared by ``serve`` (through the SDK) and the wrapper's message-level relay,
which answers it locally without the mcp SDK. Every failure is an
``isError`` result the model can read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

NAME = "headroom_retrieve"


class RetrieveArgs(BaseModel):
    """Arguments of headroom_retrieve."""

    model_config = ConfigDict(extra="forbid")
    hash: str = Field(description="The hash from a [headroom: ...] marker.")
    query: str | None = Field(None, description="Return only the parts of the original matching this (BM25).")
    cursor: str | None = Field(None, description="next_cursor of the previous page.")


class RetrieveOutput(BaseModel):
    """Structured result of headroom_retrieve (the original, or the matches, are the text blocks)."""

    hash: str
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last page.")
    matches: int | None = Field(None, description="With a query: how many items match.")


def definition() -> dict[str, Any]:
    """The tool as ``tools/list`` publishes it (camelCase keys, as on the wire; see ``retrieve_definition``)."""
    from .retrieve_definition import DEFINITION

    return DEFINITION


def error(message: str) -> dict[str, Any]:
    """An ``isError`` tool result the model can read."""
    return {"content": [{"type": "text", "text": message}], "isError": True}


def invalid_arguments(tool: str, exc: ValidationError) -> str:
    """What the model reads when its arguments for ``tool`` do not validate: each field and what is wrong."""
    problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in exc.errors())
    return f"Invalid arguments for {tool}: {problems}"


# Told of each successful retrieval: its hash, query, the positions of the items shown, and whether it was a
# first page (no cursor).
Found = Callable[[str, "str | None", Sequence[str], bool], None]


def answer(arguments: Mapping[str, Any] | None, found_hook: Found | None = None) -> dict[str, Any]:
    """The ``tools/call`` result for headroom_retrieve with ``arguments`` (blocking: run it in a thread)."""
    from .. import api  # the store and retrieval load with the first retrieval, not with the wrapper
    from ..pipeline.retrieval import BadCursor, UnknownKey
    from ..pipeline.store import StoreError

    try:
        args = RetrieveArgs.model_validate(arguments or {})
        found = api.retrieve(args.hash, query=args.query, cursor=args.cursor)
    except ValidationError as exc:
        return error(invalid_arguments(NAME, exc))
    except (UnknownKey, BadCursor, StoreError) as exc:
        return error(str(exc))
    except Exception as exc:  # the session must survive any bug in retrieval
        log.exception("%s failed", NAME)
        return error(f"{NAME} failed: {type(exc).__name__}: {exc}")
    if found_hook is not None:
        found_hook(found.hash, args.query, found.positions, args.cursor is None)
    output = RetrieveOutput(hash=found.hash, next_cursor=found.next_cursor, matches=found.matches)
    return {
        "content": [{"type": "text", "text": block} for block in found.blocks],
        "structuredContent": output.model_dump(mode="json"),
    }
