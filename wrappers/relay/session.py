"""The relay: JSON-RPC lines between the client and the upstream, verbatim but for what headroom touches.

Touched, and only when they are answers to the client's own requests:
``initialize`` (tools capability added if missing), ``tools/list`` (headroom_retrieve
appended on the last page; with ``--compact-tools`` the tools shortened and
headroom_describe appended too), ``tools/call`` and ``resources/read`` results
(compressed), and ``tools/call`` of headroom_retrieve and headroom_describe (answered here).
Everything else (requests and notifications both ways, ids, fields this code
has never heard of) is forwarded byte for byte.

The upstream is started at once, restarted after a crash (with backoff, the
client's ``initialize`` replayed), and killed with whatever it started when
the client leaves. A request it does not answer in time gets a readable error
and the upstream is restarted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .command import Command
from .process import UpstreamGone, UpstreamProcess
from .stdio import Lines

log = logging.getLogger(__name__)

RETRIEVE = "headroom_retrieve"
DESCRIBE = "headroom_describe"
# Results of these requests are handed to the rewriter; everything else passes verbatim.
_TOUCHED = {"initialize", "server/discover", "tools/list", "tools/call", "resources/read"}
# Requests of the 2026-07-28 era carry their protocol version in ``_meta``; its results say ``resultType``.
_VERSION_META = "io.modelcontextprotocol/protocolVersion"
INTERNAL_ERROR = -32603


class Rewriter(Protocol):
    """What headroom does to the few messages it touches (``rewrite.HeadroomRewriter``; tests swap it)."""

    async def initialize(self, result: dict[str, Any]) -> dict[str, Any]: ...
    async def tools_list(self, result: dict[str, Any]) -> dict[str, Any]: ...
    async def tool_result(self, name: str, arguments: Any, result: dict[str, Any]) -> dict[str, Any]: ...
    async def resource_result(self, uri: str, result: dict[str, Any]) -> dict[str, Any]: ...
    async def retrieve(self, arguments: Any) -> dict[str, Any]: ...
    def passes(self, params: dict[str, Any], result: dict[str, Any]) -> bool: ...
    def upstream_retrieves(self) -> bool: ...
    def describes(self) -> bool: ...
    async def describe(self, arguments: Any) -> dict[str, Any]: ...
    async def close(self) -> None: ...


@dataclass(slots=True)
class _Pending:
    method: str
    params: dict[str, Any]
    generation: int
    timer: asyncio.TimerHandle | None = None
    progress: Any = None


class StartError(Exception):
    """The upstream could not be started (or restarted) now."""


@dataclass(slots=True)
class _Backoff:
    failures: int = 0
    not_before: float = 0.0
    reason: str = ""
    max_seconds: float = 30.0

    def failed(self, reason: str) -> None:
        self.failures += 1
        self.reason = reason
        self.not_before = time.monotonic() + min(self.max_seconds, 0.5 * 2 ** (self.failures - 1))


@dataclass(slots=True)
class Relay:
    """One client (this process's stdio) and one upstream at a time."""

    command: Command
    client: Lines
    rewriter: Rewriter
    call_timeout: float = 120.0
    connect_timeout: float = 30.0
    first: subprocess.Popen[bytes] | None = None
    upstream: UpstreamProcess | None = None
    generation: int = 0
    _pending: dict[tuple[str, Any], _Pending] = field(default_factory=dict)
    _internal: dict[tuple[str, Any], asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _from_upstream: set[tuple[str, Any]] = field(default_factory=set)
    _initialize: bytes | None = None
    _initialized: bytes | None = None
    _backoff: _Backoff = field(default_factory=_Backoff)
    _start_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _asked: int = 0

    async def run(self) -> None:
        """Relay until the client closes stdin; then stop the upstream and what it started."""
        await self._ensure_upstream()
        try:
            while (line := await self.client.read()) is not None:
                await self._from_client(line)
            # The client closed its side: answers already on their way may still be read.
            deadline = time.monotonic() + 2.0
            while self._pending and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop the upstream and finish the rewriter's work (its counters)."""
        upstream, self.upstream = self.upstream, None
        for task in list(self._tasks):
            task.cancel()
        if upstream is not None:
            await upstream.stop()
        await self.rewriter.close()

    # --- from the client -------------------------------------------------------------------------------------------

    async def _from_client(self, line: bytes) -> None:
        log.debug("client: %.300r", line)
        message = _parse(line)
        if message is None:  # not one JSON-RPC object (a batch, or garbage): the upstream answers it
            await self._to_upstream(line)
            return
        method = message.get("method")
        if not isinstance(method, str):
            key = _key(message.get("id"))
            if key in self._from_upstream:  # the answer to a request the current upstream made
                self._from_upstream.discard(key)
                await self._to_upstream(line)
            return
        params = message.get("params") if isinstance(message.get("params"), dict) else {}
        if "id" not in message:
            await self._client_notification(method, params, line)
            return
        key = _key(message["id"])
        if method == "initialize":
            self._initialize = line
        if method == "tools/call" and params.get("name") == RETRIEVE:
            self._spawn(self._retrieve(message, params, line))
            return
        if method == "tools/call" and params.get("name") == DESCRIBE and self.rewriter.describes():
            self._spawn(self._describe(message, params, line))
            return
        await self._forward_request(key, method, params, line, message["id"])

    async def _client_notification(self, method: str, params: dict[str, Any], line: bytes) -> None:
        if method == "notifications/initialized":
            self._initialized = line
        elif method == "notifications/cancelled":
            cancelled = self._pending.pop(_key(params.get("requestId")), None)
            if cancelled is not None and cancelled.timer is not None:
                cancelled.timer.cancel()
        if self.upstream is not None and self.upstream.alive:
            await self._to_upstream(line)

    async def _forward_request(self, key: tuple[str, Any], method: str, params: dict[str, Any], line: bytes, id_: Any):
        try:
            await self._ensure_upstream()
        except StartError as exc:
            await self._fail(id_, method, params, str(exc))
            return
        meta = params.get("_meta") if isinstance(params.get("_meta"), dict) else {}
        pending = _Pending(method, params, self.generation, progress=meta.get("progressToken"))
        self._pending[key] = pending
        self._arm(key, pending)
        try:
            await self._to_upstream(line)
        except UpstreamGone:
            pass  # the upstream's end is noticed by its reader, which fails what is pending

    async def _retrieve(self, message: dict[str, Any], params: dict[str, Any], line: bytes) -> None:
        result = await self.rewriter.retrieve(params.get("arguments"))
        if result.get("isError") and self.rewriter.upstream_retrieves():
            # Another headroom behind this one (with its own store) may know the hash.
            await self._forward_request(_key(message["id"]), "tools/call", params, line, message["id"])
            return
        await self._reply(message["id"], result, params)

    async def _describe(self, message: dict[str, Any], params: dict[str, Any], line: bytes) -> None:
        result = await self.rewriter.describe(params.get("arguments"))
        if not self.rewriter.describes():
            # Listing the upstream's tools to answer showed it has a headroom_describe of its own: it answers.
            await self._forward_request(_key(message["id"]), "tools/call", params, line, message["id"])
            return
        await self._reply(message["id"], result, params)

    # --- to and from the upstream ----------------------------------------------------------------------------------

    async def _to_upstream(self, line: bytes) -> None:
        upstream = self.upstream
        if upstream is None:
            return
        await upstream.write(line)

    async def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a request of headroom's own to the upstream and return its result (raises on error)."""
        await self._ensure_upstream()
        self._asked += 1
        id_ = f"headroom-{self._asked}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._internal[_key(id_)] = future
        line = json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}).encode()
        try:
            await self._to_upstream(line)
            answer = await asyncio.wait_for(future, self.connect_timeout)
        finally:
            self._internal.pop(_key(id_), None)
        if "result" not in answer:
            raise StartError(f"{method}: {answer.get('error')}")
        return answer["result"]

    async def _pump(self, upstream: UpstreamProcess, generation: int) -> None:
        """Read the upstream until it ends; then fail what is pending with it."""
        while (line := await upstream.read()) is not None:
            log.debug("upstream: %.300r", line)
            message = _parse(line)
            if message is None:
                log.warning("upstream %s wrote a line that is not JSON-RPC: %.200r", upstream.name, line)
                continue
            method = message.get("method")
            if isinstance(method, str):
                if "id" in message:
                    self._from_upstream.add(_key(message["id"]))
                elif method == "notifications/progress":
                    self._progressed(message.get("params"))
                await self.client.write(line)
                continue
            key = _key(message.get("id"))
            future = self._internal.get(key)
            if future is not None:
                if not future.done():
                    future.set_result(message)
                continue
            pending = self._pending.pop(key, None)
            if pending is None:
                continue  # answered already (timed out, or cancelled by the client)
            if pending.timer is not None:
                pending.timer.cancel()
            self._backoff.failures = 0  # it answers: a later crash is restarted at once again
            result = message.get("result")
            if (
                pending.method == "tools/call"
                and isinstance(result, dict)
                and self.rewriter.passes(pending.params, result)
            ):
                await self.client.write(line)  # the common small answer: no task, no thread, no copy
            elif pending.method in _TOUCHED and isinstance(result, dict):
                self._spawn(self._touch(pending, message, line))
            else:
                await self.client.write(line)
        await self._ended(upstream, generation)

    async def _touch(self, pending: _Pending, message: dict[str, Any], line: bytes) -> None:
        result = message["result"]
        params = pending.params
        try:
            if pending.method in ("initialize", "server/discover"):
                new = await self.rewriter.initialize(result)
            elif pending.method == "tools/list":
                new = await self.rewriter.tools_list(result)
            elif pending.method == "tools/call":
                new = await self.rewriter.tool_result(str(params.get("name")), params.get("arguments"), result)
            else:
                new = await self.rewriter.resource_result(str(params.get("uri")), result)
        except Exception:  # a bug in headroom costs the savings, never the answer
            log.exception("could not rewrite the %s result; passed on unchanged", pending.method)
            new = result
        if new is result:
            await self.client.write(line)
        else:
            await self.client.write(_dump({**message, "result": new}))

    async def _ended(self, upstream: UpstreamProcess, generation: int) -> None:
        await upstream.stop(grace=0.5)
        if self.upstream is upstream:  # it died by itself (a restart after a timeout detached it first)
            self.upstream = None
            code = upstream.returncode
            self._backoff.failed(f"exit code {code}" if code is not None else "closed its output")
            log.warning("upstream %s ended (%s)", upstream.name, self._backoff.reason)
        for key, pending in list(self._pending.items()):
            if pending.generation == generation:
                del self._pending[key]
                if pending.timer is not None:
                    pending.timer.cancel()
                why = f"upstream {self.command.name} exited during {_what(pending)}"
                await self._fail(
                    key[1], pending.method, pending.params, f"{why}; it will be restarted on the next call"
                )

    async def _ensure_upstream(self) -> None:
        """The upstream, running: started (or restarted, replaying the client's handshake) if need be."""
        async with self._start_lock:
            if self.upstream is not None and self.upstream.alive:
                return
            wait = self._backoff.not_before - time.monotonic()
            if wait > 0 and self._backoff.failures > 1:
                raise StartError(
                    f"upstream {self.command.name} failed ({self._backoff.reason}); retrying in {wait:.0f} s"
                )
            try:
                if self.first is not None:  # started before the wrapper imported the rest
                    first, self.first = self.first, None
                    upstream = await UpstreamProcess.attach(first, self.command.name)
                else:
                    upstream = await UpstreamProcess.start(
                        self.command.argv, self.command.env, self.command.cwd, self.command.name
                    )
            except OSError as exc:
                self._backoff.failed(str(exc))
                raise StartError(f"upstream {self.command.name} could not be started: {exc}") from None
            self.generation += 1
            self.upstream = upstream
            self._from_upstream.clear()
            self._spawn(self._pump(upstream, self.generation))
            if self._initialize is not None:
                await self._replay_handshake(upstream)

    async def _replay_handshake(self, upstream: UpstreamProcess) -> None:
        """A restarted upstream gets the client's own ``initialize`` (under an id of ours) and ``initialized``."""
        assert self._initialize is not None
        request = json.loads(self._initialize)
        self._asked += 1
        request["id"] = f"headroom-{self._asked}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._internal[_key(request["id"])] = future
        try:
            await upstream.write(_dump(request))
            answer = await asyncio.wait_for(future, self.connect_timeout)
            if "result" not in answer:
                raise StartError(f"initialize failed: {answer.get('error')}")
            if self._initialized is not None:
                await upstream.write(self._initialized)
        except (asyncio.TimeoutError, UpstreamGone, StartError) as exc:
            reason = str(exc) or f"no answer to initialize within {self.connect_timeout:.0f} s"
            self._backoff.failed(reason)
            upstream.kill_now()
            raise StartError(f"upstream {self.command.name} could not be restarted: {reason}") from None
        finally:
            self._internal.pop(_key(request["id"]), None)

    # --- timeouts, progress and answers ----------------------------------------------------------------------------

    def _arm(self, key: tuple[str, Any], pending: _Pending) -> None:
        if pending.timer is not None:
            pending.timer.cancel()
        limit = self.connect_timeout if pending.method == "initialize" else self.call_timeout
        pending.timer = asyncio.get_running_loop().call_later(limit, lambda: self._spawn(self._timed_out(key, limit)))

    def _progressed(self, params: Any) -> None:
        """A request that reports progress is alive: its time starts again."""
        token = params.get("progressToken") if isinstance(params, dict) else None
        for key, pending in self._pending.items():
            if token is not None and pending.progress == token:
                self._arm(key, pending)

    async def _timed_out(self, key: tuple[str, Any], limit: float) -> None:
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        await self._fail(
            key[1],
            pending.method,
            pending.params,
            f"upstream {self.command.name} did not answer {_what(pending)} within {limit:.0f} s; it was restarted",
        )
        upstream = self.upstream
        if upstream is not None and pending.generation == self.generation:
            self.upstream = None  # the next request starts a fresh one; this one's reader fails the rest
            upstream.kill_now()

    async def _fail(self, id_: Any, method: str, params: dict[str, Any], message: str) -> None:
        """Tell the client: a tool call gets an ``isError`` result the model reads, other requests an error."""
        if method == "tools/call":
            await self._reply(id_, {"content": [{"type": "text", "text": message}], "isError": True}, params)
        else:
            await self.client.write(
                _dump({"jsonrpc": "2.0", "id": id_, "error": {"code": INTERNAL_ERROR, "message": message}})
            )

    async def _reply(self, id_: Any, result: dict[str, Any], params: dict[str, Any]) -> None:
        """A result of headroom's own, in the protocol era of the request it answers."""
        meta = params.get("_meta")
        if isinstance(meta, dict) and str(meta.get(_VERSION_META, "")) >= "2026-07-28":
            result = {**result, "resultType": "complete"}
        await self.client.write(_dump({"jsonrpc": "2.0", "id": id_, "result": result}))

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("relay task failed", exc_info=task.exception())


def _key(id_: Any) -> tuple[str, Any]:
    """Ids 1 and "1" are different requests."""
    return (type(id_).__name__, id_ if isinstance(id_, (int, str)) or id_ is None else json.dumps(id_))


def _what(pending: _Pending) -> str:
    if pending.method == "tools/call":
        return f"tools/call {pending.params.get('name')}"
    return pending.method


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _dump(message: dict[str, Any]) -> bytes:
    """One line of JSON; non-ASCII as UTF-8, unless the strings hold lone surrogates (then escaped)."""
    try:
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(message, separators=(",", ":")).encode("ascii")
