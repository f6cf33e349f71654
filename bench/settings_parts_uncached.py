"""What-if of the catalog benchmark: the settings of bench.settings with a URL map that
renders the whole catalog page for a signed-in family on every request, as before the
shared part was cached (issue 9, item 8); visitors still get whole cached responses."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_parts_uncached"
