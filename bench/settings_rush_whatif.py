"""What-if settings for the registration rush (`--settings bench.settings_rush_whatif`): the
benchmark's settings with persistent database connections and a URL map that swaps in
leaner versions of three steps of registering, to measure changes before making them.
BENCH_WHATIF picks them (comma-separated; empty: connections only):

    offering   the API reads the offering alone (with its course), not the public detail
               page's offering with its sessions, instructors and conditions
    release    _claim_seat releases expired holds and offers only when one query says
               there are any (today it reads and offers on every registration)
    precheck   enrollment_create checks outside the lock only what the lock does not
               repeat (open, age, documents); not-enrolled and clash are checked under it

Measurements only: nothing here is used by the site.
"""

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
ROOT_URLCONF = "bench.urls_rush_whatif"
