"""The MCP clients headroom-mcp registers with, and where each keeps its server list."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Client:
    """One client's config format: the key holding its servers, its scopes, and whether entries carry a type."""

    name: str
    title: str
    servers_key: str
    scopes: tuple[str, ...]
    default_scope: str
    # VS Code requires "type" on every entry; Claude Code writes it itself (`claude mcp add`).
    typed: bool

    def path(
        self, scope: str | None = None, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Path:
        """The config file this client reads for ``scope``, where the client documents it on this OS."""
        scope = scope or self.default_scope
        if scope not in self.scopes:
            raise ValueError(f"{self.name} has no {scope} scope (it has: {', '.join(self.scopes)})")
        environ = os.environ if environ is None else environ
        cwd = cwd or Path.cwd()
        home = Path(environ.get("HOME") or Path.home())
        if self.name == "claude-desktop":
            return _app_config(home, environ) / "Claude" / "claude_desktop_config.json"
        if self.name == "cursor":
            return (home if scope == "user" else cwd) / ".cursor" / "mcp.json"
        if self.name == "claude-code":
            if scope == "project":
                return cwd / ".mcp.json"
            return (
                Path(environ["CLAUDE_CONFIG_DIR"]) / ".claude.json"
                if environ.get("CLAUDE_CONFIG_DIR")
                else home / ".claude.json"
            )
        if scope == "project":
            return cwd / ".vscode" / "mcp.json"
        return _app_config(home, environ) / "Code" / "User" / "mcp.json"


def _app_config(home: Path, environ: Mapping[str, str]) -> Path:
    """Where desktop applications keep their settings: Application Support, %APPDATA%, XDG config."""
    if sys.platform == "darwin":
        return home / "Library" / "Application Support"
    if sys.platform == "win32":
        return Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    xdg = environ.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else home / ".config"


CLIENTS: dict[str, Client] = {
    client.name: client
    for client in (
        Client("claude-desktop", "Claude Desktop", "mcpServers", ("user",), "user", typed=False),
        Client("cursor", "Cursor", "mcpServers", ("user", "project"), "user", typed=False),
        Client("claude-code", "Claude Code", "mcpServers", ("user", "project"), "user", typed=True),
        Client("vscode", "VS Code", "servers", ("project", "user"), "project", typed=True),
    )
}
