"""Run every benchmark case; print a table and write bench_out/bench.json."""
from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from benchmarks.cases import CASES


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path("bench_out")
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for case in CASES:
        record = case()
        results.append(record)
        print(f"{record['benchmark']:<48} {record['baseline']:<26} {record['baseline_ms']:>9.2f} ms   "
              f"{record['candidate']:<34} {record['candidate_ms']:>9.2f} ms   x{record['speedup']}", flush=True)
    (out_dir / "bench.json").write_text(json.dumps(
        {"machine": {"python": platform.python_version(), "platform": platform.platform()}, "results": results},
        indent=2))
    print(f"wrote {out_dir / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
