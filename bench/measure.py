"""Run a command and print its own peak RSS and CPU time as JSON (the last line of stdout).

    python bench/measure.py -- python -m scrapy crawl kp40 ...

Why a launcher: on Linux a process's ``ru_maxrss`` starts at the high-water mark of the memory image it
``exec``-ed from. A crawl started straight from the benchmark process (which has imported trafilatura and
holds the served site's manifest) would report the benchmark's peak, not its own. Started from this small
process instead, the crawl's ``wait4`` figure is its own. The child's stdout and stderr pass through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time


def _poll_hwm(pid: int, peak: list[int], done: threading.Event) -> None:
    """Cross-check: the largest VmHWM seen in /proc while the child runs (KiB)."""
    path = f"/proc/{pid}/status"
    while not done.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
                        break
        except OSError:
            return
        done.wait(0.05)


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    proc = subprocess.Popen(argv)
    peak, done = [0], threading.Event()
    poller = threading.Thread(target=_poll_hwm, args=(proc.pid, peak, done), daemon=True)
    poller.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    sys.stdout.flush()
    print(json.dumps({"returncode": proc.returncode, "wall_s": wall, "maxrss_kb": usage.ru_maxrss,
                      "polled_hwm_kb": peak[0], "utime_s": usage.ru_utime, "stime_s": usage.ru_stime}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
