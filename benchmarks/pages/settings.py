"""Opora's settings with the benchmark's URLs in front: a hello-world view served by the same gunicorn, to
which each page's throughput is compared."""

from opora.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.pages.urls"
