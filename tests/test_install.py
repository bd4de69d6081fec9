"""`headroom-mcp install`/`uninstall`/`doctor` on client config files.

Claude Code's own CLI (npm ``@anthropic-ai/claude-code``, installed by
scripts/setup) writes its config with ``claude mcp add`` and health-checks
what install wrote with ``claude mcp list``. VS Code, Cursor and Claude
Desktop cannot run here: their files are written in each client's
documented format, comments and odd layouts included. Every wrapped entry
is then started exactly as the client starts it (command, args, env) and
must answer ``tools/list`` with the upstream's tools plus headroom_retrieve.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from headroom_mcp.wrappers.clients.jsonc import JsoncError, parse
from mcp import Client
from mcp.client.stdio import StdioServerParameters

BIN = ROOT / "tests" / "upstreams" / "node_modules" / ".bin"
CLAUDE = str(BIN / "claude")
FILESYSTEM = str(BIN / "mcp-server-filesystem")
EVERYTHING = str(BIN / "mcp-server-everything")
GIT = str(Path(sys.executable).parent / "mcp-server-git")
HEADROOM = str(Path(sys.executable).parent / "headroom-mcp")


@pytest.fixture
def env(tmp_path: Path, cli_env: dict[str, str]) -> dict[str, str]:
    """A user with an empty home of their own: every default config path lands inside the test."""
    home = tmp_path / "home"
    home.mkdir()
    clean = {k: v for k, v in cli_env.items() if k not in ("XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "APPDATA")}
    return {**clean, "HOME": str(home)}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello\n")
    return folder


def headroom(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "headroom_mcp", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def claude(*args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([CLAUDE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def servers(path: Path, key: str = "mcpServers") -> dict:
    return parse(path.read_text()).value[key]


def tools_as_started_by_a_client(entry: dict, env: dict[str, str]) -> list[str]:
    """Start ``entry`` the way MCP clients do (its command, args, env over the client's own) and list its tools."""
    import anyio

    async def listed() -> list[str]:
        params = StdioServerParameters(
            command=entry["command"],
            args=entry.get("args", []),
            env={**env, **entry.get("env", {})},
            cwd=entry.get("cwd"),
        )
        async with Client(params, read_timeout_seconds=120) as client:
            return [tool.name for tool in (await client.list_tools()).tools]

    return anyio.run(listed)


# --- Claude Code: its own CLI writes the file and checks what install wrote -------------------------------------


def test_claude_code_connects_to_everything_install_wrote(env, data, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    claude(
        "mcp", "add", "--scope", "user", "fs", "-e", "GREETING=hello", "--", FILESYSTEM, str(data), env=env, cwd=project
    )
    claude("mcp", "add", "--scope", "user", "git", "--", GIT, "--repository", str(ROOT), env=env, cwd=project)
    config = Path(env["HOME"]) / ".claude.json"
    before = config.read_bytes()
    original = json.loads(before)

    done = headroom("install", "claude-code", "--wrap-all", env=env, cwd=project)
    assert done.returncode == 0, done.stderr
    assert "wrapped fs" in done.stderr and "wrapped git" in done.stderr
    written = json.loads(config.read_bytes())
    assert {k: v for k, v in written.items() if k != "mcpServers"} == {
        k: v for k, v in original.items() if k != "mcpServers"
    }
    assert list(written["mcpServers"]) == ["fs", "git", "headroom"]
    assert written["mcpServers"]["headroom"] == {"type": "stdio", "command": HEADROOM, "args": ["serve"]}
    assert written["mcpServers"]["fs"] == {
        **original["mcpServers"]["fs"],
        "command": HEADROOM,
        "args": ["wrap", "--", FILESYSTEM, str(data)],
    }
    assert written["mcpServers"]["fs"]["env"] == {"GREETING": "hello"}

    # A second install changes nothing; uninstall gives back the exact bytes.
    assert headroom("install", "claude-code", "--wrap-all", env=env, cwd=project).returncode == 0
    assert json.loads(config.read_bytes()) == written
    done = headroom("uninstall", "claude-code", env=env, cwd=project)
    assert done.returncode == 0, done.stderr
    assert config.read_bytes() == before

    # Installed again, Claude Code itself starts every entry and reaches it.
    assert headroom("install", "claude-code", "--wrap-all", env=env, cwd=project).returncode == 0
    listed = claude("mcp", "list", env=env, cwd=project)
    for name in ("headroom", "fs", "git"):
        line = next(line for line in listed.splitlines() if line.startswith(f"{name}:"))
        assert "Connected" in line and HEADROOM in line, listed
    assert f"wrap -- {FILESYSTEM}" in listed
    tools = tools_as_started_by_a_client(written["mcpServers"]["git"], env)
    assert "git_status" in tools and tools[-1] == "headroom_retrieve"
    # Claude Code may have written its own state into the file since: uninstall then undoes only its entries.
    assert headroom("uninstall", "claude-code", env=env, cwd=project).returncode == 0
    assert json.loads(config.read_bytes())["mcpServers"] == original["mcpServers"]


# --- VS Code: JSONC with comments, tabs, inputs and trailing commas --------------------------------------------

VSCODE = """{
\t// Servers for this workspace (VS Code reads this file as JSONC)
\t"inputs": [
\t\t{ "type": "promptString", "id": "token", "description": "API token", "password": true }
\t],
\t"servers": {
\t\t"fs": {
\t\t\t"type": "stdio",
\t\t\t"command": "FILESYSTEM",
\t\t\t"args": ["DATA"], // the folder the agent may read
\t\t\t"env": { "GREETING": "hello" }
\t\t},
\t\t/* the reference server, every feature */
\t\t"everything": { "type": "stdio", "command": "EVERYTHING", "args": ["stdio"] },
\t\t"remote": { "type": "http", "url": "http://127.0.0.1:9/mcp" },
\t\t"authed": {
\t\t\t"type": "http",
\t\t\t"url": "http://127.0.0.1:9/private",
\t\t\t"headers": { "Authorization": "Bearer ${input:token}" }
\t\t},
\t\t"events": { "type": "sse", "url": "http://127.0.0.1:9/sse" },
\t},
}
"""


@pytest.fixture
def vscode_project(tmp_path: Path, data: Path) -> Path:
    project = tmp_path / "project"
    (project / ".vscode").mkdir(parents=True)
    text = VSCODE.replace("FILESYSTEM", FILESYSTEM).replace("EVERYTHING", EVERYTHING).replace("DATA", str(data))
    (project / ".vscode" / "mcp.json").write_text(text)
    return project


def test_vscode_dry_run_prints_a_diff_and_writes_nothing(env, vscode_project):
    config = vscode_project / ".vscode" / "mcp.json"
    before = config.read_bytes()
    done = headroom("install", "vscode", "--wrap-all", "--dry-run", env=env, cwd=vscode_project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"--- {config}\n+++ {config}\n@@ ")
    assert f'-\t\t\t"command": "{FILESYSTEM}",' in done.stdout
    assert f'+\t\t\t"command": "{HEADROOM}",' in done.stdout
    assert config.read_bytes() == before
    assert not list((env_store(env)).glob("*"))


def env_store(env: dict[str, str]) -> Path:
    store = Path(env["HEADROOM_MCP_CACHE_DIR"])
    return store.with_name(store.name + "-installs")


def test_vscode_install_keeps_comments_layout_and_fields_and_the_entries_start(env, vscode_project, data):
    config = vscode_project / ".vscode" / "mcp.json"
    before = config.read_text()
    done = headroom("install", "vscode", "--wrap-all", env=env, cwd=vscode_project)
    assert done.returncode == 0, done.stderr
    after = config.read_text()
    # Everything but the changed values is byte for byte what it was: comments, tabs, inputs, trailing commas.
    for line in before.splitlines():
        if '"command"' not in line and '"args"' not in line and '"remote"' not in line:
            assert line in after.splitlines(), line
    assert f'\t\t\t"args": ["wrap", "--", "{FILESYSTEM}", "{data}"], // the folder the agent may read' in after
    assert after.endswith("\t},\n}\n")
    entries = servers(config, "servers")
    assert list(entries) == ["fs", "everything", "remote", "authed", "events", "headroom"]
    assert entries["headroom"] == {"type": "stdio", "command": HEADROOM, "args": ["serve"]}
    assert entries["remote"] == {
        "type": "stdio",
        "command": HEADROOM,
        "args": ["wrap", "--url", "http://127.0.0.1:9/mcp"],
    }
    assert entries["authed"]["type"] == "http" and entries["events"]["type"] == "sse"
    assert "left alone authed" in done.stderr and "left alone events" in done.stderr
    assert entries["fs"]["env"] == {"GREETING": "hello"}

    tools = tools_as_started_by_a_client(entries["fs"], env)
    assert "read_text_file" in tools and tools[-1] == "headroom_retrieve"
    tools = tools_as_started_by_a_client(entries["everything"], env)
    assert "echo" in tools and tools[-1] == "headroom_retrieve"
    tools = tools_as_started_by_a_client(entries["headroom"], env)
    assert {"headroom_compress", "headroom_retrieve"} <= set(tools)

    again = headroom("install", "vscode", "--wrap-all", env=env, cwd=vscode_project)
    assert again.returncode == 0 and config.read_text() == after
    assert "unchanged" in again.stderr
    done = headroom("uninstall", "vscode", env=env, cwd=vscode_project)
    assert done.returncode == 0, done.stderr
    assert config.read_text() == before
    assert not list(env_store(env).glob("*.json"))


def test_vscode_uninstall_after_a_users_edit_undoes_only_headroom(env, vscode_project):
    config = vscode_project / ".vscode" / "mcp.json"
    before = config.read_text()
    assert headroom("install", "vscode", "--wrap-all", env=env, cwd=vscode_project).returncode == 0
    edited = (
        config.read_text()
        .replace('"GREETING": "hello"', '"GREETING": "hi"')
        .replace("// Servers for this workspace", "// Servers for this workspace, edited by hand")
    )
    config.write_text(edited)
    done = headroom("uninstall", "vscode", env=env, cwd=vscode_project)
    assert done.returncode == 0, done.stderr
    assert "edited since install" in done.stderr
    expected = before.replace('"GREETING": "hello"', '"GREETING": "hi"').replace(
        "// Servers for this workspace", "// Servers for this workspace, edited by hand"
    )
    assert config.read_text() == expected


# --- Claude Desktop and Cursor: default paths, plain JSON ------------------------------------------------------


def test_claude_desktop_default_path_keeps_its_other_settings(env, data):
    config = Path(env["HOME"]) / ".config" / "Claude" / "claude_desktop_config.json"
    config.parent.mkdir(parents=True)
    original = {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {
            "git": {"command": GIT, "args": ["--repository", str(ROOT)], "env": {"GIT_PAGER": "cat"}},
            "filesystem": {"command": FILESYSTEM, "args": [str(data)]},
        },
        "preferences": {"quickEntryShortcut": "off", "menuBarEnabled": False},
    }
    before = json.dumps(original, indent=2).encode()
    config.write_bytes(before)
    done = headroom("install", "claude-desktop", "--wrap-all", env=env)
    assert done.returncode == 0, done.stderr
    written = json.loads(config.read_bytes())
    assert written["globalShortcut"] == "Ctrl+Space" and written["preferences"] == original["preferences"]
    assert list(written) == ["globalShortcut", "mcpServers", "preferences"]
    assert written["mcpServers"]["git"] == {
        "command": HEADROOM,
        "args": ["wrap", "--", GIT, "--repository", str(ROOT)],
        "env": {"GIT_PAGER": "cat"},
    }
    assert written["mcpServers"]["headroom"] == {"command": HEADROOM, "args": ["serve"]}  # no "type" in this format
    tools = tools_as_started_by_a_client(written["mcpServers"]["git"], env)
    assert "git_log" in tools and tools[-1] == "headroom_retrieve"
    assert headroom("uninstall", "claude-desktop", env=env).returncode == 0
    assert config.read_bytes() == before


def test_cursor_project_file_created_by_install_is_removed_by_uninstall(env, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    config = project / ".cursor" / "mcp.json"
    done = headroom("install", "cursor", "--scope", "project", "--dry-run", env=env, cwd=project)
    assert done.returncode == 0 and done.stdout.startswith(f"--- /dev/null\n+++ {config}\n")
    assert not config.exists()
    assert headroom("install", "cursor", "--scope", "project", env=env, cwd=project).returncode == 0
    assert json.loads(config.read_text()) == {"mcpServers": {"headroom": {"command": HEADROOM, "args": ["serve"]}}}
    assert headroom("uninstall", "cursor", "--scope", "project", env=env, cwd=project).returncode == 0
    assert not config.exists()


def test_cursor_user_entries_already_wrapped_by_hand_are_left_alone(env, data):
    config = Path(env["HOME"]) / ".cursor" / "mcp.json"
    config.parent.mkdir()
    by_hand = {"command": "headroom-mcp", "args": ["wrap", "--", FILESYSTEM, str(data)]}
    config.write_text(json.dumps({"mcpServers": {"fs": by_hand, "web": {"url": "http://127.0.0.1:9/mcp"}}}, indent=4))
    done = headroom("install", "cursor", "--wrap-all", env=env)
    assert done.returncode == 0, done.stderr
    assert "fs: already goes through headroom-mcp" in done.stderr
    written = servers(config)
    assert written["fs"] == by_hand
    assert written["web"] == {"command": HEADROOM, "args": ["wrap", "--url", "http://127.0.0.1:9/mcp"]}
    assert '\n    "mcpServers": {\n        "fs": {' in config.read_text()  # its four-space indentation kept


def test_a_crlf_file_keeps_its_line_endings(env, tmp_path):
    config = tmp_path / "mcp.json"
    config.write_bytes(b'{\r\n  "mcpServers": {\r\n    "a": { "command": "x" }\r\n  }\r\n}\r\n')
    assert headroom("install", "cursor", "--config", str(config), "--wrap-all", env=env).returncode == 0
    text = config.read_bytes()
    assert b"\n" not in text.replace(b"\r\n", b"")
    assert servers(config)["a"] == {"command": HEADROOM, "args": ["wrap", "--", "x"]}


# --- Bad files: a clear error naming the file and line, nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "says"),
    [
        (b'{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": { "command": "y" }\n  }\n}\n', 4, "expected ,"),
        (b'{\n  "mcpServers": {\n    "a": { "command": "x\n  }\n}\n', 3, "string is never closed"),
        (b'{\n  "mcpServers": []\n}\n', 2, '"mcpServers" is not an object'),
        (b'[\n  "mcpServers"\n]\n', 1, "top level is not an object"),
        (b'{\n  "mcpServers": {}\n}\n}\n', 4, "more text after"),
        (b'{\n  "name": "caf\xe9"\n}\n', 2, "not UTF-8"),
        (b'{\n  "mcpServers": {\n    "headroom": { "command": "my-own-server" }\n  }\n}\n', 3, "already there"),
    ],
)
def test_a_bad_config_is_named_with_its_line_and_left_untouched(env, tmp_path, content, line, says):
    config = tmp_path / "claude_desktop_config.json"
    config.write_bytes(content)
    done = headroom("install", "claude-desktop", "--config", str(config), "--wrap-all", env=env)
    assert done.returncode == 2
    assert f"{config}:{line}" in done.stderr and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert config.read_bytes() == content
    assert not env_store(env).exists()


def test_a_directory_in_place_of_the_config_is_an_error(env, tmp_path):
    done = headroom("install", "vscode", "--config", str(tmp_path), env=env)
    assert done.returncode == 2 and f"{tmp_path} is a directory" in done.stderr


def test_a_scope_the_client_has_not_is_refused(env):
    done = headroom("install", "claude-desktop", "--scope", "project", env=env)
    assert done.returncode == 2 and "claude-desktop has no project scope" in done.stderr


# --- doctor -----------------------------------------------------------------------------------------------------


def test_doctor_names_installed_clients_wrapped_entries_and_missing_commands(env, data):
    config = Path(env["HOME"]) / ".cursor" / "mcp.json"
    config.parent.mkdir()
    entries = {"fs": {"command": FILESYSTEM, "args": [str(data)]}, "gone": {"command": "/nonexistent/bin/server"}}
    config.write_text(json.dumps({"mcpServers": entries}))
    assert headroom("install", "cursor", "--wrap-all", env=env).returncode == 0
    done = headroom("doctor", env=env)
    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert f"store: {env['HEADROOM_MCP_CACHE_DIR']}" in report
    assert "sentence model: " in report
    assert f"Cursor (user): {config}; headroom installed (found); uninstall can restore it" in report
    assert f"fs: wrapped; headroom-mcp found; {FILESYSTEM} found" in report
    assert "gone: wrapped; headroom-mcp found; /nonexistent/bin/server MISSING" in report
    assert f"Claude Desktop (user): {Path(env['HOME'])}/.config/Claude/claude_desktop_config.json not found" in report


def test_jsonc_errors_carry_line_and_column():
    with pytest.raises(JsoncError) as caught:
        parse('{\n  "a": 1,\n  "b": tru\n}')
    assert (caught.value.line, caught.value.column) == (3, 8)
    assert parse('// c\n{"a": [1, 2,], /* x */ "b": {"c": null},}').value == {"a": [1, 2], "b": {"c": None}}


def test_headroom_installed_from_an_old_virtualenv_is_repointed_with_its_options(env, tmp_path):
    config = tmp_path / "mcp.json"
    old = {"command": "/old/venv/bin/headroom-mcp", "args": ["--log-level", "INFO", "serve"], "env": {"A": "1"}}
    config.write_text(json.dumps({"mcpServers": {"headroom": old}}, indent=2))
    done = headroom("install", "cursor", "--config", str(config), env=env)
    assert done.returncode == 0 and f"headroom: now runs {HEADROOM}" in done.stderr
    assert servers(config)["headroom"] == {**old, "command": HEADROOM}


def test_a_symlinked_config_is_written_through_the_link(env, tmp_path):
    dotfiles = tmp_path / "dotfiles" / "mcp.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text('{"mcpServers": {}}')
    link = tmp_path / "mcp.json"
    link.symlink_to(dotfiles)
    assert headroom("install", "cursor", "--config", str(link), env=env).returncode == 0
    assert link.is_symlink() and "headroom" in servers(dotfiles)
    assert headroom("uninstall", "cursor", "--config", str(link), env=env).returncode == 0
    assert link.is_symlink() and dotfiles.read_text() == '{"mcpServers": {}}'
