"""The git log compressor on real `git log` output of a 320-commit repository built with `git fast-import`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_git
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.kinds.diff.compress import DiffCompressor
from headroom_mcp.pipeline.kinds.diff.detect import DiffDetector
from headroom_mcp.pipeline.kinds.gitlog.compress import GitLogCompressor
from headroom_mcp.pipeline.kinds.gitlog.detect import GitLogDetector
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

# As in the default router: git log first, since `git log -p` holds diffs.
ROUTES = Router(
    [Route("gitlog", GitLogDetector(), GitLogCompressor()), Route("diff", DiffDetector(), DiffCompressor())]
)
COMMITS = 320
SPECIAL = 123  # the one commit whose subject says "frobnicator"
AUTHORS = [
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
    "Donald Knuth", "Frances Allen", "Ken Thompson", "Margaret Hamilton", "Dennis Ritchie",
    "Radia Perlman", "John Backus", "Sophie Wilson", "Niklaus Wirth",
]  # fmt: skip
VERBS = ["Fix", "Add", "Refactor", "Speed up", "Document", "Test", "Simplify", "Rename"]
AREAS = ["parser", "scheduler", "cache", "router", "billing", "exporter", "auth", "metrics"]
BASE_TIME = 1_704_067_200  # 2024-01-01T00:00:00Z


git = run_git


def subject(n: int) -> str:
    if n == SPECIAL:
        return "Make the frobnicator retry idempotent"
    return f"{VERBS[n % 8]} {AREAS[(n // 8) % 8]} step {n}"


def module(area: str, version: dict[int, int]) -> str:
    """A source file of one area; ``version[k]`` is how often function ``k`` was revised."""
    lines = [f'"""The {area} module."""', ""]
    for k in range(40):
        lines += [
            "",
            f"def {area}_step_{k}(state):",
            f'    """Advance the {area} by step {k}."""',
            f"    state.counter += {k + 1 + version.get(k, 0)}",
            f"    return state.counter % {k + 7}",
        ]
    return "\n".join(lines) + "\n"


def fast_import_stream() -> bytes:
    """320 commits by 14 authors over 320 days, each revising one function of one module."""
    out: list[bytes] = []
    versions: dict[str, dict[int, int]] = {area: {} for area in AREAS}

    def data(text: str) -> None:
        raw = text.encode()
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    for n in range(COMMITS):
        name = AUTHORS[(n * 5) % len(AUTHORS)]
        user = name.split()[0].lower()
        when = BASE_TIME + n * 86_400 + (n * 977) % 3600
        message = f"{subject(n)}\n\nThe {AREAS[n % 8]} handles case {n} explicitly.\nSee ticket OPS-{1000 + n}.\n"
        if n == SPECIAL:
            message += "Retries reuse the request id, so a replay never double-charges.\n"
        area = AREAS[n % 8]
        versions[area][n % 40] = versions[area].get(n % 40, 0) + 1
        out.append(f"commit refs/heads/main\nmark :{n + 1}\n".encode())
        out.append(f"author {name} <{user}@example.com> {when} +0000\n".encode())
        out.append(f"committer {name} <{user}@example.com> {when} +0000\n".encode())
        data(message)
        if n:
            out.append(f"from :{n}\n".encode())
        out.append(f"M 100644 inline src/{area}.py\n".encode())
        data(module(area, versions[area]))
        out.append(b"\n")
    return b"".join(out)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 320-commit repository (fast-import writes it in one process: a commit per call would take seconds)."""
    root = tmp_path_factory.mktemp("history")
    git(root, "init", "-q")
    git(root, "fast-import", "--quiet", stdin=fast_import_stream())
    git(root, "reset", "-q", "--hard", "main")
    return root


@pytest.fixture(scope="module")
def shas(repo: Path) -> list[str]:
    """Full shas by commit number, 0 the oldest."""
    return git(repo, "log", "--format=%H").split()[::-1]


def shown_commits(text: str) -> list[tuple[str, str]]:
    """``(sha7, rest of line)`` for each one-line commit in the output."""
    return re.findall(r"^([0-9a-f]{7}) (\d{4}-\d\d-\d\d .*)$", text, re.M)


def test_default_log_keeps_newest_oldest_and_saves_70_percent(repo, shas):
    log = git(repo, "log")
    store = MemoryStore()
    result = compress_content(log, store=store, routes=ROUTES)
    assert result.kind == "gitlog" and result.transforms == ["gitlog:summary"]
    before, after = count_tokens(log), count_tokens(result.text)
    assert after <= 0.3 * before, (before, after)
    shown = shown_commits(result.text)
    assert len(shown) >= 20
    subjects = {sha[:7]: subject(n) for n, sha in enumerate(shas)}
    for sha7, rest in shown:
        date, _, tail = rest.partition(" ")
        assert re.fullmatch(r"2024-\d\d-\d\d|2025-\d\d-\d\d", date)
        assert tail.endswith(f": {subjects[sha7]}"), (sha7, rest)
    assert shown[0][0] == shas[COMMITS - 1][:7]  # the newest
    assert shown[-1][0] == shas[0][:7]  # the oldest
    assert shown[-1][1] == f"2024-01-01 Ada Lovelace: {subject(0)}"
    gap = r"^\[… ([\d,]+) commits 2024-[\d-]+\.\.2024-[\d-]+ by 14 authors omitted\]$"
    note = re.search(gap, result.text, re.M)
    assert note and int(note.group(1).replace(",", "")) == COMMITS - len(shown)
    assert store.get(result.hash).content == log


def test_a_query_word_keeps_that_commit_whole(repo, shas):
    log = git(repo, "log")
    store = MemoryStore()
    result = compress_content(log, store=store, query="frobnicator", routes=ROUTES)
    sha = shas[SPECIAL]
    assert f"commit {sha}" in result.text
    assert "    Retries reuse the request id, so a replay never double-charges." in result.text
    assert f"    See ticket OPS-{1000 + SPECIAL}." in result.text
    without = compress_content(log, store=MemoryStore(), routes=ROUTES)
    assert sha[:7] not in without.text  # in the middle of the log: only the query brings it in

    found = retrieve(result.hash, store=store, query=sha[:7])
    start = log.index(f"commit {sha}")
    end = log.index("\ncommit ", start)
    position, _, text = found.blocks[1].partition(": ")
    assert position.startswith(f"commit {sha[:7]} (lines ") and text == log[start:end].rstrip("\n")


def test_stat_log_shows_file_counts(repo, shas):
    log = git(repo, "log", "--stat")
    result = compress_content(log, store=MemoryStore(), routes=ROUTES)
    assert count_tokens(result.text) <= 0.3 * count_tokens(log)
    newest = shas[COMMITS - 1][:7]
    assert re.search(rf"^{newest} \S+ [A-Z][a-z]+ [A-Z][a-z]+: .* \[1 file \+1 -1\]$", result.text, re.M)


def test_fuller_and_graph_formats_give_the_same_one_liners(repo):
    plain = compress_content(git(repo, "log"), store=MemoryStore(), routes=ROUTES)
    for args in (["--pretty=fuller"], ["--graph"]):
        result = compress_content(git(repo, "log", *args), store=MemoryStore(), routes=ROUTES)
        assert result.kind == "gitlog", args
        assert shown_commits(result.text)[:10] == shown_commits(plain.text)[:10], args


def test_patch_log_summarises_patches_and_keeps_the_matching_hunk(repo, shas):
    log = git(repo, "log", "-p")
    store = MemoryStore()
    # Commit 202 revised function 2 of the cache module (as did 2, 42, ... 282): the query names that function,
    # which its patch shows only in an unchanged line.
    target = 202
    assert AREAS[target % 8] == "cache" and target % 40 == 2
    result = compress_content(log, store=store, query="cache_step_2", routes=ROUTES)
    assert result.kind == "gitlog"
    assert count_tokens(result.text) <= 0.2 * count_tokens(log)
    sha = shas[target]
    assert f"commit {sha}" in result.text
    assert "  src/cache.py  +1 -1  (1 hunk, 1 shown)" in result.text
    changed = [ln for ln in git(repo, "show", sha).splitlines() if ln.startswith(("+    state", "-    state"))]
    assert len(changed) == 2 and all(ln in result.text.splitlines() for ln in changed)
    newest = shas[COMMITS - 1][:7]
    assert re.search(rf"^{newest} .* \[1 file \+1 -1\]$", result.text, re.M)

    found = retrieve(result.hash, store=store, query="cache_step_2")
    assert any(block.startswith(f"commit {sha[:7]} ") for block in found.blocks[1:])


def test_oneline_log_small_passes_through_and_big_keeps_head_and_tail(repo):
    small = git(repo, "log", "--oneline", "-60")
    assert count_tokens(small) > 500
    result = compress_content(small, store=MemoryStore(), routes=ROUTES)
    assert result.kind == "gitlog" and not result.compressed and result.text == small
    assert "gitlog compressor could not help" in result.diagnostics[0]

    big = git(repo, "log", "--oneline")
    result = compress_content(big, store=MemoryStore(), query="frobnicator", routes=ROUTES)
    assert result.compressed
    lines = big.splitlines()
    kept = result.text.splitlines()
    assert kept[0] == lines[0]
    assert lines[-1] in kept
    assert any(line.endswith("Make the frobnicator retry idempotent") for line in kept)
    assert any(re.fullmatch(r"\[… [\d,]+ commits omitted\]", line) for line in kept)


def test_mcp_server_git_log_format(repo, shas):
    """The `git_log` tool of mcp-server-git prints Commit:/Author:/Date:/Message: entries."""
    from mcp_server_git import server  # the test extra installs it
    log = "Commit history:\n" + "\n".join(server.git_log(server.git.Repo(repo), max_count=COMMITS))
    result = compress_content(log, store=MemoryStore(), routes=ROUTES)
    assert result.kind == "gitlog" and result.compressed
    newest = shas[COMMITS - 1][:7]
    line = rf"^{newest} 2024-\d\d-\d\d [A-Z][a-z]+ [A-Z][a-z]+: {re.escape(subject(COMMITS - 1))}$"
    assert re.search(line, result.text, re.M)


def test_detectors_on_log_formats_and_a_single_commit(repo):
    log, diff, hints = GitLogDetector(), DiffDetector(), Hints()
    formats = [[], ["--stat"], ["--oneline"], ["--graph", "--oneline"], ["--pretty=fuller"], ["--graph"]]
    for args in [*formats, ["-p", "-5"], ["--graph", "--stat", "-p", "-5"]]:
        assert log.matches(git(repo, "log", *args), hints), args
    show = git(repo, "show", "HEAD")
    assert not log.matches(show, hints) and diff.matches(show, hints)
    assert not diff.matches(git(repo, "log", "--stat"), hints)
    blame = git(repo, "blame", "src/cache.py")
    assert not log.matches(blame, hints) and not diff.matches(blame, hints)


def test_patch_log_without_a_query_shows_the_newest_commits_changes(repo, shas):
    log = git(repo, "log", "-p", "-20")
    result = compress_content(log, store=MemoryStore(), routes=ROUTES)
    assert result.kind == "gitlog" and count_tokens(result.text) <= 0.5 * count_tokens(log)
    newest = git(repo, "show", shas[COMMITS - 1]).splitlines()
    changed = [ln for ln in newest if ln.startswith(("+    ", "-    "))]
    assert changed and all(ln in result.text.splitlines() for ln in changed)
    # The oldest of the 20 is still named by its line, whether or not its hunks fitted.
    assert shas[COMMITS - 20][:7] in result.text
