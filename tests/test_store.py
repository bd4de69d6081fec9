"""The store: exact round trips, a private directory, no unpickling, expiry, LRU, many processes at once."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import pickle
import random
import sqlite3
import stat
import sys
import threading
import time
import zlib
from pathlib import Path

import diskcache
import pytest
from headroom_mcp.pipeline import disk_store as store_module
from headroom_mcp.pipeline import packing
from headroom_mcp.pipeline.contract import Item
from headroom_mcp.pipeline.disk_store import DiskStore, RefusedPickle, SafeDisk
from headroom_mcp.pipeline.store import (
    COUNTERS,
    MemoryStore,
    Store,
    StoredOriginal,
    StoreError,
    WarnOnce,
    default_store_dir,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def make_store(kind: str, directory: Path, **options):
    return DiskStore(directory, **options) if kind == "disk" else MemoryStore(**options)


@pytest.fixture(params=["disk", "memory"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def store(kind, tmp_path):
    made = make_store(kind, tmp_path / "store")
    yield made
    made.close()


def random_text(chars: int, seed: int) -> str:
    """Text that compresses to about half: its size on disk is predictable."""
    return random.Random(seed).randbytes(chars // 2).hex()


# --- behaviour shared by both implementations ------------------------------------


def test_both_implement_the_protocol(store):
    assert isinstance(store, Store)


def test_large_and_odd_strings_and_their_items_round_trip_exactly(store):
    large = "".join(f'row {i}: naïve 日本 🎉 "q"\r\n' for i in range(170_000))
    assert len(large.encode()) > 5_000_000
    odd = (
        "\nstarts with a newline; lone \udc80 and \ud800 surrogates; a split pair \ud83c\udf89; "
        "NUL \x00; h1 9\n fake header"
    )
    items = [Item("$[0]", odd), Item("line 2", "x"), Item("$[1]", ""), Item("\ud800", "日本")]
    for key, content in (("a" * 16, large), ("b" * 16, odd), ("c" * 16, "")):
        store.put(key, content, "json\nodd kind", items)
        got = store.get(key)
        assert got == StoredOriginal(key, content, "json\nodd kind")
        assert store.items(key) == items
    store.put("d" * 16, odd, "text", [])
    assert store.items("d" * 16) == []


def test_items_written_as_a_json_list_by_earlier_versions_are_still_read(tmp_path):
    items = [Item("$[0]", 'a "quoted" \x00 value'), Item("line 2", "\ud800 日本")]
    legacy = json.dumps([[item.position, item.text] for item in items], ensure_ascii=False, separators=(",", ":"))
    assert packing.unpack_items(zlib.compress(legacy.encode("utf-8", "surrogatepass"))) == items
    with DiskStore(tmp_path / "store") as disk:
        disk.put("a" * 16, "the original", "json", [])
        disk._cache.set(store_module._names("a" * 16)[1], zlib.compress(legacy.encode("utf-8", "surrogatepass")))
    with DiskStore(tmp_path / "store") as disk:
        assert disk.items("a" * 16) == items


def test_packed_items_whose_lengths_do_not_add_up_are_refused():
    packed = zlib.decompress(packing.pack_items([Item("1", "one"), Item("2", "two")]))
    for damaged in (packed[:-1], packed + b"x", packed.replace(b"i2 2\n", b"i2 3\n"), b"i9 2\n" + packed[5:]):
        with pytest.raises(ValueError):
            packing.unpack_items(zlib.compress(damaged))
    assert packing.unpack_items(zlib.compress(packed)) == [Item("1", "one"), Item("2", "two")]


def test_unknown_key_is_none(store):
    assert store.get("0" * 16) is None
    assert store.items("0" * 16) is None


def test_putting_a_known_key_keeps_what_is_there(store):
    store.put("a" * 16, "first", "json", [Item("$[0]", "first")])
    store.put("a" * 16, "second", "text", [])
    assert store.get("a" * 16) == StoredOriginal("a" * 16, "first", "json")
    assert store.items("a" * 16) == [Item("$[0]", "first")]


def test_returned_items_are_a_copy(store):
    store.put("a" * 16, "x", "text", [Item("1", "x")])
    store.items("a" * 16).append(Item("2", "y"))
    assert store.items("a" * 16) == [Item("1", "x")]


def test_counters_start_at_zero_and_add_up(store):
    counts = store.counters()
    assert counts["calls"] == 0 and counts["retrievals"] == 0
    store.incr("calls")
    store.incr("calls")
    store.incr("tokens_before", 1234)
    store.incr("custom", 5)
    counts = store.counters()
    assert (counts["calls"], counts["tokens_before"], counts["custom"]) == (2, 1234, 5)
    with pytest.raises(TypeError):
        store.incr("calls", 1.5)


def test_context_manager_closes(kind, tmp_path):
    with make_store(kind, tmp_path / "store") as opened:
        opened.put("a" * 16, "x", "text", [])
        assert opened.get("a" * 16).content == "x"


def test_threads_sharing_one_store(store):
    errors = []

    def work(worker: int) -> None:
        try:
            for i in range(40):
                key = f"{worker:08x}{i:08x}"
                store.put(key, f"{worker}/{i}", "text", [Item(str(i), str(worker))])
                store.incr("calls")
                assert store.get(key).content == f"{worker}/{i}"
                assert store.items(key) == [Item(str(i), str(worker))]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.counters()["calls"] == 160


def test_lru_eviction_keeps_the_store_bounded_and_the_used_entries(kind, tmp_path):
    limit, chars = 1 << 20, 100_000
    with make_store(kind, tmp_path / "store", size_limit=limit) as bounded:
        bounded.put("hot", random_text(chars, -1), "text", [Item("1", "hot")])
        for i in range(40):
            bounded.put(f"{i:016x}", random_text(chars, i), "text", [])
            assert bounded.get("hot") is not None  # used all along: never the least recently used
            assert bounded.size_bytes() <= limit + 3 * chars
        assert bounded.get("hot").content == random_text(chars, -1)
        assert bounded.items("hot") == [Item("1", "hot")]
        assert bounded.get(f"{0:016x}") is None  # stored early, never read again: evicted
        assert bounded.get(f"{39:016x}").content == random_text(chars, 39)
        assert 0 < bounded.size_bytes() <= limit + 3 * chars


# --- the disk store ---------------------------------------------------------------------


def test_disk_store_keeps_originals_compressed(tmp_path):
    with DiskStore(tmp_path / "store") as disk:
        disk.put("a" * 16, '{"status": "ok", "n": 1}\n' * 200_000, "json", [])  # 5 MB
        assert disk.size_bytes() < 1_000_000


def test_disk_store_is_shared_by_instances_on_one_directory(tmp_path):
    with DiskStore(tmp_path / "store") as first, DiskStore(tmp_path / "store") as second:
        first.put("a" * 16, "shared", "text", [Item("1", "shared")])
        first.incr("calls", 3)
        assert second.get("a" * 16).content == "shared"
        assert second.items("a" * 16) == [Item("1", "shared")]
        assert second.counters()["calls"] == 3


@posix_only
def test_directory_is_private_whatever_the_umask(tmp_path):
    parent_mode = stat.S_IMODE(tmp_path.stat().st_mode)
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "made" / "by" / "store"
        DiskStore(fresh).close()
        existing = tmp_path / "existing"
        existing.mkdir(mode=0o755)
        os.chmod(existing, 0o755)
        DiskStore(existing).close()
        # An umask that takes the owner's bits: mkdir alone would make these 0500. (Only the
        # directories: a whole store under this umask would get a read-only database file.)
        os.umask(0o277)
        strict = tmp_path / "strict" / "store"
        store_module._private_directory(strict)
    finally:
        os.umask(old)
    for directory in (fresh, fresh.parent, fresh.parent.parent, existing, strict, strict.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE(tmp_path.stat().st_mode) == parent_mode  # parents that existed are left alone


def test_a_path_that_is_a_file_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError, match="file"):
        DiskStore(tmp_path / "file")


class _Exploit:
    """Unpickling this creates the file at ``path``: proof that a pickle was loaded."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _plant(db: Path, key, raw: int, *, value=None, filename=None) -> None:
    now = time.time()
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM Cache WHERE key = ? AND raw = ?", (key, raw))
        con.execute(
            "INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count,"
            " tag, size, mode, filename, value) VALUES (?, ?, ?, NULL, ?, 0, NULL, 0, 4, ?, ?)",
            (key, raw, now, now, filename, value),
        )
    con.close()


def test_pickled_rows_planted_in_the_database_are_refused_not_loaded(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(store_module, "_warn_once", WarnOnce(store_module.log))  # a fresh process's warnings
    directory = tmp_path / "store"
    proofs = {name: tmp_path / f"pwned-{name}" for name in ("inline", "file", "key", "honest", "counter")}
    payload = {name: pickle.dumps(_Exploit(path)) for name, path in proofs.items()}

    # The payloads do run code when unpickled: without the guard this test would fail.
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Exploit(control))).close()
    assert control.exists()

    with DiskStore(directory) as disk:
        disk.put("c" * 16, "honest", "text", [Item("1", "honest")])
        disk.incr("calls")
    db = directory / "cache.db"
    _plant(db, f"orig:{'d' * 16}", 1, value=payload["inline"])  # a pickled value under a valid key
    (directory / "ab" / "cd").mkdir(parents=True)
    (directory / "ab" / "cd" / "planted.val").write_bytes(payload["file"])
    _plant(db, f"orig:{'f' * 16}", 1, filename="ab/cd/planted.val")  # a pickled value in a file
    _plant(db, f"orig:{'c' * 16}", 1, value=payload["honest"])  # an honest entry replaced
    _plant(db, payload["key"], 0, value=payload["key"])  # a pickled key (with a pickled value)
    _plant(directory / "counters" / "cache.db", "calls", 1, value=payload["counter"])

    with caplog.at_level(logging.WARNING, logger=store_module.__name__), DiskStore(directory) as disk:
        for key in ("d" * 16, "f" * 16, "c" * 16):
            assert disk.get(key) is None
            assert disk.items(key) is None
        assert disk.counters()["calls"] == 0
        disk.incr("calls")
        assert disk.size_bytes() > 0
        # The refused entry was removed, so the next put stores the original again.
        disk.put("c" * 16, "honest", "text", [Item("1", "honest")])
        assert disk.get("c" * 16).content == "honest"
        for i in range(5):
            disk.put(f"{i:016x}", "still works", "text", [])
            assert disk.get(f"{i:016x}").content == "still works"

    # Whatever walks the keys through the safe Disk refuses the pickled one.
    cache = diskcache.Cache(str(directory), disk=SafeDisk)
    with pytest.raises(RefusedPickle):
        list(cache)
    with pytest.raises(RefusedPickle):
        SafeDisk(str(directory)).get(payload["key"], False)
    cache.close()

    assert [name for name, path in proofs.items() if path.exists()] == []
    refusals = [r for r in caplog.records if r.levelno == logging.WARNING and "refused" in r.getMessage()]
    assert len(refusals) == 1  # once per process, not once per row


def test_a_pickled_counter_name_is_skipped_unread_and_the_other_counters_still_show(tmp_path):
    directory, proof = tmp_path / "store", tmp_path / "pwned"
    payload = pickle.dumps(_Exploit(proof))
    with DiskStore(directory) as disk:
        disk.incr("calls", 2)
        disk.incr('tool:["fs","read","calls"]', 2)
    # Walking the keys through diskcache would raise RefusedPickle at this row.
    _plant(directory / "counters" / "cache.db", payload, 0, value=7)
    with DiskStore(directory) as fresh:
        counts = fresh.counters()
    assert (counts["calls"], counts['tool:["fs","read","calls"]']) == (2, 2)
    assert not proof.exists() and len(counts) == len(COUNTERS) + 1  # the known ones, and the tool's


def test_the_disk_stores_only_bytes_str_and_int(tmp_path):
    disk = SafeDisk(str(tmp_path))
    for value in ({"a": 1}, [1, 2], (1,), 1.5, None, True, 1 << 64, object()):
        with pytest.raises(TypeError):
            disk.store(value, False)
    with open(__file__, "rb") as readable, pytest.raises(TypeError):
        disk.store(readable, True)
    for key in (("tuple", "key"), 1.5, None, 1 << 64):
        with pytest.raises(TypeError):
            disk.put(key)
    for value in (b"bytes", "str", 7, -(1 << 63)):
        assert disk.store(value, False)[1] != diskcache.core.MODE_PICKLE
    cache = diskcache.Cache(str(tmp_path / "cache"), disk=SafeDisk)
    with pytest.raises(TypeError):
        cache.set("key", {"would": "be pickled"})
    assert cache.get("key") is None
    cache.close()


def test_entries_expire_and_a_retrieval_or_a_new_put_extends_their_life(tmp_path):
    with DiskStore(tmp_path / "short", ttl_seconds=1) as short, DiskStore(tmp_path / "long", ttl_seconds=2) as long:
        short.put("a" * 16, "one second", "text", [Item("1", "x")])
        for key in ("a", "b", "c"):
            long.put(key * 16, f"entry {key}", "text", [Item("1", key)])
        time.sleep(1.2)
        assert long.get("b" * 16) is not None  # retrieved: lives until 3.2 s
        long.put("c" * 16, "entry c", "text", [])  # stored again: lives until 3.2 s
        time.sleep(0.3)
        assert short.get("a" * 16) is None and short.items("a" * 16) is None  # 1.5 s
        time.sleep(1.0)
        assert long.get("a" * 16) is None and long.items("a" * 16) is None  # 2.5 s
        assert long.items("b" * 16) == [Item("1", "b")]  # the items lived on with their original
        assert long.get("b" * 16).content == "entry b"
        assert long.get("c" * 16).content == "entry c"


def test_memory_store_expiry_follows_its_clock():
    now = [0.0]
    memory = MemoryStore(ttl_seconds=10, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        memory.put(key * 16, key, "text", [Item("1", key)])
    now[0] = 9
    assert memory.get("b" * 16) is not None
    memory.put("c" * 16, "c", "text", [])
    now[0] = 10
    assert memory.get("a" * 16) is None and memory.items("a" * 16) is None
    now[0] = 18
    assert memory.items("b" * 16) == [Item("1", "b")]  # items count as a retrieval too
    assert memory.get("c" * 16) is not None
    now[0] = 28.5
    assert memory.get("b" * 16) is None and memory.get("c" * 16) is None
    assert memory.size_bytes() == 0  # expired entries give their memory back


def test_a_decoded_original_is_not_served_once_evicted(tmp_path):
    directory = tmp_path / "store"
    with DiskStore(directory) as reader:
        reader.put("a" * 16, random_text(100_000, 1), "text", [])
        assert reader.get("a" * 16) is not None  # decoded and kept for the next page
        with DiskStore(directory, size_limit=1 << 20) as writer:
            for i in range(30):
                writer.put(f"{i:016x}", random_text(100_000, 100 + i), "text", [])
        assert reader.get("a" * 16) is None


def test_a_corrupt_entry_is_missing_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "_warn_once", WarnOnce(store_module.log))  # a fresh process's warnings
    directory = tmp_path / "store"
    with DiskStore(directory) as disk:
        disk.put("a" * 16, random_text(200_000, 2), "text", [])  # big enough to live in a file
    [value_file] = [p for p in directory.rglob("*.val")]
    value_file.write_bytes(b"not zlib at all")
    with DiskStore(directory) as disk:
        assert disk.get("a" * 16) is None
        disk.put("a" * 16, "repaired", "text", [])
        assert disk.get("a" * 16).content == "repaired"


def test_a_broken_database_gives_none_on_read_and_store_error_on_write(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "_warn_once", WarnOnce(store_module.log))  # a fresh process's warnings
    directory = tmp_path / "store"
    disk = DiskStore(directory)
    disk.put("a" * 16, "x", "text", [])
    disk.close()
    for leftover in directory.glob("cache.db*"):
        leftover.unlink()
    (directory / "cache.db").write_bytes(b"this is not an SQLite database " * 512)
    assert disk.get("a" * 16) is None
    assert disk.items("a" * 16) is None
    assert disk.size_bytes() == 0
    with pytest.raises(StoreError, match=str(directory)):
        disk.put("b" * 16, "y", "text", [])
    disk.close()
    with pytest.raises(StoreError, match=str(directory)):
        DiskStore(directory)


def _writer(directory: str, worker: int, count: int, barrier) -> None:
    with DiskStore(directory) as shared:
        barrier.wait(60)  # start together, so the writes really interleave
        for i in range(count):
            shared.put(f"{worker:08x}{i:08x}", f"worker {worker} entry {i} " * 40, "text", [Item(str(i), str(worker))])
            shared.incr("calls")
            for j in (i, i // 2):  # the other's newest entries (maybe not written yet) and older ones
                other = shared.get(f"{1 - worker:08x}{j:08x}")
                assert other is None or other.content == f"worker {1 - worker} entry {j} " * 40
        barrier.wait(60)  # both done: each sees all of the other's entries
        for i in range(count):
            assert shared.get(f"{1 - worker:08x}{i:08x}").content == f"worker {1 - worker} entry {i} " * 40


def test_two_processes_writing_and_reading_at_once_lose_nothing(tmp_path):
    directory = str(tmp_path / "store")
    DiskStore(directory).close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_writer, args=(directory, w, 200, barrier)) for w in (0, 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [process.exitcode for process in workers] == [0, 0]
    with DiskStore(directory) as shared:
        for worker in (0, 1):
            for i in range(200):
                key = f"{worker:08x}{i:08x}"
                assert shared.get(key).content == f"worker {worker} entry {i} " * 40
                assert shared.items(key) == [Item(str(i), str(worker))]
        assert shared.counters()["calls"] == 400


# --- where the store lives -------------------------------------------------------------------


def test_default_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HEADROOM_MCP_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_store_dir() == tmp_path / "xdg" / "headroom-mcp" / "store"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert default_store_dir() == tmp_path / "home" / ".cache" / "headroom-mcp" / "store"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_store_dir() == tmp_path / "home" / ".cache" / "headroom-mcp" / "store"

    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_store_dir() == tmp_path / "home" / "Library" / "Caches" / "headroom-mcp" / "store"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert default_store_dir() == tmp_path / "local" / "headroom-mcp" / "store"

    monkeypatch.setenv("HEADROOM_MCP_CACHE_DIR", str(tmp_path / "mine"))
    assert default_store_dir() == tmp_path / "mine"
    monkeypatch.setenv("HEADROOM_MCP_CACHE_DIR", "~/somewhere")
    assert default_store_dir() == tmp_path / "home" / "somewhere"
