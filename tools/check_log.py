"""Fail when an Odoo log holds a line at WARNING or above: each one is a defect unless a test
expects it (and then the test captures it with assertLogs, so it never reaches the log)."""

import re
import sys

LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) ")


def main(path, stage):
    with open(path, encoding="utf-8", errors="replace") as log:
        bad = [line.rstrip() for line in log if LEVEL.match(line)]
    if bad:
        print(f"{stage}: {len(bad)} log line(s) at WARNING or above:")
        for line in bad[:50]:
            print("  " + line[:400])
        return 1
    print(f"{stage}: no log line at WARNING or above")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
