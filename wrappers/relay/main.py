"""``headroom-mcp wrap -- CMD ARGS...`` over stdio: start the upstream first, everything else while it boots."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from ...config_file import raw_config, raw_upstream_env
from .command import Command
from .process import spawn

_WARM_AFTER_SECONDS = 2.0
# How pydantic reads a bool from a string (the environment): these are true; the other accepted words are false.
_TRUE_WORDS = frozenset({"1", "on", "t", "true", "y", "yes"})


class Deferred:
    """A future started on first use (``await``) or by ``start``."""

    def __init__(self, begin: Any) -> None:
        self._begin = begin
        self._future: Any = None
        self.done_callback: Any = None

    def start(self) -> Any:
        """Begin the work if it has not begun; its future."""
        if self._future is None:
            self._future = self._begin()
            if self.done_callback is not None:
                self._future.add_done_callback(self.done_callback)
        return self._future

    def __await__(self) -> Any:
        return self.start().__await__()


def run(argv: list[str], *, config: str | None, overrides: Mapping[str, Any], call_timeout: float) -> int:
    """Relay this process's stdio to the upstream ``argv``; the exit code."""
    # The file is read raw so that the upstream starts first; the full settings are checked meanwhile.
    raw = raw_config(config)
    command = Command(list(argv), {**os.environ, **raw_upstream_env(raw)})
    try:
        first = spawn(command.argv, command.env, command.cwd)
    except OSError as exc:
        print(f"headroom-mcp: upstream {command.name} could not be started: {exc}", file=sys.stderr)
        return 1
    import asyncio
    import logging

    level = overrides.get("log_level") or os.environ.get("HEADROOM_MCP_LOG_LEVEL") or "WARNING"
    logging.basicConfig(level=level, stream=sys.stderr, format="headroom-mcp: %(levelname)s %(message)s")
    try:
        return asyncio.run(_relay(command, first, config, overrides, call_timeout, _compact_tools(raw, overrides)))
    except KeyboardInterrupt:
        return 130


async def _relay(
    command: Command,
    first: Any,
    config: str | None,
    overrides: Mapping[str, Any],
    call_timeout: float,
    compact: bool,
) -> int:
    import asyncio
    import signal

    from .rewrite import HeadroomRewriter
    from .session import Relay, StartError
    from .stdio import Lines

    loop = asyncio.get_running_loop()
    settings = Deferred(lambda: loop.run_in_executor(None, _load_settings, config, dict(overrides)))
    # Loading the settings (pydantic) takes a core for ~0.2 s: not while the upstream boots, unless needed.
    loop.call_later(_WARM_AFTER_SECONDS, settings.start)
    retrieve_tool = loop.create_future()
    retrieve_tool.set_result(_retrieve_definition())
    rewriter = HeadroomRewriter(settings, retrieve_tool, command.name, compact_tools=compact)
    relay = Relay(command, await Lines.open(), rewriter, call_timeout=call_timeout, first=first)
    rewriter.ask = relay.ask
    running = asyncio.ensure_future(relay.run())
    failed: list[str] = []

    def settings_checked(future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            failed.append(str(future.exception()))
            running.cancel()

    settings.done_callback = settings_checked
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, running.cancel)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # Windows: the upstream still sees its stdin close
    try:
        await running
    except asyncio.CancelledError:
        await relay.shutdown()
    except StartError as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 1
    if failed:
        print(f"headroom-mcp: {failed[0]}", file=sys.stderr)
        return 2
    return 0


def _load_settings(config: str | None, overrides: dict[str, Any]) -> Any:
    import logging

    from ...config import load_settings

    settings = load_settings(config, overrides)
    logging.getLogger().setLevel(settings.log_level)
    return settings


def _compact_tools(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> bool:
    """``compact_tools`` as the flag, the environment or the raw file give it, before the settings are validated.

    The first ``tools/list`` must not wait for the full load; a value the
    full load rejects ends the wrapper with its message anyway.
    """
    if overrides.get("compact_tools") is not None:
        return bool(overrides["compact_tools"])
    value: Any = os.environ.get("HEADROOM_MCP_COMPACT_TOOLS", raw.get("compact_tools"))
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE_WORDS if isinstance(value, (str, int)) else False


def _retrieve_definition() -> dict[str, Any]:
    from ..retrieve_definition import DEFINITION  # written out: no pydantic on the way to the first tools/list

    return DEFINITION
