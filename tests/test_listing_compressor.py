"""File listings (find, ls -R, tree, MCP list_directory) on a real tree: this venv's site-packages.

site-packages changes when packages change: every expectation is computed
from the real output in the test, never hard-coded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from collections import Counter
from io import StringIO
from pathlib import Path

import pydantic
import pytest
from conftest import read_back
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.kinds.listing.compress import ListingCompressor
from headroom_mcp.pipeline.kinds.listing.detect import ListingDetector
from headroom_mcp.pipeline.kinds.search.compress import SearchCompressor
from headroom_mcp.pipeline.kinds.search.detect import SearchDetector
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.router import DEFAULT, Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

SITE = Path(pydantic.__file__).parent.parent
ROOT = Path(__file__).resolve().parent.parent
ROUTES = Router(
    [
        Route("search", SearchDetector(), SearchCompressor()),
        Route("listing", ListingDetector(), ListingCompressor()),
    ]
)

# A word few installed paths hold: the provider SDKs the tests install carry hundreds of "config" types.
QUERY = "toml"


def run(*command: str, cwd: Path = SITE) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def compress(text: str, query: str | None = None, store: MemoryStore | None = None, max_tokens: int | None = None):
    return compress_content(text, store=store or MemoryStore(), query=query, max_tokens=max_tokens, routes=ROUTES)


def top_level_counts(files: list[str]) -> Counter[str]:
    """Files under each top-level directory, from ``./dir/.../name`` paths."""
    return Counter(path.split("/")[1] for path in files if path.count("/") >= 2)


def assert_top_level_named(output: str, counts: Counter[str]) -> None:
    lines = output.splitlines()
    for name, count in counts.items():
        prefix = f"./{name}/ ({count:,} file{'' if count == 1 else 's'}"
        assert any(line.startswith(prefix) for line in lines), prefix


@pytest.fixture(scope="module")
def found() -> str:
    text = run("find", ".", "-type", "f")
    assert text.count("\n") >= 1000, "site-packages should hold thousands of files"
    return text


@pytest.fixture(scope="module")
def ls_r() -> str:
    return run("ls", "-R", ".")


def ls_r_files(text: str) -> list[str]:
    """Full paths of the files in ``ls -R`` output: names that are not themselves a header."""
    headers, current, names = set(), None, []
    for line in text.splitlines():
        if line.endswith(":"):
            current = line[:-1]
            headers.add(current)
        elif line and current is not None:
            names.append(f"{current}/{line}")
    return [path for path in names if path not in headers]


def tree_listing(root: Path) -> tuple[str, list[str]]:
    """What ``tree`` prints for ``root`` (names sorted, hidden entries skipped), and the leaves' paths."""
    lines, leaves, dirs = ["."], [], 0

    def walk(path: Path, prefix: str, shown: str) -> None:
        nonlocal dirs
        entries = sorted((e for e in os.scandir(path) if not e.name.startswith(".")), key=lambda e: e.name)
        for i, entry in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{entry.name}")
            if entry.is_dir(follow_symlinks=False) and any(not e.startswith(".") for e in os.listdir(entry.path)):
                dirs += 1
                walk(Path(entry.path), prefix + ("    " if last else "│   "), f"{shown}/{entry.name}")
            else:
                dirs += entry.is_dir(follow_symlinks=False)
                leaves.append(f"{shown}/{entry.name}")

    walk(root, "", ".")
    lines += ["", f"{dirs} directories, {len(leaves)} files"]
    return "\n".join(lines) + "\n", leaves


def test_find_is_summarised_by_directory_with_counts_and_70_percent_saved(found):
    paths = found.splitlines()
    result = compress(found)
    assert result.kind == "listing" and result.transforms == ["listing:dirs"]
    before, after = count_tokens(found), count_tokens(result.text)
    assert after <= 0.3 * before, (before, after)
    assert result.text.startswith(f"{len(paths):,} files in ")
    assert f"./ ({len(paths):,} files: " in result.text
    assert_top_level_named(result.text, top_level_counts(paths))
    extensions = Counter(Path(p).suffix for p in paths)
    commonest = max(extensions, key=extensions.get)
    assert f"./ ({len(paths):,} files: {extensions[commonest]:,} {commonest}" in result.text


def test_paths_matching_the_query_are_listed_in_full_and_retrieved(found):
    paths = found.splitlines()
    expected = [path for path in paths if QUERY in path.lower()]
    assert 0 < len(expected) < 400, "pick another query word if site-packages changed this much"
    store = MemoryStore()
    result = compress(found, query=QUERY, store=store)
    lines = result.text.splitlines()
    at = lines.index(f'{len(expected):,} paths match "{QUERY}":')
    assert lines[at + 1 : at + 1 + len(expected)] == expected
    assert f'{len(expected):,} matching "{QUERY}" listed' in lines[-1]
    assert count_tokens(result.text) <= 0.3 * count_tokens(found)

    page = retrieve(result.hash, store=store, query=QUERY)
    assert page.matches == len(expected)
    assert all(re.fullmatch(r"line \d+: .*", block) and QUERY in block.lower() for block in page.blocks[1:])
    assert {block.split(": ", 1)[1] for block in page.blocks[1:]} <= set(expected)


def test_a_tight_budget_names_the_biggest_directories(found):
    paths = found.splitlines()
    counts = top_level_counts(paths)
    result = compress(found, max_tokens=1200)
    assert result.kind == "listing" and result.tokens_after <= 1200
    named = {name for name in counts if f"\n./{name}/ (" in result.text}
    assert 0 < len(named) < len(counts)  # the rest are rolled up into ./
    assert min(counts[name] for name in named) >= max(counts[name] for name in set(counts) - named)


def test_ls_r_rebuilds_full_paths(ls_r):
    files = ls_r_files(ls_r)
    store = MemoryStore()
    result = compress(ls_r, query=QUERY, store=store)
    assert result.kind == "listing"
    assert count_tokens(result.text) <= 0.3 * count_tokens(ls_r)
    assert result.text.startswith(f"{len(files):,} files in ")
    assert_top_level_named(result.text, top_level_counts(files))
    expected = [path for path in files if QUERY in path.lower()]
    for path in expected:
        assert path in result.text.splitlines()
    # Items keep ls's own line and say where it sits.
    page = retrieve(result.hash, store=store, query=QUERY)
    assert page.matches and all(re.fullmatch(r"line \d+ \(\./\S*\): \S.*", block) for block in page.blocks[1:])


def test_ls_long_format_is_a_listing_with_directories_told_apart():
    flat = run("ls", "-la", ".")
    entries = [line for line in flat.splitlines()[1:] if not line.endswith((" .", " .."))]
    directories = [line for line in entries if line.startswith("d")]
    store = MemoryStore()
    result = compress(flat, store=store)
    assert result.kind == "listing" and count_tokens(result.text) <= 0.5 * count_tokens(flat)
    # Modes, owners and dates are dropped; what is a directory stays known.
    files = len(entries) - len(directories)
    assert result.text.startswith(f"{files:,} files in {len(directories) + 1:,} directories")
    found = retrieve(result.hash, store=store, query="pydantic")
    # The item is ls's own line, and its position says it is a directory.
    assert any(re.fullmatch(r"line \d+ \(pydantic/\): d\S+ .* pydantic", block) for block in found.blocks[1:])

    recursive = run("ls", "-laR", "pydantic")
    result = compress(recursive, query="config")
    assert result.kind == "listing" and count_tokens(result.text) <= 0.3 * count_tokens(recursive)
    # The matching file keeps its size, as ls gave it.
    assert f"{(SITE / 'pydantic' / 'config.py').stat().st_size}  pydantic/config.py" in result.text.splitlines()


def test_tree_output_is_parsed_by_its_indentation():
    text, leaves = tree_listing(SITE)
    assert ListingDetector().matches(text, Hints()) and not SearchDetector().matches(text, Hints())
    result = compress(text, query=QUERY)
    assert result.kind == "listing"
    assert count_tokens(result.text) <= 0.3 * count_tokens(text)
    assert result.text.startswith(f"{len(leaves):,} files in ")
    assert_top_level_named(result.text, top_level_counts(leaves))
    for path in (p for p in leaves if QUERY in p.lower()):
        assert path in result.text.splitlines()


def test_mcp_list_directory_is_a_listing():
    entries = sorted(os.scandir(SITE), key=lambda e: e.name)
    text = "\n".join(f"[{'DIR' if e.is_dir() else 'FILE'}] {e.name}" for e in entries)
    files = sum(not e.is_dir() for e in entries)
    assert ListingDetector().matches(text, Hints())
    result = compress(text, max_tokens=300)
    assert result.kind == "listing" and result.text.startswith(f"{files:,} files in ")


def test_pages_without_a_query_rebuild_the_original(found):
    store = MemoryStore()
    result = compress(found, store=store)
    text, pages = read_back(result.hash, store, page_tokens=5000)
    assert pages > 1 and text == found


def test_output_is_deterministic(found):
    assert compress(found, query="*.pyi").text == compress(found, query="*.pyi").text


def test_glob_queries_match_names(found):
    paths = found.splitlines()
    expected = [p for p in paths if p.endswith(".typed")]
    assert expected, "packages with type hints ship a py.typed file"
    result = compress(found, query='-name "*.typed"')
    lines = result.text.splitlines()
    at = lines.index(f'{len(expected):,} paths match "*.typed":')
    assert lines[at + 1 : at + 1 + len(expected)] == expected


def _log_output() -> str:
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("headroom-test-listing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    for path in sorted(SITE.glob("*/__init__.py"))[:40]:
        logger.info("imported %s", path.relative_to(SITE))
    logger.removeHandler(handler)
    return stream.getvalue()


def test_detectors_tell_listings_from_everything_else(found, ls_r):
    listing, search = ListingDetector(), SearchDetector()
    yes = {"find": found, "ls -R": ls_r, "git ls-files": run("git", "ls-files", cwd=ROOT)}
    no = {
        "grep -rn": run("grep", "-rn", "import", "--include=*.py", "pydantic/v1"),
        "grep -l is a listing, grep -c is not": run("grep", "-rc", "import", "--include=*.py", "pydantic/v1"),
        "log": _log_output(),
        "prose": (ROOT / "README.md").read_text(),
        "python source": Path(pydantic.__file__).read_text(),
        "json": json.dumps(found.splitlines()[:200], indent=2),
    }
    for name, text in yes.items():
        assert listing.matches(text, Hints()), name
        assert not search.matches(text, Hints()), name
    for name, text in no.items():
        assert not listing.matches(text, Hints()), name
    assert listing.matches(run("grep", "-rl", "import", "--include=*.py", "pydantic/v1"), Hints())


# Sizes (issue 10): listings that give sizes keep them, name the largest files and total each directory.

DATA = ROOT / "tests" / "data" / "listing"
UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def in_bytes(text: str) -> float:
    """``1.9M``, ``4.0K``, ``512``, ``1.23 KB`` in bytes (as ls -h, du -h and the MCP server mean them)."""
    match = re.fullmatch(r"([\d.]+) ?([KMG]?)B?", text.strip())
    assert match, text
    return float(match[1]) * UNITS[match[2]]


@pytest.fixture(scope="module")
def sized(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """Real files of known sizes under ``tree/``: three directories and one much bigger file."""
    base = tmp_path_factory.mktemp("sized")
    sizes: dict[str, int] = {}
    for folder, count in (("src/app", 40), ("docs", 30), ("data", 25)):
        (base / "tree" / folder).mkdir(parents=True)
        for i in range(count):
            sizes[f"tree/{folder}/file_{i:02d}.txt"] = (i * 7919) % 50_000 + 10
    sizes["tree/data/big.bin"] = 3_000_000
    for path, size in sizes.items():
        (base / path).write_bytes(b"x" * size)
    return base, sizes


def largest_lines(output: str) -> list[str]:
    """The lines under the output's ``N largest files:`` heading."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if re.fullmatch(r"\d+ largest files?:", line))
    return lines[at + 1 : at + 1 + int(lines[at].split()[0])]


@pytest.mark.parametrize(
    "command",
    [
        ("ls", "-laR", "tree"),
        ("ls", "-lR", "tree"),
        ("find", "tree", "-printf", "%s %p\n"),
        ("find", "tree", "-printf", "%s\t%p\n"),
        ("find", "tree", "-ls"),
    ],
)
def test_byte_sizes_name_the_largest_files_and_total_each_directory(sized, command):
    base, sizes = sized
    text = run(*command, cwd=base)
    result = compress(text)
    assert result.kind == "listing" and result.transforms == ["listing:dirs"]
    lines = result.text.splitlines()
    assert lines[0] == f"{len(sizes)} files in 5 directories, {sum(sizes.values()):,} bytes " + (
        "(counts and sizes include subdirectories)"
    )
    top = largest_lines(result.text)
    assert top[0] == "3000000  tree/data/big.bin"
    assert [int(line.split()[0]) for line in top] == sorted(sizes.values(), reverse=True)[: len(top)]
    assert len(top) >= 10
    for folder in ("src/app", "docs", "data"):
        inside = [size for path, size in sizes.items() if path.startswith(f"tree/{folder}/")]
        assert f"tree/{folder}/ ({len(inside)} files, {sum(inside):,} bytes: " in result.text


def test_human_sizes_are_said_the_way_ls_and_du_say_them(sized):
    base, sizes = sized
    for command in (("ls", "-lhR", "tree"), ("du", "-ah", "tree")):
        result = compress(run(*command, cwd=base))
        assert result.kind == "listing", command
        as_listed = run(*command[:-1], "tree/data/big.bin", cwd=base).split()[-5 if command[0] == "ls" else 0]
        assert largest_lines(result.text)[0] == f"{as_listed}  tree/data/big.bin", command
    # du's own directory totals are the ones shown.
    for folder in ("src/app", "docs", "data"):
        total = run("du", "-sh", f"tree/{folder}", cwd=base).split()[0]
        assert f"tree/{folder}/ ({sum(p.startswith(f'tree/{folder}/') for p in sizes)} files, {total}: " in result.text


def test_du_block_counts_keep_du_numbers_and_totals(sized):
    base, sizes = sized
    result = compress(run("du", "-a", "tree", cwd=base))
    blocks = run("du", "tree/data/big.bin", cwd=base).split()[0]
    assert largest_lines(result.text)[0] == f"{blocks}  tree/data/big.bin"
    docs = int(run("du", "-s", "tree/docs", cwd=base).split()[0])
    assert f"tree/docs/ (30 files, {docs:,}K: " in result.text


def test_a_query_named_file_keeps_its_size_and_its_retrieved_line(sized):
    base, sizes = sized
    store = MemoryStore()
    text = run("find", "tree", "-printf", "%s %p\n", cwd=base)
    result = compress(text, query="file_07", store=store)
    lines = result.text.splitlines()
    named = sorted(path for path in sizes if "file_07" in path)
    assert f'{len(named)} paths match "file_07":' in lines
    for path in named:
        assert f"{sizes[path]}  {path}" in lines
    # The best retrieved items are find's own lines, size first.
    page = retrieve(result.hash, store=store, query="file_07")
    best = page.blocks[1 : 1 + len(named)]
    assert {block.split(": ", 1)[1] for block in best} == {f"{sizes[p]} {p}" for p in named}


def ls_lr_files(text: str) -> dict[str, int]:
    """Full path → size of each regular file in ``ls -lR`` output."""
    files, current = {}, ""
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith(("-", "d", "l")):
            current = line[:-1]
        elif line.startswith("-"):
            fields = line.split(None, 8)
            files[f"{current}/{fields[8]}"] = int(fields[4])
    return files


def test_recorded_ls_lar_answers_which_file_is_largest_and_how_big_one_is():
    text = (DATA / "ls_laR_usr_lib_python3.txt").read_text()
    files = ls_lr_files(text)
    biggest = max(files, key=files.get)
    store = MemoryStore()
    result = compress(text, query="cacert.pem", store=store)
    assert result.transforms == ["listing:dirs"]
    assert result.tokens_after <= 0.15 * result.tokens_before, (result.tokens_before, result.tokens_after)
    assert largest_lines(result.text)[0] == f"{files[biggest]}  {biggest}"
    for path in (p for p in files if p.endswith("/cacert.pem")):
        assert f"{files[path]}  {path}" in result.text.splitlines()
    assert f"python3/dist-packages/ ({len(files):,} files, {sum(files.values()):,} bytes: " in result.text
    # The retrievable item is ls's own line, size included.
    page = retrieve(result.hash, store=store, query="cacert.pem")
    assert any(re.fullmatch(r"line \d+ \(\S+/cacert\.pem\): -\S+ .* \d+ .* cacert\.pem", b) for b in page.blocks[1:])


@pytest.mark.parametrize("cap", [300, 600, 1500, 4000])
def test_a_cap_is_never_exceeded_and_the_largest_file_stays_named(cap):
    text = (DATA / "ls_laR_usr_lib_python3.txt").read_text()
    files = ls_lr_files(text)
    biggest = max(files, key=files.get)
    result = compress(text, query="config", max_tokens=cap)
    assert result.tokens_after <= cap and result.transforms == ["listing:dirs"]
    assert f"{files[biggest]}  {biggest}" in result.text.splitlines()


def test_recorded_du_ah_names_the_largest_file_as_du_wrote_it():
    text = (DATA / "du_ah_usr_share_perl.txt").read_text()
    pairs = [line.split("\t", 1) for line in text.splitlines()]
    paths = {path for _, path in pairs}
    dirs = {path.rsplit("/", 1)[0] for path in paths}
    files = [(size, path) for size, path in pairs if path not in dirs]
    size, path = max(files, key=lambda pair: in_bytes(pair[0]))
    result = compress(text)
    assert result.kind == "listing" and result.tokens_after <= 0.2 * result.tokens_before
    assert largest_lines(result.text)[0] == f"{size}  {path}"
    root_total = next(size for size, name in pairs if name == "perl")
    assert result.text.startswith(f"{len(files):,} files in ") and f", {root_total} (" in result.text.splitlines()[0]


@pytest.mark.parametrize(
    "name", ["mcp_list_directory_with_sizes_usr_bin.txt", "mcp_list_directory_with_sizes_usr_lib.txt"]
)
def test_recorded_list_directory_with_sizes_keeps_sizes_and_the_servers_total(name):
    text = (DATA / name).read_text()
    files = dict(
        (match[1], match[2])
        for match in re.finditer(r"^\[FILE\] (.+?) {2,}([\d.]+ [KMG]?B)$", text, re.MULTILINE)
    )
    biggest = max(files, key=lambda n: in_bytes(files[n]))
    combined = re.search(r"^Combined size: (.+)$", text, re.MULTILINE)[1]
    result = compress(text, query="python3")
    assert result.kind == "listing" and result.tokens_after <= 0.1 * result.tokens_before
    lines = result.text.splitlines()
    assert lines[0].startswith(f"{len(files):,} files in ") and f", {combined} (" in lines[0]
    assert largest_lines(result.text)[0] == f"{files[biggest]}  {biggest}"
    for file in (n for n in files if "python3" in n):
        assert f"{files[file]}  {file}" in lines


def test_sized_listings_are_detected_as_listings_among_all_kinds():
    for name in sorted(DATA.iterdir()):
        assert DEFAULT.detect(name.read_text(), Hints()) == "listing", name.name
