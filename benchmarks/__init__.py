"""`make bench` / `python -m benchmarks`: speed as ratios against a baseline measured in the same
run (never absolute thresholds). Results go to bench_out/bench.json and a table on stdout."""
