"""Where the config file is and its raw TOML: what start-up needs before the settings are validated.

Kept apart from ``config`` (pydantic) so that ``wrap`` can start its upstream
first and validate its settings while the upstream boots.
"""

from __future__ import annotations

import os
import tomllib
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


def raw_upstream_env(config_path: str | os.PathLike[str] | None) -> dict[str, str]:
    """``upstream_env`` as the file gives it (strings only), read without validating the rest."""
    path = Path(config_path).expanduser() if config_path else default_config_path()
    if not config_path and not path.exists():
        return {}
    try:
        table = read_toml(path).get("upstream_env")
    except ConfigError:
        return {}  # the full load reports it
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str)}
