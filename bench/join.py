"""The join rush: 500 learners ask for their join link within one second for 20 sessions
that start at once, on gunicorn and PostgreSQL as in production, with the fake BBB in a
server process of its own answering every API call after 50 ms; the cheapest
authenticated API write (`/bench/write`) is measured the same way in the same run.

    make bench-join                      # bash bench/run.sh with the join's database
    make bench-join BENCH_ARGS="--rounds 1"

Each learner is a guardian signed in with a database session (the `sessionid` cookie) whose
child has a confirmed place and a passing device check (bench/seed_join.py); each sends
`GET /class/session/<id>/join/?learner=<id>` once. The requests leave on a fixed schedule,
spread evenly over `--spread` seconds (open loop: a slow answer does not hold the next
request back), `Connection: close` as gunicorn's sync workers answer. The write yardstick
is 500 `POST /bench/write` on the same schedule, with the families' tokens.

The fake BBB is a second gunicorn serving the same project with KARGAH_BBB_FAKE on, in
threads (`gthread`), so its 50 ms wait holds none of the main server's workers beyond the
`create` call itself, as a remote BBB would; its meetings and create counter are in Redis
(`REDIS_URL`, db 9 by default: BENCH_JOIN_REDIS_URL), shared by both servers.

Last line (medians over the rounds; links and rooms the worst round):
    join: links=N rps=N write_rps=N ratio=R p99_ms=N rooms=N bbb_create_calls=N
links counts the 302 answers whose Location is the BBB join URL; ratio = rps / write_rps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from bench.run import (
    BIN,
    LOG_DIR,
    PYTHON,
    ROOT,
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
from bench.rush import HOST, WRITE_PATH, Answer, Phase, _phase, _request, _send

JOIN_PATH = "/class/session/{session}/join/?learner={learner}"
FAKE_PATH = "/fake-bbb/bigbluebutton/"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"


def _join_request(session: int, learner: int, cookie: str, *, port: int) -> bytes:
    path = JOIN_PATH.format(session=session, learner=learner)
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: sessionid={cookie}\r\n"
        f"Accept: text/html\r\nAccept-Language: fa\r\nConnection: close\r\n\r\n"
    ).encode()


async def _paced_async(
    port: int, payloads: list[bytes], spread: float, timeout: float
) -> tuple[list[Answer], float]:
    step = spread / max(1, len(payloads))
    started = time.perf_counter()

    async def one(i: int) -> Answer:
        delay = started + i * step - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        return await _send(port, payloads[i], timeout)

    answers = await asyncio.gather(*(one(i) for i in range(len(payloads))))
    return list(answers), time.perf_counter() - started


def paced(
    port: int, payloads: list[bytes], *, spread: float, timeout: float = 30.0
) -> tuple[list[Answer], float]:
    """Sends payload i at i × spread / n seconds, whatever came back before; the answers in
    order and the seconds from the first request to the last answer."""
    return asyncio.run(_paced_async(port, payloads, spread, timeout))


def _location(answer: Answer) -> str:
    for line in answer.head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"location":
            return value.strip().decode("latin-1")
    return ""


def _serve_fake(
    env: dict[str, str], *, port: int, threads: int, log: Any
) -> subprocess.Popen[bytes]:
    """The fake BBB: the same project with KARGAH_BBB_FAKE on, in one process of threads."""
    gunicorn = [
        str(BIN / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
        "--threads", str(threads), "--log-level", "warning", "--error-logfile", str(log),
        "--timeout", "60",
    ]  # fmt: skip
    with log.open("ab") as log_file:
        return subprocess.Popen(  # noqa: S603  (our own command line)
            gunicorn, cwd=ROOT, env=env, stdout=log_file, stderr=log_file, start_new_session=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The join rush benchmark.")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the requests span")
    parser.add_argument("--delay-ms", type=int, default=50, help="the fake BBB's answer time")
    parser.add_argument("--fake-threads", type=int, default=16, help="threads of the fake BBB")
    server_arguments(parser, port=8767, rounds="rounds (median)")
    args = parser.parse_args(argv)
    database_url = database_url_checked()

    port = _free_port(args.port)
    fake_port = _free_port(port + 1)
    base, fake_base = f"http://{HOST}:{port}", f"http://{HOST}:{fake_port}"
    bbb_url = fake_base + FAKE_PATH
    env = _env(database_url, args.settings)
    # Production keeps its cache (and so the BBB breaker's state) in Redis; the fake keeps
    # its meetings and create counter there, so both servers see one count.
    env["REDIS_URL"] = os.environ.get("BENCH_JOIN_REDIS_URL") or DEFAULT_REDIS
    env.update(
        KARGAH_BBB_URL=bbb_url,
        KARGAH_BBB_SECRET=secrets.token_hex(20),
        KARGAH_BBB_FAKE="false",
        KARGAH_SITE_URL=base,
    )
    fake_env = {
        **env,
        "KARGAH_BBB_FAKE": "true",
        "KARGAH_BBB_FAKE_DELAY_MS": str(args.delay_ms),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    if not args.no_seed:
        seeded = _run(
            [
                PYTHON, "-m", "bench.seed_join",
                "--learners", str(args.learners), "--sessions", str(args.sessions),
            ],
            env,
        )  # fmt: skip
        print(seeded.strip())
    # The cookies are signed with this run's secret key: new ones every run.
    _run([PYTHON, "-m", "bench.seed_join", "--sign-in"], env)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    machine = _machine(env)
    from bench.seed_join import PLAN

    plan = json.loads(PLAN.read_text())
    people = plan["learners"]

    stamp = time.strftime("%Y%m%d-%H%M%S")
    log = LOG_DIR / "gunicorn.log"
    fake_log = LOG_DIR / "fakebbb.log"
    fake = _serve_fake(fake_env, port=fake_port, threads=args.fake_threads, log=fake_log)
    server = _serve(env, port=port, workers=args.workers, log=log)
    joins: list[Phase] = []
    writes: list[Phase] = []
    rounds: list[dict[str, Any]] = []
    failed: list[str] = []
    try:
        _wait_ready(
            fake_base,
            fake,
            fake_log,
            path=FAKE_PATH + "api/",
            expect=b"SUCCESS",
            name="the fake BBB",
        )
        _wait_ready(base, server, log)
        print(
            f"machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']} RAM, "
            f"PostgreSQL {machine['postgresql']}, Python {machine['python']}"
        )
        print(
            f"server: gunicorn {args.workers} sync workers on {base}, DEBUG off, Redis cache; "
            f"fake BBB: gunicorn 1 worker × {args.fake_threads} threads on {fake_base}, "
            f"{args.delay_ms} ms a call; load: {len(people)} learners in "
            f"{len(plan['sessions'])} sessions over {args.spread:g} s; {args.rounds} rounds"
        )
        # Warm every worker: the session and user reads, the bare view.
        warm = [
            f"GET /bench/whoami HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: sessionid="
            f"{p['cookie']}\r\nConnection: close\r\n\r\n".encode()
            for p in people[:200]
        ]
        warmed, _ = paced(port, warm, spread=1.0)
        if any(a.status != 200 or not a.body.isdigit() for a in warmed):
            bad = next(a for a in warmed if a.status != 200 or not a.body.isdigit())
            raise SystemExit(f"bench: not signed in: /bench/whoami {bad.status} {bad.body[:300]!r}")
        _wrk(base + "/bench/bare", threads=2, connections=32, seconds=2, accept="text/plain")

        for round_no in range(1, args.rounds + 1):
            _run([PYTHON, "-m", "bench.seed_join", "--reset"], fake_env)
            load_average = os.getloadavg()[0]
            # The yardstick first: the cheapest authenticated write, on the same schedule.
            payloads = [
                _request(p["token"], f"j-{stamp}-{round_no}-{i}", {"n": i}, port=port,
                         path=WRITE_PATH)
                for i, p in enumerate(people)
            ]  # fmt: skip
            answers, seconds = paced(port, payloads, spread=args.spread)
            write = _phase("write", round_no, answers, seconds)
            if any(a.status != 201 for a in answers):
                write.problems.append(f"{WRITE_PATH} answered other than 201")
            writes.append(write)
            _print(write, f"(load average before {load_average:.2f})")
            time.sleep(1)

            payloads = [
                _join_request(p["session"], p["learner"], p["cookie"], port=port) for p in people
            ]
            answers, seconds = paced(port, payloads, spread=args.spread)
            join = _phase("join", round_no, answers, seconds)
            links = sum(
                1
                for a in answers
                if a.status == 302 and _location(a).startswith(bbb_url + "api/join?")
            )
            counted = dict(
                json.loads(_run([PYTHON, "-m", "bench.seed_join", "--report"], fake_env))
            )
            counted["links"] = links
            rounds.append(counted)
            joins.append(join)
            odd = [a for a in answers if a.status != 302 or not _location(a).startswith(bbb_url)]
            if odd:
                join.problems.append(
                    f"{len(odd)} answers not a join link, first {odd[0].status} "
                    f"{_location(odd[0]) or odd[0].body[:200]!r}"
                )
            _print(
                join,
                f"links {links} rooms {counted['rooms']} "
                f"bbb_create_calls {counted['bbb_create_calls']} joined {counted['joined']}",
            )
            if links != len(people):
                failed.append(f"round {round_no}: {links} join links of {len(people)}")
            if counted["bbb_create_calls"] != counted["rooms"]:
                failed.append(
                    f"round {round_no}: {counted['bbb_create_calls']} creates for "
                    f"{counted['rooms']} rooms"
                )
            failed += [f"round {round_no}: {p}" for p in join.problems + write.problems]
            time.sleep(1)
    finally:
        _stop(server)
        _stop(fake)

    rps = statistics.median(p.rps for p in joins)
    write_rps = statistics.median(p.rps for p in writes)
    p99 = statistics.median(p.p99_ms for p in joins)
    ratio = rps / write_rps if write_rps else 0.0
    worst = min(rounds, key=lambda r: (r["links"], -abs(r["bbb_create_calls"] - r["rooms"])))
    creates = max(r["bbb_create_calls"] for r in rounds)
    print()
    print("| what | requests | req/s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, mine in (("one-row write `/bench/write`", writes), ("join", joins)):
        print(
            f"| {name} | {mine[0].requests} | {statistics.median(p.rps for p in mine):.0f} "
            f"| {statistics.median(p.p50_ms for p in mine):.1f} "
            f"| {statistics.median(p.p90_ms for p in mine):.1f} "
            f"| {statistics.median(p.p99_ms for p in mine):.1f} "
            f"| {statistics.median(p.max_ms for p in mine):.1f} |"
        )
    report = {
        "machine": machine,
        "args": vars(args),
        "writes": [asdict(p) for p in writes],
        "joins": [asdict(p) for p in joins],
        "rounds": rounds,
    }
    (LOG_DIR / f"join-{stamp}.json").write_text(json.dumps(report, indent=2))
    for problem in failed:
        print(f"bench: {problem}")
    print(
        f"join: links={worst['links']} rps={rps:.0f} write_rps={write_rps:.0f} "
        f"ratio={ratio:.2f} p99_ms={p99:.0f} rooms={worst['rooms']} bbb_create_calls={creates}"
    )
    return 1 if failed else 0


def _print(p: Phase, extra: str) -> None:
    statuses = " ".join(f"{k}:{v}" for k, v in p.statuses.items())
    print(
        f"  round {p.round} {p.name:6} {p.rps:8.1f} req/s  p50 {p.p50_ms:7.1f} ms  "
        f"p99 {p.p99_ms:7.1f} ms  ({p.requests} in {p.seconds:.2f} s; {statuses})  {extra}"
        + (f"  [{'; '.join(p.problems)}]" if p.problems else ""),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
