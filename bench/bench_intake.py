"""Benchmark: sustained report intake through the HTTP API and OpenRosa (ODK), on the real server.

The goal (field-reports issue): on 2 cores and PostgreSQL, intake sustains at least 1,000 reports/s
with p99 latency under 100 ms.

Setup, per backend (PostgreSQL by default, SQLite on request): a scratch database with the Kaltim
demo (real Kemendagri codes for 1,038 villages, 6,294 TPS, 2,210 village officers), then
``--accounts`` field-officer accounts (role field_officer) for officers spread evenly over the
province, each scoped to the villages they serve, with an API token and a Digest HA1.

Each phase starts the real server the way ``tigapilar serve`` does (uvicorn, the app factory,
proxy headers, log level info with its access log, into a file) with 1 or 2 worker processes on
loopback, and drives it from this process (:mod:`bench.intake_load`) over keep-alive connections
for ``--warmup`` + ``--duration`` seconds; only the last ``--duration`` are measured. Channels
(:mod:`bench.intake_plans`): ``api`` posts JSON to /api/v1/reports with a bearer token; ``odk``
does what ODK Collect does per report, HEAD then POST /odk/submission with HTTP Digest and the
instance XML of the served form (skipped, and said so, while that endpoint does not exist). Every
report has a fresh client id, except ``--retry-share`` resends of reports already accepted and
``--invalid-share`` reports that must be refused and kept for review. Closed-loop phases find the
most the server takes; open-loop phases send at a fixed rate (the goal, 1,000/s, and 70 % of the
best closed-loop rate) and time each report from when it was due.

After each phase the database must hold exactly one new report per distinct valid client id (no
duplicate, nothing lost), one journal row (``inbound``) per POST, and journal states that match
what was sent (accepted, duplicate, needs_review).

Results: a table on stdout and ``bench/results/intake_<backend>.json``; docs/benchmarks.md explains
them. Run: ``python -m bench bench_intake`` or ``python -m bench.bench_intake`` (``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.common import POSTGRES_URL, machine, measured, scratch_database, write_results
from bench.intake_load import CpuMeter, Record, drive, process_tree, summarise
from bench.intake_plans import Account, ApiPlan, Fixture, OdkForm, OdkPlan, Village, digest_ha1

MODULE = "bench.bench_intake"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"
APP_FACTORY = "tigapilar.web.app:create_app"  # as tigapilar serve (src/tigapilar/cli/serve.py)
GOAL_RATE = 1000.0  # reports per second
GOAL_P99_MS = 100.0
PASSWORD = "bench-intake-2024-kaltim"
SEED = 20241127  # polling day of Pilkada 2024

# --- setup -----------------------------------------------------------------------------------------


def digest_realm() -> str:
    try:
        from tigapilar.accounts.digest import REALM
    except ImportError:  # before the OpenRosa work: no Digest, and the ODK phases are skipped
        return "tigapilar"
    return str(REALM)


def odk_ready() -> str | None:
    """Why the ODK phases cannot run yet (None: ``POST /odk/submission`` exists)."""
    try:
        from tigapilar.web.openrosa import openrosa_router
    except Exception as exc:  # the module is being written; any import error means "not ready"
        return f"tigapilar.web.openrosa does not import ({type(exc).__name__}: {exc})"
    for route in openrosa_router.routes:
        if getattr(route, "path", "").endswith("/submission") and "POST" in getattr(route, "methods", ()):
            return None
    return "tigapilar.web.openrosa has no POST /odk/submission"


def prepare(url: str, accounts: int) -> Fixture:
    """Migrate, load the Kaltim demo and create ``accounts`` field officers with API tokens."""
    from tigapilar.accounts.passwords import hash_password
    from tigapilar.accounts.tokens import API, issue
    from tigapilar.demo.config import load_demo_config
    from tigapilar.demo.loader import load_demo
    from tigapilar.reports.taxonomy import load_taxonomy
    from tigapilar.storage.db import Database
    from tigapilar.storage.migrate import upgrade
    from tigapilar.storage.models import Officer, OfficerVillage, Region, Tps, User, UserArea

    database = Database(url)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    upgrade(database.engine)
    with database.session() as session:
        load_demo(session, load_demo_config("kaltim"))
    timings["demo"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    made: list[Account] = []
    with database.session() as session:
        tps: dict[str, list[int]] = {}
        for desa, number in session.execute(select(Tps.desa_code, Tps.number).order_by(Tps.number)):
            tps.setdefault(desa, []).append(number)
        places = {
            code: (lat, lng)
            for code, lat, lng in session.execute(
                select(Region.code, Region.lat, Region.lng).where(Region.level == 4)
            )
        }
        served: dict[int, list[str]] = {}
        for officer_id, desa in session.execute(
            select(OfficerVillage.officer_id, OfficerVillage.desa_code).order_by(OfficerVillage.desa_code)
        ):
            served.setdefault(officer_id, []).append(desa)
        officers = list(session.execute(select(Officer.id, Officer.name).order_by(Officer.id)))
        step = max(1, len(officers) // accounts)
        chosen = [o for o in officers[::step] if o.id in served][:accounts]
        # One Argon2 hash for all: create_user would spend ~50 ms per account hashing the same password.
        password_hash = hash_password(PASSWORD)
        realm = digest_realm()
        now = datetime.datetime.now(datetime.UTC)
        for index, officer in enumerate(chosen):
            username = f"bench.petugas{index:04d}"
            user = User(
                username=username,
                full_name=officer.name,
                password_hash=password_hash,
                # What create_user stores for HTTP Digest (ODK Collect), MD5(username:realm:password).
                digest_ha1=digest_ha1(username, PASSWORD, realm),
                role="field_officer",
                national=False,
                officer_id=officer.id,
                language="id",
                active=True,
            )
            session.add(user)
            session.flush()
            session.add_all(UserArea(user_id=user.id, region_code=code) for code in served[officer.id])
            token = issue(session, user, API, "bench", None, now).token
            villages = [Village(c, tps.get(c, []), *places.get(c, (None, None))) for c in served[officer.id]]
            made.append(Account(user.id, username, token, user.digest_ha1 or "", villages))
    timings["accounts"] = round(time.perf_counter() - started, 2)
    database.dispose()
    categories = [c.code for c in load_taxonomy(None).categories]
    return Fixture(made, categories, sorted(places), timings)


# --- the server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(
    url: str, workers: int, folder: Path, *, access_log: bool, pythonpath: str | None
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """uvicorn serving the app factory as ``tigapilar serve`` does, with ``workers`` processes."""
    port = _free_port()
    env = {**os.environ, "TIGAPILAR_DATABASE_URL": url, "TIGAPILAR_DATA_DIR": str(folder / "data")}
    if pythonpath:  # e.g. a folder with uvloop and httptools, to measure what they change
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "uvicorn", APP_FACTORY, "--factory", "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers), "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
    argv += ["--log-level", "info"] + ([] if access_log else ["--no-access-log"])
    log_path = folder / f"server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    try:
        deadline = time.monotonic() + 60
        while log_path.read_text(errors="replace").count("Application startup complete") < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield process, port, log_path
    finally:
        tree = process_tree(process.pid)  # the workers too, should the master not stop them in time
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            for pid in reversed(tree):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()


def fetch_form(port: int, account: Account) -> OdkForm:
    """The report form as Collect gets it: the form list, then the form's download URL (Digest)."""
    import httpx

    auth = httpx.DigestAuth(account.username, PASSWORD)
    with httpx.Client(base_url=f"http://{HOST}:{port}", auth=auth, timeout=30) as client:
        listing = client.get("/odk/formList", headers={"X-OpenRosa-Version": "1.0"})
        listing.raise_for_status()
        found = re.search(rb"<downloadUrl>([^<]+)</downloadUrl>", listing.content)
        if found is None:
            raise RuntimeError(f"no downloadUrl in the form list: {listing.text[:500]}")
        xform = client.get(found.group(1).decode(), headers={"X-OpenRosa-Version": "1.0"})
        xform.raise_for_status()
    return OdkForm.from_xform(xform.content)


# --- checking the database -------------------------------------------------------------------------


def counts(url: str, channel: str) -> dict[str, Any]:
    """Journal rows by state, reports, submission keys and duplicate keys for one channel."""
    from tigapilar.storage.db import Database
    from tigapilar.storage.models import Inbound, Report, ReportSubmission

    database = Database(url)
    with database.session() as session:
        states = dict(
            session.execute(
                select(Inbound.state, func.count()).where(Inbound.channel == channel).group_by(Inbound.state)
            ).all()
        )
        keys = session.execute(
            select(func.count(), func.count(func.distinct(ReportSubmission.external_id))).where(
                ReportSubmission.channel == channel
            )
        ).one()
        reports = session.scalar(select(func.count()).select_from(Report).where(Report.channel == channel))
        sessions = None
        if database.engine.dialect.name == "postgresql":  # backends started: pool churn shows here
            sessions = session.scalar(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            )
    database.dispose()
    return {
        "postgresql_sessions": sessions,
        "inbound": sum(states.values()),
        "inbound_states": {str(k): int(v) for k, v in states.items()},
        "reports": int(reports or 0),
        "submission_keys": int(keys[0]),
        "distinct_keys": int(keys[1]),
    }


def verify(before: dict[str, Any], after: dict[str, Any], records: list[Record]) -> dict[str, Any]:
    """What the database gained against what was sent; ``ok`` when every number is as it must be.

    A request answered as expected counts for sure. One that failed (timed out, refused, answered
    otherwise) may or may not have got in, so it widens the expected range instead; such failures
    are listed on their own.
    """
    sure = [r for r in records if r.status == r.expected]
    kinds, sure_kinds = Counter(r.kind for r in records), Counter(r.kind for r in sure)
    new_keys = {r.key for r in records if r.kind == "new"}
    sure_keys = {r.key for r in sure if r.kind == "new"}

    def gained(name: str) -> int:
        return int(after[name]) - int(before[name])

    def state(name: str) -> int:
        return int(after["inbound_states"].get(name, 0)) - int(before["inbound_states"].get(name, 0))

    checks = {
        "reports == distinct valid client ids": (gained("reports"), len(sure_keys), len(new_keys)),
        "journal rows == POSTs sent": (
            gained("inbound"),
            sum(r.posts for r in sure),
            sum(r.posts for r in records),
        ),
        "journal accepted == distinct valid client ids": (state("accepted"), len(sure_keys), len(new_keys)),
        "journal duplicate == retries": (state("duplicate"), sure_kinds["retry"], kinds["retry"]),
        "journal needs_review == invalid": (state("needs_review"), sure_kinds["invalid"], kinds["invalid"]),
        "submission keys == reports": (gained("submission_keys"), gained("reports"), gained("reports")),
        "duplicate submission keys (whole table)": (after["submission_keys"] - after["distinct_keys"], 0, 0),
    }
    statuses = Counter(f"{r.kind} {r.status}" for r in records if r.status != r.expected)
    opened = None
    if before.get("postgresql_sessions") is not None and after.get("postgresql_sessions") is not None:
        opened = int(after["postgresql_sessions"]) - int(before["postgresql_sessions"]) - 1  # less our own
    return {
        "sent": dict(kinds),
        "postgresql_sessions_opened": opened,
        "http_requests": sum(r.requests for r in records),
        "not_as_expected": dict(statuses),  # status 0: no answer (refused, reset, client timeout)
        # Journaled but never processed (e.g. the request failed between the two transactions).
        "journal_left_received": state("received"),
        "checks": {
            name: {"database": got, "expected": low if low == high else [low, high]}
            for name, (got, low, high) in checks.items()
        },
        "ok": all(low <= got <= high for got, low, high in checks.values()),
    }


# --- phases ----------------------------------------------------------------------------------------


@dataclass
class Phase:
    channel: str
    workers: int
    rate: float | None  # None: closed loop
    connections: int

    @property
    def name(self) -> str:
        load = "closed loop" if self.rate is None else f"open loop {self.rate:.0f}/s"
        return f"{self.channel}, {self.workers} worker{'s' if self.workers > 1 else ''}, {load}"


def wait_quiet(limit: float) -> float:
    """Wait up to ``limit`` seconds for the machine to go idle (under 0.3 busy cores); the last reading."""
    deadline = time.monotonic() + limit
    while True:
        meter = CpuMeter(os.getpid(), None)
        before = meter.snapshot()
        time.sleep(1.0)
        busy = CpuMeter.cores(before, meter.snapshot())["machine"]
        if busy < 0.3 or time.monotonic() >= deadline:
            return busy


def server_errors(lines: list[str]) -> dict[str, int]:
    """Exceptions in the server's log (each line naming one, e.g. the pool's TimeoutError), counted."""
    named = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit|Interrupt)\b")
    errors = Counter(line[:160] for line in lines if named.match(line))
    return dict(errors.most_common(10))


def run_phase(
    url: str, fixture: Fixture, phase: Phase, args: argparse.Namespace, seed: int
) -> dict[str, Any]:
    database = make_url(url).database if url.startswith("postgresql") else None
    before = counts(url, phase.channel)
    busy_before = wait_quiet(args.wait_quiet) if args.wait_quiet else None
    with (
        tempfile.TemporaryDirectory(prefix="tigapilar-intake-") as folder,
        server(
            url, phase.workers, Path(folder), access_log=args.access_log, pythonpath=args.server_pythonpath
        ) as (process, port, log_path),
    ):
        plan: ApiPlan | OdkPlan
        if phase.channel == "odk":
            form = fetch_form(port, fixture.accounts[0])
            plan = OdkPlan(fixture, seed, args.retry_share, args.invalid_share, form)
        else:
            plan = ApiPlan(fixture, seed, args.retry_share, args.invalid_share)
        load_average = round(os.getloadavg()[0], 2)
        result = asyncio.run(
            drive(
                HOST,
                port,
                plan,
                connections=phase.connections,
                warmup=args.warmup,
                duration=args.duration,
                rate=phase.rate,
                meter=CpuMeter(process.pid, database),
            )
        )
        log_lines = log_path.read_text(errors="replace").splitlines()
    after = counts(url, phase.channel)
    return {
        "phase": phase.name,
        "channel": phase.channel,
        "workers": phase.workers,
        "mode": "closed" if phase.rate is None else "open",
        "rate": phase.rate,
        "connections": phase.connections,
        "warmup_seconds": args.warmup,
        "load_average_before": load_average,
        "machine_busy_cores_before": busy_before,
        "window": summarise(result),
        "backlog": result.backlog,
        "verification": verify(before, after, result.records),
        "server_errors": server_errors(log_lines),
    }


def _line(outcome: dict[str, Any]) -> str:
    w = outcome["window"]
    lat, cpu = w["latency_ms"], w["cpu_cores"]
    return (
        f"  {outcome['phase']:<34} {w['requests_per_s']:>6.1f} reports/s"
        f" ({w['reports_created_per_s']:>6.1f} new)  p50 {lat.get('p50', 0):>7.1f}"
        f"  p95 {lat.get('p95', 0):>7.1f}  p99 {lat.get('p99', 0):>7.1f} ms"
        f"  cores: client {cpu['client']:.2f} server {cpu['server']:.2f} pg {cpu['postgresql']:.2f}"
        f" other {cpu['other']:.2f}"
        f"  failed {w['unexpected_status']}  db check {'ok' if outcome['verification']['ok'] else 'FAILED'}"
    )


def verdict(phases: list[dict[str, Any]]) -> str:
    """Met if an open-loop phase at the goal rate kept up (no backlog) with p99 under the limit."""
    met = [
        p
        for p in phases
        if p["mode"] == "open"
        and p["rate"] >= GOAL_RATE
        and p["backlog"] == 0
        and p["window"]["requests_per_s"] >= 0.98 * p["rate"]
        and p["window"]["latency_ms"].get("p99", float("inf")) < GOAL_P99_MS
        and p["verification"]["ok"]
    ]
    if met:
        return "met: " + ", ".join(p["phase"] for p in met)
    best = max(phases, key=lambda p: p["window"]["requests_per_s"], default=None)
    if best is None:
        return "not measured"
    return (
        f"MISSED: at most {best['window']['requests_per_s']:.0f} reports/s "
        f"({best['window']['reports_created_per_s']:.0f} new) in '{best['phase']}'"
    )


AUTO_SHARE = 0.7  # "auto" open-loop rate: this share of the best closed-loop throughput of the channel


def plan_phases(args: argparse.Namespace, channel: str) -> list[tuple[Phase, str | None]]:
    """Closed loops for each worker count, then open loops with the most workers ("auto": rate later)."""
    workers = [int(w) for w in args.workers.split(",")]
    phases: list[tuple[Phase, str | None]] = [
        (Phase(channel, w, None, args.connections), None) for w in workers
    ]
    for rate in (r.strip() for r in args.rates.split(",") if r.strip()):
        fixed = None if rate == "auto" else float(rate)
        phases.append((Phase(channel, max(workers), fixed, args.open_connections), rate))
    return phases


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{backend}:", flush=True)
    channels = args.channels.split(",")
    skipped: dict[str, str] = {}
    if "odk" in channels and (reason := odk_ready()) is not None:
        skipped["odk"] = f"not yet run: {reason}"
        channels.remove("odk")
        print(f"  odk skipped: {reason}", flush=True)
    outcomes: list[dict[str, Any]] = []
    with scratch_database(backend) as url:
        setup = measured(lambda: prepare(url, args.accounts))
        fixture: Fixture = setup["result"]
        print(f"  setup {setup['seconds']} s {fixture.seconds}, {len(fixture.accounts)} accounts", flush=True)
        for channel in channels:
            for phase, rate in plan_phases(args, channel):
                if rate == "auto":
                    closed = [o for o in outcomes if o["channel"] == channel and o["mode"] == "closed"]
                    best = max((o["window"]["requests_per_s"] for o in closed), default=0.0)
                    phase.rate = max(1.0, round(AUTO_SHARE * best))
                outcome = run_phase(url, fixture, phase, args, args.seed + len(outcomes))
                print(_line(outcome), flush=True)
                outcomes.append(outcome)
    verdicts = {c: verdict([o for o in outcomes if o["channel"] == c]) for c in channels}
    return {
        "setup": {
            "seconds": setup["seconds"],
            "steps": fixture.seconds,
            "accounts": len(fixture.accounts),
            "villages_covered": sum(len(a.villages) for a in fixture.accounts),
        },
        "phases": outcomes,
        "skipped": skipped,
        "verdict": verdicts,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="postgresql", help="comma-separated: postgresql,sqlite")
    parser.add_argument("--channels", default="api,odk", help="comma-separated: api,odk")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts for the closed-loop phases")
    parser.add_argument(
        "--rates",
        default=f"{GOAL_RATE:.0f},auto",
        help="open-loop rates (reports/s) run with the most workers; "
        f"auto: {AUTO_SHARE * 100:.0f}%% of the best closed-loop throughput",
    )
    parser.add_argument("--connections", type=int, default=8, help="client connections, closed loop")
    parser.add_argument("--open-connections", type=int, default=64, help="client connections, open loop")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds sent before measuring")
    parser.add_argument("--accounts", type=int, default=300, help="field-officer accounts sending")
    parser.add_argument("--retry-share", type=float, default=0.05, help="resends of accepted reports")
    parser.add_argument("--invalid-share", type=float, default=0.02, help="reports that must be refused")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--wait-quiet", type=float, default=0.0, help="wait up to N s for an idle machine")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false", help="server without it")
    parser.add_argument("--server-pythonpath", help="prepended to the server's PYTHONPATH (e.g. uvloop)")
    parser.add_argument(
        "--output-dir", type=Path, default=RESULTS_DIR, help="where intake_<backend>.json goes"
    )
    parser.add_argument("--tag", default="", help="suffix of the results file name, e.g. -uvloop")
    args = parser.parse_args(argv)
    info = machine()
    for backend in args.backends.split(","):
        if backend == "postgresql" and info["postgresql"].startswith("unavailable"):
            print(f"postgresql skipped: no server at {POSTGRES_URL}", flush=True)
            continue
        results: dict[str, Any] = {
            "benchmark": MODULE,
            "date": datetime.date.today().isoformat(),
            "machine": info,
            "goal": {"reports_per_second": GOAL_RATE, "p99_ms": GOAL_P99_MS},
            "backend": backend,
            "settings": {k: v for k, v in vars(args).items() if k != "output_dir" and v is not None},
            "load_average_before": round(os.getloadavg()[0], 2),
        }
        results |= run_backend(backend, args)
        results["load_average_after"] = round(os.getloadavg()[0], 2)
        path = args.output_dir / f"intake_{backend}{args.tag}.json"
        write_results(path, results)
        print(f"  verdict: {results['verdict']}\n  results written to {path}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
