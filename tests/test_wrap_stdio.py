"""`headroom-mcp wrap` in front of real upstream servers, driven by the real mcp client over stdio."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, headroom_command
from headroom_mcp.pipeline.tokens import count_tokens
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.anyio
BIN = ROOT / "tests" / "upstreams" / "node_modules" / ".bin"
FILESYSTEM = str(BIN / "mcp-server-filesystem")
GIT = str(Path(sys.executable).parent / "mcp-server-git")


@asynccontextmanager
async def connect(argv: list[str], env: dict[str, str], mode: str = "auto") -> AsyncIterator[Client]:
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
    async with Client(params, read_timeout_seconds=120, mode=mode) as client:
        yield client


def wrapped(upstream: list[str], *options: str) -> list[str]:
    return [*headroom_command(), "wrap", *options, "--", *upstream]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for i in range(1500):
        folder = root / f"pkg{i % 30:02d}" / ("src" if i % 3 else "tests")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module_{i:04d}.py").write_text(f"def handler_{i}():\n    return {i}\n")
    return root


async def test_tool_list_is_the_upstreams_plus_retrieve(tree, cli_env):
    # Same protocol era on both sides: the node upstream speaks only the handshake era.
    async with connect([FILESYSTEM, str(tree)], cli_env, "legacy") as direct:
        expected = (await direct.list_tools()).tools
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env, "legacy") as client:
        through = (await client.list_tools()).tools
        info = client.server_info
    assert [t.model_dump() for t in through[:-1]] == [t.model_dump() for t in expected]
    assert through[-1].name == "headroom_retrieve"
    assert info is not None and "filesystem" in info.name.lower()


async def test_large_directory_tree_comes_back_compressed_and_retrievable(tree, cli_env):
    async with connect([FILESYSTEM, str(tree)], cli_env) as direct:
        original = (await direct.call_tool("directory_tree", {"path": str(tree)})).content[0].text
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        schema = next(t for t in (await client.list_tools()).tools if t.name == "directory_tree").output_schema
        result = await client.call_tool("directory_tree", {"path": str(tree)})
        text = result.content[0].text
        assert not result.is_error and "headroom_retrieve hash=" in text
        assert count_tokens(text) < count_tokens(original) * 0.3
        # The structured content shrinks as much and still validates against the tool's schema.
        structured = json.dumps(result.structured_content)
        assert count_tokens(structured) < count_tokens(json.dumps({"content": original})) * 0.3
        jsonschema.validate(result.structured_content, schema)
        key = text.rsplit("hash=", 1)[1][:16]
        pages, cursor = [], None
        while True:
            args = {"hash": key} if cursor is None else {"hash": key, "cursor": cursor}
            page = await client.call_tool("headroom_retrieve", args)
            pages.append(page.content[0].text)
            cursor = page.structured_content["next_cursor"]
            if cursor is None:
                break
    assert "".join(pages) == original


async def test_small_results_pass_byte_identical(tree, cli_env):
    target = tree / "pkg00" / "tests" / "module_0000.py"
    async with connect([FILESYSTEM, str(tree)], cli_env) as direct:
        expected = await direct.call_tool("read_text_file", {"path": str(target)})
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        got = await client.call_tool("read_text_file", {"path": str(target)})
    assert got.content == expected.content and got.structured_content == expected.structured_content


async def test_upstream_errors_stay_readable_errors(tree, cli_env):
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        result = await client.call_tool("read_text_file", {"path": "/etc/passwd"})
    assert result.is_error and "denied" in result.content[0].text.lower()


def _git_repo(path: Path) -> Path:
    path.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for i in range(300):
        (path / "notes.txt").write_text(f"change {i}\n" * (i % 5 + 1))
        subprocess.run(["git", "-C", str(path), "commit", "-qam" if i else "-qm", f"change number {i}"] if i else
                       ["git", "-C", str(path), "add", "."], check=True, env=env)
        if not i:
            subprocess.run(["git", "-C", str(path), "commit", "-qm", "change number 0"], check=True, env=env)
    return path


async def test_git_log_through_the_wrapper(tmp_path, cli_env):
    repo = _git_repo(tmp_path / "repo")
    async with connect([GIT, "--repository", str(repo)], cli_env) as direct:
        original = (await direct.call_tool("git_log", {"repo_path": str(repo), "max_count": 300})).content[0].text
    async with connect(wrapped([GIT, "--repository", str(repo)]), cli_env) as client:
        result = await client.call_tool("git_log", {"repo_path": str(repo), "max_count": 300})
        text = result.content[0].text
        key = text.rsplit("hash=", 1)[1][:16]
        found = await client.call_tool("headroom_retrieve", {"hash": key, "query": "change number 123"})
    assert len(text) < len(original) * 0.4
    # One line per commit: the newest and the oldest commit's subjects are both there.
    assert "change number 299" in text and "change number 0" in text
    assert "change number 123" in "".join(block.text for block in found.content)


async def test_killed_upstream_gives_an_error_then_comes_back(tree, cli_env):
    async with connect(wrapped([FILESYSTEM, str(tree)], "--timeout", "20"), cli_env) as client:
        assert not (await client.call_tool("list_allowed_directories", {})).is_error
        # The upstream is node running the server script; the wrapper's own command line names it too.
        children = subprocess.run(["pgrep", "-f", f"^node .*mcp-server-filesystem {tree}"], capture_output=True, text=True)
        pids = [int(p) for p in children.stdout.split()]
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        first = await client.call_tool("list_allowed_directories", {})
        if first.is_error:
            assert "upstream" in first.content[0].text
        for _ in range(20):
            again = await client.call_tool("list_allowed_directories", {})
            if not again.is_error:
                break
            await __import__("anyio").sleep(0.5)
        assert not again.is_error
    left = subprocess.run(["pgrep", "-f", f"mcp-server-filesystem {tree}"], capture_output=True, text=True)
    # Neither the wrapper nor any upstream it started outlives the session.
    assert left.stdout.strip() == ""


EVERYTHING = str(BIN / "mcp-server-everything")


async def test_everything_features_pass_through(cli_env):
    env = dict(cli_env, HEADROOM_TEST_SECRET="kept-by-the-wrapper")
    async with connect([EVERYTHING], env, "legacy") as direct:
        direct_prompts = (await direct.list_prompts()).prompts
        direct_templates = (await direct.list_resource_templates()).resource_templates
        direct_structured = await direct.call_tool("get-structured-content", {"location": "New York"})
    async with connect(wrapped([EVERYTHING]), env, "legacy") as client:
        assert client.server_capabilities.completions is not None
        assert client.server_capabilities.resources.subscribe
        # The upstream gets the wrapper's whole environment (mcp passes a minimal one by default).
        env_text = (await client.call_tool("get-env", {})).content[0].text
        assert "kept-by-the-wrapper" in env_text
        image = await client.call_tool("get-tiny-image", {})
        assert any(block.type == "image" and block.data for block in image.content)
        structured = await client.call_tool("get-structured-content", {"location": "New York"})
        assert structured.structured_content == direct_structured.structured_content
        assert (await client.list_prompts()).prompts == direct_prompts
        assert (await client.list_resource_templates()).resource_templates == direct_templates
        resources = (await client.list_resources()).resources
        read = await client.read_resource(str(resources[0].uri))
        assert read.contents
        echo = await client.call_tool("echo", {"message": "hello"})
        assert "hello" in echo.content[0].text


async def test_per_tool_policy_from_the_config_file(tree, cli_env, tmp_path):
    big = tree / "big.json"
    big.write_text(json.dumps([{"id": i, "status": "ok", "payload": "x" * 40} for i in range(3000)], indent=2))
    config = tmp_path / "config.toml"
    config.write_text('[tools."read_text_file"]\ncompress = false\n\n[tools."directory_tree"]\nmax_tokens = 600\n')
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        default_tree = await client.call_tool("directory_tree", {"path": str(tree)})
    env = dict(cli_env, HEADROOM_MCP_CONFIG=str(config))
    async with connect(wrapped([FILESYSTEM, str(tree)]), env) as client:
        untouched = await client.call_tool("read_text_file", {"path": str(big)})
        squeezed = await client.call_tool("directory_tree", {"path": str(tree)})
    assert untouched.content[0].text == big.read_text()
    assert "headroom_retrieve hash=" in squeezed.content[0].text
    assert count_tokens(squeezed.content[0].text) < count_tokens(default_tree.content[0].text)


async def test_progress_of_a_long_running_tool_reaches_the_client(cli_env):
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    async with connect(wrapped([EVERYTHING]), cli_env, "legacy") as client:
        result = await client.call_tool(
            "trigger-long-running-operation", {"duration": 1, "steps": 4}, progress_callback=on_progress
        )
    assert not result.is_error
    assert [p for p, _ in seen] == [1, 2, 3, 4] and all(total == 4 for _, total in seen)


async def test_upstream_log_messages_reach_the_client(cli_env):
    import anyio

    received = []

    async def on_log(params) -> None:
        received.append(params)

    command, *args = wrapped([EVERYTHING])
    params = StdioServerParameters(command=command, args=args, env=cli_env)
    async with Client(params, read_timeout_seconds=60, mode="legacy", logging_callback=on_log) as client:
        await client.call_tool("toggle-simulated-logging", {})
        with anyio.move_on_after(12):
            while not received:
                await anyio.sleep(0.2)
    assert received and received[0].level in {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}


async def test_sampling_and_elicitation_requests_are_relayed_to_the_client(cli_env):
    import mcp_types as types

    asked: list[str] = []

    async def sample(context, params) -> types.CreateMessageResult:
        asked.append(params.messages[0].content.text)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(text="sampled 42"), model="m")

    async def elicit(context, params) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="decline")

    command, *args = wrapped([EVERYTHING])
    params = StdioServerParameters(command=command, args=args, env=cli_env)
    async with Client(params, mode="legacy", sampling_callback=sample, elicitation_callback=elicit) as client:
        sampled = await client.call_tool("trigger-sampling-request", {"prompt": "ping", "maxTokens": 10})
        elicited = await client.call_tool("trigger-elicitation-request", {})
    assert "sampled 42" in sampled.content[0].text and "ping" in asked[0]
    assert "declined" in elicited.content[0].text.lower() and len(asked) == 2


async def test_a_client_without_sampling_gets_what_it_gets_directly(cli_env):
    # The client's own capabilities reach the upstream: server-everything offers no sampling tool to it.
    answers = []
    for argv in ([EVERYTHING], wrapped([EVERYTHING])):
        async with connect(argv, cli_env, "legacy") as client:
            result = await client.call_tool("trigger-sampling-request", {"prompt": "ping", "maxTokens": 10})
            answers.append((result.is_error, result.content[0].text))
    assert answers[0] == answers[1] and answers[0][0] and "not found" in answers[0][1]


async def test_http_wrapper_and_url_upstream(tree, cli_env):
    import socket
    import time

    import httpx2 as _  # noqa: F401  (the HTTP client mcp uses; fails loudly if it is missing)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        wrapped([FILESYSTEM, str(tree)], "--http", f"127.0.0.1:{port}"), env=cli_env, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP wrapper did not start listening"
                time.sleep(0.2)
        async with Client(url) as over_http:
            names = [t.name for t in (await over_http.list_tools()).tools]
            tree_result = await over_http.call_tool("directory_tree", {"path": str(tree)})
        assert "directory_tree" in names and names[-1] == "headroom_retrieve"
        assert "headroom_retrieve hash=" in tree_result.content[0].text
        # A stdio wrapper in front of an HTTP upstream (--url).
        async with connect([*headroom_command(), "wrap", "--url", url], cli_env) as chained:
            chained_names = [t.name for t in (await chained.list_tools()).tools]
            listed = await chained.call_tool("list_allowed_directories", {})
        assert str(tree) in listed.content[0].text
        assert chained_names.count("headroom_retrieve") == 1
    finally:
        server.terminate()
        server.wait(10)


FAULTY = [sys.executable, str(ROOT / "tests" / "upstreams" / "faulty_server.py")]


async def test_hanging_crashing_and_garbage_upstreams_never_hang_the_session(cli_env):
    import anyio

    async with connect(wrapped(FAULTY, "--timeout", "2"), cli_env) as client:
        first = (await client.call_tool("ok", {})).content[0].text
        with anyio.fail_after(20):
            hung = await client.call_tool("hang", {})
        assert hung.is_error and "did not answer" in hung.content[0].text
        garbage = await client.call_tool("garbage", {})
        assert not garbage.is_error and "garbage from pid" in garbage.content[0].text
        with anyio.fail_after(20):
            crashed = await client.call_tool("crash", {})
        assert crashed.is_error and "upstream" in crashed.content[0].text
        again = await client.call_tool("ok", {})
        for _ in range(20):
            if not again.is_error:
                break
            await anyio.sleep(0.5)
            again = await client.call_tool("ok", {})
        assert not again.is_error and again.content[0].text != first  # a new upstream process answered
    left = subprocess.run(["pgrep", "-f", "faulty_server.py"], capture_output=True, text=True)
    assert left.stdout.strip() == ""


async def test_search_files_and_git_diff_through_the_wrapper(tree, tmp_path, cli_env):
    async with connect([FILESYSTEM, str(tree)], cli_env) as direct:
        found_direct = (await direct.call_tool("search_files", {"path": str(tree), "pattern": "**/module_1*.py"})).content[0].text
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        found = await client.call_tool("search_files", {"path": str(tree), "pattern": "**/module_1*.py"})
    assert not found.is_error
    assert found.content[0].text == found_direct or "headroom_retrieve hash=" in found.content[0].text

    repo = _git_repo(tmp_path / "repo")
    (repo / "notes.txt").write_text("".join(f"rewritten line {i}\n" for i in range(3000)))
    async with connect(wrapped([GIT, "--repository", str(repo)]), cli_env) as client:
        diff = await client.call_tool("git_diff_unstaged", {"repo_path": str(repo)})
        text = diff.content[0].text
        key = text.rsplit("hash=", 1)[1][:16]
        found = await client.call_tool("headroom_retrieve", {"hash": key, "query": "rewritten line 2999"})
    assert not diff.is_error
    assert "notes.txt" in text and "+3,000" in text
    assert "+rewritten line 2999" in "".join(block.text for block in found.content)


async def test_a_hash_made_by_the_wrapper_is_retrievable_from_serve(tree, cli_env):
    async with connect(wrapped([FILESYSTEM, str(tree)]), cli_env) as client:
        text = (await client.call_tool("directory_tree", {"path": str(tree)})).content[0].text
    key = text.rsplit("hash=", 1)[1][:16]
    async with connect([*headroom_command(), "serve"], cli_env) as served:
        found = await served.call_tool("headroom_retrieve", {"hash": key, "query": "module_0777"})
    assert not found.is_error and "module_0777" in "".join(block.text for block in found.content)


async def test_cancelling_a_call_cancels_it_upstream(cli_env, tmp_path):
    import anyio

    marker = tmp_path / "cancelled"
    async with connect(wrapped(FAULTY), cli_env) as client:
        with anyio.move_on_after(1.5):
            await client.call_tool("slow", {"cancelled_marker": str(marker)})
        with anyio.fail_after(10):
            while not marker.exists():
                await anyio.sleep(0.1)
        assert not (await client.call_tool("ok", {})).is_error  # the session goes on


async def test_tool_list_changes_are_announced_and_relayed(cli_env):
    import anyio
    import mcp_types as types

    notes: list[object] = []

    async def on_message(message) -> None:
        notes.append(message)

    command, *args = wrapped(FAULTY)
    params = StdioServerParameters(command=command, args=args, env=cli_env)
    async with Client(params, mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools.list_changed
        await client.call_tool("change", {})
        with anyio.fail_after(10):
            while not any(isinstance(n, types.ToolListChangedNotification) for n in notes):
                await anyio.sleep(0.1)


async def test_a_source_file_read_through_the_wrapper_comes_back_as_an_outline(tmp_path, cli_env):
    import pydantic

    source = (Path(pydantic.__file__).parent / "main.py").read_text()
    target = tmp_path / "project" / "models.py"
    target.parent.mkdir()
    target.write_text(source)
    async with connect(wrapped([FILESYSTEM, str(target.parent)]), cli_env) as client:
        result = await client.call_tool("read_text_file", {"path": str(target)})
        text = result.content[0].text
        key = text.rsplit("hash=", 1)[1][:16]
        found = await client.call_tool("headroom_retrieve", {"hash": key, "query": "model_copy"})
    assert not result.is_error and len(text) < len(source) / 2
    # The path told the wrapper it is Python: signatures stay, bodies are elided with their lines.
    assert "    def model_copy(" in text and "elided]" in text
    definition = source[source.index("    def model_copy(") : source.index("    def model_dump(")].rstrip()
    assert definition.splitlines()[-1] in "".join(block.text for block in found.content)


async def test_the_upstream_gets_the_wrappers_environment_plus_upstream_env_from_the_config(tmp_path, cli_env):
    config = tmp_path / "config.toml"
    config.write_text('compact_tools = true\n[upstream_env]\nHEADROOM_TEST_TOKEN = "from-the-config"\n')
    env = dict(cli_env, HEADROOM_MCP_CONFIG=str(config), HEADROOM_TEST_INHERITED="from-the-wrapper")
    script = "import os; print(os.environ['HEADROOM_TEST_TOKEN'], os.environ['HEADROOM_TEST_INHERITED'])"
    command_server = [sys.executable, str(ROOT / "tests" / "upstreams" / "command_server.py")]
    async with connect(wrapped(command_server), env) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        done = await client.call_tool("run", {"argv": [sys.executable, "-c", script]})
    assert done.content[0].text == "from-the-config from-the-wrapper\n"
    assert "headroom_describe" in names  # the same raw read of the file turned compact_tools on
