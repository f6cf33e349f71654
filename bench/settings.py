"""Settings of the benchmark server: production settings (from the environment) with a URL
map that adds one bare view to compare against."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
