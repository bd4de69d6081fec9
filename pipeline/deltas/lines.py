"""The delta of listings and search results: lines added and lines removed, as sets.

A listing or a grep answer has no order worth diffing (a new file shifts
every line after it): what the model needs is which entries appeared and
which went away.
"""

from __future__ import annotations

import re

from ..wording import plural
from .contract import Delta
from .similar import related

# ``ls -R`` opens each folder's lines with ``./app/models:``; the same ``ls -l`` line can sit under several.
_SECTION = re.compile(r"^(?P<folder>\S.*):$")


def line_set_delta(previous: str, current: str) -> Delta | None:
    """``+ line`` for each line only in ``current``, ``- line`` for each only in ``previous``, in order of appearance.

    Under ``ls -R``'s folder headers a line is that folder's (``+ ./app: -rw-r--r-- ... invoice.py``).
    None when fewer than half of the distinct lines are shared.
    """
    # dicts, not sets: they keep the order of appearance, so the output does not depend on string hashing.
    old = dict.fromkeys(entries(previous))
    new = dict.fromkeys(entries(current))
    added = [line for line in new if line not in old]
    removed = [line for line in old if line not in new]
    unchanged = len(new) - len(added)
    if not related(unchanged, len(old), len(new)):
        return None
    summary = f"{plural(len(added), 'line')} added, {len(removed):,} removed; {unchanged:,} unchanged"
    if not added and not removed:
        summary = f"the same {plural(unchanged, 'line')}, only their order or repeats differ"
        return Delta(text=f"({summary})", summary=summary, transform="delta:lines")
    out = [summary]
    out.extend("+ " + line for line in added)
    out.extend("- " + line for line in removed)
    return Delta(text="\n".join(out), summary=summary, transform="delta:lines")


def entries(text: str) -> list[str]:
    """The non-blank lines, each prefixed by its ``ls -R`` folder (``./app: line``) when the listing has folders."""
    lines = text.splitlines()
    sectioned = sum(1 for line in lines if _SECTION.match(line)) >= 2
    folder = ""
    found = []
    for line in lines:
        if not line.strip():
            continue
        header = _SECTION.match(line) if sectioned else None
        if header:
            folder = header["folder"] + ": "
            continue
        found.append(folder + line)
    return found
