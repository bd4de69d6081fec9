"""The store: exact round trips, private directory, no unpickling, expiry, many processes at once."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from headroom_mcp.pipeline.contract import Item
from headroom_mcp.pipeline.store import DiskStore, MemoryStore, SafeDisk, default_store_dir


@pytest.fixture(params=["disk", "memory"])
def store(request, tmp_path):
    made = DiskStore(tmp_path / "store") if request.param == "disk" else MemoryStore()
    yield made
    made.close()


def test_round_trip_is_exact_for_large_and_odd_strings(store):
    large = "".join(f"row {i}: naïve 日本 🎉\r\n" for i in range(200_000))
    odd = 'lone \udc80 and \ud800 surrogates, NUL \x00, "quotes"'
    items = [Item("$[0]", odd), Item("line 2", "x"), Item("$[1]", "")]
    for key, content in (("a" * 16, large), ("b" * 16, odd)):
        store.put(key, content, "json", items)
        got = store.get(key)
        assert got.content == content and got.kind == "json" and got.key == key
        assert store.items(key) == items


def test_unknown_key(store):
    assert store.get("0" * 16) is None and store.items("0" * 16) is None


def test_counters_start_at_zero_and_add_up(store):
    assert store.counters()["calls"] == 0
    store.incr("calls")
    store.incr("tokens_before", 1234)
    assert store.counters()["calls"] == 1 and store.counters()["tokens_before"] == 1234


def test_directory_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "a" / "store"
        DiskStore(fresh).close()
        existing = tmp_path / "existing"
        existing.mkdir(mode=0o755)
        DiskStore(existing).close()
    finally:
        os.umask(old)
    for directory in (fresh, existing):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


class _Exploit:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_rows_planted_in_the_database_are_refused_not_executed(tmp_path):
    directory = tmp_path / "store"
    with DiskStore(directory) as store:
        store.put("c" * 16, "honest", "text", [])
    proof_value, proof_key = tmp_path / "pwned-value", tmp_path / "pwned-key"
    value_payload = pickle.dumps(_Exploit(str(proof_value)))
    key_payload = pickle.dumps(_Exploit(str(proof_key)))
    with sqlite3.connect(directory / "cache.db") as db:
        now = time.time()
        row = "INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, size, mode, filename, value) VALUES (?, ?, ?, NULL, ?, 0, NULL, 0, ?, NULL, ?)"
        db.execute(row, (f"orig:{'d' * 16}", 1, now, now, 4, sqlite3.Binary(value_payload)))
        db.execute(row, (sqlite3.Binary(key_payload), 0, now, now, 1, b"x"))
        db.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = ?", (sqlite3.Binary(value_payload), f"orig:{'c' * 16}"))
    with DiskStore(directory) as store:
        assert store.get("d" * 16) is None
        assert store.get("c" * 16) is None
        store.put("e" * 16, "still works", "text", [])
        assert store.get("e" * 16).content == "still works"
        store._cache.cull()  # eviction walks rows too
    assert not proof_value.exists() and not proof_key.exists()


def test_only_bytes_str_and_int_can_be_stored(tmp_path):
    disk = SafeDisk(str(tmp_path))
    for value in ({"a": 1}, [1, 2], 1.5, None):
        with pytest.raises(TypeError):
            disk.store(value, False)
    with pytest.raises(TypeError):
        disk.put(("tuple", "key"))


def test_entries_expire_and_retrieval_extends_their_life(tmp_path):
    with DiskStore(tmp_path / "store", ttl_seconds=2) as store:
        store.put("a" * 16, "short-lived", "text", [])
        store.put("b" * 16, "used", "text", [Item("line 1", "used")])
        time.sleep(1.2)
        assert store.get("b" * 16) is not None  # used: lives 2 s from now
        time.sleep(1.3)
        assert store.get("a" * 16) is None
        assert store.get("b" * 16) is not None and store.items("b" * 16) == [Item("line 1", "used")]


def test_memory_store_expiry_follows_its_clock():
    now = [0.0]
    store = MemoryStore(ttl_seconds=10, clock=lambda: now[0])
    store.put("a" * 16, "x", "text", [])
    now[0] = 9
    assert store.get("a" * 16) is not None
    now[0] = 18
    assert store.get("a" * 16) is not None
    now[0] = 30
    assert store.get("a" * 16) is None


def test_size_limit_evicts_least_recently_used(tmp_path):
    limit = 4 << 20
    with DiskStore(tmp_path / "store", size_limit=limit) as store:
        for i in range(40):
            store.put(f"{i:016x}", os.urandom(400_000).hex()[:400_000], "text", [])
        assert store.size_bytes() <= limit * 1.5
        assert store.get(f"{39:016x}") is not None


def _writer(directory: str, worker: int, count: int) -> None:
    with DiskStore(directory) as store:
        for i in range(count):
            store.put(f"{worker:08x}{i:08x}", f"worker {worker} entry {i} " * 50, "text", [Item("i", str(i))])
            store.incr("calls")
            other = store.get(f"{1 - worker:08x}{i:08x}")
            assert other is None or other.content == f"worker {1 - worker} entry {i} " * 50


def test_two_processes_writing_and_reading_at_once_lose_nothing(tmp_path):
    directory = str(tmp_path / "store")
    DiskStore(directory).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(directory, w, 200)) for w in (0, 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    with DiskStore(directory) as store:
        for worker in (0, 1):
            for i in range(200):
                assert store.get(f"{worker:08x}{i:08x}").content == f"worker {worker} entry {i} " * 50
        assert store.counters()["calls"] == 400


def test_default_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HEADROOM_MCP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert default_store_dir() == tmp_path / "xdg" / "headroom-mcp" / "store"
    monkeypatch.setenv("HEADROOM_MCP_CACHE_DIR", str(tmp_path / "mine"))
    assert default_store_dir() == Path(tmp_path / "mine")
