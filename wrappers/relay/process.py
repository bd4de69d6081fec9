"""One upstream server process: newline-delimited JSON-RPC on its stdin and stdout.

It is started with plain ``subprocess`` (no asyncio, no settings) as the very
first thing ``wrap`` does, so the upstream boots while the wrapper imports
the rest. It runs in a session (process group) of its own, so that stopping
it stops what it started too (``npx`` and ``uvx`` start the real server as a
child): no upstream outlives the wrapper.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any

# The longest line read in one piece: a tool result of tens of MB is one JSON-RPC line.
LINE_LIMIT = 1 << 30


class UpstreamGone(Exception):
    """The upstream's stdin is closed: it exited or is exiting."""


def spawn(argv: Sequence[str], env: Mapping[str, str], cwd: str | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` with pipes for stdin and stdout; its stderr is the wrapper's (the client's server log)."""
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        start_new_session=os.name == "posix",
    )


class UpstreamProcess:
    """A started upstream: ``read`` its next line, ``write`` a line to it, ``stop`` it and its children."""

    def __init__(self, process: subprocess.Popen[bytes], name: str) -> None:
        self.process = process
        self.name = name
        self._reader: Any = None
        self._writer: Any = None

    @classmethod
    async def start(cls, argv: Sequence[str], env: Mapping[str, str], cwd: str | None, name: str) -> UpstreamProcess:
        """Start ``argv`` and attach to it."""
        return await cls.attach(spawn(argv, env, cwd), name)

    @classmethod
    async def attach(cls, process: subprocess.Popen[bytes], name: str) -> UpstreamProcess:
        """Watch the pipes of an already started ``process`` from the running event loop."""
        import asyncio

        upstream = cls(process, name)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), process.stdout)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, process.stdin)
        upstream._reader = reader
        upstream._writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return upstream

    async def read(self) -> bytes | None:
        """The next line without its newline, or None once the upstream's stdout is closed."""
        import asyncio

        try:
            line = await self._reader.readline()
        except (ValueError, asyncio.LimitOverrunError, ConnectionError):
            return None
        if not line:
            return None
        return line.rstrip(b"\r\n") if line.endswith(b"\n") else line

    async def write(self, line: bytes) -> None:
        """Send one message; raises :class:`UpstreamGone` when the upstream no longer reads."""
        if self._writer.is_closing():
            raise UpstreamGone(self.name)
        try:
            self._writer.write(line + b"\n")
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise UpstreamGone(self.name) from exc

    @property
    def alive(self) -> bool:
        """Whether the process has not exited yet."""
        return self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        """Its exit code once it exited."""
        return self.process.poll()

    async def stop(self, grace: float = 2.0) -> None:
        """Close its stdin (the MCP way to say goodbye), then terminate, then kill its whole group."""
        import asyncio

        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(Exception):
                self._writer.close()
        for sig, wait in ((None, grace), (signal.SIGTERM, 1.0)):
            if sig is not None:
                self._signal(sig)
            deadline = time.monotonic() + wait
            while self.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if self.process.poll() is not None:
                break
        self._signal(signal.SIGKILL)  # what the server started, even after the server itself is gone
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)

    def kill_now(self) -> None:
        """Kill the process group at once (a restart, or the wrapper is being killed itself)."""
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            if os.name == "posix":
                os.killpg(self.process.pid, sig)
            elif self.process.poll() is None:
                self.process.send_signal(sig)
