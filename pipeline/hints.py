"""What a tool call tells the compressor about its output: a query from its arguments, the tool and path hints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .contract import Hints

_PATH_KEYS = ("path", "file", "filename", "file_path", "uri", "url")
# Longer string arguments (a file's new content, a prompt) say little about what to keep.
_MAX_QUERY_ARGUMENT = 200


def hints_for(tool: str | None, arguments: Mapping[str, Any] | None) -> tuple[str | None, Hints]:
    """The query hint (the call's short string arguments) and the tool and path hints."""
    arguments = arguments or {}
    strings = [v for v in arguments.values() if isinstance(v, str) and 0 < len(v) <= _MAX_QUERY_ARGUMENT]
    path = next((arguments[k] for k in _PATH_KEYS if isinstance(arguments.get(k), str)), None)
    return (" ".join(strings) or None), Hints(tool_name=tool, path=path)
