"""Registrations under faults (`make bench-faults`; issue 8, item 6): the registration rush of
bench/rush.py against a PostgreSQL cluster and a Redis server of this script's own, while
PostgreSQL is restarted and stopped, Redis is stopped and gunicorn workers are killed.

    make bench-faults
    make bench-faults BENCH_ARGS="--families 200 --outage 5"

Each run resets the rush data, sends every family's registration (one offering each, at
random, with its own Idempotency-Key) while one fault is injected, waits for the service
to recover, then sends again, with the same key, every request that got no final answer
(no answer, a 5xx, "already registered" or a 409 other than `full`), as a client would. Then the data are
checked:

* errors_after_recovery: retries after recovery answered 5xx, not at all, 409 other than
  `full` ("still being processed"), or "already registered" (the family's own
  registration);
* stuck_keys: Idempotency-Key rows left without an answer;
* oversold: seats taken beyond capacity, and seat counters that differ from the places;
* ledger_unbalanced: an unbalanced ledger, a wallet below zero, or a family debited more
  than its places cost (double debit);
* lost_messages: confirmed places without a confirmation message in the outbox;
* html_5xx: API answers with a 5xx status and an HTML body.

The last line:
    faults: runs=N errors_after_recovery=N stuck_keys=N oversold=N ledger_unbalanced=N lost_messages=N html_5xx=N

The cluster (initdb, as the `postgres` user when run as root), the Redis server and their
files live in a temporary directory and are stopped by their own pid at the end; the
shared PostgreSQL and Redis of the machine are never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.run import LOG_DIR, PYTHON, ROOT, _env, _free_port, _run, _serve, _stop, _wait_ready
from bench.rush import Answer, _request, load

FAULTS = ("postgres_restart", "postgres_stop", "redis_stop", "worker_kill")


# --- our own PostgreSQL and Redis -----------------------------------------------------------


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts[-3])
    if not found:
        raise SystemExit("bench: no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1].parent


class Postgres:
    """A throw-away cluster on 127.0.0.1:port, trust authentication."""

    def __init__(self, base: Path, port: int) -> None:
        self.bin = _pg_bin()
        self.data = base / "pgdata"
        self.log = base / "postgres.log"
        self.port = port
        self.base = base
        self.user = "postgres" if os.geteuid() == 0 else ""

    def _as_owner(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        command = args
        if self.user:
            command = ["su", self.user, "-s", "/bin/sh", "-c", " ".join(args)]
        return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603

    def init(self) -> None:
        if self.user:
            shutil.chown(self.base, user=self.user)
        done = self._as_owner(
            [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-sync"]
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"bench: initdb failed: {done.stderr}")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.base}'\nmax_connections = 100\n"
                # fsync off: the machine itself never crashes here, only PostgreSQL does;
                # synchronous_commit stays on, or a crash would lose answered commits.
                "fsync = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        done = self._as_owner(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"]
        )
        if done.returncode:
            raise SystemExit(f"bench: PostgreSQL did not start: {done.stderr}")

    def stop(self, mode: str = "fast") -> None:
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        self._as_owner(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast",
             "-w", "restart"]
        )  # fmt: skip

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(  # noqa: S603
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"bench: psql failed: {done.stderr}")
        return done.stdout.strip()


class Redis:
    def __init__(self, base: Path, port: int) -> None:
        self.port = port
        self.pidfile = base / "redis.pid"
        self.log = base / "redis.log"
        self.dir = base

    def start(self) -> None:
        subprocess.run(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize",
             "yes", "--pidfile", str(self.pidfile), "--logfile", str(self.log), "--dir",
             str(self.dir), "--save", "", "--appendonly", "no"],
            check=True,
        )  # fmt: skip
        for _ in range(50):
            if self.pidfile.exists():
                return
            time.sleep(0.1)
        raise SystemExit("bench: redis-server did not start")

    def stop(self) -> None:
        """SIGKILL by its own pid file: Redis dies, as in an outage."""
        if self.pidfile.exists():
            pid = int(self.pidfile.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self.pidfile.unlink(missing_ok=True)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


# --- one run --------------------------------------------------------------------------------


@dataclass
class Run:
    fault: str
    round: int
    sent: int = 0
    first: dict[str, int] = field(default_factory=dict)
    retried: int = 0
    errors_after_recovery: int = 0
    stuck_keys: int = 0
    oversold: int = 0
    ledger_unbalanced: int = 0
    lost_messages: int = 0
    html_5xx: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _code(answer: Answer) -> str:
    try:
        return str(json.loads(answer.body).get("code", "")) if answer.body else ""
    except (ValueError, AttributeError):
        return ""


def _final(answer: Answer) -> bool:
    """An answer the client can act on: 2xx, or 409 `full`. Each family sends one
    registration, so any other 409 ("still being processed") and "already registered" (the
    family's own registration, answered to its retry) are wrong."""
    if answer.status == 0 or answer.status >= 500 or _code(answer) == "already_enrolled":
        return False
    return not (answer.status == 409 and _code(answer) != "full")


def _html_5xx(answers: list[Answer]) -> int:
    return sum(1 for a in answers if a.status >= 500 and b"text/html" in a.head.lower())


def _children(pid: int) -> list[int]:
    """The gunicorn master's workers (from /proc: each process's parent)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def _inject(
    fault: str, *, pg: Postgres, redis: Redis, server: subprocess.Popen[bytes], outage: float
) -> None:
    if fault == "postgres_restart":
        pg.restart()
    elif fault == "postgres_stop":
        pg.stop("immediate")
        time.sleep(outage)
        pg.start()
    elif fault == "redis_stop":
        redis.stop()
        time.sleep(outage)
        redis.start()
    elif fault == "worker_kill":
        for pid in _children(server.pid)[:2]:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        for pid in _children(server.pid)[:1]:
            os.kill(pid, signal.SIGKILL)


CHECKS = """
SELECT json_build_object(
  'stuck_keys', (SELECT count(*) FROM core_idempotencykey WHERE response_status IS NULL),
  'oversold', (SELECT coalesce(sum(greatest(a.active - o.capacity, 0)), 0)
               + count(*) FILTER (WHERE a.active <> o.seats_taken)
               FROM catalog_offering o
               JOIN (SELECT o2.id, count(e.id) FILTER (WHERE e.status IN
                       ('awaiting_payment', 'awaiting_approval', 'confirmed')) AS active
                     FROM catalog_offering o2 LEFT JOIN enrollment_enrollment e
                       ON e.offering_id = o2.id GROUP BY o2.id) a ON a.id = o.id),
  'unbalanced', (SELECT count(*) FROM (SELECT transaction_id FROM wallet_ledgerentry
                 GROUP BY transaction_id HAVING sum(amount) <> 0) t)
               + (SELECT count(*) FROM (SELECT account_id FROM wallet_ledgerentry e
                  JOIN wallet_account a ON a.id = e.account_id WHERE a.kind = 'family_wallet'
                  GROUP BY account_id HAVING sum(amount) < 0) w),
  'double_debit', (SELECT count(*) FROM (
                   SELECT l.family_id FROM accounts_learner l
                   JOIN enrollment_enrollment e ON e.learner_id = l.id
                   JOIN wallet_ledgertransaction t ON t.reference = 'enrollment:' || e.id || ':paid'
                   JOIN wallet_ledgerentry le ON le.transaction_id = t.id
                   JOIN wallet_account a ON a.id = le.account_id AND a.kind = 'family_wallet'
                   GROUP BY l.family_id
                   HAVING -sum(le.amount) > (SELECT coalesce(sum(e2.paid_rials), 0)
                     FROM enrollment_enrollment e2 JOIN accounts_learner l2
                       ON l2.id = e2.learner_id WHERE l2.family_id = l.family_id)) d),
  'confirmed', (SELECT count(*) FROM enrollment_enrollment WHERE status = 'confirmed'),
  'statuses', (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n
               FROM enrollment_enrollment GROUP BY status) s),
  'lost_messages', (SELECT count(*) FROM enrollment_enrollment e
                    JOIN accounts_learner l ON l.id = e.learner_id
                    JOIN accounts_family f ON f.id = l.family_id
                    JOIN accounts_user u ON u.id = f.guardian_id
                    WHERE e.status = 'confirmed' AND NOT EXISTS (
                      SELECT 1 FROM notifications_outboxmessage m
                      WHERE m.recipient = u.mobile
                        AND m.kind IN ('enrollment_confirmed', 'payment_received')))
)
"""


def _wait_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    _wait_ready(base_url, server, log)


def _one_run(
    fault: str,
    round_no: int,
    *,
    args: argparse.Namespace,
    env: dict[str, str],
    pg: Postgres,
    redis: Redis,
    server: subprocess.Popen[bytes],
    port: int,
    database: str,
    log: Path,
    odd: Any,
) -> Run:
    run = Run(fault=fault, round=round_no)
    _run([PYTHON, "-m", "bench.seed_rush", "--reset"], env)
    from bench.seed_rush import PLAN

    plan = json.loads(PLAN.read_text())
    families = plan["families"][: args.families]
    rng = random.Random(f"{fault}-{round_no}")  # noqa: S311  (load data, not secrets)
    stamp = f"{fault}-{round_no}-{time.strftime('%H%M%S')}"
    payloads = [
        _request(
            f["token"],
            f"faults-{stamp}-{i}",
            {"offering": rng.choice(plan["offerings"]), "learner": f["learner"],
             "accept_terms": True},
            port=port,
        )
        for i, f in enumerate(families)
    ]  # fmt: skip
    run.sent = len(payloads)
    started = time.monotonic()

    def inject() -> None:
        time.sleep(args.delay)
        _inject(fault, pg=pg, redis=redis, server=server, outage=args.outage)

    injector = threading.Thread(target=inject)
    injector.start()
    answers, _ = load(port, payloads, connections=args.connections, timeout=args.timeout)
    injector.join()
    for a in answers:
        run.first[str(a.status)] = run.first.get(str(a.status), 0) + 1
    run.html_5xx += _html_5xx(answers)
    # Recovery: the service answers again, then every request without a final answer is
    # sent again with its key, as a client would, until it has one or time runs out.
    _wait_healthy(f"http://127.0.0.1:{port}", server, log)
    time.sleep(1)
    pending = [i for i, a in enumerate(answers) if not _final(a)]
    deadline = time.monotonic() + args.recovery
    while pending and time.monotonic() < deadline:
        run.retried += len(pending)
        again, _ = load(
            port, [payloads[i] for i in pending], connections=args.connections,
            timeout=args.timeout,
        )  # fmt: skip
        run.html_5xx += _html_5xx(again)
        still = []
        for i, a in zip(pending, again, strict=True):
            answers[i] = a
            if not _final(a):
                still.append(i)
                odd.write(f"{fault} {round_no} retry: {a.status} {a.body[:300]!r}\n")
        pending = still
        if pending:
            time.sleep(1)
    run.errors_after_recovery = len(pending)
    run.seconds = time.monotonic() - started
    checks = json.loads(pg.psql(CHECKS, database))
    run.stuck_keys = int(checks["stuck_keys"])
    run.oversold = int(checks["oversold"])
    run.ledger_unbalanced = int(checks["unbalanced"]) + int(checks["double_debit"])
    run.lost_messages = int(checks["lost_messages"])
    confirmed_answers = sum(1 for a in answers if a.status == 201)
    if confirmed_answers != int(checks["confirmed"]):
        run.notes.append(
            f"201 answers {confirmed_answers} vs confirmed places {checks['confirmed']} "
            f"(places {checks['statuses']})"
        )
        created = {json.loads(a.body).get("id") for a in answers if a.status == 201 and a.body}
        run.notes.append(f"{len(created)} distinct places answered 201")
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Registrations under faults.")
    parser.add_argument("--families", type=int, default=400)
    parser.add_argument("--offerings", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each fault")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--outage", type=float, default=20.0, help="seconds PG/Redis stay down")
    parser.add_argument("--delay", type=float, default=0.7, help="seconds before the fault")
    parser.add_argument("--recovery", type=float, default=60.0, help="seconds to retry")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=6399)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    if unknown := set(faults) - set(FAULTS):
        raise SystemExit(f"bench: unknown faults {sorted(unknown)}; known: {FAULTS}")
    if shutil.which("redis-server") is None:
        raise SystemExit("bench: redis-server is missing (apt-get install redis-server)")

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="kargah-faults-"))
    pg = Postgres(base, _free_port(args.pg_port))
    redis = Redis(base, _free_port(args.redis_port))
    database = "kargah_bench_faults"
    server: subprocess.Popen[bytes] | None = None
    runs: list[Run] = []
    try:
        pg.init()
        pg.start()
        pg.psql("CREATE ROLE kargah LOGIN CREATEDB PASSWORD 'kargah'")
        pg.psql(f"CREATE DATABASE {database} OWNER kargah")
        redis.start()
        os.environ["BENCH_REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0"
        env = _env(f"postgres://kargah:kargah@127.0.0.1:{pg.port}/{database}", "bench.settings")
        env["CELERY_BROKER_URL"] = env["REDIS_URL"]
        env["DJANGO_LOG_LEVEL"] = "ERROR"
        _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        print(
            _run(
                [PYTHON, "-m", "bench.seed_rush", "--families", str(args.families),
                 "--offerings", str(args.offerings), "--capacity", str(args.capacity)],
                env,
            ).strip()
        )  # fmt: skip
        _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        port = _free_port(args.port)
        log = LOG_DIR / "faults-gunicorn.log"
        server = _serve(env, port=port, workers=args.workers, log=log)
        _wait_ready(f"http://127.0.0.1:{port}", server, log)
        print(
            f"server: gunicorn {args.workers} sync workers on 127.0.0.1:{port}; PostgreSQL "
            f"{pg.psql('SHOW server_version')} on {pg.port}, Redis on {redis.port} (own); "
            f"{args.families} families, {args.connections} connections; outage "
            f"{args.outage:g} s; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        odd_log = LOG_DIR / f"faults-{time.strftime('%Y%m%d-%H%M%S')}-answers.log"
        with odd_log.open("w") as odd:
            for round_no in range(1, args.rounds + 1):
                for fault in faults:
                    run = _one_run(
                        fault, round_no, args=args, env=env, pg=pg, redis=redis,
                        server=server, port=port, database=database, log=log, odd=odd,
                    )  # fmt: skip
                    runs.append(run)
                    first = " ".join(f"{k}:{v}" for k, v in sorted(run.first.items()))
                    print(
                        f"  {fault:16} round {round_no}: {run.sent} sent ({first}); "
                        f"{run.retried} retried; errors_after_recovery="
                        f"{run.errors_after_recovery} stuck_keys={run.stuck_keys} "
                        f"oversold={run.oversold} ledger_unbalanced={run.ledger_unbalanced} "
                        f"lost_messages={run.lost_messages} html_5xx={run.html_5xx} "
                        f"({run.seconds:.1f} s)"
                        + (f" [{'; '.join(run.notes)}]" if run.notes else ""),
                        flush=True,
                    )
        print(f"answers retried without a final answer: {odd_log}")
    finally:
        if server is not None:
            _stop(server)
        redis.stop()
        if pg.running():
            pg.stop("fast")
        shutil.rmtree(base, ignore_errors=True)
    (LOG_DIR / "faults.json").write_text(json.dumps([run.__dict__ for run in runs], indent=2))
    total = {
        name: sum(getattr(run, name) for run in runs)
        for name in (
            "errors_after_recovery", "stuck_keys", "oversold", "ledger_unbalanced",
            "lost_messages", "html_5xx",
        )
    }  # fmt: skip
    print(
        f"faults: runs={len(runs)} " + " ".join(f"{name}={value}" for name, value in total.items())
    )
    return 1 if any(total.values()) or any(run.notes for run in runs) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
