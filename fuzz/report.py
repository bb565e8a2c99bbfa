#!/usr/bin/env python3
"""Summarises fuzz/logs/<target>.log (libFuzzer output): runs, exec/s, coverage (cov = edges,
ft = features), corpus size. Used by `make fuzz`; the table goes into docs/robustness.md."""
import re
import sys
from pathlib import Path

LOGS = Path(__file__).resolve().parent / "logs"


def main(targets):
    print(f"{'target':<16}{'runs':>12}{'exec/s':>10}{'cov':>8}{'ft':>8}{'corpus':>8}  result")
    for t in targets:
        p = LOGS / f"{t}.log"
        if not p.exists():
            print(f"{t:<16}{'-':>12}  no log")
            continue
        text = p.read_text(errors="replace")
        last = None
        for m in re.finditer(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+ .*?exec/s: (\d+)", text, re.M):
            last = m
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
        eps = re.search(r"stat::average_exec_per_sec:\s*(\d+)", text)
        crashed = "crash-" in text or "panicked" in text or "ERROR: libFuzzer" in text
        if not last:
            print(f"{t:<16}{'-':>12}  no stats")
            continue
        print(f"{t:<16}{(runs.group(1) if runs else last.group(1)):>12}{(eps.group(1) if eps else last.group(5)):>10}"
              f"{last.group(2):>8}{last.group(3):>8}{last.group(4):>8}  {'CRASH' if crashed else 'ok'}")


if __name__ == "__main__":
    main(sys.argv[1:])
