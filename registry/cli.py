"""`tb-registry` command line: serve (default), worker, migrate and admin helpers."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Sequence

from registry.config import ConfigError, Settings, load_settings, read_environment

log = logging.getLogger("registry")


def _configure_logging(settings: Settings) -> None:
    from registry.logs import configure_logging

    configure_logging(settings.log_format, debug=settings.debug)


def _keep_the_loop_responsive() -> None:
    """Two interpreter settings that keep the event loop answering (`/health` included) while
    CPU-heavy requests run, measured by bench/dos_bench.py:

    - Everything built at startup (the schema, the app, imported modules) is moved out of the
      garbage collector's view: a full collection otherwise walks it all and stopped the loop
      for 100-160 ms at a time under load.
    - The resolver's parsing and solving run on worker threads (domain/offload.py); a 1 ms
      switch interval (5 ms by default) lets the loop thread take the interpreter lock back
      sooner each time it has something to do.
    """
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.001)


async def _serve(settings: Settings) -> None:
    import uvicorn

    from registry.app import create_app
    from registry.runtime import Runtime

    runtime = Runtime(settings)
    await runtime.start()  # fails here, before binding, when a backend is unreachable
    try:
        app = create_app(settings, runtime=runtime)
        _keep_the_loop_responsive()
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="debug" if settings.debug else "info",
            # Logging is configured once for the process (registry/logs.py): uvicorn's own
            # records go through it, and its access log gives way to registry.access (written
            # by the request-id middleware, so the line carries the request id).
            log_config=None,
            access_log=False,
            # X-Forwarded-For is resolved inside the app (TRUSTED_PROXIES, registry/app.py), so
            # in-process tests see the same client address as the served app.
            proxy_headers=False,
            # SIGTERM/SIGINT: stop accepting, let in-flight requests finish within the bound.
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        )
        log.info(
            "TB Registry on http://%s:%d (database %s, storage %s)",
            settings.host,
            settings.port,
            _describe_db(settings),
            settings.primary_storage.kind,
        )
        _exit_cleanly_on_sigterm()
        await uvicorn.Server(config).serve()
    finally:
        await runtime.stop()


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM is how supervisors stop the service. uvicorn answers it with its graceful
    shutdown and then raises it again for the handler it found; Python's default one would kill
    the process there, before `runtime.stop()`, with status -15. This one exits 0 instead,
    through every `finally`."""

    def exit_zero(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_zero)


def _describe_db(settings: Settings) -> str:
    from domain.database import describe_database

    return describe_database(settings.database_url)


async def _migrate(settings: Settings) -> None:
    from domain.database import apply_migrations

    await apply_migrations(settings.database_url)
    print(f"migrations applied to {_describe_db(settings)}")


def _worker(settings: Settings) -> None:
    from registry.worker import run_worker

    if not settings.uses_redis:
        raise ConfigError(
            "REDIS_URL: required for `tb-registry worker` (without it, jobs run "
            "inside `tb-registry serve`)"
        )
    run_worker(settings)


async def _set_admin(settings: Settings, user_id: str, grant: bool, username: str | None) -> None:
    from domain.services.users import set_admin
    from registry.commands.offline import with_database

    async def action() -> None:
        user = await set_admin(user_id, grant, username=username)
        state = "is now an admin" if user.is_admin else "is no longer an admin"
        print(f"user {user.id} ({user.username}) {state}")

    await with_database(settings, action)


async def _rebuild_pages(settings: Settings, package: str | None, every: bool) -> None:
    """Take package pages (README, changelog, icon) from published versions' archives."""
    from domain.services import scans
    from registry.commands.offline import offline_context, with_database

    async def action() -> None:
        async with offline_context(settings) as ctx:
            written, seen = await scans.rebuild_pages(ctx, package=package, missing_only=not every)
        print(f"rebuild-pages: {seen} versions looked at, {written} pages written")

    await with_database(settings, action)


async def _rebuild_search_index(settings: Settings) -> None:
    """Rebuild the search and facet index of every package (after rows were written by bulk
    SQL), then tell every process the registry changed: the rebuild announces it here, and
    with Redis the change feed's topic reaches the servers (their caches drop)."""
    from domain import search_index
    from registry.commands.announce import announce_change
    from registry.commands.offline import with_database

    await with_database(settings, search_index.rebuild_search_index)
    await announce_change(settings)
    print("rebuild-search-index: done")


def _mint_token(settings: Settings, user_id: str, username: str, email: str, ttl: int) -> None:
    from registry.commands.dev import sign_token

    if not settings.jwt_secret:
        raise ConfigError("CLOUDM_JWT_SECRET: required to mint a development token")
    print(sign_token(settings.jwt_secret, user_id, username, email, ttl))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tb-registry", description="TB Registry server.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the HTTP server (default)",
        description="Run the HTTP server; SERVER_HOST/SERVER_PORT set the bind.",
    )
    serve.add_argument(
        "--dev",
        action="store_true",
        help="try it locally: bind 127.0.0.1, keep a generated secret in DATA_DIR and print "
        "an admin token that can publish (refused with CLOUDM_JWT_SECRET or a "
        "non-loopback SERVER_HOST)",
    )
    worker = commands.add_parser(
        "worker",
        help="run an arq worker (needs REDIS_URL)",
        description="Run background jobs from Redis (scans, mirrors, checks).",
    )
    worker.add_argument(
        "--check",
        action="store_true",
        help="liveness probe: exit 0 if this host's worker of ARQ_QUEUE_NAME has a fresh, "
        "healthy heartbeat, else 1 with one line saying why (a Redis outage alone is healthy: "
        "WORKER_OUTAGE_LIMIT decides)",
    )
    commands.add_parser(
        "migrate",
        help="apply database migrations",
        description="Apply the checked-in database migrations.",
    )
    admin = commands.add_parser(
        "admin",
        help="grant or revoke admin",
        description="Grant or revoke the stored admin flag of a user.",
    )
    admin_cmds = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    for action in ("grant", "revoke"):
        sub = admin_cmds.add_parser(
            action,
            help=f"{action} admin",
            description=f"{action.capitalize()} admin for a user id.",
        )
        sub.add_argument("user_id", help="CloudM user id")
        sub.add_argument("--username", help="create the user with this name if unknown")
    reconcile = commands.add_parser(
        "reconcile",
        help="check and repair object copies on every storage backend",
        description="Find missing or corrupt copies on the primary and every mirror, repair "
        "them from a verified copy, delete orphaned objects, and print a summary. "
        "Exit status 1 when something could not be repaired.",
    )
    reconcile.add_argument(
        "--full", action="store_true", help="hash every copy (default: RECONCILE_MODE, sampled)"
    )
    reconcile.add_argument(
        "--restart",
        action="store_true",
        help="start a new full run instead of resuming an interrupted one",
    )
    pages = commands.add_parser(
        "rebuild-pages",
        help="take package pages from archives already published",
        description="Scan published versions' archives again and store their page (README, "
        "changelog, icon): by default only versions that have none, e.g. those published "
        "before pages existed.",
    )
    pages.add_argument("--package", help="only this package's versions")
    pages.add_argument(
        "--all", action="store_true", dest="every", help="also versions that already have a page"
    )
    rescan = commands.add_parser(
        "rescan",
        help="run today's ZIP scan again over stored versions",
        description="Scan stored versions again (all, or a selection) with a progress bar and "
        "a summary. A published version that fails now is quarantined (audited); a "
        "quarantined one that passes now stays quarantined until an admin releases it. "
        "Interrupted? Run the same command again: finished versions are skipped. "
        "Exit status 1 when some version could not be read.",
    )
    rescan.add_argument(
        "--package", action="append", metavar="NAME", help="only this package (repeatable)"
    )
    rescan.add_argument(
        "--version", action="append", metavar="VERSION", help="only this version (repeatable)"
    )
    rescan.add_argument(
        "--status",
        action="append",
        choices=["published", "quarantined"],
        help="only versions in this status (repeatable; default: both)",
    )
    rescan.add_argument("--since", metavar="DATE", help="only versions uploaded since (ISO date)")
    rescan.add_argument(
        "--concurrency", type=int, default=2, metavar="N", help="archives scanned at once (2)"
    )
    rescan.add_argument(
        "--restart", action="store_true", help="ignore an interrupted run's journal"
    )
    commands.add_parser(
        "doctor",
        help="check configuration, database, Redis and storage; say what to fix",
        description="Check the configuration, the database (reachable, migrations), Redis "
        "(when configured) and every storage backend (reachable, bucket, a probe object "
        "written, read and deleted); one line per check. Exit status 1 when something is "
        "wrong.",
    )
    commands.add_parser(
        "rebuild-search-index",
        help="rebuild the search and facet index of every package",
        description="Recompute every package's full-text entry, facet rows and facet totals "
        "(after rows were written by bulk SQL), then announce the change so that every "
        "process's cached pages drop.",
    )
    export = commands.add_parser(
        "export",
        help="copy the registry's metadata and objects into a directory",
        description="Write every table (JSON Lines) and every object (checked by its sha256) "
        "into DIR, with a manifest. Stop servers and workers first. Resumable: run it again "
        "after an interruption.",
    )
    export.add_argument("directory", metavar="DIR", help="a new or empty directory")
    import_ = commands.add_parser(
        "import",
        help="load an export into this (empty) registry",
        description="Apply migrations, then load DIR (made by `export`) into the database and "
        "storage the settings name, which must be empty. Rows keep their keys and "
        "timestamps; objects are checked by sha256. Resumable: run it again after an "
        "interruption.",
    )
    import_.add_argument("directory", metavar="DIR", help="a directory written by `export`")
    token = commands.add_parser(
        "dev-token",
        help="mint a signed development JWT",
        description="Print a CloudM-style access token signed with "
        "CLOUDM_JWT_SECRET (development only).",
    )
    token.add_argument("user_id")
    token.add_argument("username")
    token.add_argument("--email", default="")
    token.add_argument("--ttl", type=int, default=900, help="lifetime in seconds (900)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "doctor":  # reports a bad setting as one of its findings
        from registry.commands.doctor import run

        return run()
    if args.command == "worker" and args.check:  # a probe: exit 1, never 2, on a bad setting
        from registry.commands.worker_check import run as check_worker

        return check_worker()
    try:
        settings = load_settings()
        _configure_logging(settings)
        command = args.command or "serve"
        if command == "serve":
            if getattr(args, "dev", False):
                from registry.commands import dev

                settings = dev.prepare(settings, read_environment())
            asyncio.run(_serve(settings))
        elif command == "worker":
            _worker(settings)
        elif command == "migrate":
            asyncio.run(_migrate(settings))
        elif command == "admin":
            asyncio.run(
                _set_admin(settings, args.user_id, args.admin_command == "grant", args.username)
            )
        elif command == "reconcile":
            from registry.commands.reconcile import run_command as reconcile_command

            return reconcile_command(settings, full=args.full, restart=args.restart)
        elif command == "rebuild-pages":
            asyncio.run(_rebuild_pages(settings, args.package, args.every))
        elif command == "rescan":
            from registry.commands.rescan import run_command

            return run_command(settings, args)
        elif command == "rebuild-search-index":
            asyncio.run(_rebuild_search_index(settings))
        elif command == "export":
            from registry.commands.export_import import run_export

            return run_export(settings, args.directory)
        elif command == "import":
            from registry.commands.export_import import run_import

            return run_import(settings, args.directory)
        elif command == "dev-token":
            _mint_token(settings, args.user_id, args.username, args.email, args.ttl)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        print(f"tb-registry: configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one readable line instead of a traceback
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"tb-registry: cannot start: {type(exc).__name__}: {message}", file=sys.stderr)
        return 1
    return 0
