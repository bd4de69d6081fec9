"""Per-user directories, by the platform's conventions (XDG on Linux)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

# (macOS folder under ~/Library, Windows variable and fallback, XDG variable and fallback)
_PLACES = {
    "cache": ("Caches", "LOCALAPPDATA", "AppData/Local", "XDG_CACHE_HOME", ".cache"),
    "config": ("Application Support", "APPDATA", "AppData/Roaming", "XDG_CONFIG_HOME", ".config"),
    "data": ("Application Support", "LOCALAPPDATA", "AppData/Local", "XDG_DATA_HOME", ".local/share"),
}


def user_dir(kind: Literal["cache", "config", "data"]) -> Path:
    """The user's ``kind`` directory with a ``headroom-mcp`` folder in it."""
    mac, win_var, win_default, xdg_var, xdg_default = _PLACES[kind]
    if sys.platform == "darwin":
        base = Path.home() / "Library" / mac
    elif sys.platform == "win32":
        base = Path(os.environ.get(win_var) or Path.home() / win_default)
    else:
        xdg = os.environ.get(xdg_var)
        # The XDG spec says a relative path is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / xdg_default
    return base / "headroom-mcp"
