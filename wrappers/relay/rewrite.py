"""What headroom does to the messages the relay hands it: the retrieve tool added, results compressed.

The pipeline, the store and pydantic load only when a result is big enough
to compress (or a retrieval asks for them); a small result is measured and
passed on as it came.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..counts import ToolCounts

if TYPE_CHECKING:
    from ...config import Settings
    from ..results import Compress

log = logging.getLogger(__name__)

RETRIEVE = "headroom_retrieve"
# How often gathered per-tool counts are written to the store.
_FLUSH_SECONDS = 1.0

Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class HeadroomRewriter:
    """The relay's ``Rewriter``: settings arrive from a background load, ``ask`` reaches the upstream."""

    def __init__(self, settings: Awaitable[Settings], retrieve_tool: Awaitable[dict[str, Any]], server: str) -> None:
        self._settings = settings
        self._retrieve_tool = retrieve_tool
        self.ask: Ask | None = None
        self._schemas: dict[str, Any] = {}
        self._upstream_retrieves = False
        self._counts = ToolCounts(server)
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
        """The upstream's page of tools; the last page gets headroom_retrieve appended."""
        tools = result.get("tools")
        if not isinstance(tools, list):
            return result
        names = set()
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                names.add(tool["name"])
                self._schemas[tool["name"]] = tool.get("outputSchema")
        if RETRIEVE in names:
            self._upstream_retrieves = True  # a headroom behind this one: its retrieve is offered as it is
            return result
        if result.get("nextCursor"):
            return result
        return {**result, "tools": [*tools, await self._retrieve_tool]}

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
        self._count(name, [])
        return True

    async def tool_result(self, name: str, arguments: Any, result: dict[str, Any]) -> dict[str, Any]:
        """``result`` compressed by the pipeline when it is big enough and the tool's policy allows it."""
        if name == RETRIEVE:
            return result  # an original asked for by hash is never compressed again
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
        schema = self._schemas.get(name)
        given = arguments if isinstance(arguments, dict) else None

        def compressed() -> dict[str, Any]:  # in a worker: the pipeline loads here, off the event loop
            return compress_tool_result(result, name, given, recording(self._compressor(settings), made), schema)

        done = await asyncio.to_thread(compressed)
        self._count(name, made)
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
        if self.ask is None:
            return
        cursor = None
        try:
            while True:
                page = await self.ask("tools/list", {"cursor": cursor} if cursor else {})
                for tool in page.get("tools") or []:
                    if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                        self._schemas[tool["name"]] = tool.get("outputSchema")
                cursor = page.get("nextCursor")
                if not cursor:
                    return
        except Exception as exc:  # without the schema, structured content stays as it came
            log.warning("could not list the upstream's tools: %s", exc)

    def _count(self, tool: str, made: list[Any]) -> None:
        self._counts.call(tool, made)
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
