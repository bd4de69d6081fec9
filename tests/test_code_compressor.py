"""Source code: outlines of real files with every signature visible, bodies elided, the query's definition whole.

The Python module is pydantic's ``main.py`` (installed here as a dependency)
and the TypeScript file is zod's ``v3/types.ts`` from the test upstreams'
``node_modules``. What must survive is collected independently of the
compressor: with Python's ``ast`` for Python, with plain regular expressions
for the other languages. Go, Rust, Java and C sources are written here from
realistic pieces; numpy's ``fortranobject.c`` (numpy is a dependency) and, when
a JDK ships its sources, ``java/util/ArrayList.java`` are real files.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy
import pydantic
import pytest
from headroom_mcp.pipeline.compress import CompressionResult, compress_content
from headroom_mcp.pipeline.contract import Context, Hints
from headroom_mcp.pipeline.kinds.code import compress as code_compress
from headroom_mcp.pipeline.kinds.code.cmacros import blank_annotations
from headroom_mcp.pipeline.kinds.code.compress import CodeCompressor
from headroom_mcp.pipeline.kinds.code.counting import Tally
from headroom_mcp.pipeline.kinds.code.detect import CodeDetector
from headroom_mcp.pipeline.kinds.code.languages import (
    language_from_content,
    language_from_path,
    parser,
)
from headroom_mcp.pipeline.kinds.code.text import Source
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens, floor_tokens

ROOT = Path(__file__).resolve().parent.parent
PYDANTIC_MAIN = Path(pydantic.__file__).parent / "main.py"
ZOD_TYPES = ROOT / "tests" / "upstreams" / "node_modules" / "zod" / "src" / "v3" / "types.ts"
NUMPY_C = Path(numpy.__file__).parent / "f2py" / "src" / "fortranobject.c"
JDK_SOURCES = sorted(Path("/usr/lib/jvm").glob("*/lib/src.zip")) if Path("/usr/lib/jvm").is_dir() else []
ROUTES = Router([Route("code", CodeDetector(), CodeCompressor())])
NOTE_RE = re.compile(r"\[lines? \d+(?:–\d+)? elided\]")
SPAN_RE = re.compile(r"^lines (\d+)–(\d+) ")
ENTITIES = ["Order", "Invoice", "Customer", "Shipment"]


def run(text: str, path: str | None, query: str | None = None, store: MemoryStore | None = None, **kw):
    """The whole pipeline (detection included) with only the code route, and the store it wrote to."""
    store = store if store is not None else MemoryStore()
    result = compress_content(text, store=store, query=query, hints=Hints(path=path), routes=ROUTES, **kw)
    return result, store


def saved(result: CompressionResult, original: str) -> float:
    """Share of the original's o200k tokens the pipeline's output (marker included) saves."""
    return 1 - count_tokens(result.text) / count_tokens(original)


def compressed(text: str, path: str | None, query: str | None = None, **kw) -> tuple[CompressionResult, MemoryStore]:
    """Like :func:`run`, asserting the content was detected as code and compressed."""
    result, store = run(text, path, query, **kw)
    assert result.compressed, result.diagnostics
    assert result.kind == "code"
    return result, store


def visible(head: str, output_lines: list[str]) -> bool:
    """True when some output line starts with ``head`` (a signature may end in an elision note)."""
    return any(line.startswith(head) for line in output_lines)


# -- Python ---------------------------------------------------------------------------------------


def python_signatures(source: str) -> list[str]:
    """Signature lines of every top-level function and class, and of the public methods of top-level classes."""
    lines = source.split("\n")
    tree = ast.parse(source)
    wanted: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            wanted.append(node)
        if isinstance(node, ast.ClassDef):
            wanted.extend(
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and not (item.name.startswith("_") and not item.name.endswith("__"))
            )
    signature_lines = []
    for node in wanted:
        first = node.lineno - 1  # type: ignore[attr-defined]
        # The signature ends at the first line where the header parses on its own.
        for last in range(first, node.body[0].lineno):  # type: ignore[attr-defined]
            header = textwrap.dedent("\n".join(lines[first : last + 1]))
            try:
                ast.parse(header + "\n    pass")
            except SyntaxError:
                continue
            break
        signature_lines.extend(lines[first : last + 1])
    return signature_lines


def python_function(source: str, name: str) -> tuple[int, int, str]:
    """First and last line (1-based, decorators included) and the exact text of method or function ``name``."""
    lines = source.split("\n")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return start, node.end_lineno or start, "\n".join(lines[start - 1 : node.end_lineno])
    raise LookupError(name)


def test_python_module_outline_keeps_every_signature_and_saves_half():
    source = PYDANTIC_MAIN.read_text()
    assert source.count("\n") >= 1000
    result, _ = compressed(source, str(PYDANTIC_MAIN))
    out = result.text.split("\n")
    assert saved(result, source) >= 0.5
    missing = [line for line in python_signatures(source) if line not in out]
    assert not missing, missing[:5]
    assert len(NOTE_RE.findall(result.text)) >= 40
    assert result.transforms == ["code:outline"]
    # No half constructs: the outline (without the closing marker) is itself valid Python.
    ast.parse("\n".join(out[:-1]))
    # The marker states what was done, in counts.
    assert re.search(r"\d[\d,]* lines of python → outline: .*\d+ methods.*; [\d,]+ lines elided", out[-1])


def test_python_query_keeps_the_named_function_whole_and_retrieval_returns_it():
    source = PYDANTIC_MAIN.read_text()
    start, end, text = python_function(source, "model_copy")
    plain, _ = compressed(source, str(PYDANTIC_MAIN))
    assert end - start >= 20 and text not in plain.text
    result, store = compressed(source, str(PYDANTIC_MAIN), query="model_copy")
    assert text in result.text
    assert saved(result, source) >= 0.5
    found = retrieve(result.hash, store=store, query="model_copy")
    blocks = [block for block in found.blocks[1:] if text in block]
    assert blocks, found.blocks[0]
    first, last = map(int, SPAN_RE.match(blocks[0]).groups())
    assert first <= start and last == end


# -- TypeScript -----------------------------------------------------------------------------------

TS_SIGNATURE_RE = re.compile(
    r"^(?:export (?:async )?function|export (?:abstract )?class|export interface|export type|function |class ).*"
)


def ts_function(source: str, name: str) -> tuple[int, int, str]:
    """Line range and text of a top-level ``function name`` (up to its closing brace at column 0)."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if re.match(rf"^(?:export )?function {name}\b", line))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return start + 1, end + 1, "\n".join(lines[start : end + 1])


@pytest.fixture(scope="module")
def zod_types() -> str:
    assert ZOD_TYPES.exists(), "scripts/setup installs the test upstreams (npm ci in tests/upstreams)"
    return ZOD_TYPES.read_text()


def test_typescript_file_outline_keeps_every_signature_and_saves_half(zod_types):
    assert zod_types.count("\n") >= 1000
    result, _ = compressed(zod_types, str(ZOD_TYPES))
    out = result.text.split("\n")
    assert saved(result, zod_types) >= 0.5
    heads = [line.split("{")[0].rstrip() for line in zod_types.split("\n") if TS_SIGNATURE_RE.match(line)]
    assert len(heads) >= 50
    missing = [head for head in heads if not visible(head, out)]
    assert not missing, missing[:5]
    assert "lines of typescript → outline" in out[-1]


def test_typescript_query_keeps_the_named_function_whole(zod_types):
    name = "mergeValues"
    start, end, text = ts_function(zod_types, name)
    plain, _ = compressed(zod_types, str(ZOD_TYPES))
    assert end - start >= 10 and text not in plain.text
    result, store = compressed(zod_types, str(ZOD_TYPES), query=name)
    assert text in result.text
    found = retrieve(result.hash, store=store, query=name)
    block = next(block for block in found.blocks[1:] if text in block)
    first, last = map(int, SPAN_RE.match(block).groups())
    assert first <= start and last == end


# -- Go, Rust, Java, C ---------------------------------------------------------------------------


def go_source() -> str:
    parts = [
        """// Package store keeps orders, invoices, customers and shipments in memory.
package store

import (
\t"errors"
\t"fmt"
\t"sort"
\t"sync"
\t"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

const defaultPageSize = 50
"""
    ]
    for name in ENTITIES:
        low = name.lower()
        parts.append(
            f"""
// {name} is one {low} as the API sees it.
type {name} struct {{
\tID        string
\tOwner     string
\tAmount    int64
\tCreatedAt time.Time
}}

// {name}Store guards the {low}s with a mutex.
type {name}Store struct {{
\tmu    sync.RWMutex
\titems map[string]*{name}
}}

// New{name}Store returns an empty store.
func New{name}Store() *{name}Store {{
\treturn &{name}Store{{items: make(map[string]*{name})}}
}}

// Put stores a {low}, replacing any with the same ID.
func (s *{name}Store) Put(item *{name}) error {{
\tif item == nil || item.ID == "" {{
\t\treturn fmt.Errorf("store: {low} needs an id")
\t}}
\ts.mu.Lock()
\tdefer s.mu.Unlock()
\tif item.CreatedAt.IsZero() {{
\t\titem.CreatedAt = time.Now().UTC()
\t}}
\ts.items[item.ID] = item
\treturn nil
}}

// Get returns the {low} with the given ID.
func (s *{name}Store) Get(id string) (*{name}, error) {{
\ts.mu.RLock()
\tdefer s.mu.RUnlock()
\titem, ok := s.items[id]
\tif !ok {{
\t\treturn nil, fmt.Errorf("{low} %q: %w", id, ErrNotFound)
\t}}
\tcopied := *item
\treturn &copied, nil
}}

// Page lists the {low}s of one owner, newest first, a page at a time.
func (s *{name}Store) Page(owner string, offset, limit int) []*{name} {{
\tif limit <= 0 {{
\t\tlimit = defaultPageSize
\t}}
\ts.mu.RLock()
\tdefer s.mu.RUnlock()
\tvar found []*{name}
\tfor _, item := range s.items {{
\t\tif item.Owner == owner {{
\t\t\tfound = append(found, item)
\t\t}}
\t}}
\tsort.Slice(found, func(i, j int) bool {{
\t\treturn found[i].CreatedAt.After(found[j].CreatedAt)
\t}})
\tif offset >= len(found) {{
\t\treturn nil
\t}}
\tend := offset + limit
\tif end > len(found) {{
\t\tend = len(found)
\t}}
\treturn found[offset:end]
}}
"""
        )
    return "".join(parts)


def rust_source() -> str:
    parts = [
        """//! Ledgers of orders, invoices, customers and shipments, with running totals.
use std::collections::BTreeMap;
use std::fmt;

/// Errors a ledger reports.
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerError {
    Missing(String),
    Duplicate(String),
    Overflow { id: String, amount: i64 },
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Missing(id) => write!(f, "missing entry {id}"),
            LedgerError::Duplicate(id) => write!(f, "duplicate entry {id}"),
            LedgerError::Overflow { id, amount } => write!(f, "{id}: {amount} overflows"),
        }
    }
}

pub const MAX_ENTRIES: usize = 10_000;
"""
    ]
    for name in ENTITIES:
        low = name.lower()
        parts.append(
            f"""
/// One {low} line in a ledger.
#[derive(Debug, Clone)]
pub struct {name}Entry {{
    pub id: String,
    pub owner: String,
    pub amount: i64,
}}

/// A ledger of {low}s keyed by id.
#[derive(Debug, Default)]
pub struct {name}Ledger {{
    entries: BTreeMap<String, {name}Entry>,
    total: i64,
}}

impl {name}Ledger {{
    /// An empty ledger.
    pub fn new() -> Self {{
        Self {{ entries: BTreeMap::new(), total: 0 }}
    }}

    /// Adds an entry, refusing duplicates and totals that overflow.
    pub fn insert(&mut self, entry: {name}Entry) -> Result<(), LedgerError> {{
        if self.entries.contains_key(&entry.id) {{
            return Err(LedgerError::Duplicate(entry.id));
        }}
        if self.entries.len() >= MAX_ENTRIES {{
            return Err(LedgerError::Overflow {{ id: entry.id, amount: entry.amount }});
        }}
        self.total = self
            .total
            .checked_add(entry.amount)
            .ok_or_else(|| LedgerError::Overflow {{ id: entry.id.clone(), amount: entry.amount }})?;
        self.entries.insert(entry.id.clone(), entry);
        Ok(())
    }}

    /// The entries of one owner, in id order.
    pub fn by_owner<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = &'a {name}Entry> + 'a {{
        self.entries
            .values()
            .filter(move |entry| entry.owner == owner)
            .filter(|entry| entry.amount != 0)
    }}

    fn recompute(&mut self) -> i64 {{
        let mut total = 0i64;
        for entry in self.entries.values() {{
            total = total.saturating_add(entry.amount);
        }}
        self.total = total;
        total
    }}
}}
"""
        )
    return "".join(parts)


def java_source() -> str:
    parts = [
        """package com.example.billing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Billing services for orders, invoices, customers and shipments.
 * Every service keeps its records in memory.
 */
public final class Billing {
    public static final BigDecimal TAX_RATE = new BigDecimal("0.20");

    private Billing() {
    }
"""
    ]
    for name in ENTITIES:
        parts.append(
            f"""
    /** Keeps {name.lower()} records and computes their totals. */
    public static class {name}Service {{
        private final Map<String, BigDecimal> amounts = new ConcurrentHashMap<>();
        private final List<String> audit = new ArrayList<>();

        /** Records an amount, replacing any earlier one. */
        public void record(String id, BigDecimal amount) {{
            Objects.requireNonNull(id, "id");
            if (amount.signum() < 0) {{
                throw new IllegalArgumentException("negative amount for " + id);
            }}
            amounts.put(id, amount);
            audit.add("record " + id);
        }}

        /** The amount with tax for one record. */
        public BigDecimal totalWithTax(String id) {{
            BigDecimal amount = amounts.get(id);
            if (amount == null) {{
                throw new IllegalStateException("no {name.lower()} " + id);
            }}
            BigDecimal tax = amount.multiply(TAX_RATE);
            audit.add("total " + id);
            return amount.add(tax);
        }}

        /** The sum over every record. */
        public BigDecimal grandTotal() {{
            BigDecimal sum = BigDecimal.ZERO;
            for (BigDecimal amount : amounts.values()) {{
                sum = sum.add(amount);
            }}
            audit.add("grand total");
            return sum;
        }}

        /** Forgets a record; returns whether there was one. */
        public boolean remove(String id) {{
            BigDecimal removed = amounts.remove(id);
            if (removed == null) {{
                return false;
            }}
            audit.add("remove " + id);
            return true;
        }}

        protected List<String> auditTrail() {{
            return List.copyOf(audit);
        }}
    }}
"""
        )
    parts.append("}\n")
    return "".join(parts)


def c_source() -> str:
    parts = [
        """/* A small string-keyed hash table for orders, invoices, customers and shipments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SIZE 256

typedef struct entry {
    char *key;
    long amount;
    struct entry *next;
} entry_t;

static uint32_t hash_key(const char *key)
{
    uint32_t hash = 2166136261u;
    while (*key) {
        hash ^= (unsigned char)*key++;
        hash *= 16777619u;
    }
    return hash % TABLE_SIZE;
}
"""
    ]
    for name in ENTITIES:
        low = name.lower()
        parts.append(
            f"""
static entry_t *{low}_table[TABLE_SIZE];

/* Stores the amount of a {low}; returns 0 on success, -1 when out of memory. */
int {low}_put(const char *key, long amount)
{{
    uint32_t slot = hash_key(key);
    entry_t *item = {low}_table[slot];
    while (item != NULL) {{
        if (strcmp(item->key, key) == 0) {{
            item->amount = amount;
            return 0;
        }}
        item = item->next;
    }}
    item = malloc(sizeof(*item));
    if (item == NULL) {{
        return -1;
    }}
    item->key = strdup(key);
    item->amount = amount;
    item->next = {low}_table[slot];
    {low}_table[slot] = item;
    return 0;
}}

/* The amount of a {low}, or -1 when there is none. */
long {low}_get(const char *key) {{
    entry_t *item = {low}_table[hash_key(key)];
    for (; item != NULL; item = item->next) {{
        if (strcmp(item->key, key) == 0) {{
            return item->amount;
        }}
    }}
    return -1;
}}

/* Frees every {low}. */
void {low}_clear(void)
{{
    for (int slot = 0; slot < TABLE_SIZE; slot++) {{
        entry_t *item = {low}_table[slot];
        while (item != NULL) {{
            entry_t *next = item->next;
            free(item->key);
            free(item);
            item = next;
        }}
        {low}_table[slot] = NULL;
    }}
}}
"""
        )
    return "".join(parts)


SIGNATURES = {
    "go": re.compile(r"^func .*\{$"),
    "rs": re.compile(r"^\s*(?:pub )?fn .*\{$|^impl.*\{$|^pub (?:struct|enum) .*\{$"),
    "java": re.compile(r"^\s*(?:public|protected) (?:static )?(?:final )?(?:class )?[\w<>]+(?: \w+)?\(?.*\{$"),
    "c": re.compile(r"^(?:static )?[a-z_]+[\w ]*\*?\w+\([^;]*\)(?: \{)?$|^typedef struct"),
}
SOURCES = {"go": go_source, "rs": rust_source, "java": java_source, "c": c_source}
# A line from the middle of a long body in each source.
BODY_LINES = {
    "go": "\treturn found[offset:end]",
    "rs": "        self.entries.insert(entry.id.clone(), entry);",
    "java": "            return amount.add(tax);",
    "c": "    item->key = strdup(key);",
}


@pytest.mark.parametrize("extension", ["go", "rs", "java", "c"])
def test_other_languages_keep_signatures_and_elide_bodies(extension):
    source = SOURCES[extension]()
    assert source.count("\n") >= 200
    result, _ = compressed(source, f"src/billing.{extension}")
    out = result.text.split("\n")
    heads = [line.split("{")[0].rstrip() for line in source.split("\n") if SIGNATURES[extension].match(line)]
    assert len(heads) >= 12
    missing = [head for head in heads if not visible(head, out)]
    assert not missing, missing[:5]
    # Long bodies are gone: their lines are not in the outline, notes with their line numbers are.
    assert BODY_LINES[extension] in source.split("\n") and BODY_LINES[extension] not in out
    assert len(NOTE_RE.findall(result.text)) >= 8
    assert saved(result, source) > 0.3


def test_real_c_file_from_numpy_keeps_function_signatures():
    source = NUMPY_C.read_text()
    result, _ = compressed(source, str(NUMPY_C))
    out = result.text.split("\n")
    # Function definitions: a line at the margin ending in ')' followed by a line that is only '{'.
    lines = source.split("\n")
    heads = [lines[i] for i in range(len(lines) - 1) if lines[i + 1] == "{" and re.match(r"^[A-Za-z_].*\)$", lines[i])]
    assert len(heads) >= 20
    missing = [head for head in heads if head not in out]
    assert not missing, missing[:5]
    assert saved(result, source) > 0.5


def test_real_java_file_from_the_jdk_keeps_public_signatures():
    assert JDK_SOURCES, "the JDK's src.zip (with the machine's OpenJDK) is where this real Java file comes from"
    with zipfile.ZipFile(JDK_SOURCES[-1]) as archive:
        source = archive.read("java.base/java/util/ArrayList.java").decode()
    result, _ = compressed(source, "java/util/ArrayList.java")
    out = result.text.split("\n")
    heads = [
        line.split("{")[0].rstrip()
        for line in source.split("\n")
        if re.match(r"^    public [^=;]*\([^;]*\)\s*\{$", line)
    ]
    assert len(heads) >= 30
    missing = [head for head in heads if not visible(head, out)]
    assert not missing, missing[:5]
    assert saved(result, source) > 0.5


# -- language choice, broken files, small files -------------------------------------------------------

JS_SOURCE = "\n".join(
    f"""const {name.lower()}s = require("./{name.lower()}s");

function load{name}(id, options) {{
  const found = {name.lower()}s.find((item) => item.id === id);
  if (!found) {{
    throw new Error("no {name.lower()} " + id);
  }}
  console.log("loaded", id, options);
  return Object.assign({{}}, found, options);
}}

module.exports.load{name} = load{name};
"""
    for name in ENTITIES * 3
)


def test_language_comes_from_the_path_first_then_from_the_content():
    assert language_from_path("src/app.ts") == "typescript"
    assert language_from_path("C:\\src\\view.TSX") == "tsx"
    assert language_from_path("README.md") is None
    assert language_from_content(JS_SOURCE) == "javascript"
    assert language_from_content(PYDANTIC_MAIN.read_text()) == "python"
    as_typescript, _ = compressed(JS_SOURCE, "lib/orders.ts")
    assert "lines of typescript → outline" in as_typescript.text.split("\n")[-1]
    by_content, _ = compressed(JS_SOURCE, None)
    assert "lines of javascript → outline" in by_content.text.split("\n")[-1]
    assert "function loadOrder(id, options) { /* [lines 4–9 elided] */ }" in by_content.text


def test_a_module_cut_in_the_middle_of_functions_gets_the_line_outline():
    source = PYDANTIC_MAIN.read_text()
    lines = source.split("\n")
    start, _, _ = python_function(source, "model_dump")
    resume, end, _ = python_function(source, "__get_pydantic_core_schema__")
    # Cut inside model_dump's parameter list and resume inside a later method's body.
    broken = "\n".join(lines[: start + 3] + lines[resume + 4 :])
    result, store = compressed(broken, "pydantic/main.py")
    assert result.transforms == ["code:lines"]
    assert "does not parse cleanly" in result.text.split("\n")[-1]
    original = set(broken.split("\n"))
    for line in result.text.split("\n")[:-1]:
        assert line in original or re.fullmatch(r"\s*\[… lines \d+–\d+\]", line), line
    signature = "    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:"
    assert signature in result.text.split("\n")
    assert saved(result, broken) > 0.5
    found = retrieve(result.hash, store=store, query="model_validate_json")
    assert found.matches


def test_a_file_of_signatures_only_is_not_compressed():
    stub = "\n".join(f"def handler_{i}(request: Request, *, timeout: float = 1.0) -> Response: ..." for i in range(80))
    ctx = Context(key="0" * 16, budget_tokens=100, count_tokens=count_tokens, hints=Hints(path="stubs.pyi"))
    assert CodeCompressor().compress(stub, ctx) is None
    result, _ = run(stub, "stubs.pyi")
    assert not result.compressed and result.text == stub


def test_outline_is_deterministic_and_a_tight_budget_keeps_top_level_signatures():
    source = java_source()
    first, _ = compressed(source, "Billing.java", max_tokens=450)
    second, _ = compressed(source, "Billing.java", max_tokens=450)
    assert first.text == second.text
    assert count_tokens(first.text) <= 450
    for name in ENTITIES:
        assert f"    public static class {name}Service {{" in first.text
    # Nested members were dropped for the budget and the note says how many and which.
    assert re.search(r"// \[\d+ members elided, lines \d+–\d+: record, totalWithTax", first.text)
    # Under a cap even the barest outline exceeds, the class lines still stay, and the cap holds.
    tight, _ = compressed(source, "Billing.java", max_tokens=200)
    assert count_tokens(tight.text) <= 200
    for name in ENTITIES:
        assert f"    public static class {name}Service {{" in tight.text


# -- detection ------------------------------------------------------------------------------------


def _outputs(tmp_path: Path) -> dict[str, str]:
    """Real outputs of grep, diff and pytest over real files, plus JSON and a README's prose."""
    package = PYDANTIC_MAIN.parent
    grep = subprocess.run(["grep", "-rn", "def ", str(package)], capture_output=True, text=True, check=False).stdout
    old, new = tmp_path / "old.py", tmp_path / "new.py"
    source = PYDANTIC_MAIN.read_text()
    old.write_text(source)
    new.write_text(source.replace("return ", "return  ").replace("    def ", "    def renamed_", 20))
    diff = subprocess.run(["diff", "-u", str(old), str(new)], capture_output=True, text=True, check=False).stdout
    test_file = tmp_path / "test_failing.py"
    test_file.write_text(
        "import pytest\n\n\ndef div(a, b):\n    return a / b\n\n\n"
        "@pytest.mark.parametrize('n', range(120))\ndef test_many(n):\n    assert n >= 0\n\n\n"
        "def test_div():\n    assert div(1, 0) == 1\n\n\nclass TestShape:\n    def test_keys(self):\n"
        "        data = {'a': 1}\n        assert data['b'] == 1\n"
    )
    pytest_log = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    ).stdout
    records = json.dumps([{"id": i, "def": f"handler_{i}", "code": "return x;"} for i in range(300)], indent=2)
    prose = "\n\n".join(
        f"## Step {i}\n\nThe compressor keeps every signature of the module and elides the bodies, "
        f"so the agent sees the shape of the code without reading it all.\n\n"
        f"```python\ndef step_{i}(value: int) -> int:\n    return value + {i}\n```\n\n"
        f"- see [the docs](https://example.com/{i})"
        for i in range(40)
    )
    return {"grep": grep, "diff": diff, "pytest": pytest_log, "json": records, "markdown": prose}


def test_detector_says_yes_to_code_and_no_to_other_tool_output(tmp_path):
    detector = CodeDetector()
    sources = [PYDANTIC_MAIN.read_text(), NUMPY_C.read_text(), go_source(), rust_source(), java_source(), c_source()]
    sources += [JS_SOURCE] + ([ZOD_TYPES.read_text()] if ZOD_TYPES.exists() else [])
    for text in sources:
        assert detector.matches(text, Hints()), text[:80]
    assert detector.matches("not even code", Hints(path="src/x.py"))
    for kind, text in _outputs(tmp_path).items():
        assert text.count("\n") > 50, kind
        assert not detector.matches(text, Hints()), kind


# -- lazy loading ---------------------------------------------------------------------------------

LAZY_CHECK = """
import sys
import headroom_mcp.server
import headroom_mcp.pipeline.compress as compress
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore

routes = Router([Route("code", "kinds.code.detect:CodeDetector", "kinds.code.compress:CodeCompressor")])
before = "tree_sitter" in sys.modules
log = "\\n".join(f"2026-01-01 10:00:{i % 60:02d} INFO request {i} served in {i % 7} ms" for i in range(400))
compress.compress_content(log, store=MemoryStore(), routes=routes)
after_log = "tree_sitter" in sys.modules
code = open(sys.argv[1]).read()
result = compress.compress_content(code, store=MemoryStore(), hints=Hints(path="main.py"), routes=routes)
print(before, after_log, "tree_sitter" in sys.modules, result.kind, result.compressed)
"""


def test_tree_sitter_loads_only_when_code_is_compressed():
    output = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK, str(PYDANTIC_MAIN)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == ["False", "False", "True", "code", "True"]


def test_the_default_budget_keeps_docstring_lines_that_a_callers_cap_drops():
    import ast

    path = Path(pydantic.__file__).parent / "main.py"
    source = path.read_text()
    firsts = [
        ast.get_docstring(node).splitlines()[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and ast.get_docstring(node)
    ]
    by_default = compress_content(source, store=MemoryStore(), hints=Hints(path=str(path)))
    capped = compress_content(source, store=MemoryStore(), hints=Hints(path=str(path)), max_tokens=3000)
    assert by_default.tokens_after <= by_default.tokens_before * 0.5
    assert sum(first in by_default.text for first in firsts) >= 0.9 * len(firsts)
    assert capped.tokens_after < by_default.tokens_after
    assert sum(first in capped.text for first in firsts) < 0.1 * len(firsts)


# -- line outlines, declaration files, constants, items, caps (issue 10) --------------------------

STDIO_H = Path("/usr/include/stdio.h")
AIO_H = Path("/usr/include/aio.h")
ZOD_V3_DTS = ROOT / "tests" / "upstreams" / "node_modules" / "zod" / "v3" / "types.d.ts"
PYO3_DESCROBJECT = ROOT / "tests" / "data" / "code" / "pyo3_ffi_descrobject.rs"


def _code_ctx(text: str, path: str, cap: int | None = None) -> Context:
    budget = cap or max(1000, int(count_tokens(text) * 0.15))
    return Context(
        key="0" * 16, budget_tokens=budget, count_tokens=count_tokens, hints=Hints(path=path), budget_is_cap=bool(cap)
    )


@pytest.mark.parametrize("cap", [None, 1500])
def test_line_outline_of_numbered_source_keeps_its_function_lines(cap):
    numbered = subprocess.run(["cat", "-n", str(NUMPY_C)], capture_output=True, text=True, check=True).stdout
    result = CodeCompressor().compress(numbered, _code_ctx(numbered, "fortranobject.c", cap))
    assert result is not None and result.transform == "code:lines"
    kept = [line for line in result.text.split("\n") if not line.lstrip().startswith("[…")]
    names = re.findall(r"^\s*\d+\t([A-Za-z_]\w*)\(", numbered, re.MULTILINE)
    assert len(names) >= 10
    shown = [name for name in names if any(f"\t{name}(" in line for line in kept)]
    assert len(shown) >= len(names) * (0.5 if cap else 0.9), sorted(set(names) - set(shown))
    if cap:
        assert count_tokens(result.text) <= cap


def test_c_header_compresses_keeping_prototypes_and_defines():
    header = STDIO_H.read_text()
    result, _ = compressed(header, str(STDIO_H))
    assert result.transforms == ["code:outline"]  # glibc's `__THROW`-style annotations do not stop the parse
    assert saved(result, header) >= 0.4
    out = result.text.split("\n")
    for name in ("fopen", "fclose", "printf", "fprintf", "fgets", "fseek"):
        assert any(re.search(rf"\b{name} \(", line) for line in out), name
    for define in ("#define SEEK_SET", "#define BUFSIZ", "#define EOF"):
        assert any(line.startswith(define) for line in out), define
    # Each prototype is its own item, with the comment above it, for a query to find.
    items = CodeCompressor().compress(header, _code_ctx(header, str(STDIO_H))).items
    fopen = [item for item in items if re.search(r"^extern FILE \*fopen \(", item.text, re.MULTILINE)]
    assert len(fopen) == 1 and fopen[0].text.startswith("/* Open a file and create a new stream for it.")


def test_c_enum_constants_are_kept():
    header = AIO_H.read_text()
    result, _ = compressed(header, str(AIO_H))
    for name in ("AIO_CANCELED", "AIO_NOTCANCELED", "AIO_ALLDONE", "LIO_READ", "LIO_WRITE", "LIO_WAIT", "LIO_NOWAIT"):
        assert re.search(rf"^  {name}\b", result.text, re.MULTILINE), name


def test_typescript_declaration_file_compresses_with_its_classes_visible():
    declarations = ZOD_V3_DTS.read_text()
    result, _ = compressed(declarations, str(ZOD_V3_DTS))
    assert saved(result, declarations) >= 0.2
    classes = re.findall(r"^export declare (?:abstract )?class (\w+)", declarations, re.MULTILINE)
    assert len(classes) >= 20
    missing = [
        name
        for name in classes
        if not re.search(rf"^export declare (?:abstract )?class {name}\b", result.text, re.MULTILINE)
    ]
    assert not missing, missing


def test_a_query_naming_a_field_retrieves_the_impl_default_block_that_sets_it():
    source = PYO3_DESCROBJECT.read_text()
    store = MemoryStore()
    result = CodeCompressor().compress(source, _code_ctx(source, str(PYO3_DESCROBJECT)))
    assert result is not None
    impls = [item for item in result.items if item.text.startswith("impl Default for PyMemberDef {")]
    assert len(impls) == 1 and "type_code: 0," in impls[0].text
    assert impls[0].position.startswith("lines 87–97")
    piped, store = run(source, str(PYO3_DESCROBJECT), max_tokens=700)
    assert piped.compressed
    found = retrieve(piped.hash, store=store, query="type_code")
    assert "Default for PyMemberDef" in found.blocks[1] and "type_code: 0," in found.blocks[1]


@pytest.mark.parametrize("cap", [300, 600, 2000])
def test_a_callers_cap_is_never_exceeded(cap):
    header = STDIO_H.read_text()
    result, _ = compressed(header, str(STDIO_H), max_tokens=cap)
    assert count_tokens(result.text) <= cap
    # What is kept is the header's own lines, and there are some: a cap never leaves only notes.
    originals = set(header.split("\n"))
    kept = [line for line in result.text.split("\n")[:-1] if line.strip() and not line.lstrip().startswith("[…")]
    assert len(kept) >= 10 and all(line in originals for line in kept)


def test_line_outline_items_hold_each_impl_block_whole():
    numbered = subprocess.run(["cat", "-n", str(PYO3_DESCROBJECT)], capture_output=True, text=True).stdout
    result = CodeCompressor().compress(numbered, _code_ctx(numbered, str(PYO3_DESCROBJECT)))
    assert result is not None and result.transform == "code:lines"
    impls = [item for item in result.items if "\timpl Default for PyMemberDef {" in item.text.split("\n")[0]]
    assert len(impls) == 1
    assert impls[0].position.startswith("lines 87–97")
    assert "type_code: 0," in impls[0].text and impls[0].text.rstrip().endswith("}")


@pytest.mark.parametrize("cap", [None, 800, 400])
def test_module_constants_are_kept_with_their_short_values(cap):
    import diskcache.core

    path = Path(diskcache.core.__file__)
    source = path.read_text()
    constants = [line for line in source.split("\n") if re.match(r"^[A-Z][A-Z_0-9]{3,} = ", line)]
    assert len(constants) >= 8
    result, _ = compressed(source, str(path), max_tokens=cap)
    out = result.text.split("\n")
    for line in constants:
        name = line.split(" =")[0]
        assert any(kept.startswith(f"{name} =") for kept in out), name
        if len(line) <= 40 and not line.endswith(("{", "[", "(")):
            assert line in out  # a short value stays with its name
    if cap:
        assert count_tokens(result.text) <= cap


@pytest.mark.parametrize("cap", [None, 2000])
def test_rust_module_constants_keep_their_names_and_short_values(cap):
    path = ROOT / "tests" / "data" / "code" / "pyo3_ffi_object.rs"
    source = path.read_text()
    constants = [line for line in source.split("\n") if re.match(r"^pub (?:const|static) \w+", line)]
    assert len(constants) >= 40
    result, _ = compressed(source, str(path), max_tokens=cap)
    out = result.text.split("\n")
    for line in constants:
        head = re.match(r"^pub (?:const|static) \w+", line).group(0)
        assert any(kept.startswith(head) for kept in out), head
        if line.endswith(";"):
            assert line in out  # a one-line constant keeps its value
    if cap:
        assert count_tokens(result.text) <= cap


def test_declaration_members_the_query_names_stay_whole():
    declarations = ZOD_V3_DTS.read_text()
    wanted = [line for line in declarations.split("\n") if line.startswith("    superRefine")]
    assert len(wanted) >= 3
    result, _ = compressed(declarations, str(ZOD_V3_DTS), query="superRefine")
    out = result.text.split("\n")
    assert all(line in out for line in wanted)


def test_long_object_types_in_a_declaration_file_fold_with_their_line_range():
    declarations = ZOD_V3_DTS.read_text()
    lines = declarations.split("\n")
    heads = [(row, line) for row, line in enumerate(lines) if re.match(r"^export type \w+ = \{$", line)]
    long_heads = [(row, line) for row, line in heads if lines.index("};", row) - row > 10]
    assert len(long_heads) >= 3
    result, _ = compressed(declarations, str(ZOD_V3_DTS))
    out = result.text.split("\n")
    for row, head in long_heads:
        # The type's first line stays, and the note names the lines folded after it (1-based: row + 2).
        assert any(line.startswith(head) and f"[lines {row + 2}–" in line for line in out), head


def test_token_counts_taken_only_in_part_answer_every_comparison_as_the_whole_count_would():
    """The outline search stops counting once a comparison is decided: its answers must be the exact ones."""
    tricky = "".join(
        ["it's don'T 中文 naïve — é\u0301 ٣1٣ \u3000x \x01..\x0b  y\r\n", "};\n// a\n  /* b */\n\t\tz = 1;\n  \n/x\n"]
        * 50
    )
    texts = [PYDANTIC_MAIN.read_text(), ZOD_V3_DTS.read_text(), tricky, "", "x"]
    counts = [count_tokens(text) for text in texts]
    for text, exact in zip(texts, counts):
        assert floor_tokens(text) <= exact
        for limit in (exact - 1, exact, exact // 3):
            assert Tally(text, count_tokens).exceeds(limit) == (exact > limit)
        for other, whole in zip(texts, counts):
            for share in (0.5, 0.85):
                answer = Tally(text, count_tokens).within(Tally(other, count_tokens), share)
                assert answer == (exact <= whole * share)


def _nodes(root) -> list[tuple]:
    """Every node of a tree, in order, as what an outline reads of it: kind, bytes, rows, errors and fields."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        fields = tuple(node.field_name_for_child(index) for index in range(node.child_count))
        found.append(
            (
                node.type,
                node.start_byte,
                node.end_byte,
                node.start_point,
                node.end_point,
                node.is_error,
                node.is_missing,
                node.has_error,
                node.is_named,
                fields,
            )
        )
        stack.extend(reversed(node.children))
    return found


@pytest.mark.parametrize(
    "header", [STDIO_H, AIO_H, Path("/usr/include/string.h"), Path("/usr/include/stdlib.h")], ids=lambda path: path.name
)
def test_a_header_read_again_without_its_annotations_is_the_tree_a_fresh_parse_gives(header):
    # The second read reuses the first tree (told where the annotations were blanked): it must be the same tree.
    source = Source(header.read_text())
    data = code_compress._CPLUSPLUS_GUARD.sub(lambda m: m.group(1) + b" " * len(m.group(2)), source.data)
    bare, spans = blank_annotations(data)
    assert spans and bare != data
    tree, errors = code_compress._parse(source, "c")
    fresh = parser("c").parse(bare)
    first = parser("c").parse(data)
    assert errors == code_compress._error_rows(fresh.root_node) < code_compress._error_rows(first.root_node)
    assert _nodes(tree.root_node) == _nodes(fresh.root_node)
