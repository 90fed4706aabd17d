"""Compares `dqbatch ls --json` output with truthound's own reading in manifest.json.

usage: check_ls.py MANIFEST LS_OUTPUT PREFIX
PREFIX is what stands before each manifest path in the ls output ("DIR/" or
"archive.tar.gz:store/"). Statistics follow spec 1.11's precedence: truthound's view when
the file has a validation run, validation_result.statistics when it has only that, and
null for error runs.
"""
import json
import sys

KEYS = ["total_issues", "critical_issues", "high_issues", "medium_issues", "low_issues",
        "pass_rate", "total_rows", "total_columns"]


def expected(entry):
    want = {"run_id": entry["run_id"], "checkpoint_name": entry["checkpoint_name"],
            "run_time": entry["run_time"], "status": entry["status"],
            "data_asset": entry["data_asset"]}
    stats = entry["truthound_view"]
    if not entry["has_validation_run"] and entry["validation_result_statistics"]:
        stats = entry["validation_result_statistics"]
    for key in KEYS:
        want[key] = None if stats is None else stats[key]
    return want


def main():
    manifest = json.load(open(sys.argv[1], encoding="utf-8"))
    prefix = sys.argv[3]
    lines = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
    by_path = {l["path"]: l for l in lines}
    problems = []
    if len(lines) != len(manifest["entries"]):
        problems.append(f"{len(lines)} lines, {len(manifest['entries'])} manifest entries")
    for entry in manifest["entries"]:
        got = by_path.get(prefix + entry["path"])
        if got is None:
            problems.append(f"missing {prefix + entry['path']}")
            continue
        for key, value in expected(entry).items():
            if got.get(key) != value:
                problems.append(f"{entry['path']}: {key} = {got.get(key)!r}, want {value!r}")
    times = [(l["run_time"], l["run_id"]) for l in lines]
    if times != sorted(times):
        problems.append("lines are not in (run_time, run_id) order")
    for p in problems[:20]:
        print(p)
    sys.exit(1 if problems else 0)


main()
