"""The people benchmark (`make bench-people`): 1,000,000 synthetic children, search and duplicates; see
docs/benchmarks.md."""
