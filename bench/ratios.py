#!/usr/bin/python3
"""The ratios of one `make bench` run, and how they compare with the committed baseline.

  ratios.py RATIOS_TSV RATIOS_JSON BASELINE_JSON [--update]

RATIOS_TSV: "key<TAB>ratio<TAB>what" lines the benchmark scripts wrote (each a ratio where
higher is better for civgis). Writes them to RATIOS_JSON with the run's date, commit and
core count, then prints a Markdown table against BASELINE_JSON, flagging every ratio that
fell by more than 20% ("REGRESSION"), and those missing from either side. --update
writes this run's ratios as the new baseline (done on purpose, then committed), with
BENCH_NOTE (how the figures were taken, e.g. the machine's load) as its note. A run of
some scripts only (BENCH_PARTS) replaces the ratios it measured and keeps the others;
every ratio in the baseline names the run it came from ("taken": date and commit).
Exits 3 when a ratio regressed, so the caller can decide what that means.
"""
import datetime
import json
import os
import subprocess
import sys

FALL = 0.20


def main():
    tsv, out_json, base_json = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    ratios = {}
    with open(tsv) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2:
                ratios[p[0]] = {"ratio": float(p[1]), "what": p[2] if len(p) > 2 else ""}
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": commit, "cores": os.cpu_count()}
    if os.environ.get("BENCH_NOTE"):
        doc["note"] = os.environ["BENCH_NOTE"]
    doc["ratios"] = ratios
    with open(out_json, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    base = {}
    if os.path.exists(base_json):
        with open(base_json) as f:
            b = json.load(f)
        base = b.get("ratios", {})
        print(f"Ratios against `{base_json}` (taken {b.get('date', '?')} at {b.get('commit', '?')}); "
              f"a ratio that fell by more than {FALL:.0%} is flagged. This run: `{out_json}`.")
        if b.get("note"):
            print(f"\nBaseline note: {b['note']}")
    else:
        print(f"No baseline at `{base_json}` yet; this run's ratios are in `{out_json}`.")
    print()
    print("| ratio | what | baseline | this run | change | |")
    print("|---|---|---|---|---|---|")
    fell = 0
    for key in sorted(set(ratios) | set(base)):
        new, old = ratios.get(key), base.get(key)
        what = (new or old)["what"]
        if new and old:
            change = new["ratio"] / old["ratio"] - 1
            flag = "**REGRESSION**" if change < -FALL else ""
            fell += bool(flag)
            print(f"| {key} | {what} | {old['ratio']:.2f} | {new['ratio']:.2f} | {change:+.0%} | {flag} |")
        elif new:
            print(f"| {key} | {what} | - | {new['ratio']:.2f} | | new |")
        else:
            print(f"| {key} | {what} | {old['ratio']:.2f} | - | | missing in this run |")
    print()
    if fell:
        print(f"{fell} ratio(s) fell by more than {FALL:.0%} against the baseline.")
    if update:
        taken = f"{doc['date']} at {doc['commit']}"
        merged = {}
        for key in sorted(set(ratios) | set(base)):
            if key in ratios:
                merged[key] = {**ratios[key], "taken": taken}
            else:  # not measured in this run: kept, with the run it came from
                merged[key] = {"taken": f"{b.get('date', '?')} at {b.get('commit', '?')}",
                               **base[key]}
        with open(base_json, "w") as f:
            json.dump({**doc, "ratios": merged}, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"Baseline `{base_json}` updated from this run.")
    return 3 if fell else 0


if __name__ == "__main__":
    sys.exit(main())
