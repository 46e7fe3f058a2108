"""Load generator for ``bench.bench_intake``: keep-alive HTTP/1.1 connections over asyncio streams.

Deliberately small: the client shares the two cores with the server and PostgreSQL, so it speaks
HTTP/1.1 itself (one ``writer.write`` per request, a header scan and ``readexactly`` per answer)
instead of going through a full client library. It measures its own CPU so the cost is on record.

Two ways to drive the server:

* **closed loop** (``rate=None``): each of ``connections`` clients sends its next request as soon as
  the previous answer arrives. This finds the most the server can take; latency then only says how
  long the queue in front of the server is (Little's law: connections / throughput).
* **open loop** (``rate=R``): requests are due at fixed times, R per second, whatever the server
  does, as reports from thousands of phones are. A request waits for a free connection if all are
  busy, and its latency counts from when it was due, so a server that falls behind shows it
  (no coordinated omission).

Per request it records kind, HTTP status and the due/start/end times; :func:`summarise` turns the
records of the measured window into throughput and latency percentiles.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- HTTP/1.1 over one connection -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One keep-alive connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.state: dict[str, Any] = {}  # per-connection data a channel keeps (e.g. a Digest nonce)

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self.reader, self.writer

    async def request(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        reader, writer = (self.reader, self.writer)
        if writer is None or reader is None:
            reader, writer = await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer_headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            key = name.strip().lower()  # a repeated header (WWW-Authenticate) keeps every value
            answer_headers[key] = (
                f"{answer_headers[key]}, {value.strip()}" if key in answer_headers else value.strip()
            )
        if method == "HEAD" or status in (204, 304):
            content = b""
        elif "chunked" in answer_headers.get("transfer-encoding", "").lower():
            content = await self._chunked()
        else:
            content = await reader.readexactly(int(answer_headers.get("content-length", "0")))
        if answer_headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, answer_headers, content)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# --- what is sent ----------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One request of a report's exchange: kind (new | retry | invalid), the final status expected."""

    kind: str
    expected: int  # for the exchange's last answer (a Digest challenge or a HEAD may come first)
    path: str
    body: bytes
    headers: list[tuple[str, str]]
    key: str  # the submission key this report carries (user:client id, or the ODK instanceID)
    account: int
    method: str = "POST"


class Plan(Protocol):
    """Makes the next request and hears its answer (to pick later retries from accepted reports)."""

    def next(self, connection: Connection) -> Outgoing: ...

    def heard(self, outgoing: Outgoing, answer: Answer, connection: Connection) -> Outgoing | None:
        """Called with each answer; may return a follow-up to send at once (an auth challenge's reply)."""
        ...


@dataclass
class Record:
    kind: str
    expected: int
    status: int  # 0: no answer (refused, reset, timed out); -1: cut off at the end of the run
    due: float
    start: float
    end: float
    key: str
    requests: int = 1  # HTTP round trips: more than one with a HEAD or a Digest challenge first
    posts: int = 1  # of which POSTs, each journaled by the server


@dataclass
class LoadResult:
    records: list[Record]
    started: float  # perf_counter at the start of the warm-up
    window: tuple[float, float]  # the measured window (perf_counter)
    cpu: dict[str, float]  # cores used during the window by the client, server, PostgreSQL, machine
    backlog: int = 0  # open loop: requests that were due but never sent before the end
    errors: list[str] = field(default_factory=list)


# --- CPU accounting from /proc ---------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # after the command name, which may contain spaces


def _ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0  # utime + stime


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _postgres_pids(database: str | None) -> list[int]:
    """PostgreSQL's backends for ``database`` plus its shared helpers (WAL writer, checkpointer...)."""
    if not database:
        return []
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if not command.startswith("postgres"):
            continue
        backend = "(" in command  # client backends show the client's address: 127.0.0.1(port)
        if not backend or f" {database} " in command:
            pids.append(int(entry))
    return pids


class CpuMeter:
    """Snapshots of CPU time: this process, the server's process tree, PostgreSQL, the whole machine."""

    def __init__(self, server_pid: int, database: str | None) -> None:
        self.server_pid, self.database = server_pid, database

    def snapshot(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return {
            "client": usage.ru_utime + usage.ru_stime,
            "server": {p: _ticks(p) / CLOCK_TICKS for p in process_tree(self.server_pid)},
            "postgresql": {p: _ticks(p) / CLOCK_TICKS for p in _postgres_pids(self.database)},
            "machine": (sum(values) - idle) / CLOCK_TICKS,
            "wall": time.perf_counter(),
        }

    @staticmethod
    def cores(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        wall = after["wall"] - before["wall"]
        used = {}
        for key in ("client", "server", "postgresql", "machine"):
            if isinstance(after[key], dict):  # per process: one that started meanwhile counts from zero
                spent = sum(t - before[key].get(pid, 0.0) for pid, t in after[key].items())
            else:
                spent = after[key] - before[key]
            used[key] = spent / wall
        # How the server's work split over its processes (uvicorn workers share one listening socket).
        split = [(t - before["server"].get(pid, 0.0)) / wall for pid, t in after["server"].items()]
        used |= {f"server_process_{n}": v for n, v in enumerate(sorted(split, reverse=True)) if v >= 0.01}
        # Whatever else ran on the machine meanwhile (other programs, the kernel): it skews the numbers.
        used["other"] = max(0.0, used["machine"] - used["client"] - used["server"] - used["postgresql"])
        # machine and other are whole-machine numbers; the rest are this run's processes.
        return {k: round(v, 2) for k, v in used.items()}


# --- driving the server ----------------------------------------------------------------------------


async def _send(
    connection: Connection, plan: Plan, due: float, timeout: float, records: list[Record]
) -> None:
    """One report's exchange; its record is kept even when the run's end cuts it off (status -1)."""
    outgoing = plan.next(connection)
    start = time.perf_counter()
    status, requests, posts = -1, 0, 0
    try:
        current: Outgoing | None = outgoing
        while current is not None:
            requests += 1
            posts += current.method == "POST"
            answer = await asyncio.wait_for(
                connection.request(current.method, current.path, current.headers, current.body), timeout
            )
            status = answer.status
            current = plan.heard(current, answer, connection)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        status = 0
        await connection.close()
    finally:
        end = time.perf_counter()
        records.append(
            Record(outgoing.kind, outgoing.expected, status, due, start, end, outgoing.key, requests, posts)
        )


async def drive(
    host: str,
    port: int,
    plan: Plan,
    *,
    connections: int,
    warmup: float,
    duration: float,
    rate: float | None,
    meter: CpuMeter,
    timeout: float = 10.0,
    drain: float = 3.0,
) -> LoadResult:
    """Send requests for ``warmup + duration`` seconds; the last ``duration`` seconds are measured."""
    pool = [Connection(host, port) for _ in range(connections)]
    for connection in pool:
        # One at a time, as phones arrive: opened all at once, the first uvicorn worker to wake up
        # accepts every one of them (asyncio accepts all pending connections in one go) and the
        # other workers get none of these keep-alive connections.
        await connection.open()
        await asyncio.sleep(0.02)
    records: list[Record] = []
    started = time.perf_counter()
    window = (started + warmup, started + warmup + duration)
    snapshots: list[dict[str, Any]] = []
    backlog = 0

    async def sample() -> None:
        for moment in window:
            await asyncio.sleep(max(0.0, moment - time.perf_counter()))
            snapshots.append(meter.snapshot())

    async def closed(connection: Connection) -> None:
        while time.perf_counter() < window[1]:
            await _send(connection, plan, time.perf_counter(), timeout, records)

    queue: asyncio.Queue[float | None] = asyncio.Queue()

    async def produce(per_second: float) -> None:
        sent = 0
        while True:
            now = time.perf_counter()
            if now >= window[1]:
                break
            due_count = int((now - started) * per_second) + 1
            for index in range(sent, due_count):
                queue.put_nowait(started + index / per_second)
            sent = due_count
            await asyncio.sleep(0.002)
        for _ in pool:
            queue.put_nowait(None)

    async def opened(connection: Connection) -> None:
        nonlocal backlog
        while (due := await queue.get()) is not None:
            if time.perf_counter() >= window[1]:
                backlog += 1  # due, but the run is over before a connection was free for it
                continue
            await _send(connection, plan, due, timeout, records)

    tasks = [asyncio.create_task(sample())]
    if rate is None:
        tasks += [asyncio.create_task(closed(c)) for c in pool]
    else:
        tasks.append(asyncio.create_task(produce(rate)))
        tasks += [asyncio.create_task(opened(c)) for c in pool]
    # Requests still out this long after the window are cut off (recorded with status -1): an
    # overloaded server would otherwise hold the run up to the client timeout.
    _, late = await asyncio.wait(tasks, timeout=max(0.0, window[1] - time.perf_counter()) + drain)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    for connection in pool:
        await connection.close()
    cpu = CpuMeter.cores(snapshots[0], snapshots[1])
    return LoadResult(records, started, window, cpu, backlog)


# --- numbers ---------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(share * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def latency_ms(records: list[Record], key: Callable[[Record], float]) -> dict[str, float]:
    values = sorted((r.end - key(r)) * 1000 for r in records)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "mean": round(sum(values) / len(values), 1),
        "p50": round(percentile(values, 0.50), 1),
        "p95": round(percentile(values, 0.95), 1),
        "p99": round(percentile(values, 0.99), 1),
        "max": round(values[-1], 1),
    }


def summarise(result: LoadResult) -> dict[str, Any]:
    """Throughput and latency over the requests that finished inside the measured window."""
    low, high = result.window
    seconds = high - low
    inside = [r for r in result.records if low <= r.end <= high]
    good = [r for r in inside if r.status == r.expected]
    created = [r for r in inside if r.kind == "new" and r.status == 201]
    statuses: dict[str, int] = {}
    for record in inside:
        statuses[str(record.status)] = statuses.get(str(record.status), 0) + 1
    return {
        "seconds": round(seconds, 2),
        "requests": len(inside),
        "requests_per_s": round(len(inside) / seconds, 1),
        "reports_created_per_s": round(len(created) / seconds, 1),
        "statuses": dict(sorted(statuses.items())),
        "unexpected_status": len(inside) - len(good),
        "no_answer": sum(1 for r in inside if r.status <= 0),
        # From when the request was due (open loop: includes waiting for a free connection).
        "latency_ms": latency_ms(inside, lambda r: r.due),
        # From when it went on the wire: the server's (and the network's) share alone.
        "service_ms": latency_ms(inside, lambda r: r.start),
        "created_latency_ms": latency_ms(created, lambda r: r.due),
        "cpu_cores": result.cpu,
        # CPU per report answered in the window: what limits a saturated 2-core machine, and less
        # sensitive than throughput to other programs running at the same time.
        "cpu_ms_per_report": {
            k: round(result.cpu[k] * 1000 / (len(inside) / seconds), 2) if inside else None
            for k in ("client", "server", "postgresql")
        },
    }
