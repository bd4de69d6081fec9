"""How the upstream is started: its command line and environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """The upstream's argv, the whole environment it gets, and its working directory."""

    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None

    @property
    def name(self) -> str:
        """The command's basename, for messages."""
        return self.argv[0].replace("\\", "/").rsplit("/", 1)[-1] if self.argv else "?"
