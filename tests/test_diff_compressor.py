"""The diff compressor on real `git diff` output: what it keeps, what it says it dropped, that it never breaks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_back, run_git
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

ROUTES = Router([Route("diff", DiffDetector(), DiffCompressor())])
VERBS = ["load", "parse", "merge", "score", "render", "check", "split", "count", "index", "flush"]
NOUNS = ["orders", "users", "events", "prices", "tokens", "rows", "pages", "items", "rules", "logs"]


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity and clock and no user or system config."""
    return run_git(repo, *args, date="2024-03-01T12:00:00+0000")


def python_module(index: int, functions: int = 45, edited: bool = False, every: int = 2) -> str:
    """A module of small functions; ``edited`` changes the loop body of every ``every``-th function."""
    lines = [f'"""Helpers for batch {index}."""', "", "import math", ""]
    for f in range(functions):
        name = f"{VERBS[f % 10]}_{NOUNS[(f + index) % 10]}_{index}_{f}"
        step = "total += value * scale"
        if edited and f % every == 0:
            step += f" - {index * 50 + f}"
        lines += [
            "",
            f"def {name}(values, scale={f + 2}):",
            f'    """Return the weighted sum of {NOUNS[f % 10]} in batch {index}."""',
            "    total = 0",
            "    for value in values:",
            f"        if value % {f + 3} == 0:",
            f"            {step}",
            f"    return math.floor(total) + {index}",
        ]
    return "\n".join(lines) + "\n"


LEDGER_BEFORE = '''

def open_account(name):
    return {"name": name, "entries": []}


def reconcile_ledger(entries, tolerance=0.01):
    """Balance debits against credits."""
    debit = sum(e["amount"] for e in entries if e["kind"] == "debit")
    credit = sum(e["amount"] for e in entries if e["kind"] == "credit")
    return abs(debit - credit) <= tolerance


def close_account(account):
    account["closed"] = True
    return account
'''


def lockfile(version: int) -> str:
    """An npm lockfile whose every package version changes with ``version``."""
    packages = {
        f"node_modules/pkg-{i}": {"version": f"1.{i}.{version}", "integrity": f"sha512-{i:04d}{version}"}
        for i in range(30)
    }
    return json.dumps({"name": "app", "lockfileVersion": 3, "packages": packages}, indent=2) + "\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with 12 modules, a ledger and a lockfile, committed, then edited in the work tree."""
    root = tmp_path_factory.mktemp("repo")
    git(root, "init", "-q")
    (root / "accounts").mkdir()
    for i in range(12):
        (root / f"batch_{i}.py").write_text(python_module(i))
    # The function the query names sits after twenty other changes in its file.
    (root / "accounts" / "ledger.py").write_text(python_module(12, functions=40) + LEDGER_BEFORE)
    (root / "package-lock.json").write_text(lockfile(0))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial import")
    for i in range(12):
        (root / f"batch_{i}.py").write_text(python_module(i, edited=True))
    ledger = LEDGER_BEFORE.replace("tolerance=0.01):", "tolerance=0.005, strict=False):")
    (root / "accounts" / "ledger.py").write_text(python_module(12, functions=40, edited=True) + ledger)
    (root / "package-lock.json").write_text(lockfile(1))
    return root


@pytest.fixture(scope="module")
def big_diff(repo: Path) -> str:
    """`git diff` of the edits: 14 files, about 300 hunks, 2,000+ lines."""
    return git(repo, "diff")


@pytest.fixture(scope="module")
def committed(repo: Path) -> Path:
    """A clone of ``repo`` where the edits are a commit, for `git show`, `git log -p` and `format-patch`."""
    clone = repo.parent / "committed"
    git(repo.parent, "clone", "-q", str(repo), str(clone))
    for i in range(12):
        (clone / f"batch_{i}.py").write_text(python_module(i, edited=True))
    git(clone, "commit", "-q", "-am", "Subtract one in every other step")
    return clone


def hunk_of(diff: str, needle: str) -> str:
    """The exact text of the hunk containing ``needle``."""
    lines = diff.split("\n")
    at = next(i for i, line in enumerate(lines) if needle in line and line[:1] in ("+", "-"))
    start = max(i for i in range(at) if lines[i].startswith("@@ "))
    end = next(i for i in range(at, len(lines)) if lines[i].startswith(("@@ ", "diff --git")))
    return "\n".join(lines[start:end])


def body_lines(text: str) -> list[str]:
    """Lines of hunk bodies in ``text``: after a hunk header, until a file header or the per-file list."""
    out, inside = [], False
    for line in text.split("\n"):
        if line.startswith("@@ "):
            inside = True
        elif line.startswith(("diff --git", "[headroom:")):
            inside = False
        elif inside and not line.startswith("[… "):
            out.append(line)
    return out


def test_big_diff_is_summarised_per_file_and_saves_60_percent(repo, big_diff):
    assert len(big_diff.splitlines()) >= 2000
    store = MemoryStore()
    result = compress_content(big_diff, store=store, routes=ROUTES)
    assert result.transforms == ["diff:summary"]
    before, after = count_tokens(big_diff), count_tokens(result.text)
    assert after <= 0.4 * before, (before, after)
    total_changed = 0
    for row in git(repo, "diff", "--numstat").splitlines():
        added, removed, path = row.split("\t")
        total_changed += int(added) + int(removed)
        assert re.search(rf"^{re.escape(path)}  \+{added} -{removed}  \(", result.text, re.M), path
    marker = re.match(
        r"\[headroom: 2,\d{3} diff lines → 14 files shown as \+/- stats, (\d+) of (\d+) hunks shown; "
        r"[\d,]+ lines omitted \(([\d,]+) changed, [\d,]+ context",
        result.text.split("\n")[-1],
    )
    assert marker and int(marker.group(1)) == sum(1 for ln in result.text.split("\n") if ln.startswith("@@ "))
    assert int(marker.group(2)) == sum(1 for ln in big_diff.split("\n") if ln.startswith("@@ "))
    shown_changed = sum(1 for ln in body_lines(result.text) if ln[:1] in ("+", "-"))
    assert shown_changed + int(marker.group(3).replace(",", "")) == total_changed


def test_shown_hunks_sit_under_their_own_file_header_with_changes_preferred(big_diff):
    result = compress_content(big_diff, store=MemoryStore(), routes=ROUTES)
    original_pairs, current = set(), None
    for line in big_diff.split("\n"):
        if line.startswith("diff --git"):
            current = line
        elif line.startswith("@@ "):
            original_pairs.add((current, line))
    shown, current = [], None
    for line in result.text.split("\n"):
        if line.startswith("diff --git"):
            current = line
        elif line.startswith("@@ "):
            shown.append((current, line))
    assert len(shown) >= 5
    assert all(pair in original_pairs for pair in shown)

    def changed_share(lines: list[str]) -> float:
        changed = sum(1 for ln in lines if ln[:1] in ("+", "-") and not ln.startswith(("+++", "---")))
        return changed / max(len(lines), 1)

    assert changed_share(body_lines(big_diff)) < 0.3
    assert changed_share(body_lines(result.text)) >= 0.5


def test_the_hunk_the_query_names_is_shown_and_retrievable(big_diff):
    store = MemoryStore()
    result = compress_content(big_diff, store=store, query="reconcile_ledger", routes=ROUTES)
    hunk = hunk_of(big_diff, "def reconcile_ledger")
    assert hunk.split("\n")[0] in result.text
    assert "+def reconcile_ledger(entries, tolerance=0.005, strict=False):" in result.text
    assert "diff --git a/accounts/ledger.py b/accounts/ledger.py" in result.text
    without = compress_content(big_diff, store=MemoryStore(), routes=ROUTES)
    assert "+def reconcile_ledger" not in without.text  # the query, not luck, put it there

    found = retrieve(result.hash, store=store, query="reconcile_ledger")
    best = found.blocks[1]
    assert best.startswith("accounts/ledger.py @@ ") and best.endswith(hunk)
    assert read_back(result.hash, store, page_tokens=2000)[0] == big_diff


def test_lockfile_hunks_come_last(big_diff):
    result = compress_content(big_diff, store=MemoryStore(), routes=ROUTES)
    assert "diff --git a/package-lock.json" not in result.text
    assert re.search(r"^package-lock.json  \+\d+ -\d+  \(generated, \d+ hunks?, 0 shown\)", result.text, re.M)


def test_small_diff_keeps_every_changed_line(tmp_path):
    (tmp_path / "old.py").write_text(python_module(3, functions=30))
    (tmp_path / "new.py").write_text(python_module(3, functions=30, edited=True, every=10))
    command = ["git", "diff", "--no-index", "-U25", "old.py", "new.py"]
    diff = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True).stdout
    assert count_tokens(diff) > 1000
    result = compress_content(diff, store=MemoryStore(), routes=ROUTES)
    assert result.transforms == ["diff:trimmed"]
    changed = [ln for ln in diff.split("\n") if ln[:1] in ("+", "-")]
    shown = result.text.split("\n")
    assert changed and all(line in shown for line in changed)
    assert "[… 24 unchanged lines]" in result.text
    assert result.tokens_after < 0.5 * result.tokens_before


def test_crlf_diff_is_compressed_and_items_stay_exact(big_diff):
    crlf = big_diff.replace("\n", "\r\n")
    store = MemoryStore()
    result = compress_content(crlf, store=store, query="reconcile_ledger", routes=ROUTES)
    assert result.compressed and "\r" not in result.text
    found = retrieve(result.hash, store=store, query="reconcile_ledger")
    # Every line of the item keeps its carriage return, the last one too.
    assert found.blocks[1].endswith(hunk_of(big_diff, "def reconcile_ledger").replace("\n", "\r\n") + "\r")
    assert read_back(result.hash, store, page_tokens=2000)[0] == crlf


def test_truncated_and_malformed_diffs_do_not_break(big_diff):
    lines = big_diff.split("\n")
    cut_at = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("@@ ")) + 3
    truncated = "\n".join(lines[:cut_at])
    result = compress_content(truncated, store=MemoryStore(), routes=ROUTES)
    assert result.compressed and not any("failed" in d for d in result.diagnostics)
    assert result.tokens_after < result.tokens_before

    # A hunk header in the middle of another hunk: the line counts cannot be trusted, so no diff
    # compression; under the cap it passes through, over it only its head and tail are shown.
    at = next(i for i, line in enumerate(lines) if line.startswith("-") and "total +=" in line)
    broken = "\n".join([*lines[:at], "@@ -1,1 +1,1 @@", *lines[at:]])
    store = MemoryStore()
    result = compress_content(broken, store=store, routes=ROUTES)
    assert "diff compressor could not help" in result.diagnostics[0]
    if count_tokens(broken) <= 20_000:
        assert result.text == broken
    else:
        assert result.transforms == ["cap:head+tail"] and read_back(result.hash, store)[0] == broken
    small = "\n".join(broken.split("\n")[: at + 400])
    assert 500 < count_tokens(small) <= 20_000
    result = compress_content(small, store=MemoryStore(), routes=ROUTES)
    assert result.text == small and "diff compressor could not help" in result.diagnostics[0]


def test_binary_renamed_and_new_files_are_listed(tmp_path):
    git(tmp_path, "init", "-q")
    for i in range(6):
        (tmp_path / f"mod_{i}.py").write_text(python_module(i, functions=30))
    (tmp_path / "logo.png").write_bytes(bytes(range(256)) * 4)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "mv", "mod_0.py", "core.py")
    for i in range(1, 6):
        (tmp_path / f"mod_{i}.py").write_text(python_module(i, functions=30, edited=True))
    (tmp_path / "logo.png").write_bytes(bytes(range(255, -1, -1)) * 4)
    (tmp_path / "fresh.py").write_text(python_module(9, functions=40))
    git(tmp_path, "add", "-A")
    diff = git(tmp_path, "diff", "--cached", "-M")
    result = compress_content(diff, store=MemoryStore(), routes=ROUTES)
    assert result.compressed
    assert "mod_0.py → core.py  +0 -0  (renamed)" in result.text
    assert re.search(r"^logo.png  binary  \(binary\)$", result.text, re.M)
    assert re.search(r"^fresh.py  \+\d+ -0  \(new file, 1 hunk, [01] shown\)$", result.text, re.M)


def test_format_patch_keeps_the_mail_header(committed):
    patch = git(committed, "format-patch", "--stdout", "-1")
    assert DiffDetector().matches(patch, Hints())
    result = compress_content(patch, store=MemoryStore(), routes=ROUTES)
    assert result.compressed
    assert "Subject: [PATCH] Subtract one in every other step" in result.text


def test_output_is_byte_identical_across_processes(tmp_path, big_diff, committed):
    """Clients' prompt caches depend on it: no set or hash order may leak into the output."""
    (tmp_path / "diff.txt").write_text(big_diff)
    (tmp_path / "log.txt").write_text(git(committed, "log", "-p"))
    script = (
        "import hashlib, pathlib\n"
        "from headroom_mcp.pipeline.kinds.diff.compress import DiffCompressor\n"
        "from headroom_mcp.pipeline.kinds.gitlog.compress import GitLogCompressor\n"
        "from headroom_mcp.pipeline.contract import Context\n"
        "from headroom_mcp.pipeline.tokens import count_tokens\n"
        "for name, compressor in (('diff.txt', DiffCompressor()), ('log.txt', GitLogCompressor())):\n"
        "    text = pathlib.Path(name).read_text()\n"
        "    ctx = Context('0' * 16, 600, count_tokens, query='scale ledger')\n"
        "    print(hashlib.sha256(compressor.compress(text, ctx).text.encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_detectors_tell_diffs_logs_and_other_output_apart(tmp_path, big_diff, repo, committed):
    diff, log = DiffDetector(), GitLogDetector()
    hints = Hints()
    show = git(committed, "show", "HEAD")
    log_p = git(committed, "log", "-p")
    plain_log = git(committed, "log", "--stat")
    assert diff.matches(big_diff, hints) and not log.matches(big_diff, hints)
    assert diff.matches(show, hints) and not log.matches(show, hints)
    assert log.matches(log_p, hints)
    assert log.matches(plain_log, hints) and not diff.matches(plain_log, hints)
    both = Router([Route("gitlog", log, GitLogCompressor()), Route("diff", diff, DiffCompressor())])
    detected = [both.detect(text, hints) for text in (big_diff, show, log_p, plain_log)]
    assert detected == ["diff", "diff", "gitlog", "gitlog"]

    (tmp_path / "test_sample.py").write_text(
        "def test_ok():\n    assert 1 + 1 == 2\n\n\ndef test_bad():\n    assert {'a': 1} == {'a': 2}\n"
    )
    pytest_log = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_sample.py"],
        cwd=tmp_path, capture_output=True, text=True,
    ).stdout
    assert "1 failed, 1 passed" in pytest_log
    records = json.dumps([{"id": i, "patch": f"@@ -{i},3 +{i},4 @@"} for i in range(200)], indent=2)
    source = (Path(__file__).resolve().parent.parent / "pipeline" / "compress.py").read_text()
    grep = subprocess.run(["grep", "-rn", "def ", "."], cwd=repo, capture_output=True, text=True).stdout
    for other in (pytest_log, records, source, grep):
        assert not diff.matches(other, hints) and not log.matches(other, hints)
