"""Run every benchmark and print one table: figure, target, measured, pass/fail.

python benchmarks/run_all.py            # everything
python benchmarks/run_all.py logger     # only modules whose name contains "logger"
python benchmarks/run_all.py real_runs  # movement on the real runs in tests/data
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import print_table

MODULES = [
    "bench_logger",
    "bench_footpod",
    "bench_sensors",
    "bench_dashboard",
    "bench_export",
    "bench_access",
    "bench_sdcard",
    "bench_real_runs",
]


def main(argv: list[str]) -> int:
    figures = []
    for name in MODULES:
        if argv and not any(a in name for a in argv):
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"benchmarks.{name}":
                continue
            raise
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures += module.run()
    print_table(figures)
    return 1 if any(f.verdict == "FAIL" for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
