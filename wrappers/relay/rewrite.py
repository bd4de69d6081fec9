"""What headroom does to the messages the relay hands it: the retrieve tool added, results compressed.

The pipeline, the store and pydantic load only when a result is big enough
to compress (or a retrieval asks for them); a small result is measured and
passed on as it came.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..counts import ToolCounts
from ..repeats import Repeats

if TYPE_CHECKING:
    from ...config import Settings
    from ..results import Compress

log = logging.getLogger(__name__)

RETRIEVE = "headroom_retrieve"
DESCRIBE = "headroom_describe"
# How often gathered per-tool counts are written to the store.
_FLUSH_SECONDS = 1.0

Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class HeadroomRewriter:
    """The relay's ``Rewriter``: settings arrive from a background load, ``ask`` reaches the upstream."""

    def __init__(
        self,
        settings: Awaitable[Settings],
        retrieve_tool: Awaitable[dict[str, Any]],
        server: str,
        *,
        compact_tools: bool = False,
    ) -> None:
        self._settings = settings
        self._retrieve_tool = retrieve_tool
        self.ask: Ask | None = None
        self._schemas: dict[str, Any] = {}
        self._upstream_retrieves = False
        # compact_tools: listings shortened (``surface``), the upstream's own definitions kept for headroom_describe.
        self._compact = compact_tools
        self._originals: dict[str, dict[str, Any]] = {}
        self._upstream_describes = False
        self._counts = ToolCounts(server)
        self._repeats = Repeats()  # this client session's calls, for answering repeats with deltas
        self._compress: Compress | None = None
        self._loaded: Settings | None = None
        self._flusher: asyncio.Task[None] | None = None

    async def initialize(self, result: dict[str, Any]) -> dict[str, Any]:
        """The upstream's own answer; with a tools capability if it had none (headroom_retrieve is a tool)."""
        meta = result.get("_meta") if isinstance(result.get("_meta"), dict) else {}
        info = result.get("serverInfo") or meta.get("io.modelcontextprotocol/serverInfo")  # initialize, or discover
        if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"]:
            self._counts.server = info["name"]
        capabilities = result.get("capabilities")
        if isinstance(capabilities, dict) and "tools" not in capabilities:
            return {**result, "capabilities": {**capabilities, "tools": {}}}
        return result

    async def tools_list(self, result: dict[str, Any]) -> dict[str, Any]:
        """The upstream's page of tools; the last page gets headroom_retrieve appended.

        With ``compact_tools`` each tool is compacted (``surface.compact_tool``) and
        headroom_describe is appended beside headroom_retrieve.
        """
        tools = result.get("tools")
        if not isinstance(tools, list):
            return result
        names = set()
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                names.add(tool["name"])
                self._schemas[tool["name"]] = tool.get("outputSchema")
                if self._compact:
                    self._originals[tool["name"]] = tool
        if RETRIEVE in names:
            self._upstream_retrieves = True  # a headroom behind this one: its retrieve is offered as it is
        if DESCRIBE in names:
            self._upstream_describes = True  # the upstream's own headroom_describe is listed and called as it is
        listed = await self._compacted(tools) if self._compact else tools
        added = []
        if not result.get("nextCursor"):
            if RETRIEVE not in names:
                added.append(await self._retrieve_tool)
            if self.describes():
                from ..surface import DEFINITION

                added.append(DEFINITION)
            for tool in added if self._compact else ():
                self._originals[tool["name"]] = tool  # headroom's own tools can be described too
        if self._compact and listed is not tools:
            # What the compaction saved on this page, headroom_describe's own listing taken off.
            describe = [tool for tool in added if tool.get("name") == DESCRIBE]
            self._counts.listing(json.dumps(tools), json.dumps([*listed, *describe]))
            self._schedule_flush()
        if listed is tools and not added:
            return result
        return {**result, "tools": [*listed, *added]}

    def describes(self) -> bool:
        """Whether headroom_describe is ours to answer: tools are compacted and the upstream has none of its own."""
        return self._compact and not self._upstream_describes

    async def describe(self, arguments: Any) -> dict[str, Any]:
        """Answer headroom_describe: the named tool as the upstream listed it."""
        from ..surface import describe_answer

        name = arguments.get("tool") if isinstance(arguments, dict) else None
        if isinstance(name, str) and name not in self._originals:
            await self._learn_schemas()  # not listed yet (or since a restart): the upstream is asked for its tools
        return describe_answer(arguments, self._originals)

    def upstream_retrieves(self) -> bool:
        """Whether the upstream offers headroom_retrieve itself."""
        return self._upstream_retrieves

    def passes(self, params: dict[str, Any], result: dict[str, Any]) -> bool:
        """Whether a ``tools/call`` result goes on as it came, decided at once (and counted if so).

        False when it must be looked at closer (``tool_result``): the settings not loaded yet, or big.
        """
        settings = self._loaded
        name = params.get("name")
        if settings is None or not isinstance(name, str) or name == RETRIEVE:
            return False
        if not result.get("isError") and self._big(result, name, settings):
            policy = settings.tools.get(name)
            if policy is None or policy.compress:
                return False
        self._repeats.next_call(name)
        self._count(name, [])
        return True

    async def tool_result(self, name: str, arguments: Any, result: dict[str, Any]) -> dict[str, Any]:
        """``result`` compressed by the pipeline when it is big enough and the tool's policy allows it."""
        if name == RETRIEVE:
            return result  # an original asked for by hash is never compressed again
        number = self._repeats.next_call(name)
        settings = self._loaded = await self._settings
        policy = settings.tools.get(name)
        if (
            (policy is not None and not policy.compress)
            or result.get("isError")
            or not self._big(result, name, settings)
        ):
            self._count(name, [])
            return result
        if result.get("structuredContent") is not None and name not in self._schemas:
            await self._learn_schemas()  # the schema decides whether a compressed structure may be returned
        from ..counts import recording
        from ..results import compress_tool_result

        made: list[Any] = []
        saved: list[int] = []
        schema = self._schemas.get(name)
        given = arguments if isinstance(arguments, dict) else None
        deltas = settings.deltas and (policy is None or policy.deltas)

        def compressed() -> dict[str, Any]:  # in a worker: the pipeline loads here, off the event loop
            compress = self._compressor(settings)
            if deltas:
                from ..delta_answers import with_deltas

                compress = with_deltas(compress, self._repeats, name, given, number, saved)
            return compress_tool_result(result, name, given, recording(compress, made), schema)

        done = await asyncio.to_thread(compressed)
        self._count(name, made, saved)
        return done

    async def resource_result(self, uri: str, result: dict[str, Any]) -> dict[str, Any]:
        """Large text resources compressed."""
        settings = self._loaded = await self._settings
        if not self._big(result, None, settings):
            return result
        from ..results import compress_resource

        return await asyncio.to_thread(lambda: compress_resource(result, uri, self._compressor(settings)))

    async def retrieve(self, arguments: Any) -> dict[str, Any]:
        """Answer headroom_retrieve from the store."""
        settings = await self._settings
        from .. import retrieve

        def answer_from_the_store() -> dict[str, Any]:
            _configure(settings)  # the store those settings name
            return retrieve.answer(arguments if isinstance(arguments, dict) else None, self._counts.retrieval)

        answer = await asyncio.to_thread(answer_from_the_store)
        if not answer.get("isError"):
            self._schedule_flush()
        return answer

    async def close(self) -> None:
        """Write the counts not written yet."""
        if self._flusher is not None:
            self._flusher.cancel()
        if self._counts.dirty:
            try:
                await asyncio.to_thread(self._counts.flush)
            except Exception:  # counting must never keep the wrapper from ending
                log.exception("could not write the per-tool counts")

    def _big(self, result: dict[str, Any], tool: str | None, settings: Settings) -> bool:
        """Whether ``result`` may hold enough tokens to compress (a token is at least one UTF-8 byte)."""
        policy = settings.tools.get(tool or "")
        limit = policy.min_tokens if policy is not None and policy.min_tokens is not None else settings.min_tokens
        return _texts_size(result, limit) >= limit

    def _compressor(self, settings: Settings) -> Compress:
        if self._compress is None:
            _configure(settings)
            from ..policy import compress_with_policy

            self._compress = compress_with_policy(settings)
        return self._compress

    async def _learn_schemas(self) -> None:
        """Every page of the upstream's tools, asked for by headroom: output schemas (and originals) learned."""
        if self.ask is None:
            return
        cursor = None
        try:
            while True:
                page = await self.ask("tools/list", {"cursor": cursor} if cursor else {})
                for tool in page.get("tools") or []:
                    if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                        self._schemas[tool["name"]] = tool.get("outputSchema")
                        if self._compact:
                            self._originals[tool["name"]] = tool
                        if tool["name"] == DESCRIBE:
                            self._upstream_describes = True
                cursor = page.get("nextCursor")
                if not cursor:
                    return
        except Exception as exc:  # without the schema, structured content stays as it came
            log.warning("could not list the upstream's tools: %s", exc)

    async def _compacted(self, tools: list[Any]) -> list[Any]:
        """``tools`` compacted, in a worker (the tokenizer may still be loading); the same list if none changed."""
        from ..surface import compact_tool

        def compact_all() -> list[Any]:
            return [compact_tool(tool) if isinstance(tool, dict) else tool for tool in tools]

        listed = await asyncio.to_thread(compact_all)
        return tools if all(new is old for new, old in zip(listed, tools)) else listed

    def _count(self, tool: str, made: list[Any], delta_savings: list[int] | None = None) -> None:
        self._counts.call(tool, made, delta_savings or [])
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(_FLUSH_SECONDS)
        try:
            await asyncio.to_thread(self._counts.flush)
        except Exception:
            log.exception("could not write the per-tool counts")


def _texts_size(result: dict[str, Any], enough: int) -> int:
    """UTF-8 bytes of the texts a result could have compressed, counted until ``enough`` is reached."""
    total = 0
    pending: list[Any] = [result.get("content"), result.get("contents"), result.get("structuredContent")]
    depth = 0
    while pending and total < enough and depth < 10_000:
        value = pending.pop()
        depth += 1
        if isinstance(value, str):
            total += len(value) if len(value) >= enough else len(value.encode("utf-8", "surrogatepass"))
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return total


_configured: list[Any] = []


def _configure(settings: Settings) -> None:
    """Hand the settings to the library face once, when the pipeline or the store is first needed."""
    if not _configured or _configured[0] is not settings:
        from ... import api

        api.configure(settings)
        _configured[:] = [settings]
