#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""MetricsLog.append_all(64 events) against 64 MetricsLog.append calls, by field size.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/append_all_bench.py [ROUNDS]

A batch exists to be cheaper than as many single appends: one write(2), one
release of the GIL. With long text (a flavor of 4 KiB, 64 KiB, 500 KB: hostile
or unusual, but valid up to the 1 MiB line) building the batch must not cost
more than it saves. For each size, the two ways alternate round by round on
the same log (truncated between rounds); prints the median milliseconds of
each and the ratio batch / singles (below 1: the batch is cheaper).
"""

import os
import statistics
import sys
import tempfile
import time

import runner_metrics

EVENTS = 64
SIZES = (100, 4096, 65536, 500000)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "metrics.log")
        log = runner_metrics.MetricsLog(path)
        print(f"{EVENTS} RunnerInstalled events a round, {rounds} rounds, medians")
        for size in SIZES:
            events = [runner_metrics.RunnerInstalled(timestamp=1.0 + i, flavor="f" * size,
                                                     duration=1.0) for i in range(EVENTS)]
            singles, batches = [], []
            for r in range(rounds):
                order = ((False, singles), (True, batches))
                for batch, times in (order if r % 2 == 0 else order[::-1]):
                    start = time.perf_counter()
                    if batch:
                        log.append_all(events)
                    else:
                        for event in events:
                            log.append(event)
                    times.append(time.perf_counter() - start)
                    os.truncate(path, 0)
            one, all_ = statistics.median(singles) * 1e3, statistics.median(batches) * 1e3
            print(f"flavor of {size:>6} bytes: {EVENTS} x append {one:8.3f} ms, "
                  f"append_all {all_:8.3f} ms, ratio {all_ / one:5.2f}")


if __name__ == "__main__":
    main()
