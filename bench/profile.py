"""Where a catalog request spends its time: SQL queries (count, time, the slowest ones with
EXPLAIN ANALYZE) and a cProfile of the Python side, in-process on the benchmark database.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/kargah_bench \
        DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=127.0.0.1 python -m bench.profile [PATH …]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile catalog requests.")
    parser.add_argument("paths", nargs="*", default=["/catalog/", "/api/v1/offerings"])
    parser.add_argument("--repeat", type=int, default=20, help="requests timed per path")
    parser.add_argument("--top", type=int, default=25, help="cProfile rows shown")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # Keep the query log across the request (Django empties it when a request starts).
    request_started.disconnect(reset_queries)
    client = Client(HTTP_HOST="127.0.0.1")
    for path in args.paths:
        accept = "application/json" if path.startswith("/api/") else "text/html"
        client.get(path, HTTP_ACCEPT=accept)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_ACCEPT=accept)
        captured = list(queries.captured_queries)
        sql_ms = sum(float(q["time"]) for q in captured) * 1000
        started = time.perf_counter()
        for _ in range(args.repeat):
            client.get(path, HTTP_ACCEPT=accept)
        wall_ms = (time.perf_counter() - started) * 1000 / args.repeat
        print(f"\n=== {path}: HTTP {response.status_code}, {len(response.content)} bytes")
        print(
            f"{wall_ms:.1f} ms a request in-process; {len(captured)} queries, {sql_ms:.1f} ms SQL"
        )
        slow = sorted(captured, key=lambda q: -float(q["time"]))
        for query in slow[:5]:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
        if args.explain and slow and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for query in slow[:2]:
                    cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                    print("\n".join(row[0] for row in cursor.fetchall()))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(path, HTTP_ACCEPT=accept)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
