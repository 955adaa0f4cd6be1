"""A burst of bids over HTTP straddling a tender's deadline, on PostgreSQL: none lost, none late.

Creates a fresh PostgreSQL database (dropped first if it exists: its name must contain "bench"),
migrates it, and prepares through the services one published open tender and N suppliers, each
with a bid manager, an API token with the write scope and a complete draft bid. Starts the real
server (`procura serve`: gunicorn, threaded workers) on that database, warms it up with a short
burst on a second tender (which also measures the rate), then moves the tender's deadline so that
about 90% of the burst arrives before it and submits all N drafts at once over HTTP
(POST /api/v1/bids/{id}/submit, a pool of keep-alive connections), recording each request's status,
latency and send and receive times. Finally checks every answer against the database:

    accepted      2xx answers
    refused_late  clear refusals for lateness (422, the RuleViolation envelope naming the deadline)
    late_accepted stored versions submitted after the deadline (must be 0)
    lost          2xx answers without a stored version and receipt, plus versions without a 2xx (must be 0)

and prints the figures; the last line is
`accepted=N refused_late=N late_accepted=N lost=N bids_per_s=X p50_ms=X p99_ms=X`, where
bids_per_s is requests completed over the wall time of the burst (less any pause in which the
latecomers wait for the deadline: the last tenth of the burst submit only after it has passed).

    .venv/bin/python benchmarks/bid_burst.py [--database-url URL] [--suppliers 2000]
        [--workers 2] [--threads 8] [--connections 16]

The deadline is brought forward by a direct update of the tender row: the platform only ever
moves a deadline later (amendments, extensions), and a benchmark cannot wait for a real one.
The prepared users get a fast password hash (they never sign in with a password; hashing 2,000
Argon2 passwords would take minutes).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import queue
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/procura_bench_bids"
ON_TIME_SHARE = 0.9  # of the burst expected before the deadline
WARM_UP_SHARE = 0.1  # of the suppliers who also bid on the warm-up tender (at least 200)


# --- Database -------------------------------------------------------------------------------------
def recreate_database(url: str) -> None:
    """Drop and create the benchmark database, connecting to the server's `postgres` database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or not name:
        raise SystemExit(f"bid_burst: error: --database-url must be a PostgreSQL URL with a database name, not {url!r}")
    if "bench" not in name:
        raise SystemExit(f"bid_burst: error: the database {name!r} would be dropped: its name must contain 'bench'")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    signing_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env.update(
        {
            "DATABASE_URL": database_url,
            "PROCURA_VAR_DIR": str(var_dir),
            "PROCURA_SEALING_KEY": key,
            "PROCURA_RECEIPT_SIGNING_KEY": signing_key,
            "PROCURA_LOG_LEVEL": "WARNING",
            "PROCURA_OCDS_RATE_LIMIT": "off",
            "DJANGO_SETTINGS_MODULE": "procura.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
        }
    )
    env.pop("PROCURA_TESTING", None)
    return env


# --- Preparation (subprocesses with Django) -------------------------------------------------------
def _setup_django_for_preparation() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _organisation(kind: str, n: int, name: str) -> Any:
    from procura.accounts.services import OrganisationDetails, organisation_register

    return organisation_register(
        actor=None,
        kind=kind,
        details=OrganisationDetails(
            legal_name=name,
            identifier_scheme="GB-COH",
            identifier_id=f"B{n:07d}",
            country_code="GB",
            scale="small" if kind == "supplier" else "",
            contact_email=f"contact{n}@bench.example",
        ),
    )


def _person(n: int, organisation: Any, role: str) -> Any:
    from procura.accounts.services import membership_grant, user_register

    user = user_register(
        email=f"person{n}@bench.example",
        password="bench horse battery staple",
        full_name=f"Bench Person {n}",
        email_verified=True,
        send_verification=False,
    )
    membership_grant(actor=None, user=user, organisation=organisation, role=role)
    return user


def prepare_tenders(plan_path: Path) -> None:
    """The buyer, the tender and the warm-up tender, published (deadline in 20 days, for now)."""
    _setup_django_for_preparation()
    from procura.accounts.roles import OrganisationKind, Role
    from procura.classifications.services import load_demo_classifications
    from procura.tenders.services import tender_create, tender_publish
    from tests.tenders.support import details

    load_demo_classifications()
    buyer = _organisation(OrganisationKind.BUYER, 0, "Ministry of Benchmarks")
    officer = _person(0, buyer, Role.PROCUREMENT_OFFICER)
    tender = tender_publish(actor=officer, tender=tender_create(actor=officer, buyer=buyer, details=details("open")))
    warm_up = tender_publish(
        actor=officer,
        tender=tender_create(actor=officer, buyer=buyer, details=details("open", title="Warm-up tender")),
    )
    plan_path.write_text(json.dumps({"tender": str(tender.pk), "warm_up_tender": str(warm_up.pk)}))


def prepare_suppliers(plan_path: Path, first: int, last: int, warm_up_last: int, out_path: Path) -> None:
    """Suppliers `first`..`last`, each with a bid manager, a write token and a complete draft (those up
    to `warm_up_last` also one on the warm-up tender)."""
    _setup_django_for_preparation()
    from procura.accounts.roles import OrganisationKind, Role
    from procura.accounts.services import ApiScope, api_token_create
    from procura.bids import services as bids
    from procura.tenders.models import Tender

    plan = json.loads(plan_path.read_text())
    tender, warm_up = Tender.objects.get(pk=plan["tender"]), Tender.objects.get(pk=plan["warm_up_tender"])
    lot, warm_up_lot = tender.lots.get(), warm_up.lots.get()
    bidders = []
    for n in range(first, last + 1):
        supplier = _organisation(OrganisationKind.SUPPLIER, n, f"Bench Supplier {n} Ltd")
        manager = _person(n, supplier, Role.BID_MANAGER)
        _, token = api_token_create(actor=manager, name="bid burst", scopes=[ApiScope.READ, ApiScope.WRITE])
        bid = bids.bid_start(actor=manager, tender=tender, lot=lot, supplier=supplier)
        bids.bid_draft_save(actor=manager, bid=bid, price=f"{80000 + n}.00")
        entry = {"bid": str(bid.pk), "token": token, "warm_up_bid": None}
        if n <= warm_up_last:
            warm = bids.bid_start(actor=manager, tender=warm_up, lot=warm_up_lot, supplier=supplier)
            bids.bid_draft_save(actor=manager, bid=warm, price=f"{90000 + n}.00")
            entry["warm_up_bid"] = str(warm.pk)
        bidders.append(entry)
    out_path.write_text(json.dumps(bidders))


def prepare(env: dict[str, str], workdir: Path, suppliers: int, processes: int) -> dict[str, Any]:
    """The plan: tender ids and, per supplier, its bid, token and warm-up bid (prepared in parallel)."""
    plan_path = workdir / "plan.json"
    _django(env, "--prepare-tenders", str(plan_path))
    warm_up_last = min(suppliers, max(200, int(suppliers * WARM_UP_SHARE)))
    bounds = [(suppliers * i // processes + 1, suppliers * (i + 1) // processes) for i in range(processes)]
    parts = [workdir / f"suppliers-{i}.json" for i in range(processes)]
    running = [
        subprocess.Popen(
            [PYTHON, __file__, "--prepare-suppliers", str(plan_path), str(a), str(b), str(warm_up_last), str(part)],
            env=env,
            cwd=ROOT,
        )
        for (a, b), part in zip(bounds, parts, strict=True)
        if a <= b
    ]
    if any(process.wait() != 0 for process in running):
        raise SystemExit("bid_burst: error: preparing the suppliers failed")
    plan = json.loads(plan_path.read_text())
    plan["bidders"] = [entry for part in parts if part.exists() for entry in json.loads(part.read_text())]
    plan_path.write_text(json.dumps(plan))
    return dict(plan)


def move_deadline(tender_id: str, deadline: str) -> None:
    """Close the tender at `deadline` (see the module docstring: a benchmark cannot wait days)."""
    import django

    django.setup()
    from procura.tenders.models import Tender

    at = dt.datetime.fromisoformat(deadline)
    tender = Tender.objects.get(pk=tender_id)
    Tender.objects.filter(pk=tender_id).update(
        tender_end=at,
        bid_opening_at=at + dt.timedelta(hours=1),
        enquiry_end=min(tender.enquiry_end, at) if tender.enquiry_end else None,
        next_deadline_at=at,
    )


def check(plan_path: Path, results_path: Path, out_path: Path) -> None:
    """Compare every answer with what the database holds."""
    import django

    django.setup()
    from procura.bids import receipts
    from procura.bids.models import BidVersion, Receipt
    from procura.tenders.models import Tender

    plan = json.loads(plan_path.read_text())
    results = [Result(**r) for r in json.loads(results_path.read_text())]
    tender = Tender.objects.get(pk=plan["tender"])
    deadline = tender.tender_end
    assert deadline is not None
    versions: dict[str, list[tuple[int, dt.datetime]]] = {}
    for bid_id, number, at in BidVersion.objects.filter(bid__tender=tender).values_list(
        "bid_id", "number", "submitted_at"
    ):
        versions.setdefault(str(bid_id), []).append((number, at))
    stored_receipts = {
        str(pk): (str(bid_id), version_id)
        for pk, bid_id, version_id in Receipt.objects.filter(bid__tender=tender).values_list("pk", "bid_id", "version")
    }
    key = receipts.public_key()
    answered_2xx = {r.bid for r in results if 200 <= r.status < 300}
    lost_answered = lost_stored = bad_receipts = refused_before_deadline = 0
    for r in results:
        if 200 <= r.status < 300:
            stored = stored_receipts.get(r.receipt_id or "")
            if not versions.get(r.bid) or stored is None or stored[0] != r.bid or stored[1] is None:
                lost_answered += 1
            try:
                receipts.verify(json.dumps(r.receipt), key)
            except receipts.ReceiptInvalid:
                bad_receipts += 1
        elif r.late and r.received < deadline.timestamp():
            refused_before_deadline += 1  # judged late although answered before the deadline
    lost_stored = sum(1 for bid in versions if bid not in answered_2xx)
    late_accepted = sum(1 for stored in versions.values() for _, at in stored if at > deadline)
    figures = {
        "deadline": deadline.timestamp(),
        "stored_versions": sum(len(v) for v in versions.values()),
        "late_accepted": late_accepted,
        "lost": lost_answered + lost_stored,
        "lost_answered": lost_answered,
        "lost_stored": lost_stored,
        "bad_receipts": bad_receipts,
        "refused_before_deadline": refused_before_deadline,
    }
    out_path.write_text(json.dumps(figures))


# --- The burst (this process, no Django) ----------------------------------------------------------
@dataclass
class Result:
    bid: str
    status: int  # 0: no answer (connection failed)
    latency: float  # seconds
    sent: float  # epoch seconds, just before the request was written
    received: float  # epoch seconds, once the answer was read
    late: bool = False  # a RuleViolation naming the deadline
    code: str = ""  # the error envelope's code, or the failure
    receipt_id: str | None = None
    receipt: dict[str, Any] | None = None


def _submit(connection: http.client.HTTPConnection, bid: str, token: str, idempotent: bool) -> Result:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Length": "0"}
    if idempotent:  # as the API asks clients to: a retry then returns the same receipt
        headers["Idempotency-Key"] = str(uuid.uuid4())
    path = f"/api/v1/bids/{bid}/submit"
    sent, started = time.time(), time.perf_counter()
    try:
        connection.request("POST", path, body=b"", headers=headers)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        return Result(bid, 0, time.perf_counter() - started, sent, time.time(), code=type(exc).__name__)
    latency, received = time.perf_counter() - started, time.time()
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    result = Result(bid, response.status, latency, sent, received)
    if 200 <= response.status < 300:
        result.receipt_id = str(data.get("receipt_id"))
        result.receipt = data.get("receipt")
    else:
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        result.code = str(error.get("code", response.status))
        result.late = result.code == "rule_violation" and "deadline" in (error.get("fields") or {})
    return result


@dataclass(frozen=True)
class Job:
    bid: str
    token: str
    not_before: float | None = None  # epoch seconds: a latecomer sends only once the deadline has passed


def burst(base: str, jobs: list[Job], connections: int, *, idempotent: bool = True) -> tuple[list[Result], float]:
    """Submit every job at once, in order, over `connections` keep-alive connections; the results and
    the wall time from the first request to the last answer."""
    parts = urlsplit(base)
    pending: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)
    for _ in range(connections):
        pending.put(None)
    results: list[Result] = []
    lock = threading.Lock()
    ready = threading.Barrier(connections + 1)

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        connection.connect()
        ready.wait()
        mine = []
        while (job := pending.get()) is not None:
            if job.not_before is not None and job.not_before > time.time():
                # A connection left idle closes on the server's side (gunicorn keeps it 2 s): the
                # latecomer connects afresh once its moment has come.
                connection.close()
                time.sleep(max(0.0, job.not_before - time.time()))
                connection.connect()
            mine.append(_submit(connection, job.bid, job.token, idempotent))
        connection.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def _busy_seconds(results: list[Result]) -> float:
    """How long at least one request was in flight (the burst's wall time less any pause)."""
    busy, end = 0.0, float("-inf")
    for sent, received in sorted((r.sent, r.received) for r in results):
        if sent > end:
            busy += received - sent
        elif received > end:
            busy += received - end
        end = max(end, received)
    return busy


def _steady_rate(results: list[Result]) -> float:
    """Answers per second over the second half of a burst (the first requests warm the server up)."""
    received = sorted(r.received for r in results)
    half = received[len(received) // 2 :]
    return (len(half) - 1) / max(half[-1] - half[0], 1e-6) if len(half) > 1 else 1.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# --- CPU accounting (Linux /proc; the database on this machine) ----------------------------------
def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _server_pids(server_pid: int) -> list[int]:
    """The server process and its workers."""
    pids = [server_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == server_pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _database_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark database."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [int(row[0]) for row in rows]


class CpuMeter:
    """CPU used by the server, by the database's backends and by this client over a stretch."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        self.server_pid, self.database_url = server_pid, database_url
        self.start = self._read()

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            "server": {pid: _process_cpu(pid) for pid in _server_pids(self.server_pid)},
            "database": {pid: _process_cpu(pid) for pid in _database_pids(self.database_url)},
            "client": {os.getpid(): time.process_time()},
        }

    def used(self) -> dict[str, float]:
        end = self._read()
        return {
            part: sum(seconds - self.start[part].get(pid, 0.0) for pid, seconds in end[part].items()) for part in end
        }


# --- Server ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    parts = urlsplit(base)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bid_burst: error: the server exited before it answered")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            connection.request("GET", "/api/ocds/changes?limit=1")
            status = connection.getresponse().status
            connection.close()
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise SystemExit(f"bid_burst: error: /api/ocds/changes answered {status}")
        return
    raise SystemExit("bid_burst: error: the server did not answer within a minute")


def _serve_command(port: int, workers: int, threads: int) -> list[str]:
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
        str(workers),
        "--threads",
        str(threads),
    ]


def _django(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, __file__, *args], env=env, check=True, cwd=ROOT)


def _summary(results: list[Result]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        label = str(r.status) + (f" {r.code}" if r.code else "")
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{label}: {count}" for label, count in sorted(counts.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"PostgreSQL database to drop and create; its name must contain 'bench' (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--suppliers", type=int, default=2000, help="suppliers bidding (default 2000)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server worker (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent client connections (default 16)")
    parser.add_argument("--seed", type=int, default=5, help="order of the submissions (default 5)")
    parser.add_argument(
        "--no-idempotency-key", action="store_true", help="send no Idempotency-Key header (clients should send one)"
    )
    parser.add_argument("--prepare-processes", type=int, default=3, help="processes preparing the data (default 3)")
    parser.add_argument("--prepare-tenders", metavar="PLAN", help=argparse.SUPPRESS)  # internal steps, with Django
    parser.add_argument("--prepare-suppliers", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--move-deadline", nargs=2, metavar=("TENDER", "AT"), help=argparse.SUPPRESS)
    parser.add_argument("--check", nargs=3, metavar=("PLAN", "RESULTS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_tenders:
        prepare_tenders(Path(args.prepare_tenders))
        return 0
    if args.prepare_suppliers:
        plan, first, last, warm_up_last, out = args.prepare_suppliers
        prepare_suppliers(Path(plan), int(first), int(last), int(warm_up_last), Path(out))
        return 0
    if args.move_deadline:
        move_deadline(*args.move_deadline)
        return 0
    if args.check:
        check(*(Path(p) for p in args.check))
        return 0
    if min(args.suppliers, args.workers, args.threads, args.connections, args.prepare_processes) < 1:
        parser.error("--suppliers, --workers, --threads, --connections and --prepare-processes must be positive")

    workdir = Path(tempfile.mkdtemp(prefix="procura-bid-burst-"))
    env = _environment(args.database_url, workdir)
    try:
        return _run(args, env, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> int:
    recreate_database(args.database_url)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    subprocess.run([PYTHON, "-m", "procura.cli", "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    plan = prepare(env, workdir, args.suppliers, args.prepare_processes)
    plan_path = workdir / "plan.json"
    print(f"prepared {args.suppliers} suppliers with draft bids in {time.perf_counter() - started:.0f} s")

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        _serve_command(port, args.workers, args.threads), env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    try:
        _wait_until_up(base, server)
        warm_jobs = [Job(b["warm_up_bid"], b["token"]) for b in plan["bidders"] if b["warm_up_bid"]]
        idempotent = not args.no_idempotency_key
        warm_results, warm_seconds = burst(base, warm_jobs, args.connections, idempotent=idempotent)
        rate = _steady_rate(warm_results)
        print(
            f"warm-up: {len(warm_results)} bids in {warm_seconds:.2f} s ({len(warm_results) / warm_seconds:.0f}/s, "
            f"{rate:.0f}/s in its second half): {_summary(warm_results)}"
        )
        if not any(200 <= r.status < 300 for r in warm_results):
            raise SystemExit("bid_burst: error: the warm-up submitted no bid: is POST /api/v1/bids/{id}/submit there?")

        bidders = list(plan["bidders"])
        random.Random(args.seed).shuffle(bidders)
        # The deadline falls when about 90% of the burst has gone, at the warm-up's rate; the last
        # tenth are latecomers, who send only once it has passed (if the burst runs faster than the
        # warm-up, they wait for it: that pause is reported and left out of the rate).
        start_at = time.time() + 3
        deadline_at = start_at + ON_TIME_SHARE * len(bidders) / rate
        on_time = round(ON_TIME_SHARE * len(bidders))
        jobs = [Job(b["bid"], b["token"], None if n < on_time else deadline_at + 0.001) for n, b in enumerate(bidders)]
        deadline = dt.datetime.fromtimestamp(deadline_at, tz=dt.UTC)
        _django(env, "--move-deadline", plan["tender"], deadline.isoformat())
        time.sleep(max(0.0, start_at - time.time()))
        meter = CpuMeter(server.pid, args.database_url)
        results, wall = burst(base, jobs, args.connections, idempotent=idempotent)
        cpu = meter.used()
        load = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)

    results_path, figures_path = workdir / "results.json", workdir / "figures.json"
    results_path.write_text(json.dumps([asdict(r) for r in results]))
    _django(env, "--check", str(plan_path), str(results_path), str(figures_path))
    figures = json.loads(figures_path.read_text())

    busy = _busy_seconds(results)
    accepted = sum(1 for r in results if 200 <= r.status < 300)
    refused_late = sum(1 for r in results if r.late)
    latencies_ms = [r.latency * 1000 for r in results]
    first_sent = min(r.sent for r in results)
    before = sum(1 for r in results if r.sent <= figures["deadline"])
    print(f"answers: {_summary(results)}")
    print(
        f"deadline {figures['deadline'] - first_sent:.2f} s into the burst: {before} of {len(results)} "
        f"requests sent by then; burst of {wall:.2f} s, requests in flight for {busy:.2f} s of it"
    )
    print(
        f"stored versions: {figures['stored_versions']}; lost: {figures['lost_answered']} answered 2xx without "
        f"a stored version and receipt, {figures['lost_stored']} stored without a 2xx; receipts failing "
        f"verification: {figures['bad_receipts']}; refused as late though answered before the deadline: "
        f"{figures['refused_before_deadline']}"
    )
    print(
        f"latency ms: mean {statistics.fmean(latencies_ms):.1f}, p50 {_percentile(latencies_ms, 0.5):.1f}, "
        f"p90 {_percentile(latencies_ms, 0.9):.1f}, p99 {_percentile(latencies_ms, 0.99):.1f}, "
        f"max {max(latencies_ms):.1f} (server: {args.workers} workers x {args.threads} threads; "
        f"{args.connections} client connections{'' if idempotent else ', no Idempotency-Key'}); "
        f"load average after the burst {load:.2f}"
    )
    per_bid = {part: seconds / len(results) * 1000 for part, seconds in cpu.items()}
    total_ms = sum(per_bid.values())
    cpus = os.cpu_count() or 1
    print(
        f"CPU per bid: server {per_bid['server']:.1f} ms, PostgreSQL {per_bid['database']:.1f} ms, client "
        f"{per_bid['client']:.1f} ms; {total_ms:.1f} ms in all: at that cost {cpus} CPUs serve at most "
        f"{cpus * 1000 / total_ms:.0f} bids/s"
    )
    if not 0 < refused_late < len(results):
        print("warning: the burst did not straddle the deadline (the rate differed from the warm-up's)")
    print(
        f"accepted={accepted} refused_late={refused_late} late_accepted={figures['late_accepted']} "
        f"lost={figures['lost']} bids_per_s={len(results) / busy:.0f} "
        f"p50_ms={_percentile(latencies_ms, 0.5):.0f} p99_ms={_percentile(latencies_ms, 0.99):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
