"""`python -m benchmarks [OUT]`: the benchmarks of `core.bench` (what `studio bench` runs)."""
from __future__ import annotations

import sys
from pathlib import Path

from core.bench import run_bench


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    args = [a for a in argv if a != "--quick"]
    run_bench(Path(args[0]) if args else Path("bench_out"), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
