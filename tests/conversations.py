"""Agent conversations in the Anthropic and OpenAI formats, built around real tool outputs recorded here.

Each turn is one tool call and its output: a pytest run, grep hits, a git log,
a sqlite3 query, a web server's log. The same calls and outputs make both
formats, so the two can be checked against each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

SYSTEM = (
    "You are a coding agent working in the repository at /work/project.\n"
    "Current time: 2026-12-03T07:45:12Z. Session 5b0c7a9e-2f1d-4c3b-9a8e-6d5f4e3c2b1a.\n"
    "Run tools to answer; quote file paths and line numbers exactly."
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One tool call of the agent and what the tool printed."""

    tool: str
    arguments: dict[str, Any]
    output: str


def real_turns() -> list[Turn]:
    """Tool calls whose outputs were recorded from real runs (see each data folder's README)."""
    return [
        Turn("run_tests", {"command": "pytest -v"}, (DATA / "log" / "pytest_more_itertools.log").read_text()),
        Turn("search", {"pattern": "count_tokens", "path": "."}, (ROOT / "examples" / "grep_hits.txt").read_text()),
        Turn("git_log", {"repo_path": "."}, (ROOT / "examples" / "git_log.txt").read_text()),
        Turn(
            "query",
            {"sql": "SELECT * FROM weather ORDER BY date"},
            (DATA / "json" / "sqlite_weather_daily.json").read_text(),
        ),
        Turn("read_log", {"path": "logs/server.log"}, (DATA / "log" / "flask_devserver.log").read_text()),
        Turn("build", {"command": "make"}, (ROOT / "examples" / "make_build.log").read_text()),
        Turn("list_files", {"path": "site-packages"}, (ROOT / "examples" / "find_listing.txt").read_text()),
        Turn("diff", {"command": "git diff"}, (ROOT / "examples" / "git_diff.patch").read_text()),
    ]


def anthropic_conversation(turns: list[Turn], question: str) -> list[dict[str, Any]]:
    """User question, then per turn an assistant ``tool_use`` and a user ``tool_result``, then an answer."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    for number, turn in enumerate(turns):
        call = f"toolu_{number:04d}"
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": f"Calling {turn.tool}."},
                    {"type": "tool_use", "id": call, "name": turn.tool, "input": turn.arguments},
                ],
            }
        )
        messages.append(
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call, "content": turn.output}]}
        )
    messages.append({"role": "assistant", "content": [{"type": "text", "text": "Here is what I found."}]})
    return messages


def openai_conversation(turns: list[Turn], question: str) -> list[dict[str, Any]]:
    """System and user messages, then per turn an assistant with ``tool_calls`` and a ``tool`` message."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    for number, turn in enumerate(turns):
        call = f"call_{number:04d}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call,
                        "type": "function",
                        "function": {"name": turn.tool, "arguments": json.dumps(turn.arguments)},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call, "content": turn.output})
    messages.append({"role": "assistant", "content": "Here is what I found."})
    return messages
