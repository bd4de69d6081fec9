"""``headroom-mcp doctor``: the store, the sentence model, and headroom in each client's config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from headroom_mcp import api
from headroom_mcp.pipeline.redis_store import shown_url
from headroom_mcp.pipeline.store import default_store_dir
from headroom_mcp.wrappers.clients import records
from headroom_mcp.wrappers.clients.entries import NAME, headroom_args, is_serve, is_wrapped, unwrapped
from headroom_mcp.wrappers.clients.jsonc import JsoncError, parse
from headroom_mcp.wrappers.clients.known import CLIENTS


def report(self_command: list[str], records_dir: Path) -> str:
    """What a user checks when headroom does not seem to work, one fact per line."""
    lines = [f"headroom-mcp: {' '.join(self_command)}"]
    settings = api.current_settings()
    store = shown_url(settings.store_url) if settings.store_url else settings.cache_dir or default_store_dir()
    try:
        size = api.stats().store_bytes
        lines.append(f"store: {store} ({size / 1e6:.1f} MB)")
    except Exception as exc:  # a broken store is what doctor is for: report it, go on
        lines.append(f"store: {store} cannot be opened: {exc}")
    lines.append(_model())
    lines.append("clients:")
    for client in CLIENTS.values():
        for scope in client.scopes:
            path = client.path(scope)
            lines += _client(f"{client.title} ({scope})", path, client.servers_key, records_dir)
    return "\n".join(lines) + "\n"


def _model() -> str:
    from headroom_mcp.pipeline.model import load_embedder
    from headroom_mcp.pipeline.model.runtime import model_dir

    embedder = load_embedder()
    if embedder is None:
        return (
            f"sentence model: not installed in {model_dir()}; text is ranked by BM25 only (headroom-mcp model install)"
        )
    return f"sentence model: {embedder.name} in {model_dir()}"


def _client(title: str, path: Path, key: str, records_dir: Path) -> list[str]:
    if not path.exists():
        return [f"  {title}: {path} not found"]
    try:
        servers = parse(path.read_text("utf-8")).value.get(key) or {}
    except (OSError, UnicodeDecodeError, JsoncError, AttributeError) as exc:
        return [f"  {title}: {path} cannot be read: {exc}"]
    if not isinstance(servers, dict):
        return [f'  {title}: {path}: "{key}" is not an object']
    recorded = records.record_path(records_dir, path).exists()
    head = f"  {title}: {path}"
    own = servers.get(NAME)
    if is_serve(own):
        head += f"; headroom installed ({_exists(own['command'])})"
    else:
        head += "; headroom not installed"
    if recorded:
        head += "; uninstall can restore it"
    lines = [head]
    plain = []
    for name, entry in servers.items():
        if name == NAME:
            continue
        if is_wrapped(entry):
            inner = unwrapped(entry) or {}
            target = inner.get("command") or inner.get("url") or "?"
            state = _exists(target) if "command" in inner else "HTTP"
            wrapper = _exists(entry["command"]) if headroom_args(entry) is not None else ""
            lines.append(f"    {name}: wrapped; headroom-mcp {wrapper}; {target} {state}")
        else:
            plain.append(name)
    if plain:
        lines.append(f"    not wrapped: {', '.join(plain)}")
    return lines


def _exists(command: str) -> str:
    """'found' when a client could start ``command`` (an absolute path that runs, or a name on PATH)."""
    if os.path.isabs(command):
        return "found" if os.access(command, os.X_OK) else "MISSING"
    return "found" if shutil.which(command) else "not on PATH"
