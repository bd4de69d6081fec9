"""``install``/``uninstall``: plan the edit of a client's config, show it, write it, undo it.

A plan is computed whole before anything is written: the new text is parsed
back and compared with the intended servers, so a file is either written
as planned or left untouched.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import edits, records
from .entries import NAME, decide, headroom_args, is_serve, is_wrapped, serve_entry, unwrapped
from .jsonc import JsoncError, Member, ObjectNode, line_of, parse
from .known import Client
from .records import InstallRecord


class ClientConfigError(Exception):
    """A config file that cannot be read or is not what its client expects; nothing was written."""


@dataclass(slots=True)
class Plan:
    """What ``install`` or ``uninstall`` would write to ``path`` (``after`` None: remove the file)."""

    path: Path
    before: bytes | None
    after: bytes | None
    notes: list[str] = field(default_factory=list)
    # The record to save after writing; ``forget``: remove the record (an uninstall).
    record: InstallRecord | None = None
    forget: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything would be written."""
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff from the file as it is to the file as it would be."""
        old = _text(self.before).splitlines(keepends=True)
        new = _text(self.after).splitlines(keepends=True)
        name = str(self.path)
        lines = difflib.unified_diff(old, new, name if self.before is not None else "/dev/null", name)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def plan_install(client: Client, path: Path, self_command: list[str], *, wrap_all: bool, records_dir: Path) -> Plan:
    """The edit that adds the ``headroom`` entry (and with ``wrap_all`` wraps every other stdio entry)."""
    before = _read(path)
    text = _decode(path, before) if before is not None else ""
    base = text if text.strip() else "{}\n"
    root = _root(path, base)
    style = edits.Style.of(base, root)
    servers_member = root.member(client.servers_key)
    servers = _servers(path, base, client, servers_member)
    plan = Plan(path, before, before)
    changes: list[edits.Edit] = []
    added: list[str] = []
    wrapped: dict[str, dict[str, Any]] = {}
    own = serve_entry(self_command, client.typed)
    if servers is None:
        changes += edits.insert_member(base, root, client.servers_key, {NAME: own}, style)
        added.append(NAME)
        plan.notes.append(f"added {NAME}: {' '.join([own['command'], *own['args']])}")
    else:
        existing = servers.member(NAME)
        if existing is None:
            changes += edits.insert_member(base, servers, NAME, own, style)
            added.append(NAME)
            plan.notes.append(f"added {NAME}: {' '.join([own['command'], *own['args']])}")
        elif not is_serve(existing.value.value):
            raise ClientConfigError(
                f'{path}:{line_of(base, existing.key_start)}: an entry named "{NAME}" is already there and is not '
                "headroom-mcp serve; rename it and run install again"
            )
        elif existing.value.value.get("command") != own["command"]:
            # Installed from another place (an old virtualenv): run this one, with the options it was given.
            args = [*self_command[1:], *(headroom_args(existing.value.value) or [])]
            own = {**existing.value.value, "command": own["command"], "args": args}
            changes += _set_fields(base, existing, {"command": own["command"], "args": args}, style)
            plan.notes.append(f"{NAME}: now runs {own['command']}")
        else:
            plan.notes.append(f"{NAME}: already installed")
        if wrap_all:
            for member in _unique(servers):
                if member.key == NAME:
                    continue
                decision = decide(member.value.value, self_command)
                if decision.action == "wrap":
                    wrapped[member.key] = {
                        key: member.value.value.get(key) for key in ("command", "args", "url", "type")
                    }
                    changes += _wrap(base, member, decision.fields, style)
                    plan.notes.append(f"wrapped {member.key}")
                elif decision.action == "already":
                    plan.notes.append(f"{member.key}: already goes through headroom-mcp")
                else:
                    plan.notes.append(f"left alone {member.key}: {decision.reason}")
    if not changes:
        return plan
    new_text = edits.apply(base, changes)
    _check(path, new_text, client, expected=_expected(root.value, client, added, wrapped, self_command, own))
    plan.after = _encode(new_text)
    plan.record = _merged_record(client, path, before, plan.after, added, wrapped, records_dir)
    return plan


def plan_uninstall(client: Client, path: Path, *, records_dir: Path) -> Plan:
    """The edit that undoes the installs into ``path``: the exact old bytes if nobody edited it since."""
    before = _read(path)
    record = records.load(records_dir, path)
    plan = Plan(path, before, before, forget=True)
    if record is not None and record.exact and records.sha256(before) == record.written_sha256:
        plan.after = record.original_bytes() if record.existed else None
        plan.notes.append(
            "restored the file as it was before install" if record.existed else "removed the file install created"
        )
        return plan
    if before is None:
        plan.notes.append(f"{path} does not exist: nothing to undo")
        return plan
    text = _decode(path, before)
    root = _root(path, text if text.strip() else "{}")
    servers = _servers(path, text, client, root.member(client.servers_key))
    if servers is None:
        plan.notes.append("no servers: nothing to undo")
        return plan
    if record is not None:
        plan.notes.append("the file was edited since install: undoing only headroom's entries")
    else:
        plan.notes.append("no install record: undoing every headroom entry found")
    style = edits.Style.of(text, root)
    changes: list[edits.Edit] = []
    for member in _unique(servers):
        entry = member.value.value
        ours = record is None or member.key in record.added or member.key in record.wrapped
        if not ours:
            continue
        if member.key == NAME and is_serve(entry):
            changes += edits.remove_member(text, servers, member)
            plan.notes.append(f"removed {NAME}")
        elif is_wrapped(entry):
            old = record.wrapped.get(member.key) if record is not None else None
            old = old or unwrapped(entry)
            if old is None:
                plan.notes.append(f"left alone {member.key}: cannot tell what it wrapped")
                continue
            changes += _unwrap(text, member, old, style)
            plan.notes.append(f"unwrapped {member.key}")
    if changes:
        new_text = edits.apply(text, changes)
        _check(path, new_text, client, expected=None)
        plan.after = _encode(new_text)
    return plan


def commit(plan: Plan, records_dir: Path) -> Path | None:
    """Write ``plan`` and its record; the record's path after an install, None after an uninstall."""
    if plan.changed:
        if plan.after is None:
            plan.path.unlink()
        else:
            plan.path.parent.mkdir(parents=True, exist_ok=True)
            records.write_atomic(plan.path, plan.after)
    if plan.forget:
        records.save(records_dir, plan.path, None)
        return None
    if plan.record is not None:
        return records.save(records_dir, plan.path, plan.record)
    return records.record_path(records_dir, plan.path)


def _merged_record(
    client: Client,
    path: Path,
    before: bytes | None,
    after: bytes,
    added: list[str],
    wrapped: dict[str, dict[str, Any]],
    records_dir: Path,
) -> InstallRecord:
    """The record after this install: the first install's original, and every entry any install touched."""
    old = records.load(records_dir, path)
    if old is None:
        return InstallRecord(
            client=client.name,
            path=str(path.absolute()),
            original=records.encode(before) if before is not None else None,
            existed=before is not None,
            written_sha256=records.sha256(after),
            added=added,
            wrapped=wrapped,
        )
    # Edited by someone since the last install: their edits must survive an uninstall.
    exact = old.exact and records.sha256(before) == old.written_sha256
    return old.model_copy(
        update={
            "exact": exact,
            "original": old.original if exact else None,
            "written_sha256": records.sha256(after),
            "added": sorted({*old.added, *added}),
            "wrapped": {**wrapped, **old.wrapped},
        }
    )


def _wrap(text: str, member: Member, fields: dict[str, Any], style: edits.Style) -> list[edits.Edit]:
    entry = member.value
    assert isinstance(entry, ObjectNode)
    url = entry.member("url")
    if url is not None and "command" not in entry.value:
        changes = [edits.replace_member(text, url, [("command", fields["command"]), ("args", fields["args"])], style)]
        kind = entry.member("type")
        if kind is not None and "type" in fields:
            changes.append(edits.replace_value(text, kind, fields["type"], style))
        return changes
    return _set_fields(text, member, {"command": fields["command"], "args": fields["args"]}, style)


def _unwrap(text: str, member: Member, old: dict[str, Any], style: edits.Style) -> list[edits.Edit]:
    entry = member.value
    assert isinstance(entry, ObjectNode)
    if old.get("url") is not None and old.get("command") is None:
        command, args = entry.member("command"), entry.member("args")
        changes = [edits.replace_member(text, command, [("url", old["url"])], style)]
        if args is not None:
            changes += edits.remove_member(text, entry, args)
        kind = entry.member("type")
        if kind is not None:  # with no record of its old type, an entry with a url speaks HTTP
            changes.append(edits.replace_value(text, kind, old.get("type") or "http", style))
        return changes
    return _set_fields(text, member, {"command": old["command"], "args": old.get("args")}, style)


def _set_fields(text: str, member: Member, fields: dict[str, Any], style: edits.Style) -> list[edits.Edit]:
    """Set ``command`` and ``args`` of the entry ``member`` (``args`` None: remove it), keeping all else."""
    entry = member.value
    assert isinstance(entry, ObjectNode)
    command, args = entry.member("command"), entry.member("args")
    assert command is not None
    if args is None and fields["args"] is not None:
        return [edits.replace_member(text, command, [("command", fields["command"]), ("args", fields["args"])], style)]
    changes = [edits.replace_value(text, command, fields["command"], style)]
    if args is not None and fields["args"] is None:
        changes += edits.remove_member(text, entry, args)
    elif args is not None:
        changes.append(edits.replace_value(text, args, fields["args"], style))
    return changes


def _expected(
    value: dict[str, Any],
    client: Client,
    added: list[str],
    wrapped: dict[str, dict[str, Any]],
    self_command: list[str],
    own: dict[str, Any],
) -> dict[str, Any]:
    """The servers the edited file must hold, computed on plain data."""
    servers = dict(value.get(client.servers_key) or {})
    if NAME in added:
        servers[NAME] = own
    elif NAME in servers:
        servers[NAME] = own
    for name in wrapped:
        entry = dict(servers[name])
        fields = decide(entry, self_command).fields
        if "url" in entry and "command" not in entry:
            entry.pop("url")
        entry.update(fields)
        servers[name] = entry
    return servers


def _check(path: Path, text: str, client: Client, expected: dict[str, Any] | None) -> None:
    try:
        servers = parse(text).value.get(client.servers_key)
    except JsoncError as exc:  # a bug here, never the user's: say so and write nothing
        raise ClientConfigError(f"{path}: the edit would break the file ({exc}); nothing written") from None
    if expected is not None and servers != expected:
        raise ClientConfigError(f"{path}: the edit would not give the intended servers; nothing written")


def _unique(servers: ObjectNode) -> list[Member]:
    """Each server once: the member a JSON reader takes (the last of a repeated name)."""
    return [member for member in servers.members if servers.member(member.key) is member]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ClientConfigError(f"{path} is a directory, not a config file") from None
    except OSError as exc:
        raise ClientConfigError(f"cannot read {path}: {exc.strerror}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ClientConfigError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); nothing written") from None


def _encode(text: str) -> bytes:
    return text.encode("utf-8")


def _text(data: bytes | None) -> str:
    return data.decode("utf-8", "replace") if data is not None else ""


def _root(path: Path, text: str) -> ObjectNode:
    try:
        root = parse(text)
    except JsoncError as exc:
        raise ClientConfigError(
            f"{path}:{exc.line}:{exc.column}: invalid JSON: {exc.message}; nothing written"
        ) from None
    if not isinstance(root, ObjectNode):
        raise ClientConfigError(f"{path}:{line_of(text, root.start)}: the top level is not an object; nothing written")
    return root


def _servers(path: Path, text: str, client: Client, member: Member | None) -> ObjectNode | None:
    if member is None:
        return None
    if not isinstance(member.value, ObjectNode):
        line = line_of(text, member.key_start)
        raise ClientConfigError(f'{path}:{line}: "{client.servers_key}" is not an object; nothing written')
    return member.value
