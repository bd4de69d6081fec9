"""The ``headroom-mcp`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headroom_mcp import __version__

EPILOG = """examples:
  headroom-mcp compress examples/api_results.json        compress a file (summary on stderr)
  some-tool | headroom-mcp compress - --query req-00421   compress stdin, keep what matches
  headroom-mcp retrieve 3f9a1c2b7d4e5f60 --query req-00421
  headroom-mcp serve                                     MCP server on stdio
  headroom-mcp install claude-desktop --wrap-all         register, and wrap every other server
  headroom-mcp uninstall claude-desktop                  undo it
  headroom-mcp learn --apply                             keep what retrievals of wrapped tools keep asking for
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="headroom-mcp",
        description="Compress agents' tool output; every original stays retrievable by hash.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"headroom-mcp {__version__}")
    parser.add_argument("--config", metavar="PATH", help="TOML config file (default: user config dir)")
    parser.add_argument("--cache-dir", metavar="DIR", help="store directory (overrides config and env)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr log level")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("serve", help="run the MCP server (headroom_compress, headroom_retrieve, headroom_stats) on stdio")

    wrap = commands.add_parser("wrap", help="wrap an MCP server: its tools, compressed, plus headroom_retrieve")
    wrap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for an upstream answer")
    wrap.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP at HOST:PORT instead of stdio")
    wrap.add_argument("--url", help="the upstream speaks streamable HTTP at URL (instead of a command)")
    wrap.add_argument(
        "--compact-tools",
        action="store_true",
        default=None,
        help="list tools shortened (first sentence, long schemas as a signature), add headroom_describe (stdio only)",
    )
    wrap.add_argument("upstream", nargs=argparse.REMAINDER, help="-- CMD ARGS... of the upstream server")

    compress = commands.add_parser("compress", help="compress a file or stdin to stdout")
    compress.add_argument("file", nargs="?", default="-", help="file to compress, or - for stdin (default)")
    compress.add_argument("--query", "-q", help="what you are looking for; steers what is kept")
    compress.add_argument("--kind", help="force a content kind (json, gitlog, diff, search, listing, log, code, prose)")
    compress.add_argument("--max-tokens", type=int, metavar="N", help="token budget for the output")
    compress.add_argument(
        "--messages",
        action="store_true",
        help='the file is a conversation: a JSON list of messages, or {"system": ..., "messages": [...]}',
    )

    retrieve = commands.add_parser("retrieve", help="print the original behind a hash, or its parts matching a query")
    retrieve.add_argument("hash", help="the hash from a [headroom: ...] marker")
    retrieve.add_argument("--query", "-q", help="print only the best-matching parts")

    commands.add_parser("stats", help="calls, tokens saved, retrievals and store size")
    learn = commands.add_parser("learn", help="what retrievals asked of each wrapped tool, and the policy proposed")
    learning = learn.add_mutually_exclusive_group()
    learning.add_argument("--apply", action="store_true", help="write the proposals to learned.toml beside the config")
    learning.add_argument("--reset", action="store_true", help="remove learned.toml")

    clients = ["claude-desktop", "cursor", "claude-code", "vscode"]
    install = commands.add_parser("install", help="register headroom-mcp in an MCP client's config")
    uninstall = commands.add_parser("uninstall", help="undo install: restore the config, or remove headroom's entries")
    for sub in (install, uninstall):
        sub.add_argument("client", choices=clients)
        sub.add_argument(
            "--config", dest="client_config", metavar="PATH", help="the client's config file (default: where it keeps it)"
        )
        sub.add_argument("--scope", choices=["user", "project"], help="user-wide or this project's config")
        sub.add_argument("--dry-run", action="store_true", help="print the change as a unified diff; write nothing")
    install.add_argument("--wrap-all", action="store_true", help="also route every other server through headroom-mcp wrap")

    commands.add_parser("doctor", help="where the store is, the model, and which clients have headroom installed")

    model = commands.add_parser("model", help="install or check the optional sentence model (MiniLM-L6 on onnxruntime)")
    model.add_argument("action", choices=["install", "status"])
    model.add_argument("--dir", metavar="DIR", help="model directory (default: $HEADROOM_MCP_MODEL_DIR or the user data dir)")
    model.add_argument("--no-quantize", action="store_true", help="keep float32 weights (90 MB instead of 59 MB)")

    bench = commands.add_parser("bench", help="measure savings and speed on sample files")
    bench.add_argument("paths", nargs="*", default=["examples"], help="files or directories (default: examples)")
    bench.add_argument("--repeat", type=int, default=5, help="timing repetitions per file (default 5)")
    bench.add_argument(
        "--fidelity",
        nargs="?",
        const="benchmarks/fidelity",
        metavar="DIR",
        help="check that answer lines survive on the corpus in DIR (default: benchmarks/fidelity)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``headroom-mcp`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "wrap" and not args.http and not args.url:
        return _relay(args)  # before any heavy import: the upstream starts first
    import logging

    from headroom_mcp.config import ConfigError, load_settings

    try:
        settings = load_settings(args.config, {"cache_dir": args.cache_dir, "log_level": args.log_level})
    except ConfigError as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="headroom-mcp: %(levelname)s %(message)s")

    from headroom_mcp import api

    api.configure(settings)
    command = {
        **{"serve": _serve, "wrap": _wrap, "compress": _compress, "retrieve": _retrieve, "stats": _stats},
        "learn": _learn,
        **{"bench": _bench, "model": _model, "install": _install, "uninstall": _install, "doctor": _doctor},
    }
    from headroom_mcp.pipeline.store import StoreError

    try:
        return command[args.command](args)
    except StoreError as exc:  # an unreachable or broken store is a message, not a traceback
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _serve(args: argparse.Namespace) -> int:
    import anyio

    from headroom_mcp.pipeline import tokens
    from headroom_mcp.server import serve_stdio

    tokens.preload()  # while the client starts up: the first compression then finds the tokenizer ready

    anyio.run(serve_stdio)
    return 0


def _relay(args: argparse.Namespace) -> int:
    """``wrap`` over stdio: the message-level relay, without the mcp SDK."""
    argv = args.upstream[1:] if args.upstream[:1] == ["--"] else args.upstream
    if not argv:
        print("headroom-mcp: wrap needs either --url URL or the upstream command after --", file=sys.stderr)
        return 2
    from headroom_mcp.wrappers.relay.main import run

    overrides = {"cache_dir": args.cache_dir, "log_level": args.log_level, "compact_tools": args.compact_tools}
    return run(argv, config=args.config, overrides=overrides, call_timeout=args.timeout)


def _wrap(args: argparse.Namespace) -> int:
    import anyio

    from headroom_mcp import api
    from headroom_mcp.wrappers.serve import wrap
    from headroom_mcp.wrappers.upstream import UpstreamCommand, UpstreamError

    argv = args.upstream[1:] if args.upstream[:1] == ["--"] else args.upstream
    if args.compact_tools:
        print("headroom-mcp: --compact-tools works over stdio only, not with --http or --url", file=sys.stderr)
        return 2
    if bool(argv) == bool(args.url):
        print("headroom-mcp: wrap needs either --url URL or the upstream command after --", file=sys.stderr)
        return 2
    http = None
    if args.http:
        host, _, port = args.http.rpartition(":")
        if not host or not port.isdigit():
            print(f"headroom-mcp: --http takes HOST:PORT, not {args.http!r}", file=sys.stderr)
            return 2
        http = (host.strip("[]"), int(port))
    try:
        command = UpstreamCommand(argv, env=dict(api.current_settings().upstream_env), url=args.url)
        anyio.run(lambda: wrap(command, call_timeout=args.timeout, http=http))
    except UpstreamError as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 1
    return 0


def _write(text: str) -> None:
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _compress(args: argparse.Namespace) -> int:
    from headroom_mcp import api

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"headroom-mcp: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    if args.messages:
        return _compress_messages(args, data)
    if args.kind:
        from headroom_mcp.pipeline import router

        if args.kind not in router.kinds():
            print(f"headroom-mcp: unknown kind {args.kind!r}; known: {', '.join(router.kinds())}", file=sys.stderr)
            return 2
    from headroom_mcp.pipeline.contract import Hints

    # The file's name says its language, as a read tool's path argument does through the wrapper.
    hints = Hints(path=None if args.file == "-" else args.file)
    result = api.compress_content(data, query=args.query, kind=args.kind, max_tokens=args.max_tokens, hints=hints)
    # Pass-through output stays byte-identical; compressed output ends its last line.
    _write(result.text + "\n" if result.compressed and not result.text.endswith("\n") else result.text)
    if result.compressed:
        saved = 1 - result.tokens_after / result.tokens_before
        summary = (
            f"{result.kind}: {result.tokens_before} → {result.tokens_after} tokens "
            f"({saved:.1%} saved, {'+'.join(result.transforms)}); hash={result.hash}"
        )
    else:
        summary = f"{result.kind}: unchanged ({'; '.join(result.diagnostics)})"
    print(f"headroom-mcp: {summary}", file=sys.stderr)
    return 0


def _compress_messages(args: argparse.Namespace, data: bytes) -> int:
    """``compress --messages``: a conversation in, the same conversation out (JSON), the metrics on stderr."""
    import json

    from headroom_mcp import api

    try:
        loaded = json.loads(data)
    except ValueError as exc:
        print(f"headroom-mcp: {args.file} is not JSON: {exc}", file=sys.stderr)
        return 2
    wrapped = isinstance(loaded, dict)
    messages, system = (loaded.get("messages"), loaded.get("system")) if wrapped else (loaded, None)
    if not isinstance(messages, list):
        print(f"headroom-mcp: {args.file} holds no list of messages (a list, or an object with one)", file=sys.stderr)
        return 2
    result = api.compress_messages(messages, system=system, query=args.query, max_tokens=args.max_tokens)
    shown = {**loaded, "messages": result.messages, "system": result.system} if wrapped else result.messages
    if wrapped and system is None:
        shown.pop("system")
    _write(json.dumps(shown, ensure_ascii=False, indent=1) + "\n")
    print(
        f"headroom-mcp: messages: {result.tokens_before} → {result.tokens_after} tokens "
        f"({result.tokens_saved} saved; {', '.join(result.transforms_applied) or 'nothing compressed'})",
        file=sys.stderr,
    )
    for note in result.diagnostics:
        print(f"headroom-mcp: {note}", file=sys.stderr)
    return 0


def _retrieve(args: argparse.Namespace) -> int:
    from headroom_mcp import api
    from headroom_mcp.pipeline.retrieval import UnknownKey

    cursor: str | None = None
    try:
        while True:
            found = api.retrieve(args.hash, query=args.query, cursor=cursor)
            _write("\n".join(found.blocks) + "\n" if args.query else "".join(found.blocks))
            cursor = found.next_cursor
            if cursor is None:
                return 0
    except UnknownKey as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 1


def _learn(args: argparse.Namespace) -> int:
    from headroom_mcp import api, learning
    from headroom_mcp.config import learned_path

    path = learned_path(Path(args.config).expanduser() if args.config else None)
    if args.reset:
        existed = path.exists()
        path.unlink(missing_ok=True)
        print(f"removed {path}" if existed else f"nothing learned to remove ({path} does not exist)")
        return 0
    found = learning.lessons(max_budget_tokens=api.current_settings().max_budget_tokens)
    print(learning.report(found))
    proposals = learning.per_tool(found)
    if args.apply:
        learning.write_learned(path, proposals)
        print(f"wrote {len(proposals)} tool policies to {path}")
    elif proposals:
        print(f"`headroom-mcp learn --apply` writes them to {path}; your own config keys win over them.")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from headroom_mcp import api
    from headroom_mcp.pipeline.wording import printable

    counts = api.stats()
    rows: list[tuple[str, Any]] = [
        ("calls", counts.calls),
        ("compressed", counts.compressed),
        ("tokens before", counts.tokens_before),
        ("tokens after", counts.tokens_after),
        ("tokens saved", counts.tokens_saved),
        ("retrievals", counts.retrievals),
        ("store size", f"{counts.store_bytes / 1e6:.1f} MB"),
    ]
    if counts.deltas or counts.compact_tokens_saved:
        rows += [
            ("sent as deltas", f"{counts.deltas} results, {counts.delta_tokens_saved} tokens saved by it"),
            ("compact lists", f"{counts.compact_tokens_saved} tokens saved"),
        ]
    for name, value in rows:
        print(f"{name:>14}: {value}")
    per_tool = api.tool_stats()
    if not per_tool:
        return 0

    header = ("server", "tool", "calls", "tokens before", "tokens after", "saved", "retrievals")
    table = [header] + [
        (
            printable(row.server),  # a server may name itself with a newline or a tab
            printable(row.tool),
            str(row.calls),
            str(row.tokens_before),
            str(row.tokens_after),
            f"{row.tokens_saved / row.tokens_before:.1%}" if row.tokens_before else "-",
            str(row.retrievals),
        )
        for row in per_tool
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    print()
    for line in table:
        # Names left, numbers right, at least two spaces between columns.
        names = [cell.ljust(width) for cell, width in zip(line[:2], widths, strict=False)]
        numbers = [cell.rjust(width) for cell, width in zip(line[2:], widths[2:], strict=True)]
        print("  ".join(names + numbers))
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.fidelity:
        from headroom_mcp.fidelity import run as run_fidelity

        return run_fidelity(args.fidelity)
    from headroom_mcp.bench import run

    return run(args.paths, repeat=args.repeat)


def _model(args: argparse.Namespace) -> int:
    import os
    import time

    if args.dir:
        os.environ["HEADROOM_MCP_MODEL_DIR"] = str(Path(args.dir).resolve())
    from headroom_mcp.pipeline.model import load_embedder
    from headroom_mcp.pipeline.model.install import ModelError, install
    from headroom_mcp.pipeline.model.runtime import model_dir

    if args.action == "install":
        started = time.perf_counter()
        try:
            target = install(model_dir(), quantize=not args.no_quantize)
        except ModelError as exc:
            print(f"headroom-mcp: {exc}", file=sys.stderr)
            return 1
        size = sum(path.stat().st_size for path in target.iterdir()) / 1e6
        print(f"model installed in {target} ({size:.0f} MB, {time.perf_counter() - started:.1f} s)")
        return 0
    embedder = load_embedder()
    if embedder is None:
        print(f"no sentence model in {model_dir()}: text is ranked by BM25 only (headroom-mcp model install)")
        return 1
    kind = "int8" if embedder.quantized else "float32"
    print(f"{embedder.name} ({kind}, {embedder.dimensions} dimensions) in {model_dir()}")
    return 0


def _install(args: argparse.Namespace) -> int:
    """``install`` and ``uninstall``: plan, show or write, and say what was done."""
    from headroom_mcp.wrappers.clients import install
    from headroom_mcp.wrappers.clients.known import CLIENTS
    from headroom_mcp.wrappers.clients.records import RecordError

    client = CLIENTS[args.client]
    try:
        path = Path(args.client_config).expanduser() if args.client_config else client.path(args.scope)
    except ValueError as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 2
    records_dir = install_records_dir()
    try:
        if args.command == "install":
            plan = install.plan_install(client, path, self_command(), wrap_all=args.wrap_all, records_dir=records_dir)
        else:
            plan = install.plan_uninstall(client, path, records_dir=records_dir)
        for note in plan.notes:
            print(f"{client.name}: {note}", file=sys.stderr)
        if args.dry_run:
            _write(plan.diff())
            if not plan.changed:
                print(f"{client.name}: {path} would not change", file=sys.stderr)
            return 0
        record = install.commit(plan, records_dir)
    except (install.ClientConfigError, RecordError) as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"headroom-mcp: cannot write {exc.filename or path}: {exc.strerror}; nothing written", file=sys.stderr)
        return 1
    if not plan.changed:
        print(f"{client.name}: {path} unchanged", file=sys.stderr)
    elif args.command == "install":
        print(f"{client.name}: wrote {path} (the old bytes are kept in {record}); restart {client.title}", file=sys.stderr)
    else:
        print(f"{client.name}: wrote {path}; restart {client.title}", file=sys.stderr)
    return 0


def install_records_dir() -> Path:
    """Where install keeps its backups: beside the store, in ``<store>-installs``."""
    from headroom_mcp import api
    from headroom_mcp.pipeline.store import default_store_dir

    store = api.current_settings().cache_dir or default_store_dir()
    return store.with_name(store.name + "-installs")


def self_command() -> list[str]:
    """How a client starts this headroom-mcp: the console script beside this Python, else ``python -m``."""
    import os

    scripts = Path(sys.executable).parent
    for name in ("headroom-mcp", "headroom-mcp.exe"):
        if (scripts / name).is_file() and os.access(scripts / name, os.X_OK):
            return [str((scripts / name).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "headroom_mcp"]


def _doctor(args: argparse.Namespace) -> int:
    from headroom_mcp.doctor import report

    _write(report(self_command(), install_records_dir()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
