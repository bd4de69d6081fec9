"""Where the config file is and its raw TOML: what start-up needs before the settings are validated.

Kept apart from ``config`` (pydantic) so that ``wrap`` can start its upstream
first and validate its settings while the upstream boots.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from headroom_mcp.pipeline.paths import user_dir

CONFIG_ENV = "HEADROOM_MCP_CONFIG"


class ConfigError(ValueError):
    """A setting is invalid or the config file cannot be read."""


def default_config_path() -> Path:
    """``$HEADROOM_MCP_CONFIG``, else ``config.toml`` in the user config directory."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    return user_dir("config") / "config.toml"


def read_toml(path: Path) -> dict[str, Any]:
    """The file's table; :class:`ConfigError` naming the file when it is missing or broken."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None


def raw_config(config_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The file's table as written, read without validating: what start-up needs before the settings are checked.

    Empty when there is no file or it cannot be read: the full load reports that.
    """
    path = Path(config_path).expanduser() if config_path else default_config_path()
    if not config_path and not path.exists():
        return {}
    try:
        return read_toml(path)
    except ConfigError:
        return {}


def raw_upstream_env(table: Mapping[str, Any]) -> dict[str, str]:
    """``upstream_env`` as the raw ``table`` gives it (strings only)."""
    env = table.get("upstream_env")
    if not isinstance(env, dict):
        return {}
    return {str(k): v for k, v in env.items() if isinstance(v, str)}
