#!/usr/bin/env python
"""One table for `make bench`: every benchmark step writes its rows to
var/bench-results/<step>.json (`write`), and `make bench` ends with this script, which
prints them all in one table (ratios, p50/p95/p99, query counts, PASS/FAIL) and exits 1
when a row missed its target.

A row is a dict with: label, target (text), passed (bool) and any of ratio (against the
step's reference in the same round: /healthz, the static file, the uncontended run),
rps, p50, p95, p99 (ms), queries, note. A step adds a row for its reference too (passed
True, ratio 1.0). `load` is the load average (1 min) at the start and the end of the
step: the machine is shared, so figures are only comparable with their own reference.

    from bench_results import write
    write("mail", [{"label": "10,000 reminders delivered", "p50": ..., "passed": True,
                    "target": "≤ 60 s", "note": "…"}], load=(before, after))
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench-results"


def loadavg() -> float:
    return os.getloadavg()[0]


def reset() -> None:
    """Forget the results of an earlier `make bench` (the first step calls it)."""
    if RESULTS.exists():
        for path in RESULTS.glob("*.json"):
            path.unlink()


def write(step: str, rows: list[dict], *, load: tuple[float, float], header: str = "") -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "step": step,
        "header": header,
        "load": list(load),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "rows": rows,
    }
    (RESULTS / f"{step}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1))


def _fmt(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def print_summary() -> int:
    steps = sorted(RESULTS.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not steps:
        print("no benchmark results in var/bench-results/")
        return 1
    ok = True
    print()
    print("=" * 112)
    print(
        f"{'step':<10}{'row':<34}{'ratio':>7}{'req/s':>8}{'p50':>9}{'p95':>9}{'p99':>9}"
        f"{'queries':>8}  result"
    )
    print("-" * 112)
    for path in steps:
        data = json.loads(path.read_text())
        for row in data["rows"]:
            passed = bool(row.get("passed"))
            ok = ok and passed
            print(
                f"{data['step']:<10}{row['label'][:33]:<34}{_fmt(row.get('ratio'), '.2f'):>7}"
                f"{_fmt(row.get('rps'), '.0f'):>8}{_fmt(row.get('p50'), '.1f'):>9}"
                f"{_fmt(row.get('p95'), '.1f'):>9}{_fmt(row.get('p99'), '.1f'):>9}"
                f"{_fmt(row.get('queries'), 'd'):>8}  {'PASS' if passed else 'FAIL'}"
                f"{'  ' + row['target'] if row.get('target') else ''}"
                f"{'  ' + row['note'] if row.get('note') else ''}"
            )
        before, after = data["load"]
        print(
            f"{'':<10}({data['header'] + '; ' if data['header'] else ''}"
            f"load average {before:.2f} → {after:.2f}, {data['finished']})"
        )
    print("=" * 112)
    print("times in ms; ratios against the step's reference in the same round")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--reset"]:
        reset()
        sys.exit(0)
    sys.exit(print_summary())
