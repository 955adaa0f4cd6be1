"""The `procura` command: serve, worker, migrate, demo, createadmin, audit, receipt and classification tools."""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A problem the operator can fix; printed without a traceback."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procura.settings")
    import django

    django.setup()


def _print_error(message: str) -> None:
    print(f"procura: error: {message}", file=sys.stderr)


# --- serve ------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    from procura.wsgi import application

    if args.with_worker and args.workers != 1:
        raise CommandError("--with-worker runs the job worker inside the one web process: use --workers 1")

    options: dict[str, Any] = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "timeout": 60,
        "forwarded_allow_ips": args.forwarded_allow_ips,
    }
    if args.with_worker:

        def start_jobs(worker: Any) -> None:
            import signal

            from huey.contrib.djhuey import HUEY

            # The consumer installs its own signal handlers; gunicorn's must stay in charge of
            # the process, so they are put back. The consumer's threads are daemons.
            saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
            HUEY.create_consumer(workers=2, worker_type="thread", periodic=True).start()
            for signum, handler in saved.items():
                signal.signal(signum, handler)

        options["post_worker_init"] = start_jobs

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    print(
        f"Procura is serving on http://{args.host}:{args.port}/ (public address {settings.BASE_URL})"
        + (" with the job worker in-process" if args.with_worker else "")
        + " (Ctrl-C stops it)",
        flush=True,
    )
    Server().run()
    return 0


# --- worker -----------------------------------------------------------------------------------
def cmd_worker(args: argparse.Namespace) -> int:
    from huey.contrib.djhuey import HUEY

    consumer = HUEY.create_consumer(workers=args.workers, worker_type="thread", periodic=True)
    print(f"Procura job worker: {args.workers} threads on {type(HUEY).__name__}", flush=True)
    consumer.run()
    return 0


# --- migrate ----------------------------------------------------------------------------------
def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return 0


# --- demo -------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from procura import demo

    if args.code_for:
        print(demo.current_code(args.code_for))
        return 0
    report = demo.load()
    print(report)
    return 0


# --- createadmin ------------------------------------------------------------------------------
def cmd_createadmin(args: argparse.Namespace) -> int:
    from procura.accounts.platform import platform_organisation
    from procura.accounts.services import platform_administrator_create

    password = args.password or os.environ.get("PROCURA_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CommandError("give --password or set PROCURA_ADMIN_PASSWORD (no terminal to ask on)")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
    user = platform_administrator_create(
        email=args.email, password=password, full_name=args.name, platform=platform_organisation()
    )
    print(f"Platform administrator {user.email} is ready. They set up two-factor at first sign-in.")
    return 0


# --- audit ------------------------------------------------------------------------------------
def cmd_audit_verify(args: argparse.Namespace) -> int:
    from procura.audit.selectors import verify_chain

    result = verify_chain()
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified")
        return 0
    where = f"entry #{result.broken_sequence}" + (f" (id {result.broken_id})" if result.broken_id else "")
    print(f"audit log BROKEN at {where}: {result.problem}; {result.checked} entries before it verified")
    return 1


# --- receipts ---------------------------------------------------------------------------------
def cmd_receipts_verify(args: argparse.Namespace) -> int:
    from procura.bids import tools

    # With --public-key the check is offline and needs no settings at all; without it the
    # platform's configured key is read from the settings (not the database).
    if not args.public_key:
        _setup_django()
    return tools.run(args)


# --- classifications --------------------------------------------------------------------------
def cmd_classifications_load(args: argparse.Namespace) -> int:
    from procura.classifications.services import classifications_load

    result = classifications_load(scheme=args.scheme, rows=args.file)
    print(
        f"{result.scheme} codes loaded from {args.file}: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="procura",
        description="Procura, the open e-procurement platform. Settings come from the environment "
        "(DATABASE_URL, PROCURA_SECRET_KEY, PROCURA_ENV, ...; see the README).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="serve the web application with gunicorn",
        description="Serve Procura over HTTP with gunicorn (threaded workers). In production put a "
        "TLS-terminating proxy in front and run `procura worker` beside it.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    serve.add_argument("--threads", type=_positive, default=8, help="threads per worker (default 8)")
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies trusted to set X-Forwarded-* headers (default 127.0.0.1)",
    )
    serve.add_argument(
        "--with-worker", action="store_true", help="run the job worker inside the web process (development)"
    )
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run the background job worker (huey)")
    worker.add_argument("--workers", type=_positive, default=2, help="worker threads (default 2)")
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser("migrate", help="create or upgrade the database tables")
    migrate.add_argument("--verbosity", type=int, choices=[0, 1, 2, 3], default=1)
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser(
        "demo",
        help="load the demo data (idempotent)",
        description="Load deterministic demo organisations and users; running it again changes nothing.",
    )
    demo.add_argument(
        "--code-for",
        metavar="EMAIL",
        help="print the current two-factor code of a demo user (development mode only)",
    )
    demo.set_defaults(handler=cmd_demo)

    createadmin = commands.add_parser("createadmin", help="create a platform administrator")
    createadmin.add_argument("--email", required=True)
    createadmin.add_argument("--name", required=True, help="full name")
    createadmin.add_argument("--password", help="password (default: $PROCURA_ADMIN_PASSWORD or a prompt)")
    createadmin.set_defaults(handler=cmd_createadmin)

    audit = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="check the audit log's hash chain",
        description="Recompute every audit entry's hash; name the first entry that was edited, "
        "removed or reordered. Exit status 0 when intact, 1 when broken.",
    )
    verify.set_defaults(handler=cmd_audit_verify)

    receipts = commands.add_parser("receipts", help="bid receipt tools")
    receipts_commands = receipts.add_subparsers(dest="receipts_command", metavar="COMMAND", required=True)
    receipt_verify = receipts_commands.add_parser(
        "verify", help="check a signed bid receipt offline, with the platform's public key"
    )
    importlib.import_module("procura.bids.tools").configure(receipt_verify)
    receipt_verify.set_defaults(handler=cmd_receipts_verify, needs_django=False)

    classifications = commands.add_parser("classifications", help="classification code tools (CPV, UNSPSC)")
    classifications_commands = classifications.add_subparsers(
        dest="classifications_command", metavar="COMMAND", required=True
    )
    load = classifications_commands.add_parser(
        "load",
        help="load CPV or UNSPSC codes from a CSV file",
        description="Add or update a scheme's codes from a CSV file (UTF-8; comma, semicolon or tab "
        "separated) whose first line names a code column and a description column, such as "
        "`code,description`, or CODE and EN as in the official CPV 2008 file. Levels and parents "
        "follow from the codes. One bad row refuses the whole file and nothing is written; "
        "loading the same file again changes nothing. Exit status 0 when loaded, 1 when refused.",
    )
    load.add_argument("scheme", choices=["cpv", "unspsc"], type=str.lower, help="the classification scheme")
    load.add_argument("file", metavar="FILE", help="the CSV file to load")
    load.set_defaults(handler=cmd_classifications_load)

    ocds = commands.add_parser("ocds", help="Open Contracting Data Standard tools: compile, validate, export, import")
    ocds_commands = ocds.add_subparsers(dest="ocds_command", metavar="COMMAND", required=True)
    for name, module_name, summary in OCDS_TOOLS:
        module = importlib.import_module(f"procura.publication.tools.{module_name}")
        tool = ocds_commands.add_parser(name, help=summary)
        module.configure(tool)
        # The tools set Django up themselves when they need the database (export, import).
        tool.set_defaults(handler=module.run, needs_django=False)
    return parser


# `procura ocds NAME`: each tool's module configures its own arguments and runs it.
OCDS_TOOLS = (
    ("compile", "compile", "merge releases into compiled (and versioned) releases, like `ocdskit compile`"),
    ("validate", "validate", "check packages or JSON lines against OCDS 1.1.5 and their extensions"),
    ("export", "export", "write the whole published dataset to a folder (JSON, JSON lines, CSV, Parquet)"),
    ("import", "import_", "load another publisher's releases or records into the historical store"),
)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _port(value: str) -> int:
    number = _positive(value)
    if number > 65535:
        raise argparse.ArgumentTypeError("a port is between 1 and 65535")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from procura.core.errors import ProcuraError
    from procura.publication.schema import SchemaUnavailable

    try:
        if getattr(args, "needs_django", True):
            _setup_django()
        handler: Handler = args.handler
        return handler(args)
    except ProcuraError as exc:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items())
        _print_error(exc.message + (f" ({details})" if details else ""))
        return 1
    except (CommandError, ImproperlyConfigured, SchemaUnavailable) as exc:
        _print_error(str(exc))
        return 2
    except DatabaseError as exc:
        _print_error(
            f"the database refused the operation: {str(exc).strip()}. "
            "Is DATABASE_URL right, and has `procura migrate` run?"
        )
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
