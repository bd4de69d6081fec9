"""Which detector recognises a content kind and which compressor handles it.

Adding a content kind is one folder in ``kinds/`` (its detector, its
compressor and their helpers) and one line in ``ROUTES``. Modules load on
first use, so heavy compressors (tree-sitter, onnxruntime) cost nothing until
content needs them. Tests build a :class:`Router` with their own detector and
compressor objects instead of patching.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .contract import Compressor, Detector, Hints

UNKNOWN_KIND = "text"


@dataclass(frozen=True, slots=True)
class Route:
    """A content kind with its detector and compressor: objects, or ``module:Class`` relative to the pipeline."""

    kind: str
    detector: str | Detector
    compressor: str | Compressor


# Most specific first: the first detector that matches decides the kind.
ROUTES: tuple[Route, ...] = (
    Route("json", "kinds.json.detect:JsonDetector", "kinds.json.compress:JsonCompressor"),
    Route("gitlog", "kinds.gitlog.detect:GitLogDetector", "kinds.gitlog.compress:GitLogCompressor"),
    Route("diff", "kinds.diff.detect:DiffDetector", "kinds.diff.compress:DiffCompressor"),
    Route("search", "kinds.search.detect:SearchDetector", "kinds.search.compress:SearchCompressor"),
    Route("listing", "kinds.listing.detect:ListingDetector", "kinds.listing.compress:ListingCompressor"),
    Route("log", "kinds.log.detect:LogDetector", "kinds.log.compress:LogCompressor"),
    Route("code", "kinds.code.detect:CodeDetector", "kinds.code.compress:CodeCompressor"),
    Route("prose", "kinds.prose.detect:ProseDetector", "kinds.prose.compress:ProseCompressor"),
)


@cache
def _load(spec: str) -> object:
    module_name, _, class_name = spec.partition(":")
    module = importlib.import_module(f".{module_name}", __package__)
    return getattr(module, class_name)()


def _resolve(part: str | object) -> object:
    return _load(part) if isinstance(part, str) else part


class Router:
    """Detects the kind of content and hands out the compressor for it."""

    def __init__(self, routes: Sequence[Route] = ROUTES):
        self._routes = tuple(routes)
        self._by_kind = {route.kind: route for route in self._routes}

    def kinds(self) -> list[str]:
        """The content kinds that have a compressor."""
        return list(self._by_kind)

    def compressor(self, kind: str) -> Compressor | None:
        """The compressor of ``kind``, or None when the kind has none (it passes through)."""
        route = self._by_kind.get(kind)
        return _resolve(route.compressor) if route else None  # type: ignore[return-value]

    def detect(self, content: str, hints: Hints) -> str:
        """The kind of ``content``: forced by ``hints.kind``, else the first detector that matches."""
        if hints.kind:
            return hints.kind
        for route in self._routes:
            detector: Detector = _resolve(route.detector)  # type: ignore[assignment]
            if detector.matches(content, hints):
                return route.kind
        return UNKNOWN_KIND


DEFAULT = Router()


def kinds() -> list[str]:
    """The content kinds the default router can compress."""
    return DEFAULT.kinds()
