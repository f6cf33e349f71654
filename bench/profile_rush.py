"""Where a registration spends its time, in-process on the rush database: the SQL statements
of one `POST /api/v1/enrollments` (count and each one), the time per registration, and a
cProfile of the Python side.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/kargah_bench_rush \
        DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=127.0.0.1 python -m bench.profile_rush

It resets the rush data first (bench.seed_rush --reset), then registers each family once
for one of the 200 offerings, as phase 2 of the benchmark does, one at a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile registrations.")
    parser.add_argument("--repeat", type=int, default=100, help="registrations timed")
    parser.add_argument("--top", type=int, default=30, help="cProfile rows shown")
    parser.add_argument("--sql", action="store_true", help="print every statement of one")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    subprocess.run([sys.executable, "-m", "bench.seed_rush", "--reset"], check=True)
    import django

    django.setup()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.seed_rush import PLAN

    plan = json.loads(PLAN.read_text())
    families = plan["families"]
    offerings = plan["offerings"]
    request_started.disconnect(reset_queries)
    client = Client(HTTP_HOST="127.0.0.1")

    def register(i: int) -> int:
        family = families[i % len(families)]
        response = client.post(
            "/api/v1/enrollments",
            data=json.dumps(
                {
                    "offering": offerings[i % len(offerings)],
                    "learner": family["learner"],
                    "accept_terms": True,
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {family['token']}",
            HTTP_IDEMPOTENCY_KEY=f"profile-{time.time_ns()}-{i}",
            HTTP_ACCEPT="application/json",
        )
        return response.status_code

    with CaptureQueriesContext(connection) as captured:
        status = register(0)
    print(f"one registration: HTTP {status}, {len(captured.captured_queries)} statements")
    if args.sql:
        for query in captured.captured_queries:
            print(f"  {query['time']}  {query['sql'][:220]}")
    timings = []
    for i in range(1, args.repeat + 1):
        started = time.perf_counter()
        register(i)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"time per registration: median {statistics.median(timings):.2f} ms over {args.repeat}")
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(args.repeat + 1, args.repeat + 51):
        register(i)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(
        os.environ.get("PROFILE_SORT", "cumulative")
    ).print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
