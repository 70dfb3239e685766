#!/usr/bin/env python3
"""One row per training run of an experiment: what `dims.md` averages away.

Usage: python3 docs/results/run-details.py OUT/runs
Reads each finished run's typed `metrics.json` (the trainer's own record) and prints a Markdown
table: test top-1 and top-5 (%), labels moved per epoch, the assignment solves and their time
(the sum of each update's `micros`) against the training time. Runs that have not finished
(no `final` record) are listed as such, not left out.
"""
import json
import pathlib
import sys


def thousands(n: int) -> str:
    """`93141` as README writes it: `93 141`."""
    return f"{n:,}".replace(",", " ")


def row(run: pathlib.Path) -> str:
    m = json.loads((run / "metrics.json").read_text())
    f, eps = m.get("final"), m["epochs"]
    if f is None:
        return f"| {run.name} | not finished ({len(eps)} epochs) | | | |"
    updates = [u for e in eps for u in e["updates"]]
    per_epoch = ", ".join(thousands(sum(u["moved"] for u in e["updates"])) for e in eps)
    train_s = f["train_seconds"]
    if updates:
        solver_s = sum(u["micros"] for u in updates) / 1e6
        solver = f"{len(updates)} solves, {solver_s:.0f} s of {train_s:.0f} s ({100 * solver_s / train_s:.1f} %)"
    else:
        per_epoch, solver = "—", f"— ({train_s:.0f} s training)"
    return f"| {run.name} | {f['test_top1']:.2f} | {f['test_top5']:.2f} | {per_epoch} | {solver} |"


def main() -> None:
    runs = sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if (p / "metrics.json").exists())
    print("Per run (test %; labels moved in each epoch; the solver's time within training):")
    print()
    print("| run | top-1 | top-5 | labels moved per epoch | assignment |")
    print("|---|---|---|---|---|")
    for run in runs:
        print(row(run))


if __name__ == "__main__":
    main()
