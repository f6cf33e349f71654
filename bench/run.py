"""The catalog benchmark: 2,000 published offerings in PostgreSQL, served by gunicorn with
production settings; the catalog page and GET /api/v1/offerings measured with wrk beside a
bare Django view on the same server, in the same run, rounds interleaved.

    bash bench/run.sh            # what `make bench-catalog` runs (installs wrk, makes the DB)
    python -m bench.run --rounds 1 --duration 5     # quicker, with BENCH_DATABASE_URL set

The last line reads
    catalog: offerings=2000 catalog_rps=N api_rps=N bare_rps=N ratio=R p99_ms=N signed_in_rps=N signed_in_ratio=R
where ratio is the slower of the two catalog figures over the bare view's, and p99_ms the
higher of the two catalog endpoints' 99th percentiles (medians over the rounds);
signed_in_rps is the catalog page for a signed-in guardian with children (a session
cookie), and signed_in_ratio that over the bare view's (issue 9, item 8: goal >= 0.3).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
LOG_DIR = ROOT / "var" / "bench"
ENDPOINTS = [
    ("bare", "/bench/bare"),
    ("catalog", "/catalog/"),
    ("api", "/api/v1/offerings"),
    ("signed_in", "/catalog/"),  # with a demo guardian's session cookie
    ("whoami", "/bench/whoami"),  # the same cookie: the floor of any signed-in page
]
SIGNED_IN = {"signed_in", "whoami"}
_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


@dataclass
class Measure:
    endpoint: str
    round: int
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int


def _env(database_url: str, settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        KARGAH_SMS_PROVIDER="console",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    # Production caches in Redis; give BENCH_REDIS_URL to measure with it, otherwise each
    # worker has its in-process cache.
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603  (our own command lines)
        args, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench: {' '.join(args)} failed ({done.returncode})")
    return done.stdout


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SystemExit("bench: no free port on 127.0.0.1")


def _get(url: str, *, accept: str = "*/*", cookie: str = "") -> tuple[int, bytes]:
    headers = {"Accept": accept, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def _serve(env: dict[str, str], *, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as docs/operations.md runs it (sync workers), on 127.0.0.1 only."""
    gunicorn = [
        str(BIN / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--log-level", "warning", "--error-logfile", str(log), "--timeout", "60",
    ]  # fmt: skip
    with log.open("ab") as log_file:
        return subprocess.Popen(  # noqa: S603  (our own command line)
            gunicorn, cwd=ROOT, env=env, stdout=log_file, stderr=log_file, start_new_session=True
        )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _wait_ready(
    base: str,
    server: subprocess.Popen[bytes],
    log: Path,
    *,
    path: str = "/bench/bare",
    expect: bytes = b"ok",
    name: str = "gunicorn",
) -> None:
    """Waits (up to 60 s) until `path` answers 200 with `expect` in its body."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench: {name} exited ({server.returncode}); see {log}")
        try:
            status, body = _get(base + path)
            if status == 200 and expect in body:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"bench: {name} did not answer within 60 s; see {log}")


def _cookie(name: str, session: str) -> str:
    return f"sessionid={session}" if name in SIGNED_IN else ""


def _check_pages(base: str, offerings: int, session: str) -> dict[str, int]:
    """Each endpoint answers 200 before it is loaded; returns the response sizes."""
    sizes = {}
    for name, path in ENDPOINTS:
        accept = "application/json" if name == "api" else "*/*"
        status, body = _get(base + path, accept=accept, cookie=_cookie(name, session))
        if status != 200:
            raise SystemExit(f"bench: GET {path} answered {status}:\n{body[:2000]!r}")
        sizes[name] = len(body)
        if name == "signed_in" and b'name="child"' not in body:
            raise SystemExit("bench: the signed-in catalog page does not offer the children")
        if name == "whoami" and not body.isdigit():
            raise SystemExit(f"bench: /bench/whoami does not see the guardian: {body[:200]!r}")
        if name == "api":
            data = json.loads(body)
            count = data.get("count") if isinstance(data, dict) else len(data)
            if count is not None and count != offerings:
                raise SystemExit(f"bench: the API lists {count} offerings, not {offerings}")
    return sizes


def _drain(base: str) -> None:
    """Waits until the server is idle again: requests queued behind a slow endpoint would
    otherwise be served during, and charged to, the next measurement."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        started = time.monotonic()
        _get(base + "/bench/bare")
        if time.monotonic() - started < 0.1:
            return
        time.sleep(0.5)


def _wrk(
    url: str, *, threads: int, connections: int, seconds: int, accept: str, cookie: str = ""
) -> dict[str, Any]:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    args += ["-H", f"Accept: {accept}", *(["-H", f"Cookie: {cookie}"] if cookie else [])]
    args += ["-s", str(ROOT / "bench" / "latency.lua"), url]
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    match = _LINE.search(done.stdout)
    if done.returncode != 0 or not match:
        raise SystemExit(f"bench: wrk failed:\n{done.stdout}{done.stderr}")
    fields = dict(item.split("=", 1) for item in match.group(1).split())
    errors = sum(int(fields[k]) for k in ("non2xx", "connect", "read", "write", "timeout"))
    return {
        "requests": int(fields["requests"]),
        "rps": float(fields["rps"]),
        "p50_ms": float(fields["p50_ms"]),
        "p90_ms": float(fields["p90_ms"]),
        "p99_ms": float(fields["p99_ms"]),
        "max_ms": float(fields["max_ms"]),
        "errors": errors,
    }


def _machine(env: dict[str, str]) -> dict[str, str]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    postgres = _run(
        [PYTHON, "-c", "import django; django.setup(); from django.db import connection; "
         "c = connection.cursor(); c.execute('show server_version'); print(c.fetchone()[0])"],
        env,
    ).strip()  # fmt: skip
    wrk_version = subprocess.run(  # noqa: S603
        [shutil.which("wrk") or "wrk", "-v"], capture_output=True, text=True, check=False
    )
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": postgres,
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("\n", 1)[0].strip(),
    }


def server_arguments(parser: argparse.ArgumentParser, *, port: int, rounds: str) -> None:
    """The options every gunicorn benchmark takes (rounds, workers, port, seeding, settings)."""
    parser.add_argument("--rounds", type=int, default=3, help=rounds)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--no-seed", action="store_true", help="use the data as it is")
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module of the server (to measure a change before making it)",
    )


def database_url_checked() -> str:
    """BENCH_DATABASE_URL (PostgreSQL), with wrk on the path: what bench/run.sh prepares."""
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: set BENCH_DATABASE_URL to a PostgreSQL database (bench/run.sh)")
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is missing (bench/run.sh installs it)")
    return database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The catalog benchmark.")
    parser.add_argument("--offerings", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    server_arguments(parser, port=8765, rounds="interleaved rounds (median)")
    args = parser.parse_args(argv)

    database_url = database_url_checked()
    env = _env(database_url, args.settings)
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    if not args.no_seed:
        print(_run([PYTHON, "-m", "bench.seed_catalog", "--offerings", str(args.offerings)], env))
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    session = _run([PYTHON, "-m", "bench.seed_catalog", "--guardian-session"], env)
    session = session.strip().rsplit("session=", 1)[-1]
    machine = _machine(env)

    port = _free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    log = LOG_DIR / "gunicorn.log"
    server = _serve(env, port=port, workers=args.workers, log=log)
    measures: list[Measure] = []
    try:
        _wait_ready(base, server, log)
        sizes = _check_pages(base, args.offerings, session)
        print(
            f"machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']} RAM, "
            f"PostgreSQL {machine['postgresql']}, Python {machine['python']}, {machine['wrk']}"
        )
        print(
            f"server: gunicorn {args.workers} sync workers on {base}, DEBUG off; load: wrk "
            f"{args.threads} threads, {args.connections} connections, {args.duration} s each, "
            f"{args.rounds} rounds interleaved"
        )
        for name, path in ENDPOINTS:  # warm the workers and the database
            accept = "application/json" if name == "api" else "text/html"
            _wrk(base + path, threads=args.threads, connections=args.connections, seconds=2,
                 accept=accept, cookie=_cookie(name, session))  # fmt: skip
        for round_no in range(1, args.rounds + 1):
            for name, path in ENDPOINTS:
                accept = "application/json" if name == "api" else "text/html"
                result = _wrk(
                    base + path,
                    threads=args.threads,
                    connections=args.connections,
                    seconds=args.duration,
                    accept=accept,
                    cookie=_cookie(name, session),
                )
                measures.append(Measure(endpoint=name, round=round_no, **result))
                _drain(base)
                print(
                    f"  round {round_no} {name:9} {result['rps']:8.1f} req/s  "
                    f"p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                    f"errors {result['errors']}",
                    flush=True,
                )
    finally:
        _stop(server)

    summary: dict[str, dict[str, float]] = {}
    for name, _path in ENDPOINTS:
        mine = [m for m in measures if m.endpoint == name]
        summary[name] = {
            "rps": statistics.median(m.rps for m in mine),
            "p50_ms": statistics.median(m.p50_ms for m in mine),
            "p99_ms": statistics.median(m.p99_ms for m in mine),
            "errors": sum(m.errors for m in mine),
            "bytes": sizes[name],
        }
    print()
    print("| endpoint | req/s | p50 ms | p99 ms | errors | response bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, path in ENDPOINTS:
        s = summary[name]
        print(
            f"| {name} `{path}` | {s['rps']:.0f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
            f"| {s['errors']:.0f} | {s['bytes']:.0f} |"
        )
    slower = min(summary["catalog"]["rps"], summary["api"]["rps"])
    ratio = slower / summary["bare"]["rps"]
    p99 = max(summary["catalog"]["p99_ms"], summary["api"]["p99_ms"])
    signed_in_ratio = summary["signed_in"]["rps"] / summary["bare"]["rps"]
    whoami_ratio = summary["whoami"]["rps"] / summary["bare"]["rps"]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = {
        "machine": machine,
        "args": vars(args),
        "summary": summary,
        "ratio": ratio,
        "signed_in_ratio": signed_in_ratio,
        "whoami_ratio": whoami_ratio,
        "measures": [asdict(m) for m in measures],
    }
    (LOG_DIR / f"catalog-{stamp}.json").write_text(json.dumps(report, indent=2))
    errors = sum(m.errors for m in measures)
    if errors:
        print(f"bench: {errors} requests failed (non-2xx or socket errors); see {log}")
    print(
        f"signed-in floor: whoami_rps={summary['whoami']['rps']:.0f} whoami_ratio={whoami_ratio:.2f}"
    )
    print(
        f"catalog: offerings={args.offerings} catalog_rps={summary['catalog']['rps']:.0f} "
        f"api_rps={summary['api']['rps']:.0f} bare_rps={summary['bare']['rps']:.0f} "
        f"ratio={ratio:.2f} p99_ms={p99:.0f} "
        f"signed_in_rps={summary['signed_in']['rps']:.0f} signed_in_ratio={signed_in_ratio:.2f}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
