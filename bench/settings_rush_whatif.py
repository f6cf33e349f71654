"""What-if settings for the registration rush (`--settings bench.settings_rush_whatif`): the
benchmark's settings with server-side parameter binding and prepared statements, to measure
them before turning them on (docs/performance.md). BENCH_PREPARE_THRESHOLD sets after how
many runs of the same statement psycopg prepares it (default 5, psycopg's own).

Measurements only: nothing here is used by the site.
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

DATABASES["default"].setdefault("OPTIONS", {}).update(
    server_side_binding=True,
    prepare_threshold=int(os.environ.get("BENCH_PREPARE_THRESHOLD", "5")),
)
