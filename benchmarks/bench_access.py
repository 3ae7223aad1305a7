"""Getting to the dashboard (issue 15, the phone): what a login's password check costs,
and what the LAN banner adds to `footnote serve`'s start.

- one login's argon2id check (server.dashboard.passwords: 19 MiB, 2 passes, 1 lane), median and
  p95 of 30, on one core;
- the memory one check holds: the peak resident memory (VmHWM) of a fresh process
  before and after one check;
- the LAN banner (addresses, `.local` name, QR code, segno imported), in a fresh process.

The Pi Zero 2 W is slower at memory-hard hashing than this machine (taken as 10-20 times,
see server/dashboard/passwords.py): the targets leave room for that.

Run: python benchmarks/bench_access.py
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import Figure, median, percentile

PASSWORD = "long run, cold feet"

# Run in a fresh process, so the peak is the check's own and not the benchmark's.
_ONE_CHECK = textwrap.dedent(
    """
    import sys
    from footnote.server.dashboard.passwords import hash_password, verify_password

    def peak_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    hashed = sys.argv[1]
    before = peak_kib()
    assert verify_password(hashed, sys.argv[2])
    print(before, peak_kib())
    """
)

_BANNER = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    from footnote.server.dashboard import lan
    where = lan.reach(host="0.0.0.0", port=8765, https=False, addresses=lan.lan_addresses())
    text = lan.banner(where, color=False)
    print(time.perf_counter() - start)
    """
)


def check_times(hashed: str, n: int = 30) -> list[float]:
    from footnote.server.dashboard.passwords import verify_password

    times = []
    for _ in range(n):
        start = time.perf_counter()
        assert verify_password(hashed, PASSWORD)
        times.append(time.perf_counter() - start)
    return times


def run() -> list[Figure]:
    from footnote.server.dashboard.passwords import hash_password

    hashed = hash_password(PASSWORD)
    times = check_times(hashed)
    before_kib, after_kib = map(
        int,
        subprocess.run(
            [sys.executable, "-c", _ONE_CHECK, hashed, PASSWORD], capture_output=True, text=True, check=True
        ).stdout.split(),
    )
    banner_s = min(
        float(subprocess.run([sys.executable, "-c", _BANNER], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    )
    return [
        Figure("login password check (argon2id 19 MiB, t=2), p50", median(times) * 1e3, "ms"),
        Figure(
            "login password check (argon2id 19 MiB, t=2), p95",
            percentile(times, 95) * 1e3,
            "ms",
            target=50,
            note="a Pi Zero 2 W is taken to be 10-20x slower: about 0.2-0.6 s",
        ),
        Figure("memory one password check holds (VmHWM rise)", (after_kib - before_kib) / 1024, "MB", target=24),
        Figure("LAN banner with QR code, fresh process (imports included)", banner_s * 1e3, "ms", target=200),
    ]


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())
