"""Where the big collections of a JSON document are: arrays of records or scalars, and objects used as maps.

A map is an object whose many keys are data rather than field names
(``{"1.0.0": "2012-10-01T…", …}``, one entry per release): it is a collection
like an array, its keys the positions of its entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any

from . import render

MIN_ROWS = 8
MIN_SCALARS = 100  # short lists of scalars (tags, files) read better in place
MIN_MAP_KEYS = 100  # objects with fewer keys are records, however long their values
MAX_DEPTH = 64
_SCALAR_TYPES = (str, int, float, bool, type(None))


@dataclass(slots=True)
class Collection:
    """A big array or map: where it is, its rows (a map's values), each row's text (computed once).

    ``keys`` are a map's keys in document order (None for an array); a map
    row's text is the one-entry object ``{"key":value}``, so a retrieval by
    key finds it.
    """

    path: str
    source: list[Any] | dict[str, Any]
    rows: list[Any]
    texts: list[str]
    keys: list[str] | None = None
    chars: int = field(init=False)  # the rows' texts, one character between each two and around them

    def __post_init__(self) -> None:
        self.chars = sum(map(len, self.texts)) + len(self.texts) + 1

    def position(self, index: int) -> str:
        """Where row ``index`` is in the document: ``$.items[523]`` or ``$.time["1.0.0"]``."""
        if self.keys is None:
            return f"{self.path}[{index}]"
        return child_path(self.path, self.keys[index])

    @property
    def scalars(self) -> bool:
        """True when no row is an object or a list (a list of versions, a map of dates)."""
        return not any(issubclass(kind, (dict, list)) for kind in set(map(type, self.rows)))


def child_path(path: str, key: str | int) -> str:
    """The path of ``key`` inside the value at ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    # encode_basestring_ascii is what json.dumps does with a string, without its argument handling.
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{encode_basestring_ascii(key)}]"


def child_paths(path: str, keys: list[str]) -> list[str]:
    """``child_path`` of each key of an object, at once."""
    return [f"{path}.{key}" if key.isidentifier() else f"{path}[{encode_basestring_ascii(key)}]" for key in keys]


def find_collections(doc: Any, min_chars: int, surrogates: bool) -> list[Collection]:
    """The big arrays and maps in the document, outermost only, in document order."""
    found: list[Collection] = []
    stack: list[tuple[str, Any, int]] = [("$", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        collection = _as_collection(path, value, surrogates)
        if collection is not None and collection.chars >= min_chars:
            found.append(collection)
            continue
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, dict):
            children = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        for key, child in reversed(children):
            if isinstance(child, (dict, list)):
                stack.append((child_path(path, key), child, depth + 1))
    return found


def _as_collection(path: str, value: Any, surrogates: bool) -> Collection | None:
    if isinstance(value, list) and len(value) >= MIN_ROWS and _row_like(value):
        return Collection(path, value, value, render.dumps_each(value, surrogates))
    if isinstance(value, dict) and len(value) >= MIN_MAP_KEYS and _map_like(list(value.values())):
        keys, rows = list(value), list(value.values())
        # The text of the one-entry object {key: row}, from the key's and the row's.
        pairs = zip(render.dumps_each(keys, surrogates), render.dumps_each(rows, surrogates), strict=True)
        texts = [f"{{{key}:{row}}}" for key, row in pairs]
        return Collection(path, value, rows, texts, keys)
    return None


def _row_like(values: list[Any]) -> bool:
    if set(map(type, values)) == {dict}:
        return True
    kinds = Counter(map(type, values))  # counted by type: far fewer checks than values
    records = sum(count for kind, count in kinds.items() if issubclass(kind, dict))
    if records >= len(values) * 0.5 or all(issubclass(kind, list) for kind in kinds):
        return True
    return len(values) >= MIN_SCALARS and not any(issubclass(kind, (dict, list)) for kind in kinds)


def _map_like(values: list[Any]) -> bool:
    """Values of one shape: scalars (dates, counts), or mostly objects (one record per key)."""
    kinds = Counter(map(type, values))
    if all(issubclass(kind, _SCALAR_TYPES) for kind in kinds):
        return True
    return sum(count for kind, count in kinds.items() if issubclass(kind, dict)) >= len(values) * 0.9


def skeleton(doc: Any, collections: list[Collection], depth: int = 0) -> Any:
    """The document with each big collection replaced by a pointer to where its rows are shown."""
    for collection in collections:
        if doc is collection.source:
            return _pointer(collection)
    if depth > MAX_DEPTH:
        return doc
    if isinstance(doc, dict):
        return {k: skeleton(v, collections, depth + 1) for k, v in doc.items()}
    if isinstance(doc, list):
        return [skeleton(v, collections, depth + 1) for v in doc]
    return doc


def _pointer(collection: Collection) -> str:
    noun = "records" if collection.keys is None else "entries"
    return f"<{len(collection.rows)} {noun}: {collection.path} below>"


def minified_text(doc: Any, collections: list[Collection], rest_text: str, surrogates: bool) -> str:
    """``render.dumps(doc)``, the collections' rows joined from their texts rather than written again.

    ``rest_text`` is the skeleton written: each collection's text goes where its pointer is, when
    the pointer is written there once and nowhere else (a string of the document could equal it).
    """
    if not collections:
        return render.dumps(doc, surrogates)
    if collections[0].source is doc:
        return _text_of(collections[0])
    spots = []
    for collection in collections:
        pointer = render.dumps(_pointer(collection), surrogates)
        if rest_text.count(pointer) != 1:
            return render.dumps(doc, surrogates)
        spots.append((rest_text.index(pointer), len(pointer), collection))
    parts, done = [], 0
    for start, length, collection in sorted(spots, key=lambda spot: spot[0]):
        parts += [rest_text[done:start], _text_of(collection)]
        done = start + length
    parts.append(rest_text[done:])
    return "".join(parts)


def _text_of(collection: Collection) -> str:
    """The collection minified, from its rows' texts."""
    if collection.keys is None:
        return f"[{','.join(collection.texts)}]"
    # Each entry's text is the one-entry object '{"key":value}'.
    return "{" + ",".join([entry[1:-1] for entry in collection.texts]) + "}"


def strings_in(doc: Any, limit: int = 2000) -> frozenset[str]:
    """Short string values of ``doc`` (a skeleton): keys of a map they name are worth showing.

    ``dist-tags.latest`` names the entry of the ``time`` map a reader asks for first.
    """
    found: set[str] = set()
    stack = [doc]
    while stack and len(found) < limit:
        value = stack.pop()
        if isinstance(value, str):
            if 0 < len(value) <= 100:
                found.add(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return frozenset(found)
