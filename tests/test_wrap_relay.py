"""The message-level relay, seen as raw JSON-RPC lines: what passes verbatim, what is touched, what loads.

These talk to ``headroom-mcp wrap`` the way a client's transport does (a line per
message on stdin/stdout), so exact results, ids and unknown fields can be compared
with the same upstream started directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT
from headroom_mcp.pipeline.tokens import count_tokens
from headroom_mcp.wrappers import retrieve
from headroom_mcp.wrappers.retrieve_definition import DEFINITION

BIN = ROOT / "tests" / "upstreams" / "node_modules" / ".bin"
EVERYTHING = str(BIN / "mcp-server-everything")
FILESYSTEM = str(BIN / "mcp-server-filesystem")
GIT = str(Path(sys.executable).parent / "mcp-server-git")
HEADROOM = str(Path(sys.executable).parent / "headroom-mcp")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {"roots": {"listChanged": True}, "sampling": {}},
        "clientInfo": {"name": "raw-test-client", "version": "1.0"},
    },
}


class Raw:
    """A server process spoken to in JSON-RPC lines."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        # stderr to a file: a pipe nobody reads would fill up and stop the server mid-session.
        self.stderr = tempfile.TemporaryFile()
        self.seen: list[dict] = []
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env
        )

    def errors(self) -> str:
        """What the server wrote on stderr so far."""
        self.stderr.seek(0)
        return self.stderr.read().decode()

    def send(self, message: dict | list | bytes) -> None:
        line = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.process.stdin.write(line + b"\n")
        self.process.stdin.flush()

    def answer(self, id_) -> dict:
        """The response to request ``id_`` (other responses read on the way are kept for later)."""
        while True:
            for message in self.seen:
                if message.get("id") == id_ and type(message.get("id")) is type(id_) and "method" not in message:
                    self.seen.remove(message)
                    return message
            line = self.process.stdout.readline()
            assert line, "the server closed its output"
            message = json.loads(line)
            if isinstance(message, dict) and "method" not in message:
                self.seen.append(message)

    def close(self) -> int:
        """Close stdin, as clients end a session; a server that stays (server-everything does) is terminated."""
        self.process.stdin.close()
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            return self.process.wait(timeout=10)


def handshake(server: Raw) -> dict:
    server.send(INITIALIZE)
    answer = server.answer(0)
    server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    return answer


def test_initialize_through_wrap_is_the_upstreams_own(cli_env):
    # Every capability server-everything declares (tasks, experimental, ...), its serverInfo with its title,
    # its instructions and the protocol version it chose reach the client as they are.
    direct = Raw([EVERYTHING], cli_env)
    wrapped = Raw([HEADROOM, "wrap", "--", EVERYTHING], cli_env)
    try:
        assert handshake(wrapped) == handshake(direct)
    finally:
        direct.close(), wrapped.close()


def test_server_discover_of_the_newer_protocol_is_the_upstreams_own(cli_env):
    request = {
        "jsonrpc": "2.0",
        "id": "discover-1",
        "method": "server/discover",
        "params": {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "raw-test-client", "version": "1.0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
    }
    answers = []
    for argv in ([GIT, "--repository", str(ROOT)], [HEADROOM, "wrap", "--", GIT, "--repository", str(ROOT)]):
        server = Raw(argv, cli_env)
        server.send(request)
        answers.append(server.answer("discover-1"))
        server.close()
    assert answers[0] == answers[1] and answers[0]["result"]["resultType"] == "complete"


def test_ids_and_unknown_fields_pass_verbatim_and_the_retrieve_tool_is_appended(cli_env, tmp_path):
    direct = Raw([FILESYSTEM, str(tmp_path)], cli_env)
    wrapped = Raw([HEADROOM, "wrap", "--", FILESYSTEM, str(tmp_path)], cli_env)
    try:
        for server in (direct, wrapped):
            handshake(server)
            # A string id, an id that only differs by type from another, and metadata no schema knows.
            params = {"_meta": {"x-trace-id": "abc"}}
            server.send({"jsonrpc": "2.0", "id": "a-string-id", "method": "tools/list", "params": params})
            server.send({"jsonrpc": "2.0", "id": 7, "method": "ping"})
            server.send({"jsonrpc": "2.0", "id": "7", "method": "ping"})
        listed = [server.answer("a-string-id") for server in (direct, wrapped)]
        pings = [(server.answer(7), server.answer("7")) for server in (direct, wrapped)]
    finally:
        direct.close(), wrapped.close()
    assert pings[0] == pings[1]
    tools = listed[1]["result"]["tools"]
    assert tools[:-1] == listed[0]["result"]["tools"]
    assert tools[-1] == DEFINITION
    assert {k: v for k, v in listed[1]["result"].items() if k != "tools"} == {
        k: v for k, v in listed[0]["result"].items() if k != "tools"
    }


def test_a_line_that_is_not_json_rpc_reaches_the_upstream_which_answers_it(cli_env, tmp_path):
    answers = []
    for argv in ([FILESYSTEM, str(tmp_path)], [HEADROOM, "wrap", "--", FILESYSTEM, str(tmp_path)]):
        server = Raw(argv, cli_env)
        handshake(server)
        server.send(b"this is not json")
        server.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        lines = []
        while True:
            message = json.loads(server.process.stdout.readline())
            lines.append(message)
            if message.get("id") == 1:
                break
        server.close()
        answers.append(lines)
    assert answers[0] == answers[1]


def test_the_published_retrieve_definition_is_small_and_accepts_what_the_model_accepts():
    published = retrieve.definition()
    # Paid on every turn by every wrapped server's tools/list (it was 436 tokens).
    assert count_tokens(json.dumps(published)) < 120
    schema = published["inputSchema"]
    assert set(schema["properties"]) == set(retrieve.RetrieveArgs.model_fields)
    assert schema["required"] == [name for name, f in retrieve.RetrieveArgs.model_fields.items() if f.is_required()]
    for arguments in ({"hash": "3f9a1c2b7d4e5f60"}, {"hash": "3f9a1c2b", "query": "req-1"}, {"hash": "ab", "cursor": "7"}):
        jsonschema.validate(arguments, schema)
        retrieve.RetrieveArgs.model_validate(arguments)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"query": "req-1"}, schema)
    assert "hash=" in published["description"] and "cursor" in published["description"]
    assert published["annotations"] == {"readOnlyHint": True}


def _modules_after_a_small_call(env: dict[str, str], tmp_path: Path) -> set[str]:
    """The modules the wrapper process loaded (per -X importtime) during a handshake and one small call."""
    argv = [sys.executable, "-X", "importtime", "-m", "headroom_mcp", "wrap", "--", FILESYSTEM, str(tmp_path)]
    server = Raw(argv, env)
    handshake(server)
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_allowed_directories"}})
    assert "result" in server.answer(1)
    assert server.close() == 0
    imports = server.errors()
    return {line.split("|")[-1].strip() for line in imports.splitlines() if line.startswith("import time:")}


def test_a_small_call_loads_neither_the_mcp_sdk_nor_a_compressor(cli_env, tmp_path):
    modules = _modules_after_a_small_call(cli_env, tmp_path)
    assert "asyncio" in modules  # the relay itself ran
    assert not {m for m in modules if m == "mcp" or m.startswith(("mcp.", "mcp_types"))}
    # Its per-tool count is written a second later, off the call's path; no detector, compressor or tokenizer loads.
    assert "tiktoken" not in modules and not {m for m in modules if m.startswith("headroom_mcp.pipeline.kinds")}


def test_stdin_that_is_not_a_pipe_ends_the_wrapper_cleanly(cli_env, tmp_path):
    with open(os.devnull, "rb") as nothing:
        done = subprocess.run(
            [HEADROOM, "wrap", "--", FILESYSTEM, str(tmp_path)],
            stdin=nothing,
            env=cli_env,
            capture_output=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr


def test_an_upstream_that_cannot_start_is_a_readable_error(cli_env):
    done = subprocess.run(
        [HEADROOM, "wrap", "--", "/nonexistent/mcp-server"], env=cli_env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "upstream mcp-server could not be started" in done.stderr and "Traceback" not in done.stderr


def test_an_invalid_config_stops_the_wrapper_with_its_message(cli_env, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("min_tokens = -5\n")
    server = Raw([HEADROOM, "--config", str(config), "wrap", "--", FILESYSTEM, str(tmp_path)], cli_env)
    handshake(server)
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_allowed_directories"}})
    started = time.monotonic()
    assert server.process.wait(timeout=30) == 2 and time.monotonic() - started < 30
    assert "invalid setting 'min_tokens'" in server.errors()


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signalled_wrapper_takes_its_upstream_with_it(cli_env, tmp_path, signal_name):
    import signal

    server = Raw([HEADROOM, "wrap", "--", FILESYSTEM, str(tmp_path)], cli_env)
    handshake(server)
    children = subprocess.run(["pgrep", "-f", f"mcp-server-filesystem {tmp_path}"], capture_output=True, text=True)
    assert children.stdout.split()
    server.process.send_signal(getattr(signal, signal_name))
    server.process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-f", f"mcp-server-filesystem {tmp_path}"], capture_output=True, text=True)
        if not left.stdout.strip():
            break
        time.sleep(0.1)
    assert left.stdout.strip() == ""
