"""The bytes a store keeps for one original and for its retrievable items.

- An original: zlib of ``h1 <n>\\n`` + the kind's ``n`` UTF-8 bytes + the
  content's UTF-8 bytes.
- Its items: zlib of ``i2 <count>\\n`` + ``2 × count`` little-endian 64-bit
  lengths (in characters: every position, then every text) + the positions
  and then the texts, joined, in UTF-8. Stores written before ``i2`` hold
  the JSON list ``[[position, text], ...]``, which is still read.

Lone surrogates are kept with ``surrogatepass`` (they are legal in JSON
strings, hence in MCP text). Nothing here is pickled or executed: a value
that does not parse raises ``ValueError`` (or ``zlib.error``).
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate

from .contract import Item

ERRORS = "surrogatepass"
_ORIGINAL_FORMAT = b"h1"
_ITEMS_FORMAT = b"i2"
ZLIB_LEVEL = 1  # ~3x faster than 6 on big outputs, ~20% larger; packing is on the compression hot path
_CHUNK_CHARS = 1 << 20  # encode big originals piecewise: no full-size bytes copy


def pack_original(content: str, kind: str) -> bytes:
    """``content`` and the kind that compressed it, as stored."""
    kind_bytes = kind.encode("utf-8", ERRORS)
    packer = zlib.compressobj(ZLIB_LEVEL)
    parts = [packer.compress(b"%s %d\n%s" % (_ORIGINAL_FORMAT, len(kind_bytes), kind_bytes))]
    for start in range(0, len(content), _CHUNK_CHARS):
        # Cutting between two surrogates is harmless: surrogatepass encodes each on its own.
        parts.append(packer.compress(content[start : start + _CHUNK_CHARS].encode("utf-8", ERRORS)))
    parts.append(packer.flush())
    return b"".join(parts)


def unpack_original(data: bytes) -> tuple[str, str]:
    """``(content, kind)`` of a stored original; ``ValueError`` or ``zlib.error`` when ``data`` is not one."""
    raw = zlib.decompress(data)
    end = raw.find(b"\n", 0, 64)
    tag, _, length = raw[: max(end, 0)].partition(b" ")
    if end < 0 or tag != _ORIGINAL_FORMAT or not length.isdigit():
        raise ValueError("not a stored original (unknown header)")
    kind_end = end + 1 + int(length)
    if kind_end > len(raw):
        raise ValueError("not a stored original (truncated)")
    kind = raw[end + 1 : kind_end].decode("utf-8", ERRORS)
    return str(memoryview(raw)[kind_end:], "utf-8", ERRORS), kind


def pack_items(items: Sequence[Item]) -> bytes:
    """``items`` as stored: lengths, then the joined text, so no item is escaped or quoted one by one."""
    positions = [item.position for item in items]
    texts = [item.text for item in items]
    lengths = array("Q", map(len, positions))
    lengths.extend(map(len, texts))
    if sys.byteorder == "big":
        lengths.byteswap()
    body = ("".join(positions) + "".join(texts)).encode("utf-8", ERRORS)
    return zlib.compress(b"%s %d\n%s%s" % (_ITEMS_FORMAT, len(items), lengths.tobytes(), body), ZLIB_LEVEL)


def unpack_items(data: bytes) -> list[Item]:
    """The items of ``pack_items`` (or of the older JSON list); ``ValueError`` or ``zlib.error`` otherwise."""
    raw = zlib.decompress(data)
    if raw.startswith(b"["):
        return _unpack_json_items(raw)
    end = raw.find(b"\n", 0, 32)
    tag, _, count_text = raw[: max(end, 0)].partition(b" ")
    if end < 0 or tag != _ITEMS_FORMAT or not count_text.isdigit():
        raise ValueError("not a stored item list (unknown header)")
    count = int(count_text)
    lengths_end = end + 1 + 16 * count
    if lengths_end > len(raw):
        raise ValueError("not a stored item list (truncated)")
    lengths = array("Q", raw[end + 1 : lengths_end])
    if sys.byteorder == "big":
        lengths.byteswap()
    text = raw[lengths_end:].decode("utf-8", ERRORS)
    if sum(lengths) != len(text):
        raise ValueError("not a stored item list (lengths do not add up)")
    ends = list(accumulate(lengths))
    starts = [0, *ends[:-1]]
    pieces = [text[start:stop] for start, stop in zip(starts, ends)]
    return [Item(position, body) for position, body in zip(pieces[:count], pieces[count:])]


def _unpack_json_items(raw: bytes) -> list[Item]:
    pairs = json.loads(raw.decode("utf-8", ERRORS))
    if not isinstance(pairs, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in pairs
    ):
        raise ValueError("not a stored item list")
    return [Item(position, text) for position, text in pairs]
