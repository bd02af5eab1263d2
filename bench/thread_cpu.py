#!/usr/bin/env python3
"""CPU seconds of processes' threads by thread name, to see where a run spends its cores.

  thread_cpu.py PID[=LABEL] ...            prints "LABEL:thread<TAB>seconds" per line
  thread_cpu.py --since FILE PID[=LABEL]   prints one line: the seconds used since FILE was
                                           written (the busiest first)
"""
import glob
import os
import sys


def snapshot(targets):
    tck = os.sysconf("SC_CLK_TCK")
    by = {}
    for target in targets:
        pid, _, label = target.partition("=")
        for task in glob.glob(f"/proc/{pid}/task/*"):
            try:
                comm = open(task + "/comm").read().strip()
                fields = open(task + "/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended meanwhile
            key = f"{label}:{comm}" if label else comm
            by[key] = by.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / tck
    return by


def main(argv):
    if argv[:1] == ["--since"]:
        before = {}
        for line in open(argv[1]):
            key, value = line.rstrip("\n").split("\t")
            before[key] = float(value)
        now = snapshot(argv[2:])
        rows = sorted(((v - before.get(k, 0.0), k) for k, v in now.items()), reverse=True)
        total = sum(d for d, _ in rows)
        print(f"CPU {total:.1f} s: " + ", ".join(f"{k} {d:.1f}" for d, k in rows if d >= 0.05))
    else:
        for key, value in snapshot(argv).items():
            print(f"{key}\t{value:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
