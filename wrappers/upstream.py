"""One upstream MCP server behind the wrapper: started on demand, restarted after a crash.

The mcp ``Client`` must be entered and left in the same task (anyio cancel
scopes), so one long-lived task owns each connection and request handlers
only borrow its session. When the upstream dies the task ends, the next call
starts a fresh one after a short backoff, and callers get a readable error
in the meantime instead of a hung session.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import CONNECTION_CLOSED

log = logging.getLogger(__name__)
T = TypeVar("T")


class UpstreamError(RuntimeError):
    """The upstream could not be reached, crashed, or did not answer in time."""


@dataclass(frozen=True, slots=True)
class UpstreamCommand:
    """How to reach the upstream: a command line (with the environment it adds to ours), or a URL.

    A URL means the upstream speaks streamable HTTP and is already running.
    """

    argv: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None

    def target(self) -> StdioServerParameters | str:
        """What ``mcp.Client`` connects to."""
        return self.url if self.url else self.parameters()

    def parameters(self) -> StdioServerParameters:
        """Stdio parameters passing the wrapper's whole environment (mcp passes a minimal one by default)."""
        return StdioServerParameters(
            command=self.argv[0],
            args=list(self.argv[1:]),
            env={**os.environ, **self.env},
            cwd=self.cwd,
        )


class Upstream:
    """A restartable connection to one upstream server."""

    def __init__(
        self,
        command: UpstreamCommand,
        task_group: TaskGroup,
        *,
        connect_timeout: float = 30.0,
        call_timeout: float = 120.0,
        max_backoff: float = 30.0,
        client_options: dict[str, Any] | None = None,
    ):
        self.command = command
        self._client_options = client_options or {}
        self.call_timeout = call_timeout
        self._task_group = task_group
        self._connect_timeout = connect_timeout
        self._max_backoff = max_backoff
        self._client: Client | None = None
        self._ready: anyio.Event | None = None
        self._stop: anyio.Event | None = None
        self._failure: str | None = None
        self._failures = 0
        self._not_before = 0.0
        self._lock = anyio.Lock()

    async def client(self) -> Client:
        """The connected client, starting (or restarting) the upstream if needed."""
        async with self._lock:
            if self._client is not None:
                return self._client
            wait = self._not_before - time.monotonic()
            if wait > 0:
                raise UpstreamError(
                    f"upstream {self.name()} failed ({self._failure}); retrying in {wait:.0f} s"
                )
            self._ready, self._stop = anyio.Event(), anyio.Event()
            self._failure = None
            self._task_group.start_soon(self._own_connection, self._ready, self._stop)
            with anyio.move_on_after(self._connect_timeout):
                await self._ready.wait()
            if self._client is None:
                self._stop.set()
                self._back_off(self._failure or f"no answer to initialize within {self._connect_timeout:.0f} s")
                raise UpstreamError(f"upstream {self.name()} could not be started: {self._failure}")
            self._failures = 0
            return self._client

    async def _own_connection(self, ready: anyio.Event, stop: anyio.Event) -> None:
        try:
            # The handshake era: it still carries everything the wrapper relays (list-changed,
            # logging, sampling), which 2026-07-28 moves to subscription streams and input rounds.
            async with Client(self.command.target(), mode="legacy", **self._client_options) as client:
                self._client = client
                ready.set()
                await stop.wait()
        except BaseException as exc:  # noqa: BLE001 - a dying upstream must not take the wrapper down
            if isinstance(exc, anyio.get_cancelled_exc_class()):
                raise
            self._failure = _describe(exc)
            log.warning("upstream %s ended: %s", self.name(), self._failure)
        finally:
            self._client = None
            ready.set()

    async def call(self, operation: Callable[[Client], Awaitable[T]], what: str) -> T:
        """Run ``operation`` against the upstream with the call timeout; failures become UpstreamError."""
        client = await self.client()
        try:
            with anyio.fail_after(self.call_timeout):
                return await operation(client)
        except TimeoutError:
            await self.restart(f"{what} got no answer within {self.call_timeout:.0f} s")
            raise UpstreamError(
                f"upstream {self.name()} did not answer {what} within {self.call_timeout:.0f} s; "
                "it was restarted"
            ) from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream) as exc:
            await self.restart(_describe(exc))
            raise UpstreamError(f"upstream {self.name()} closed the connection during {what}") from None
        except MCPError as exc:
            if exc.error.code != CONNECTION_CLOSED:
                raise
            await self.restart(str(exc))
            raise UpstreamError(
                f"upstream {self.name()} exited during {what}; it will be restarted on the next call"
            ) from None

    async def restart(self, reason: str) -> None:
        """Drop the current connection; the next call starts the upstream again."""
        if self._stop is not None:
            self._stop.set()
        self._client = None
        self._failure = reason

    async def close(self) -> None:
        """Stop the upstream."""
        if self._stop is not None:
            self._stop.set()

    def _back_off(self, reason: str) -> None:
        self._failure = reason
        self._failures += 1
        self._not_before = time.monotonic() + min(self._max_backoff, 0.5 * 2 ** (self._failures - 1))

    def name(self) -> str:
        """The upstream command's basename, or its URL."""
        if self.command.url:
            return self.command.url
        return os.path.basename(self.command.argv[0]) if self.command.argv else "?"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
