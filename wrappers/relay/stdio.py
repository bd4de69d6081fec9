"""The wrapper's own stdin and stdout as asyncio streams of lines.

MCP clients start servers with pipes, which asyncio watches directly. Anything
else (a file, /dev/null, a terminal) is read and written by a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from typing import BinaryIO

from .process import LINE_LIMIT


def _pollable(fd: int) -> bool:
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class Lines:
    """Lines in from the client (stdin), lines out to it (stdout), one whole message per write."""

    def __init__(
        self,
        reader: asyncio.StreamReader | BinaryIO,
        writer: asyncio.StreamWriter | BinaryIO,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls) -> Lines:
        """Attach to fd 0 and fd 1."""
        loop = asyncio.get_running_loop()
        stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb", buffering=0)
        reader: asyncio.StreamReader | BinaryIO = stdin
        if _pollable(stdin.fileno()):
            reader = asyncio.StreamReader(limit=LINE_LIMIT)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        else:
            reader = os.fdopen(stdin.fileno(), "rb", closefd=False)
        stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
        writer: asyncio.StreamWriter | BinaryIO = stdout
        if _pollable(stdout.fileno()):
            transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
            writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return cls(reader, writer)

    async def read(self) -> bytes | None:
        """The client's next message line, or None once it closed stdin."""
        try:
            if isinstance(self._reader, asyncio.StreamReader):
                line = await self._reader.readline()
            else:
                line = await asyncio.to_thread(self._reader.readline)
        except (ValueError, asyncio.LimitOverrunError, ConnectionError, OSError):
            return None
        if not line:
            return None
        return line.rstrip(b"\r\n")

    async def write(self, line: bytes) -> None:
        """Send one message line to the client."""
        async with self._lock:
            if isinstance(self._writer, asyncio.StreamWriter):
                self._writer.write(line + b"\n")
                await self._writer.drain()
            else:
                await asyncio.to_thread(self._writer.write, line + b"\n")
