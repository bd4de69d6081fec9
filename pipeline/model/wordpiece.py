"""BERT's uncased WordPiece tokenizer, from the model's own ``vocab.txt``.

Basic tokenization first (clean control characters, space out CJK
ideographs, lower-case, strip accents, split off punctuation), then each
word is cut greedily into the longest pieces in the vocabulary, continuation
pieces spelled with a ``##`` prefix; a word with no such cut is ``[UNK]``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

_MAX_WORD_CHARS = 100


class WordPiece:
    """Text to token ids for an uncased BERT vocabulary."""

    def __init__(self, vocab_path: Path):
        words = vocab_path.read_text(encoding="utf-8").split("\n")
        self.vocab = {word: index for index, word in enumerate(words) if word}
        self.cls, self.sep, self.pad, self.unk = (self.vocab[t] for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]"))

    def encode(self, text: str, max_tokens: int) -> list[int]:
        """``[CLS] pieces… [SEP]`` ids of ``text``, cut to at most ``max_tokens`` ids in all."""
        ids = [self.cls]
        room = max_tokens - 1
        for word in basic_tokens(text):
            for piece in self._pieces(word):
                if len(ids) >= room:
                    return [*ids, self.sep]
                ids.append(piece)
        return [*ids, self.sep]

    def _pieces(self, word: str) -> list[int]:
        if len(word) > _MAX_WORD_CHARS:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(candidate)
                if found is not None:
                    pieces.append(found)
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces


def basic_tokens(text: str) -> list[str]:
    """Lower-cased, accent-free words and single punctuation marks of ``text``."""
    cleaned = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or _is_control(char):
            continue
        if _is_cjk(code):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(" " if char.isspace() else char)
    tokens: list[str] = []
    for word in "".join(cleaned).split():
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT counts every non-alphanumeric ASCII character as punctuation, `$` and `^` included.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )
