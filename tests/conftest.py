"""Shared fixtures: a private store per test, and the real `headroom-mcp serve` over stdio."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A store directory private to one test (not created: the store must create it)."""
    return tmp_path / "store"


@pytest.fixture(autouse=True)
def private_store(cache_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the user's own store or config, in this process or its children."""
    monkeypatch.setenv("HEADROOM_MCP_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("HEADROOM_MCP_CONFIG", str(cache_dir.parent / "no-config.toml"))
    yield
    from headroom_mcp import api

    api.configure()  # close this test's store; the next test starts from its own environment


@pytest.fixture
def cli_env(cache_dir: Path) -> dict[str, str]:
    """Environment for headroom-mcp subprocesses: this test's store, no user config."""
    env = dict(os.environ)
    env["HEADROOM_MCP_CACHE_DIR"] = str(cache_dir)
    env["HEADROOM_MCP_CONFIG"] = str(cache_dir.parent / "no-config.toml")
    return env


def headroom_command() -> list[str]:
    """The installed CLI, run with this interpreter."""
    return [sys.executable, "-m", "headroom_mcp"]


def read_back(key: str, store, page_tokens: int | None = None) -> tuple[str, int]:
    """The original behind ``key`` read page by page without a query, and how many pages that took."""
    from headroom_mcp.pipeline.retrieval import DEFAULT_PAGE_TOKENS, retrieve

    text, pages, cursor = "", 0, None
    while True:
        page = retrieve(key, store=store, cursor=cursor, page_tokens=page_tokens or DEFAULT_PAGE_TOKENS)
        text += "".join(page.blocks)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return text, pages


def require_tools(*names: str) -> None:
    """Fail, never skip, when a tool a real-output test runs is missing: a skipped test would pass silently."""
    import shutil

    missing = [name for name in names if shutil.which(name) is None]
    assert not missing, f"{', '.join(missing)} must be installed: these tests run the real tools"


def run_git(repo: Path, *args: str, stdin: bytes | None = None, date: str | None = None) -> str:
    """git in ``repo`` with a fixed identity (and clock, given ``date``) and no user or system config."""
    import subprocess

    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    config = ["commit.gpgsign=false", "init.defaultBranch=main", "core.autocrlf=false", "log.showSignature=false"]
    options = [part for setting in config for part in ("-c", setting)]
    done = subprocess.run(["git", *options, *args], cwd=repo, env=env, input=stdin, capture_output=True, check=True)
    return done.stdout.decode()
