"""Which programming language a piece of source is in, and its tree-sitter grammar, loaded on demand.

The language comes from the tool's path argument first (its extension), then
from cheap line patterns over an even sample of the content. Nothing here
imports tree-sitter at module import: the server starts without it, and the
grammars load (once, cached) the first time code is compressed.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import TYPE_CHECKING

from ...linepattern import LinePattern
from ...sampling import even_lines

if TYPE_CHECKING:
    from tree_sitter import Language, Parser

EXTENSIONS: dict[str, str] = {
    "py": "python",
    "pyi": "python",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "jsx": "javascript",
    "ts": "typescript",
    "mts": "typescript",
    "cts": "typescript",
    "tsx": "tsx",
    "go": "go",
    "rs": "rust",
    "java": "java",
    "c": "c",
    "h": "c",
}

LANGUAGES = frozenset(EXTENSIONS.values())

_SAMPLE_LINES = 200
# A language needs at least this many sampled lines that only it writes that way.
_MIN_SCORE = 3

# Lines that are typical of one language (and rare in the others), per language.
_PATTERNS: dict[str, LinePattern] = {
    "python": LinePattern(
        r"^\s*(?:async\s+)?def \w+\s*\(.*(?:\)(?:\s*->.*)?:\s*$|,\s*$|\(\s*$)|^\s*class \w+(?:\(.*\))?:\s*$"
        r"|^(?:from [\w.]+ import |import \w[\w.]*(?: as \w+)?$)|^\s*(?:elif |except\b.*:$|raise \w|with .*:$)"
        r"|\bself\.\w|^\s*@\w[\w.]*(?:\(.*\))?$|^\s*(?:return|if|while) .*\b(?:None|True|False)\b.*:?$"
    ),
    "go": LinePattern(
        r"^package \w+$|^func (?:\(\w+ \*?\w+(?:\[.*\])?\) )?\w+(?:\[.*\])?\(|\w :?= .*\berr\b|\berr != nil\b"
        r"|^import \($|^type \w+ (?:struct|interface) \{$|:= "
    ),
    "rust": LinePattern(
        r"^\s*(?:pub(?:\([\w:]+\))?\s+)?(?:async\s+|const\s+|unsafe\s+)*fn \w+|^\s*use [\w:]+::|\blet mut \b"
        r"|^\s*impl\b|^\s*#\[\w|&self\b|&mut \w|^\s*(?:pub\s+)?(?:struct|enum|trait|mod) \w+.*[{;]$|\w::\w+\("
    ),
    "java": LinePattern(
        r"^package [\w.]+;$|^import (?:static )?[\w.]+(?:\.\*)?;$|^\s*@Override\b"
        r"|^\s*(?:public|private|protected)\s+(?:static\s+|final\s+|abstract\s+|synchronized\s+)*"
        r"[\w<>\[\],.? ]+ \w+\(.*\)"
        r"(?: throws [\w., ]+)?\s*\{?$|^\s*(?:public |protected )?(?:abstract |final )?(?:class|interface|enum) \w+"
    ),
    "c": LinePattern(
        r"^#\s*(?:include\s*[<\"]|define \w|ifn?def \w|endif\b|if defined)"
        r"|^(?:static\s+|extern\s+|inline\s+|const\s+)*(?:void|int|char|unsigned|long|size_t|bool|struct \w+|\w+_t)"
        r"\s*\**\s*\w+\s*\([^)]*\)?\s*[{;]?$|\bNULL\b|->\w|^typedef\b|\bsizeof\s*\("
    ),
    "typescript": LinePattern(
        r"^\s*(?:export\s+)?(?:declare\s+)?(?:interface|type|enum|namespace) \w+"
        r"|\w\??: (?:string|number|boolean|any|unknown|void|never|Promise<|Record<|Array<|readonly )"
        r"|\): (?:string|number|boolean|void|Promise<|\w+\[\]|\w+<)|^\s*(?:private|public|protected|readonly) \w+[:;(]"
        r"|\bas (?:const|any|unknown|string)\b|^import type "
    ),
    "javascript": LinePattern(
        r"\brequire\(['\"]|\bmodule\.exports\b|^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*\w*\s*\("
        r"|^\s*(?:export\s+)?(?:const|let|var) \w+ = |=> \{?$|^import .* from ['\"]|===|!==|\bconsole\.\w+\("
        r"|^\s*(?:it|test|describe|expect)\(|^export (?:\*|\{|default\b)|\bthis\.\w"
    ),
}


_JSX = re.compile(r"^\s*</?[A-Za-z][\w.]*(?:\s+[\w-]+=|\s*/?>)")


def language_from_path(path: str | None) -> str | None:
    """The language of a file path by its extension (``src/app.tsx`` → ``tsx``), or None."""
    if not path:
        return None
    name = re.split(r"[/\\]", path.strip().split("?", 1)[0].split("#", 1)[0])[-1]
    _, dot, extension = name.rpartition(".")
    return EXTENSIONS.get(extension.lower()) if dot else None


def scores(lines: list[str]) -> dict[str, int]:
    """How many of ``lines`` look typical of each language."""
    return {name: sum(1 for line in lines if pattern.search(line)) for name, pattern in _PATTERNS.items()}


def language_from_content(content: str) -> str | None:
    """The most likely language of ``content`` from an even sample of its lines, or None when unclear.

    TypeScript is a superset of JavaScript: code with both kinds of line reads
    as TypeScript when its own typed lines are common enough.
    """
    lines = [line[:400] for line in even_lines(content, _SAMPLE_LINES) if line.strip()]
    found = scores(lines)
    if found["typescript"] >= _MIN_SCORE and found["javascript"] + found["typescript"] >= found["python"]:
        found["typescript"] += found["javascript"]
    best = max(found, key=lambda name: (found[name], name == "python"))
    if found[best] < _MIN_SCORE:
        return None
    if best == "typescript" and any(_JSX.match(line) for line in lines):
        return "tsx"  # the TypeScript grammar cannot read JSX; the TSX one reads both
    return best


def pick_language(content: str, path: str | None) -> str | None:
    """The path decides when it names a known extension; otherwise the content does."""
    return language_from_path(path) or language_from_content(content)


@cache
def grammar(name: str) -> Language | None:
    """The tree-sitter Language for ``name``, imported on first use; None when no grammar is installed."""
    if name not in LANGUAGES:
        return None
    try:
        from tree_sitter import Language
    except ImportError:
        return None
    try:
        if name in ("typescript", "tsx"):
            import tree_sitter_typescript as module

            raw = module.language_tsx() if name == "tsx" else module.language_typescript()
        else:
            raw = importlib.import_module(f"tree_sitter_{name}").language()
    except (ImportError, AttributeError):
        return None
    return Language(raw)


def parser(name: str) -> Parser | None:
    """A fresh parser for ``name`` (parsers are not shared between threads), or None."""
    language = grammar(name)
    if language is None:
        return None
    from tree_sitter import Parser

    return Parser(language)
