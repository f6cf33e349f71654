"""The registration rush: families register at once through `POST /api/v1/enrollments`
on gunicorn and PostgreSQL as in production, first all for ONE offering of 30 seats, then
each for one of 200 offerings picked at random; a bare Django view is measured on the same
server in the same run.

    make bench-rush                      # bash bench/run.sh with the rush's database
    make bench-rush BENCH_ARGS="--rounds 1"

Each family is a guardian with an API token and one child; its wallet is topped up through
the ledger (bench/seed_rush.py), so registering is paid from the wallet with no trip to a
bank. Every request carries the family's token and an Idempotency-Key of its own. The
load generator is an asyncio client of a few lines (one request per family, `--connections`
in flight, `Connection: close` as gunicorn's sync workers answer): wrk runs for a duration,
not for a fixed set of 500 distinct requests. The bare view is measured with wrk, as in
the catalog benchmark, and again through this client; so is /bench/write, the cheapest
authenticated API write on the same stack (token, JSON body, one row in a transaction), as
a second yardstick. After each phase the database is asked what was confirmed and whether
any offering holds more active enrollments than seats.

Lines printed last (medians over the rounds; oversold is the worst round, errors_5xx the
sum over the rounds):
    yardsticks: bare_wrk_rps=N bare_client_rps=N write_rps=N write_p99_ms=N enroll_to_write[…]=R …
    rush: capacity=600 confirmed=N oversold=0 errors_5xx=0 enroll_rps=N bare_rps=N ratio=R p99_ms=N
    rush: capacity=30 confirmed=30 oversold=0 errors_5xx=0 enroll_rps=N bare_rps=N ratio=R p99_ms=N
the first for the 200 offerings, the last for the one offering. enroll_rps counts every
registration answered (201 confirmed and 409 full) per second of the phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.run import (
    LOG_DIR,
    PYTHON,
    _env,
    _free_port,
    _machine,
    _run,
    _serve,
    _stop,
    _wait_ready,
    _wrk,
    database_url_checked,
    server_arguments,
)

HOST = "127.0.0.1"
PATH = "/api/v1/enrollments"
BARE_PATH = "/bench/bare"
WRITE_PATH = "/bench/write"


@dataclass
class Answer:
    status: int  # 0: no answer (socket error or timeout)
    seconds: float
    head: bytes  # status line and headers
    body: bytes


@dataclass
class Phase:
    name: str
    round: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    errors_5xx: int
    socket_errors: int
    capacity: int = 0
    confirmed: int = 0
    expected: int = 0
    oversold: int = 0
    counter_wrong: int = 0
    others: list[str] = field(default_factory=list)  # answers other than 201 and 409 full
    problems: list[str] = field(default_factory=list)


# --- the load generator ---------------------------------------------------------------------


def _request(token: str, key: str, body: dict[str, Any], *, port: int, path: str = PATH) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Token {token}\r\n"
        f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


def _get(path: str, token: str, *, port: int) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Token {token}\r\n"
        f"Accept: application/json\r\nConnection: close\r\n\r\n"
    ).encode()


async def _send(port: int, payload: bytes, timeout: float) -> Answer:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
        try:
            writer.write(payload)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), timeout)  # to EOF: Connection: close
        finally:
            writer.close()
    except (OSError, TimeoutError) as exc:
        return Answer(0, time.perf_counter() - started, b"", repr(exc).encode())
    seconds = time.perf_counter() - started
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    status = int(parts[1]) if head.startswith(b"HTTP/") and len(parts) > 1 else 0
    return Answer(status, seconds, head, body)


async def _load_async(
    port: int, payloads: list[bytes], connections: int, timeout: float
) -> tuple[list[Answer], float]:
    answers: list[Answer | None] = [None] * len(payloads)
    work = iter(range(len(payloads)))

    async def client() -> None:
        for i in work:
            answers[i] = await _send(port, payloads[i], timeout)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return [a for a in answers if a is not None], elapsed


def load(
    port: int, payloads: list[bytes], *, connections: int, timeout: float = 30.0
) -> tuple[list[Answer], float]:
    """Sends every payload once, `connections` at a time; the answers in order and the
    seconds from the first request to the last answer."""
    return asyncio.run(_load_async(port, payloads, connections, timeout))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _phase(name: str, round_no: int, answers: list[Answer], seconds: float) -> Phase:
    answered = [a for a in answers if a.status]
    latencies = [a.seconds * 1000 for a in answered]
    statuses: dict[str, int] = {}
    for a in answers:
        statuses[str(a.status)] = statuses.get(str(a.status), 0) + 1
    return Phase(
        name=name,
        round=round_no,
        requests=len(answers),
        seconds=seconds,
        rps=len(answered) / seconds if seconds else 0.0,
        p50_ms=_percentile(latencies, 50),
        p90_ms=_percentile(latencies, 90),
        p99_ms=_percentile(latencies, 99),
        max_ms=max(latencies, default=0.0),
        statuses=dict(sorted(statuses.items())),
        errors_5xx=sum(1 for a in answers if a.status >= 500),
        socket_errors=sum(1 for a in answers if not a.status),
    )


def _oddities(answers: list[Answer], log: Any) -> list[str]:
    """Writes every answer other than 201 and 409 `full` to the log; returns a summary."""
    seen: dict[str, int] = {}
    for a in answers:
        if a.status == 201:
            continue
        try:
            code = str(json.loads(a.body).get("code", "")) if a.body else ""
        except (ValueError, AttributeError):
            code = ""
        if a.status == 409 and code == "full":
            continue
        label = f"{a.status} {code}".strip()
        seen[label] = seen.get(label, 0) + 1
        log.write(f"{label}: {a.body[:500]!r}\n")
    return [f"{n}× {label}" for label, n in sorted(seen.items())]


# --- the database's side --------------------------------------------------------------------


def _report(env: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(_run([PYTHON, "-m", "bench.seed_rush", "--report"], env)))


def _count(phase: Phase, report: dict[str, Any], offering_ids: list[int]) -> None:
    rows = [report["offerings"][str(pk)] for pk in offering_ids]
    phase.capacity = sum(r["capacity"] for r in rows)
    phase.confirmed = sum(r["confirmed"] for r in rows)
    phase.oversold = sum(max(0, r["active"] - r["capacity"]) for r in rows)
    phase.counter_wrong = sum(1 for r in rows if r["seats_taken"] != r["active"])
    if not report["ledger_balanced"]:
        phase.problems.append("the ledger does not balance")
    if report["negative_wallets"]:
        phase.problems.append(f"{report['negative_wallets']} wallets below zero")


# --- the run --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The registration rush benchmark.")
    parser.add_argument("--families", type=int, default=500)
    parser.add_argument("--offerings", type=int, default=200)
    parser.add_argument("--rush-capacity", type=int, default=30)
    parser.add_argument("--capacity", type=int, default=3, help="seats of each of the offerings")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk on the bare view")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    server_arguments(parser, port=8766, rounds="rounds (median)")
    args = parser.parse_args(argv)

    database_url = database_url_checked()
    env = _env(database_url, args.settings)
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    if not args.no_seed:
        print(
            _run(
                [
                    PYTHON,
                    "-m",
                    "bench.seed_rush",
                    "--families",
                    str(args.families),
                    "--offerings",
                    str(args.offerings),
                    "--rush-capacity",
                    str(args.rush_capacity),
                    "--capacity",
                    str(args.capacity),
                ],
                env,
            ).strip()
        )
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    machine = _machine(env)
    print(_run([PYTHON, "-m", "bench.seed_rush", "--reset"], env).strip())
    from bench.seed_rush import PLAN

    plan = json.loads(PLAN.read_text())
    families = plan["families"]

    port = _free_port(args.port)
    base = f"http://{HOST}:{port}"
    log = LOG_DIR / "gunicorn.log"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    answers_log = LOG_DIR / f"rush-{stamp}-answers.log"
    server = _serve(env, port=port, workers=args.workers, log=log)
    phases: list[Phase] = []
    yardsticks: list[Phase] = []
    bare: list[dict[str, Any]] = []
    replays: list[str] = []
    try:
        _wait_ready(base, server, log)
        print(
            f"machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']} RAM, "
            f"PostgreSQL {machine['postgresql']}, Python {machine['python']}, {machine['wrk']}"
        )
        print(
            f"server: gunicorn {args.workers} sync workers on {base}, DEBUG off; load: "
            f"{len(families)} families, {args.connections} connections; bare view: wrk "
            f"{args.threads} threads, {args.connections} connections, {args.duration} s; "
            f"{args.rounds} rounds; load average {os.getloadavg()[0]:.2f}"
        )
        # Warm every worker: token authentication, the family's reads, the bare view.
        warm = [_get(PATH, f["token"], port=port) for f in families[:200]]
        warm_answers, _ = load(port, warm, connections=args.connections)
        if any(a.status != 200 for a in warm_answers):
            bad = next(a for a in warm_answers if a.status != 200)
            raise SystemExit(f"bench: GET {PATH} answered {bad.status}: {bad.body[:500]!r}")
        _wrk(
            base + "/bench/bare",
            threads=args.threads,
            connections=args.connections,
            seconds=2,
            accept="text/plain",
        )

        with answers_log.open("w") as odd:
            for round_no in range(1, args.rounds + 1):
                if round_no > 1:
                    _run([PYTHON, "-m", "bench.seed_rush", "--reset"], env)
                load_average = os.getloadavg()[0]
                result = _wrk(
                    base + "/bench/bare",
                    threads=args.threads,
                    connections=args.connections,
                    seconds=args.duration,
                    accept="text/plain",
                )
                bare.append(result)
                print(
                    f"  round {round_no} bare        {result['rps']:8.1f} req/s  "
                    f"p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                    f"errors {result['errors']}  (load average before {load_average:.2f})",
                    flush=True,
                )
                # The two yardsticks through this client, as the registrations are sent: one
                # request per family, with its token, `--connections` in flight.
                for name, path, payloads in (
                    (
                        "bare (client)",
                        BARE_PATH,
                        [_get(BARE_PATH, f["token"], port=port) for f in families],
                    ),
                    (
                        "write (client)",
                        WRITE_PATH,
                        [
                            _request(f["token"], f"w-{i}", {"n": i}, port=port, path=WRITE_PATH)
                            for i, f in enumerate(families)
                        ],
                    ),
                ):
                    answers, seconds = load(port, payloads, connections=args.connections)
                    stick = _phase(name, round_no, answers, seconds)
                    wanted = 200 if path == BARE_PATH else 201
                    if any(a.status != wanted for a in answers):
                        stick.problems.append(f"{path} answered other than {wanted}")
                    yardsticks.append(stick)
                    _print_phase(stick)

                # Phase 1: every family, at once, for the one offering.
                rush = plan["rush_offering"]
                payloads = [
                    _request(
                        f["token"],
                        f"rush-{stamp}-{round_no}-one-{i}",
                        {"offering": rush, "learner": f["learner"], "accept_terms": True},
                        port=port,
                    )
                    for i, f in enumerate(families)
                ]
                odd.write(f"--- round {round_no}, one offering\n")
                answers, seconds = load(port, payloads, connections=args.connections)
                one = _phase("one offering", round_no, answers, seconds)
                one.others = _oddities(answers, odd)
                report = _report(env)
                _count(one, report, [rush])
                one.expected = min(plan["rush_capacity"], len(families))
                phases.append(one)
                _print_phase(one)

                # The confirmed requests again, same keys: answered from the stored answer.
                again = [p for p, a in zip(payloads, answers, strict=True) if a.status == 201]
                replayed, _ = load(port, again, connections=args.connections)
                same = sum(
                    1
                    for a in replayed
                    if a.status == 201 and b"Idempotent-Replayed: true" in a.head
                )
                after = _report(env)["offerings"][str(rush)]
                replays.append(f"{same}/{len(again)}")
                print(
                    f"  round {round_no} replay: {same} of {len(again)} registrations sent again "
                    f"with their Idempotency-Key were answered from the stored answer; "
                    f"confirmed {after['confirmed']}, active {after['active']}"
                )
                if (
                    same != len(again)
                    or after["active"] != report["offerings"][str(rush)]["active"]
                ):
                    one.problems.append("replaying a stored answer failed")

                # Phase 2: every family, at once, for one of the offerings at random.
                rng = random.Random(round_no)  # noqa: S311  (load data, not secrets)
                picks = [rng.choice(plan["offerings"]) for _ in families]
                payloads = [
                    _request(
                        f["token"],
                        f"rush-{stamp}-{round_no}-many-{i}",
                        {"offering": pick, "learner": f["learner"], "accept_terms": True},
                        port=port,
                    )
                    for i, (f, pick) in enumerate(zip(families, picks, strict=True))
                ]
                odd.write(f"--- round {round_no}, {len(plan['offerings'])} offerings\n")
                answers, seconds = load(port, payloads, connections=args.connections)
                many = _phase(f"{len(plan['offerings'])} offerings", round_no, answers, seconds)
                many.others = _oddities(answers, odd)
                _count(many, _report(env), plan["offerings"])
                demand: dict[int, int] = {}
                for pick in picks:
                    demand[pick] = demand.get(pick, 0) + 1
                many.expected = sum(min(plan["capacity"], n) for n in demand.values())
                phases.append(many)
                _print_phase(many)
    finally:
        _stop(server)

    return _summary(args, machine, plan, phases, yardsticks, bare, replays, stamp, answers_log)


def _print_phase(p: Phase) -> None:
    statuses = " ".join(f"{k}:{v}" for k, v in p.statuses.items())
    print(
        f"  round {p.round} {p.name:11} {p.rps:8.1f} req/s  p50 {p.p50_ms:7.1f} ms  "
        f"p99 {p.p99_ms:7.1f} ms  ({p.requests} in {p.seconds:.2f} s; {statuses})"
        + (
            f" confirmed {p.confirmed}/{p.capacity} (expected {p.expected}) oversold {p.oversold}"
            if p.capacity
            else ""
        )
        + (f"  [{'; '.join(p.others + p.problems)}]" if p.others or p.problems else ""),
        flush=True,
    )


def _summary(
    args: argparse.Namespace,
    machine: dict[str, str],
    plan: dict[str, Any],
    phases: list[Phase],
    yardsticks: list[Phase],
    bare: list[dict[str, Any]],
    replays: list[str],
    stamp: str,
    answers_log: Any,
) -> int:
    bare_rps = statistics.median(b["rps"] for b in bare)
    lines = []
    failed: list[str] = []
    print()
    print(
        "| phase | requests | req/s | p50 ms | p90 ms | p99 ms | 201 | 409 | 5xx | "
        "confirmed / capacity | oversold | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| bare `/bench/bare` (wrk) | | {bare_rps:.0f} "
        f"| {statistics.median(b['p50_ms'] for b in bare):.1f} "
        f"| {statistics.median(b['p90_ms'] for b in bare):.1f} "
        f"| {statistics.median(b['p99_ms'] for b in bare):.1f} | | | | | | |"
    )
    sticks: dict[str, tuple[float, float]] = {}
    enroll: dict[int, float] = {}
    for name, label in (
        ("bare (client)", "bare `/bench/bare` (this client)"),
        ("write (client)", "one-row write `/bench/write` (this client)"),
    ):
        mine = [p for p in yardsticks if p.name == name]
        rps = statistics.median(p.rps for p in mine)
        p99 = statistics.median(p.p99_ms for p in mine)
        sticks[name] = (rps, p99)
        print(
            f"| {label} | {mine[0].requests} | {rps:.0f} "
            f"| {statistics.median(p.p50_ms for p in mine):.1f} "
            f"| {statistics.median(p.p90_ms for p in mine):.1f} | {p99:.1f} | | | "
            f"{sum(p.errors_5xx for p in mine)} | | | {rps / bare_rps if bare_rps else 0:.2f} |"
        )
        for p in mine:
            failed += [f"{name}, round {p.round}: {problem}" for problem in p.problems]
            if p.socket_errors:
                failed.append(f"{name}, round {p.round}: {p.socket_errors} no answer")
    for name in (f"{len(plan['offerings'])} offerings", "one offering"):
        mine = [p for p in phases if p.name == name]
        rps = statistics.median(p.rps for p in mine)
        p50 = statistics.median(p.p50_ms for p in mine)
        p90 = statistics.median(p.p90_ms for p in mine)
        p99 = statistics.median(p.p99_ms for p in mine)
        confirmed = int(statistics.median(p.confirmed for p in mine))
        capacity = mine[0].capacity
        oversold = max(p.oversold for p in mine)
        errors = sum(p.errors_5xx for p in mine)
        created = int(statistics.median(p.statuses.get("201", 0) for p in mine))
        full = int(statistics.median(p.statuses.get("409", 0) for p in mine))
        ratio = rps / bare_rps if bare_rps else 0.0
        print(
            f"| {name} | {mine[0].requests} | {rps:.0f} | {p50:.1f} | {p90:.1f} | {p99:.1f} "
            f"| {created} | {full} | {errors} | {confirmed} / {capacity} | {oversold} "
            f"| {ratio:.2f} |"
        )
        enroll[capacity] = rps
        lines.append(
            f"rush: capacity={capacity} confirmed={confirmed} oversold={oversold} "
            f"errors_5xx={errors} enroll_rps={rps:.0f} bare_rps={bare_rps:.0f} "
            f"ratio={ratio:.2f} p99_ms={p99:.0f}"
        )
        for p in mine:
            if p.oversold:
                failed.append(f"{name}, round {p.round}: {p.oversold} seats oversold")
            if p.errors_5xx or p.socket_errors:
                failed.append(
                    f"{name}, round {p.round}: {p.errors_5xx} 5xx, {p.socket_errors} no answer"
                )
            if p.counter_wrong:
                failed.append(f"{name}, round {p.round}: {p.counter_wrong} seat counters wrong")
            if p.confirmed != p.expected:
                failed.append(
                    f"{name}, round {p.round}: confirmed {p.confirmed}, expected {p.expected}"
                )
            failed += [f"{name}, round {p.round}: {problem}" for problem in p.problems]
    if any(b["errors"] for b in bare):
        failed.append("the bare view had failed requests")
    write_rps = sticks["write (client)"][0]
    reference = (
        f"yardsticks: bare_wrk_rps={bare_rps:.0f} bare_client_rps={sticks['bare (client)'][0]:.0f} "
        f"write_rps={write_rps:.0f} write_p99_ms={sticks['write (client)'][1]:.0f} "
        + " ".join(
            f"enroll_to_write[capacity={capacity}]={rps / write_rps if write_rps else 0:.2f}"
            for capacity, rps in enroll.items()
        )
    )
    report = {
        "machine": machine,
        "args": vars(args),
        "yardsticks": [asdict(p) for p in yardsticks],
        "bare": bare,
        "phases": [asdict(p) for p in phases],
        "replays": replays,
        "lines": lines,
    }
    (LOG_DIR / f"rush-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(f"\nanswers other than 201 and 409 full: {answers_log}")
    for problem in failed:
        print(f"bench: {problem}")
    print(reference)
    for line in lines:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
