#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The baseline: job-duration min/avg/max of a metrics log with Python's json
module, the way a one-off script would do it.

    job_duration.py LOG
"""

import json
import math
import sys


def main():
    count = 0
    total = 0.0
    low = math.inf
    high = -math.inf
    with open(sys.argv[1], "rb") as log:
        for line in log:
            event = json.loads(line)
            if event.get("event") == "runner_stop" and event.get("status") == "normal":
                duration = event["job_duration"]
                count += 1
                total += duration
                low = min(low, duration)
                high = max(high, duration)
    print(json.dumps({"min": low, "avg": total / count, "max": high}))


if __name__ == "__main__":
    main()
