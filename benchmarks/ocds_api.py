"""How many releases per second the OCDS API serves on one core.

Creates a database with N releases (a temporary SQLite file by default, or `--database-url` for
PostgreSQL, whose tables are emptied first), starts the real server (`procura serve`, one worker,
one thread: one core), and from a separate client process walks `/api/ocds/releases?limit=1000`
newest first and the `/api/ocds/changes` feed from the start, following `links.next` over one
keep-alive connection. Prints the figures; the last line is `releases_per_s=X pages=N`.

    .venv/bin/python benchmarks/ocds_api.py [--releases 20000] [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "PROCURA_VAR_DIR": str(var_dir),
            "PROCURA_OCDS_RATE_LIMIT": "off",
            "PROCURA_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "procura.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
        }
    )
    return env


def _release(ocid: str, n: int, date: dt.datetime) -> dict[str, object]:
    """A release of the size and shape Procura publishes for a tender (about 2 KB)."""
    buyer = {"id": "GB-GOR-PB0001", "name": "Ministry of Benchmarks"}
    return {
        "ocid": ocid,
        "id": f"{ocid}-{n}",
        "date": date.isoformat().replace("+00:00", "Z"),
        "tag": ["tender"] if n % 3 == 0 else ["tenderUpdate"],
        "initiationType": "tender",
        "language": "en",
        "parties": [
            {
                **buyer,
                "identifier": {"scheme": "GB-GOR", "id": "PB0001", "legalName": buyer["name"]},
                "address": {"streetAddress": "1 High Street", "locality": "London", "postalCode": "SW1A 1AA"},
                "contactPoint": {"name": "Procurement team", "email": "buying@ministry.example"},
                "roles": ["buyer", "procuringEntity"],
            }
        ],
        "buyer": buyer,
        "tender": {
            "id": f"{ocid}-tender",
            "title": f"Nitrile examination gloves, lot {n}",
            "description": "Powder-free nitrile examination gloves in sizes S to XL, delivered monthly "
            "to twelve hospitals over two years, with a sustainability report each quarter.",
            "status": "active",
            "procurementMethod": "open",
            "mainProcurementCategory": "goods",
            "value": {"amount": 125000 + n, "currency": "GBP"},
            "tenderPeriod": {"startDate": "2026-03-02T09:00:00Z", "endDate": "2026-04-02T12:00:00Z"},
            "items": [
                {
                    "id": str(i),
                    "description": f"Gloves size {size}",
                    "classification": {"scheme": "CPV", "id": "33141420", "description": "Surgical gloves"},
                    "quantity": 10000 * i,
                    "unit": {"scheme": "UNCEFACT", "id": "H87", "name": "piece"},
                    "relatedLot": "1",
                }
                for i, size in enumerate(("S", "M", "L", "XL"), start=1)
            ],
            "lots": [
                {"id": "1", "title": "Gloves", "status": "active", "value": {"amount": 125000, "currency": "GBP"}}
            ],
        },
    }


def populate(count: int, processes: int) -> None:
    """Write `count` releases straight into the outbox tables (bulk, in one transaction), each
    process's record holding its latest release as the compiled release."""
    import django

    django.setup()
    from django.db import connection, transaction

    from procura.publication.models import Record, Release

    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with transaction.atomic():
        Record.objects.all().delete()
        Release.objects.all().delete()
        txid = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_current_xact_id()::text::bigint")
                txid = int(cursor.fetchone()[0])
        latest: dict[str, tuple[int, dt.datetime, bytes]] = {}
        batch: list[Release] = []
        for n in range(count):
            ocid = f"ocds-prcdev-{n % processes:06d}"
            date = start + dt.timedelta(seconds=n)
            body = orjson.dumps(_release(ocid, n, date))
            tag = "tender" if n % 3 == 0 else "tenderUpdate"
            batch.append(Release(txid=txid, release_id=f"{ocid}-{n}", ocid=ocid, date=date, tags=f" {tag} ", body=body))
            if len(batch) == 2000:
                Release.objects.bulk_create(batch)
                batch = []
        Release.objects.bulk_create(batch)
        for seq, ocid, date, body in Release.objects.order_by("seq").values_list("seq", "ocid", "date", "body"):
            compiled = orjson.loads(bytes(body))
            compiled.update({"id": f"{ocid}-{date.isoformat()}", "tag": ["compiled"]})
            latest[ocid] = (seq, date, orjson.dumps(compiled))
        Record.objects.bulk_create(
            [
                Record(ocid=ocid, release_count=1, last_seq=seq, last_date=date, compiled=compiled, versioned=b"{}")
                for ocid, (seq, date, compiled) in latest.items()
            ],
            batch_size=2000,
        )


def walk(base: str, first: str) -> tuple[int, int, float, int]:
    """Follow `links.next` from `first` until an empty or last page: releases, pages, seconds, bytes."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    releases = pages = size = 0
    path: str | None = first
    started = time.perf_counter()
    while path:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"ocds_api: error: GET {path} answered {response.status}: {body[:300]!r}")
        package = orjson.loads(body)
        pages += 1
        size += len(body)
        releases += len(package["releases"])
        if not package["releases"]:
            break
        following = package.get("links", {}).get("next")
        path = None
        if following:
            target = urlsplit(following)
            path = f"{target.path}?{target.query}"
    elapsed = time.perf_counter() - started
    connection.close()
    return releases, pages, elapsed, size


def client_main(base: str, limit: int) -> None:
    """The client process: walk both endpoints and print one JSON line of figures."""
    results = {}
    for name, first in (
        ("releases", f"/api/ocds/releases?limit={limit}"),
        ("changes", f"/api/ocds/changes?limit={limit}"),
    ):
        results[name] = walk(base, first)
    print(orjson.dumps(results).decode())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    parts = urlsplit(base)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("ocds_api: error: the server exited before it answered")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            connection.request("GET", "/api/ocds/changes?limit=1")
            status = connection.getresponse().status
            connection.close()
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise SystemExit(f"ocds_api: error: /api/ocds/changes answered {status}")
        return
    raise SystemExit("ocds_api: error: the server did not answer within a minute")


def _serve_command(port: int) -> list[str]:
    return [
        PYTHON,
        "-m",
        "procura.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--threads",
        "1",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=20_000, help="releases to create (default 20000)")
    parser.add_argument("--processes", type=int, default=5_000, help="contracting processes (default 5000)")
    parser.add_argument("--limit", type=int, default=1000, help="page size (default 1000)")
    parser.add_argument("--database-url", help="PostgreSQL URL (its publication tables are emptied)")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run as the client process
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    if args.populate:
        populate(args.releases, args.processes)
        return 0
    if args.client:
        client_main(args.client, args.limit)
        return 0
    if args.releases < 1 or args.processes < 1 or not 1 <= args.limit <= 1000:
        parser.error("--releases and --processes must be positive, --limit from 1 to 1000")

    workdir = Path(tempfile.mkdtemp(prefix="procura-ocds-api-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = _environment(database_url, workdir)
    try:
        subprocess.run([PYTHON, "-m", "procura.cli", "migrate"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        populate_command = [PYTHON, __file__, "--populate", "--releases", str(args.releases)]
        subprocess.run([*populate_command, "--processes", str(args.processes)], env=env, check=True)
        print(
            f"created {args.releases} releases in {time.perf_counter() - started:.1f} s ({database_url.split(':')[0]})"
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(_serve_command(port), env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            _wait_until_up(base, server)
            client = subprocess.run(
                [PYTHON, __file__, "--client", base, "--limit", str(args.limit)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    results = orjson.loads(client.stdout.strip().splitlines()[-1])
    total_releases = total_pages = 0
    total_seconds = 0.0
    for name, (releases, pages, seconds, size) in results.items():
        print(
            f"{name}: {releases} releases in {pages} pages, {seconds:.2f} s, "
            f"{releases / seconds:.0f} releases/s, {size / seconds / 1e6:.1f} MB/s"
        )
        total_releases += releases
        total_pages += pages
        total_seconds += seconds
    print(f"releases_per_s={total_releases / total_seconds:.0f} pages={total_pages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
