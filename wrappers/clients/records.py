"""What an install changed in one config file, kept beside the store so that ``uninstall`` can undo it.

A record holds the file's exact bytes from before the first install, the
hash of the bytes last written, and the entries the installs added or
wrapped with what each held before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class InstallRecord(BaseModel):
    """One config file's install, as saved in ``<records dir>/<hash of its path>.json``."""

    model_config = ConfigDict(extra="forbid")

    client: str
    path: str
    # Base64 of the bytes before the first install; None if the file did not exist. Unset once the
    # file was edited by someone else between two installs: then only the entries can be undone.
    original: str | None = None
    existed: bool = True
    exact: bool = True
    written_sha256: str
    added: list[str] = []
    # Entry name -> the fields the wrap replaced, as they were ("args": None when it had none).
    wrapped: dict[str, dict[str, Any]] = {}

    def original_bytes(self) -> bytes | None:
        """The file's bytes before the first install (None: it did not exist)."""
        return base64.b64decode(self.original) if self.original is not None else None


def sha256(data: bytes | None) -> str:
    """Hex digest of ``data`` ('' for a missing file)."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def encode(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def record_path(records_dir: Path, config: Path) -> Path:
    """Where the record of ``config`` lives."""
    digest = hashlib.sha256(str(config.absolute()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return records_dir / f"{digest}.json"


def load(records_dir: Path, config: Path) -> InstallRecord | None:
    """The record of ``config``, or None when there is none (or it cannot be read: said by the caller)."""
    path = record_path(records_dir, config)
    try:
        return InstallRecord.model_validate(json.loads(path.read_text("utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        raise RecordError(f"the install record {path} cannot be read: {exc}") from None


def save(records_dir: Path, config: Path, record: InstallRecord | None) -> Path:
    """Write (or with None, remove) the record of ``config``."""
    path = record_path(records_dir, config)
    if record is None:
        path.unlink(missing_ok=True)
        return path
    records_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, record.model_dump_json(indent=1).encode("utf-8"), mode=0o600)
    return path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` by ``data`` in one step (a crash leaves the old file or the new one, never half)."""
    # A config kept in a dotfiles repository is often a symlink: write through it, never over it.
    path = path.resolve() if path.is_symlink() else path
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class RecordError(Exception):
    """An install record exists but cannot be read."""
