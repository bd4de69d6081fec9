"""Settings: one pydantic model read from a TOML file, ``HEADROOM_MCP_*`` variables and flags.

Precedence, lowest first: defaults, the config file, the environment, flags.
Per-tool policies learned from retrievals (``headroom-mcp learn --apply``,
``learned.toml`` beside the config file) come under the user's own: a key the
user sets for a tool wins. An invalid value is a :class:`ConfigError` naming
the key and where it came from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from headroom_mcp.config_file import CONFIG_ENV, ConfigError, default_config_path
from headroom_mcp.config_file import read_toml as _read_toml

ENV_PREFIX = "HEADROOM_MCP_"
__all__ = [
    "CONFIG_ENV",
    "ConfigError",
    "Settings",
    "ToolPolicy",
    "default_config_path",
    "learned_path",
    "load_settings",
]


class ToolPolicy(BaseModel):
    """How the wrapper treats one upstream tool's results (``[tools."NAME"]`` in the config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    compress: bool = Field(True, description="False: this tool's results always pass through untouched.")
    max_tokens: int | None = Field(None, ge=1, description="Token budget for this tool's results.")
    min_tokens: int | None = Field(None, ge=0, description="This tool's results under this many tokens pass through.")
    keep: tuple[str, ...] = Field(
        (), description="Always kept in this tool's results: what these name is kept as a query's matches are."
    )
    deltas: bool = Field(True, description="False: a repeated call of this tool is compressed afresh, not as a delta.")


class Settings(BaseModel):
    """Every knob headroom-mcp has. Field names are the TOML keys; env vars are ``HEADROOM_MCP_<NAME>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cache_dir: Path | None = Field(None, description="Store directory; default: the user cache directory.")
    store_url: str | None = Field(
        None,
        pattern=r"^(redis|rediss|unix)://",
        description="A Redis or Valkey store shared by several machines (redis://host:port/db); else the disk store.",
    )
    cache_size_limit: int = Field(1 << 30, ge=1 << 20, description="Store size bound in bytes (LRU eviction).")
    ttl_seconds: float = Field(7 * 24 * 3600, gt=0, description="How long an original lives after its last use.")
    min_tokens: int = Field(500, ge=0, description="Content under this many tokens passes through.")
    target_ratio: float = Field(0.15, gt=0, le=1, description="Default budget as a fraction of the input.")
    min_budget_tokens: int = Field(1000, ge=1, description="The default budget never goes below this.")
    max_budget_tokens: int = Field(20_000, ge=1, description="... nor above this (Claude Code refuses over 25k).")
    max_output_ratio: float = Field(0.9, gt=0, le=1, description="Keep the original unless output is this much smaller.")
    sentence_model: bool = Field(
        False, description="Rank prose with the installed sentence model too (opt-in: ~0.5 s per new document)."
    )
    page_tokens: int = Field(20_000, ge=500, le=100_000, description="Largest page headroom_retrieve returns.")
    log_level: str = Field("WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    tools: dict[str, ToolPolicy] = Field(default_factory=dict, description="Per-tool policy for wrapped servers.")
    deltas: bool = Field(True, description="A repeated call's result comes back as what changed since the last one.")
    learn: Literal["off", "auto"] = Field(
        "off",
        description='"auto": wrappers apply what retrievals teach (see `headroom-mcp learn`) as it becomes clear.',
    )
    upstream_env: dict[str, str] = Field(default_factory=dict, description="Added to the wrapped server's environment.")
    compact_tools: bool = Field(
        False,
        description="wrap (stdio): list tools short (first sentence, long schemas as signatures) + headroom_describe.",
    )

    @field_validator("store_url", mode="before")
    @classmethod
    def _empty_is_none(cls, url: Any) -> Any:
        # `HEADROOM_MCP_STORE_URL=` (set but empty) means the disk store, as when it is not set.
        return None if url == "" else url


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from the file (explicit path must exist), the environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    path = Path(config_path).expanduser() if config_path else default_config_path()
    if config_path or path.exists():
        for key, value in _read_toml(path).items():
            values[key], sources[key] = value, f"{path}"
    learned = learned_path(path)
    if learned.exists():
        values["tools"] = _under_the_users(_read_toml(learned).get("tools"), values.get("tools"))
        sources["tools"] = f"{path} or {learned}"
    for name, info in Settings.model_fields.items():
        if get_origin(info.annotation) is dict:
            continue  # tables come from the file only
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name], sources[name] = environ[env_name], env_name
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key], sources[key] = value, "command line"
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, sources)) from None


def learned_path(config_path: Path | None = None) -> Path:
    """Where ``learn --apply`` writes what it learned: ``learned.toml`` beside the config file."""
    return (config_path or default_config_path()).with_name("learned.toml")


def _under_the_users(learned: Any, users: Any) -> Any:
    """Per-tool tables: the learned ones, each key the user's own table also sets taken from the user's."""
    if not isinstance(learned, dict):
        return users
    if users is not None and not isinstance(users, dict):
        return users  # the user's own mistake is reported as theirs
    merged = {tool: dict(table) for tool, table in learned.items() if isinstance(table, dict)}
    for tool, table in (users or {}).items():
        merged[tool] = {**merged.get(tool, {}), **table} if isinstance(table, dict) else table
    return merged


def _explain(exc: ValidationError, sources: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "?"
        source = sources.get(str(error["loc"][0]) if error["loc"] else "", "default")
        if error["type"] == "extra_forbidden":
            lines.append(f"unknown setting {key!r} (from {source})")
        else:
            lines.append(f"invalid setting {key!r} (from {source}): {error['msg']}")
    return "; ".join(lines)
