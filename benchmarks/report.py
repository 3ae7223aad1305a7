"""One row per figure: what was measured, its target and whether it was met."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    measured: float
    unit: str
    target: float | None = None
    lower_is_better: bool = True
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        ok = self.measured <= self.target if self.lower_is_better else self.measured >= self.target
        return "pass" if ok else "FAIL"

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        return f"{'<=' if self.lower_is_better else '>='} {self.target:g} {self.unit}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(figures: list[Figure]) -> None:
    header = f"{'figure':58} {'target':>16} {'measured':>16}  result"
    print(header)
    print("-" * len(header))
    for f in figures:
        print(f"{f.name:58} {f.target_text():>16} {f'{f.measured:.4g} {f.unit}':>16}  {f.verdict}")
        if f.note:
            print(f"    {f.note}")
