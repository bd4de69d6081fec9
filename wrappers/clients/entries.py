"""What to do with one server entry of a client's config: wrap it, leave it, or say why not.

Pure decisions on plain dicts; ``install`` turns them into text edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

NAME = "headroom"
# Transports ``wrap --url`` speaks; an SSE-only server needs a client that speaks SSE.
_HTTP_TYPES = {None, "http", "streamable-http", "streamableHttp"}


@dataclass(frozen=True, slots=True)
class Decision:
    """``wrap`` (with the fields to set), ``already`` (goes through headroom), or ``skip`` (with the reason)."""

    action: str
    reason: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def serve_entry(self_command: list[str], typed: bool) -> dict[str, Any]:
    """The ``headroom`` entry: this headroom-mcp's ``serve``."""
    entry: dict[str, Any] = {"type": "stdio"} if typed else {}
    entry.update(command=self_command[0], args=[*self_command[1:], "serve"])
    return entry


def headroom_args(entry: Any) -> list[str] | None:
    """The arguments given to headroom-mcp when ``entry`` runs headroom-mcp (directly or ``-m``), else None."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        return None
    args = entry.get("args") or []
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        return None
    program = PurePath(entry["command"].replace("\\", "/")).name.lower().removesuffix(".exe")
    if program in ("headroom-mcp", "headroom_mcp"):
        return args
    if args[:2] == ["-m", "headroom_mcp"]:
        return args[2:]
    return None


def is_serve(entry: Any) -> bool:
    """Whether ``entry`` runs ``headroom-mcp serve``."""
    args = headroom_args(entry)
    return args is not None and "serve" in args and "wrap" not in args


def is_wrapped(entry: Any) -> bool:
    """Whether ``entry`` already goes through ``headroom-mcp wrap``."""
    args = headroom_args(entry)
    return args is not None and "wrap" in args


def decide(entry: Any, self_command: list[str]) -> Decision:
    """How ``--wrap-all`` treats ``entry``."""
    if not isinstance(entry, dict):
        return Decision("skip", "not an object")
    if is_wrapped(entry) or is_serve(entry):
        return Decision("already")
    kind = entry.get("type")
    if isinstance(entry.get("command"), str):
        args = entry.get("args", [])
        if kind not in (None, "stdio"):
            return Decision("skip", f'type "{kind}" with a command')
        if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
            return Decision("skip", '"args" is not a list of strings')
        return Decision(
            "wrap",
            fields={"command": self_command[0], "args": [*self_command[1:], "wrap", "--", entry["command"], *args]},
        )
    if isinstance(entry.get("url"), str):
        others = sorted(set(entry) - {"url", "type"})
        if kind not in _HTTP_TYPES:
            return Decision("skip", f'type "{kind}": wrap --url speaks streamable HTTP only')
        if others:
            return Decision("skip", f"an HTTP entry with {', '.join(others)}: wrap --url passes only the URL")
        fields: dict[str, Any] = {
            "command": self_command[0],
            "args": [*self_command[1:], "wrap", "--url", entry["url"]],
        }
        if kind is not None:
            fields["type"] = "stdio"
        return Decision("wrap", fields=fields)
    return Decision("skip", "neither a command nor a url")


def unwrapped(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The fields a wrapped ``entry`` had before (``command``/``args``, or ``url``), read off its arguments."""
    args = headroom_args(entry) or []
    if "wrap" not in args:
        return None
    rest = args[args.index("wrap") + 1 :]
    if "--" in rest:
        inner = rest[rest.index("--") + 1 :]
        return {"command": inner[0], "args": inner[1:]} if inner else None
    if "--url" in rest and rest.index("--url") + 1 < len(rest):
        return {"url": rest[rest.index("--url") + 1]}
    return None
