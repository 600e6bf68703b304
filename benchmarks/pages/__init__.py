"""``make bench-pages``: the key pages on the million-child database of ``make bench-people`` (docs/benchmarks.md)."""
