"""`hsexplorer sandbox serve`: the local HubSpot emulator on a port, for QA and other backends.

It binds to loopback unless `--expose-to-network` says otherwise, prints `listening on
http://HOST:PORT`, the admin token its /_sandbox/ routes need and the tokens it accepts (fake
tokens for a local emulator; printing them is the point), and stops cleanly with exit 0 on
Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from hsexplorer.domain.readings import parse_reading_option
from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import create_app
from hsexplorer.sandbox.embedded import ensure_default_token
from hsexplorer.sandbox.rate_limit import RateLimitSettings
from hsexplorer.sandbox.seed import seed_demo
from hsexplorer.sandbox.served_guard import MAX_BODY_BYTES
from hsexplorer.sandbox.server import SandboxServer, is_loopback
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.storage.paths import resolve_paths

SANDBOX_FILE = "sandbox.sqlite3"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    sandbox = subparsers.add_parser(
        "sandbox",
        parents=[common],
        help="run the local emulator of HubSpot's custom events APIs",
        description="The sandbox: a local emulator of HubSpot's custom events APIs.",
    )
    actions = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        parents=[common],
        help="serve the sandbox over HTTP",
        description="Serve the sandbox over HTTP so that curl, QA tools or your own backend can call it "
        "like api.hubapi.com. Stop with Ctrl+C. The admin routes under /_sandbox/ need the admin token "
        "printed at start (Authorization: Bearer <admin token>), take JSON bodies only and refuse "
        "requests from web pages (Origin) and through other host names (Host). Request bodies are "
        f"capped at {MAX_BODY_BYTES // (1024 * 1024)} MiB (413).",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1, loopback only; any other address needs --expose-to-network)",
    )
    serve.add_argument(
        "--expose-to-network",
        action="store_true",
        help="allow a --host beyond loopback: the sandbox, its data and its admin API become reachable "
        "from the network, and every request then needs a token (an API token or the admin token)",
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="the admin token for /_sandbox/ routes (default: a new random one, printed at start)",
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="port to listen on; 0 picks a free one (default 8765)"
    )
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--memory", action="store_true", help="keep state in memory only (lost when it stops)")
    where.add_argument(
        "--data",
        metavar="DIR",
        help=f"keep state in DIR/{SANDBOX_FILE} (default: the app's sandbox in your profile)",
    )
    serve.add_argument(
        "--portal-id", type=int, metavar="N", help="the portal (hub) id to emulate (default 1234567)"
    )
    serve.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN[=SCOPE,SCOPE...]",
        help="accept TOKEN, with all scopes or the listed ones; repeatable (default: one generated token, "
        "all scopes). With --token, the sandbox accepts only these: POST /_sandbox/tokens is refused (403)",
    )
    serve.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="requests allowed per rolling ten seconds per token, then 429 (default 190, HubSpot's Enterprise limit)",
    )
    serve.add_argument(
        "--no-seed", action="store_true", help="start an empty portal instead of the demo data"
    )
    serve.add_argument(
        "--reading",
        action="append",
        default=[],
        metavar="RULE=READING",
        help="read an uncertain HubSpot rule another way, e.g. non_string_values=rejected; repeatable "
        "(the rules and readings are listed in the README's \"Sandbox readings\")",
    )
    serve.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once the port answers, write the sandbox's URL to PATH (removed when it stops): "
        "a CI script waits for this file instead of guessing a delay",
    )
    serve.set_defaults(handler=run_serve)
    for name, help_text, handler in (
        ("status", "show the sandbox's portal id, token and counts", run_status),
        ("reset", "empty the sandbox: no definitions, contacts or occurrences (its token stays)", run_reset),
        ("seed", "replace the sandbox's data with the demo portal", run_seed),
    ):
        action = actions.add_parser(
            name, parents=[common], help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        action.add_argument(
            "--data",
            metavar="DIR",
            help=f"the sandbox in DIR/{SANDBOX_FILE} (default: the app's sandbox in your profile)",
        )
        action.set_defaults(handler=handler)


def _open_store(args: argparse.Namespace) -> SandboxStore:
    if args.memory:
        return SandboxStore.in_memory()
    if args.data:
        return SandboxStore.open(Path(args.data).expanduser() / SANDBOX_FILE)
    return SandboxStore.open(resolve_paths(args.data_dir).ensure().sandbox_db)


def _maintain(args: argparse.Namespace, change: Callable[[SandboxStore], object]) -> int:
    """Open the persistent sandbox, apply `change(store)`, print its state."""
    args.memory = False
    try:
        store = _open_store(args)
    except (OSError, sqlite3.DatabaseError) as exc:
        print(f"hsexplorer sandbox: cannot open the sandbox data: {exc}", file=sys.stderr)
        return 1
    try:
        change(store)
        token = ensure_default_token(store)
        print(f"sandbox: {store.path}")
        print(f"portal: {store.portal_id}")
        print(f"token: {token}")
        print(
            f"definitions: {store.count_definitions()}  contacts: {store.count_contacts()}  "
            f"occurrences: {store.count_events()}"
        )
        return 0
    finally:
        store.close()


def run_status(args: argparse.Namespace) -> int:
    return _maintain(args, lambda store: None)


def run_reset(args: argparse.Namespace) -> int:
    return _maintain(args, SandboxStore.reset)


def run_seed(args: argparse.Namespace) -> int:
    return _maintain(args, seed_demo)


def _prepare_portal(store: SandboxStore, args: argparse.Namespace) -> str | None:
    """Set the portal id and seed a new sandbox; an error message when that is impossible."""
    fresh = store.get_meta("seeded") is None and store.count_definitions() == 0
    if args.portal_id is not None and args.portal_id != store.portal_id:
        if not fresh:
            return (
                f"this sandbox holds portal {store.portal_id}; use --memory or another --data folder "
                f"to emulate portal {args.portal_id}"
            )
        if args.portal_id <= 0:
            return "--portal-id must be a positive number"
        store.portal_id = args.portal_id
    if fresh and not args.no_seed:
        seed_demo(store)
    return None


def _tokens(store: SandboxStore, options: list[str]) -> list[tuple[str, frozenset[str]]]:
    if not options:
        token = ensure_default_token(store)
        return [(token, auth.ALL_SCOPES)]
    accepted = []
    for option in options:
        token, scopes = auth.parse_token_option(option)
        store.put_token(auth.private_app_token(token, scopes))
        accepted.append((token, scopes))
    return accepted


def run_serve(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and not args.expose_to_network:
        print(
            f"hsexplorer sandbox: {args.host} is not a loopback address; the sandbox would be reachable "
            "from the network. Add --expose-to-network if you mean it (every request then needs a "
            "token), or use --host 127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    if args.admin_token is not None and not args.admin_token.strip():
        print("hsexplorer sandbox: --admin-token cannot be empty", file=sys.stderr)
        return 2
    try:
        store = _open_store(args)
    except (OSError, sqlite3.DatabaseError) as exc:
        print(f"hsexplorer sandbox: cannot open the sandbox data: {exc}", file=sys.stderr)
        return 1
    try:
        problem = _prepare_portal(store, args)
        if problem:
            print(f"hsexplorer sandbox: {problem}", file=sys.stderr)
            return 2
        try:
            tokens = _tokens(store, args.token)
            store.readings.update(dict(parse_reading_option(option) for option in args.reading))
        except ValueError as exc:
            print(f"hsexplorer sandbox: {exc}", file=sys.stderr)
            return 2
        return _serve(store, args, tokens)
    finally:
        store.close()


def _serve(store: SandboxStore, args: argparse.Namespace, tokens: list[tuple[str, frozenset[str]]]) -> int:
    if args.expose_to_network and not is_loopback(args.host):
        print(
            f"WARNING: serving on {args.host}, reachable from other machines. Every request needs a token; "
            "anyone with the admin token can reset the sandbox.",
            file=sys.stderr,
            flush=True,
        )
    limits = RateLimitSettings()
    if args.rate_limit is not None:
        limits.ten_secondly_max = max(1, args.rate_limit)
    app = create_app(
        store,
        rate_limits=limits,
        accepted_tokens={token for token, _ in tokens},
        minting_allowed=not args.token,  # fixed tokens stay the only ones
    )
    server = SandboxServer(
        app,
        host=args.host,
        port=args.port,
        admin_token=args.admin_token.strip() if args.admin_token else None,
        expose_to_network=args.expose_to_network,
    )
    stop = threading.Event()
    ready_file: Path | None = None
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server.start()
        except RuntimeError as exc:
            print(f"hsexplorer sandbox: {exc}", file=sys.stderr)
            return 1
        where = "memory" if store.path is None else str(store.path)
        print(f"hsexplorer sandbox: portal {store.portal_id}, state in {where}")
        print(f"listening on {server.base_url}")
        print(f"admin token: {server.admin_token} (for /_sandbox/ routes: Authorization: Bearer <admin token>)")
        for rule, choice in store.readings.changed().items():
            print(f"reading: {rule}={choice}")
        for token, scopes in tokens:
            print(f"token: {token} (scopes: {', '.join(sorted(scopes)) or 'none'})")
        print("Press Ctrl+C to stop.", flush=True)
        if getattr(args, "ready_file", None):
            ready_file = _write_ready_file(Path(args.ready_file), server.base_url)
            if ready_file is None:
                server.stop()
                return 1
        while not stop.wait(0.2):
            if not server.running:
                print("hsexplorer sandbox: the server stopped unexpectedly", file=sys.stderr)
                return 1
        server.stop()
        print("stopped", flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if ready_file is not None:
            with contextlib.suppress(OSError):
                ready_file.unlink(missing_ok=True)


def _write_ready_file(path: Path, base_url: str) -> Path | None:
    """Write the URL atomically (a waiting script never reads half of it); None after saying why."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        scratch.write_text(base_url + "\n", encoding="utf-8")
        os.replace(scratch, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            scratch.unlink(missing_ok=True)
        print(
            f"hsexplorer sandbox: cannot write the ready file {path}: {exc.strerror or exc}", file=sys.stderr
        )
        return None
    return path
