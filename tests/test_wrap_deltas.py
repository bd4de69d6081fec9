"""Repeated calls through the real wrapper come back as what changed since the same call earlier in the session.

The upstreams are real: tests/upstreams/command_server.py runs a real pytest,
and server-filesystem reads and edits a real source file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
from conftest import ROOT, headroom_command
from headroom_mcp.pipeline.markers import find_keys
from headroom_mcp.pipeline.tokens import count_tokens
from test_wrap_stdio import FILESYSTEM, connect, wrapped

pytestmark = pytest.mark.anyio
COMMAND_SERVER = [sys.executable, str(ROOT / "tests" / "upstreams" / "command_server.py")]


def _suite(folder: Path, failing: set[int]) -> None:
    """A real test module: 60 tests of a small parser, those in ``failing`` with a wrong expectation."""
    lines = ["import json\n\n"]
    for i in range(60):
        expected = i + 1 if i in failing else i
        lines.append(
            f"def test_parse_record_{i:02d}():\n"
            f'    record = json.loads(\'{{"id": {i}, "name": "item-{i}", "tags": ["a", "b"]}}\')\n'
            f"    assert record['id'] == {expected}, f\"record {{record['name']}} has the wrong id\"\n\n"
        )
    (folder / "test_records.py").write_text("".join(lines))


async def _pytest_twice(project: Path, env: dict[str, str]) -> tuple[str, str, str]:
    """pytest through the wrapper, one test fixed, pytest again; then the second call's original, retrieved."""
    argv = {"argv": [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_records.py"]}
    arguments = {**argv, "cwd": str(project)}
    async with connect(wrapped(COMMAND_SERVER), env) as client:
        first = (await client.call_tool("run", arguments)).content[0].text
        _suite(project, failing={7, 33})
        second = (await client.call_tool("run", arguments)).content[0].text
        (key,) = find_keys(second)
        retrieved = await client.call_tool("headroom_retrieve", {"hash": key})
        return first, second, "".join(block.text for block in retrieved.content)


async def test_a_test_suite_run_again_after_a_fix_names_the_fixed_test_and_the_remaining_failures(tmp_path, cli_env):
    _suite(tmp_path, failing={7, 21, 33})
    first, second, original = await _pytest_twice(tmp_path, cli_env)
    assert find_keys(first) and "same as call" not in first
    assert second.startswith("[headroom: same as call #1 of run, ")
    assert "test_parse_record_21" in second and "test_records.py::test_parse_record_07" in second
    assert "test_records.py::test_parse_record_33" in second
    assert "2 failed, 58 passed" in second
    assert count_tokens(second) < 0.5 * count_tokens(first)
    assert "2 failed, 58 passed" in original and original.count("PASSED") == 58  # the whole new log is retrievable
    stats = subprocess.run([*headroom_command(), "stats"], env=cli_env, capture_output=True, text=True, timeout=120)
    saved = re.search(r"sent as deltas: 1 results, (\d+) tokens saved by it", stats.stdout)
    assert saved and int(saved.group(1)) > 0, stats.stdout


async def test_a_file_edited_through_the_upstream_and_read_again_comes_back_as_a_diff(tmp_path, cli_env):
    source = tmp_path / "models.py"
    source.write_text((Path(pydantic.__file__).parent / "main.py").read_text())
    old = "    def model_copy("
    assert source.read_text().count(old) == 1
    read = {"path": str(source)}
    async with connect(wrapped([FILESYSTEM, str(tmp_path)]), cli_env) as client:
        before = (await client.call_tool("read_text_file", read)).content[0].text
        edits = [{"oldText": old, "newText": "    def model_copy_renamed("}]
        edited = await client.call_tool("edit_file", {"path": str(source), "edits": edits})
        assert not edited.is_error
        after = (await client.call_tool("read_text_file", read)).content[0].text
        again = (await client.call_tool("read_text_file", read)).content[0].text
    assert find_keys(before) and "same as call" not in before
    assert again.startswith("[headroom: same as call #2 of read_text_file, ") and "unchanged" in again
    assert "\n" not in again and find_keys(again) == find_keys(after)  # one line, and the same original
    assert after.startswith("[headroom: same as call #1 of read_text_file, ")
    assert "-    def model_copy(" in after and "+    def model_copy_renamed(" in after
    assert count_tokens(after) < 0.2 * count_tokens(before)


async def test_the_same_call_in_a_new_client_session_is_compressed_afresh(tmp_path, cli_env):
    _suite(tmp_path, failing={7, 21, 33})
    argv = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_records.py"]
    arguments = {"argv": argv, "cwd": str(tmp_path)}
    async with connect(wrapped(COMMAND_SERVER), cli_env) as client:
        first = (await client.call_tool("run", arguments)).content[0].text
    async with connect(wrapped(COMMAND_SERVER), cli_env) as client:
        again = (await client.call_tool("run", arguments)).content[0].text
    assert find_keys(again) and "same as call" not in again
    assert count_tokens(again) == pytest.approx(count_tokens(first), rel=0.05)


async def test_deltas_turned_off_for_a_tool_compress_each_repeat_afresh(tmp_path, cli_env):
    _suite(tmp_path, failing={7, 21, 33})
    config = tmp_path / "config.toml"
    config.write_text('[tools."run"]\ndeltas = false\n')
    _, second, _ = await _pytest_twice(tmp_path, dict(cli_env, HEADROOM_MCP_CONFIG=str(config)))
    assert find_keys(second) and "same as call" not in second
