"""`headroom-mcp learn`: retrievals after compressions teach the next compression of the same tool.

Driven through the real wrapper in front of the real filesystem server, with
the real mcp client; the data is a real sqlite query's output from the
fidelity corpus (Seattle weather, one row per day).
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, headroom_command
from headroom_mcp.pipeline.markers import find_keys
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens
from test_wrap_stdio import FILESYSTEM, connect, wrapped

from headroom_mcp import api
from headroom_mcp.config import ToolPolicy, load_settings
from headroom_mcp.learning import AutoPolicies, lessons, per_tool, propose, write_learned

pytestmark = pytest.mark.anyio
WEATHER = ROOT / "benchmarks" / "fidelity" / "cases" / "sqlite_seattle_weather.json"


@pytest.fixture
def weather(tmp_path: Path) -> Path:
    """600 days of the recorded query output, as a file the filesystem server reads."""
    root = tmp_path / "data"
    root.mkdir()
    path = root / "weather.json"
    path.write_text(json.dumps(json.loads(WEATHER.read_text())[:600], indent=2))
    return path


def _snow_days(path: Path) -> list[str]:
    return [row["date"] for row in json.loads(path.read_text()) if row["weather"] == "snow"]


async def _read_then_retrieve(path: Path, env: dict[str, str], query: str | None, times: int = 3) -> str:
    """``times`` reads of ``path`` through the wrapper, each followed by a retrieval (with ``query``)."""
    async with connect(wrapped([FILESYSTEM, str(path.parent)]), env) as client:
        for _ in range(times):
            read = await client.call_tool("read_text_file", {"path": str(path)})
            (key,) = find_keys(read.content[0].text)
            arguments = {"hash": key} if query is None else {"hash": key, "query": query}
            assert not (await client.call_tool("headroom_retrieve", arguments)).is_error
        return read.content[0].text


async def _read(path: Path, env: dict[str, str]) -> str:
    async with connect(wrapped([FILESYSTEM, str(path.parent)]), env) as client:
        return (await client.call_tool("read_text_file", {"path": str(path)})).content[0].text


def _learn(env: dict[str, str], *flags: str) -> str:
    done = subprocess.run([*headroom_command(), "learn", *flags], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_value_retrieved_after_every_read_is_kept_in_the_next_read_once_applied(weather, cli_env, tmp_path):
    snow = _snow_days(weather)
    assert 10 < len(snow) <= 30  # an ordinary value: a few dozen of 600 rows, not all shown by default
    first = await _read_then_retrieve(weather, cli_env, "snow")
    assert sum(day in first for day in snow) < len(snow)

    report = _learn(cli_env)
    assert (
        "read_text_file (secure-filesystem-server): 3 calls, 3 compressed, 3 retrievals (100% of compressed)" in report
    )
    assert '"snow" ×3' in report and 'proposed: keep = ["snow"]' in report
    assert "wrote 1 tool policies" in _learn(cli_env, "--apply")
    learned = tmp_path / "learned.toml"  # beside the config file the environment names
    assert tomllib.loads(learned.read_text()) == {"tools": {"read_text_file": {"keep": ["snow"]}}}

    after = await _read(weather, cli_env)
    assert find_keys(after), "still compressed"
    assert [day for day in snow if day not in after] == []
    assert count_tokens(after) < 0.3 * count_tokens(weather.read_text())

    assert "removed" in _learn(cli_env, "--reset") and not learned.exists()


async def test_a_tool_read_whole_after_every_compression_is_proposed_to_pass_through(weather, cli_env):
    await _read_then_retrieve(weather, cli_env, None)
    report = _learn(cli_env)
    assert "3 retrievals (100% of compressed), 3 of them whole" in report
    assert "proposed: compress = false (read whole after 3 of 3 compressions)" in report
    _learn(cli_env, "--apply")
    assert await _read(weather, cli_env) == weather.read_text()


async def test_the_users_own_config_wins_over_what_was_learned(weather, cli_env, tmp_path):
    await _read_then_retrieve(weather, cli_env, None)
    _learn(cli_env, "--apply")
    config = tmp_path / "config.toml"  # the same folder: learned.toml is beside it too
    config.write_text('[tools."read_text_file"]\ncompress = true\nmax_tokens = 1500\n')
    env = dict(cli_env, HEADROOM_MCP_CONFIG=str(config))
    assert load_settings(config).tools["read_text_file"] == ToolPolicy(compress=True, max_tokens=1500)
    text = await _read(weather, env)
    assert find_keys(text) and count_tokens(text) <= 1500


async def test_learn_auto_applies_a_clear_lesson_in_the_next_session_without_apply(weather, cli_env, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('learn = "auto"\n')
    env = dict(cli_env, HEADROOM_MCP_CONFIG=str(config))
    await _read_then_retrieve(weather, env, "snow")
    after = await _read(weather, env)
    assert find_keys(after) and [day for day in _snow_days(weather) if day not in after] == []
    assert not (tmp_path / "learned.toml").exists()


def test_too_few_compressions_propose_nothing_and_scattered_queries_keep_nothing():
    few = api.ToolStats("fs", "read", calls=2, compressed=2, tokens_before=9000, tokens_after=900, retrievals=2)
    assert propose(few, [("snow", 2)])[0] == {}
    many = api.ToolStats("fs", "read", calls=9, compressed=9, tokens_before=90000, tokens_after=9000, retrievals=3)
    assert propose(many, [("snow", 1), ("fog", 1), ("rain", 1)])[0] == {}
    assert propose(many, [("snow", 3), ("fog", 1)])[0] == {"keep": ["snow"]}
    whole = api.ToolStats("fs", "read", 9, 9, 90000, 9000, retrievals=4, whole_retrievals=4)
    assert propose(whole, [])[0] == {"max_tokens": 2000}  # twice the 1,000 tokens it showed on average


def test_the_same_tool_on_two_servers_keeps_what_either_asked_for():
    store = MemoryStore()
    for server, query in (("fs-a", "snow"), ("fs-b", "fog")):
        api.count_tool(server, "read", store=store, calls=3, compressed=3, tokens_before=9000, tokens_after=900)
        api.count_tool(server, "read", store=store, retrievals=3)
        store.incr(api.tool_label_counter(server, "read", "asked", query), 3)
    assert per_tool(lessons(store)) == {"read": {"keep": ["snow", "fog"]}}  # servers in order
    auto = AutoPolicies(lambda: store, 20_000)
    assert auto.policy("read", ToolPolicy(max_tokens=700)) == ToolPolicy(max_tokens=700, keep=("snow", "fog"))
    assert auto.policy("read", ToolPolicy(keep=("rain",))) == ToolPolicy(keep=("rain",))


def test_learned_policies_read_back_exactly_whatever_the_tool_is_called(tmp_path):
    proposals = {'say "hi"\n\tnow': {"keep": ['a "b" \\ c', "ünï 🎉"]}, "read.file/x": {"compress": False}}
    path = tmp_path / "learned.toml"
    write_learned(path, proposals)
    assert tomllib.loads(path.read_text())["tools"] == proposals
    assert path.read_text().startswith("# Written by `headroom-mcp learn --apply`")
