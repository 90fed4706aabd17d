#!/usr/bin/env python3
"""Checks that a store written by gen_store is what truthound itself would have written.

    check_store.py STORE [FIXTURE_STORE]

For every file: the bytes are exactly Python's json.dumps(indent=2) of the parsed
document (or PyYAML's yaml.dump of it, anchors and all), gzip files are byte for byte
what Python's gzip module writes (FNAME in Latin-1, level 9), the path follows StoreValidationResult's layout, the keys come in
truthound's order (taken from the fixtures when FIXTURE_STORE is given), the statistics
agree with the issues and the status follows derive_checkpoint_outcome. Prints one
line per problem and exits 1 if there was any.
"""
import gzip
import io
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # the pyenv python may lack it; Debian's has it
    yaml = None

SEVERITIES = ("critical", "high", "medium", "low")
RUN_ID = re.compile(r"^(.+)_(\d{8}_\d{6})_([0-9a-f]{8})$")
RUN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$")
problems = []


def problem(path, text):
    problems.append(f"{path}: {text}")


def regzip(plain, name, original):
    """What truthound's gzip.open(path, "wt", compresslevel=9) writes for the text, with
    the original's MTIME: the text wrapper's flush on close adds a sync-flush block."""
    out = io.BytesIO()
    mtime = int.from_bytes(original[4:8], "little")
    packed = gzip.GzipFile(filename=name, mode="wb", compresslevel=9, fileobj=out, mtime=mtime)
    with io.TextIOWrapper(packed, encoding="utf-8") as text:
        text.write(plain.decode("utf-8"))
    return out.getvalue()


def read_document(path):
    raw = open(path, "rb").read()
    name = os.path.basename(path)
    if raw[:2] == b"\x1f\x8b":
        # Python's gzip module writes FNAME in Latin-1, and no FNAME when the name has a
        # character Latin-1 lacks.
        try:
            want = name[:-3].encode("latin-1")
        except UnicodeEncodeError:
            want = b""
        if raw[3] != (0x08 if want else 0):
            problem(path, f"gzip flags {raw[3]:#x}, expected {'FNAME' if want else 'none'}")
        fname = raw[10:raw.index(b"\0", 10)] if raw[3] & 0x08 else b""
        if fname != want:
            problem(path, f"gzip FNAME {fname!r}, Python writes {want!r}")
        plain = gzip.decompress(raw)
        if regzip(plain, name[:-3], raw) != raw:
            problem(path, "not the bytes Python's gzip module writes for this text")
        raw = plain
    text = raw.decode("ascii")
    if ".yaml" in name:
        if yaml is None:
            return None
        doc = yaml.safe_load(text)
        if yaml.dump(doc, default_flow_style=False) != text:
            problem(path, "not byte-identical to PyYAML's yaml.dump of itself")
        return doc
    doc = json.loads(text)
    if json.dumps(doc, indent=2) != text:
        problem(path, "not byte-identical to Python's json.dumps(indent=2) of itself")
    return doc


def layout_problem(path, rel, doc):
    """The partition folder StoreValidationResult would use, checked against the path."""
    parts = rel.split("/")
    store, partition = parts[0], "/".join(parts[1:-1])
    expected = {
        "by_date": doc["run_time"][:10].replace("-", "/"),
        "by_checkpoint": doc["checkpoint_name"],
        "by_status": doc["status"],
        "flat": "",
    }.get(store)
    if expected is None:
        return  # a single-layout store: nothing to compare against
    if partition != expected:
        problem(path, f"in {partition!r}, truthound would write it under {expected!r}")


def key_order(doc, fixtures):
    """The parts of doc whose keys come in an order no fixture file shows."""
    for name, keys in key_order_all(doc):
        if name in fixtures and keys not in fixtures[name]:
            yield name, keys


def fixture_orders(root):
    orders = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if ".json" not in name:
                continue
            raw = open(os.path.join(folder, name), "rb").read()
            doc = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
            for key, keys in key_order_all(doc):
                orders.setdefault(key, []).append(keys)
    return orders


def key_order_all(doc):
    """Key order of the top level, the run, the DTO and their parts."""
    run, dto = doc.get("validation_run"), doc.get("validation_result")
    yield "top", list(doc)
    if run:
        yield "run", list(run)
        yield "run.metadata", list(run["metadata"])
        for check in run["checks"]:
            yield "check", list(check)
    if dto:
        yield "dto", list(dto)
        yield "dto.statistics", list(dto["statistics"])


def statistics_problems(path, doc):
    run, dto = doc["validation_run"], doc.get("validation_result")
    if doc["status"] == "error":
        if run is not None or dto is not None or not doc["error"]:
            problem(path, "error run with a validation run, a DTO or no error text")
        return
    stats = dto["statistics"]
    if run is not None:
        issues = run["issues"]
        counts = {s: sum(1 for i in issues if i["severity"] == s) for s in SEVERITIES}
        if stats["total_issues"] != len(issues):
            problem(path, "total_issues disagrees with the issues")
        for severity in SEVERITIES:
            if stats[f"{severity}_issues"] != counts[severity]:
                problem(path, f"{severity}_issues disagrees with the issues")
        checks = run["checks"]
        passed = sum(1 for c in checks if c["success"])
        if stats["passed_validators"] != passed or stats["total_validators"] != len(checks):
            problem(path, "validator counts disagree with the checks")
        if stats["pass_rate"] != passed / len(checks):
            problem(path, "pass_rate is not passed / total")
        if sum(c["issue_count"] for c in checks) != len(issues):
            problem(path, "the checks do not hold every issue")
        if stats["error_validators"] != len(run["execution_issues"]):
            problem(path, "error_validators disagrees with execution_issues")
    failing = stats["critical_issues"] > 0 or (
        stats["high_issues"] > 0 and doc["checkpoint_name"].startswith("card_transactions"))
    expected = "failure" if failing else "warning" if stats["total_issues"] else "success"
    if doc["status"] != expected:
        problem(path, f"status {doc['status']}, derive_checkpoint_outcome gives {expected}")


def check_file(path, rel, fixtures):
    doc = read_document(path)
    if doc is None:
        return None
    match = RUN_ID.match(doc["run_id"])
    name = os.path.basename(path)
    if not match or match.group(1) != doc["checkpoint_name"]:
        problem(path, f"run_id {doc['run_id']!r} is not <checkpoint>_<time>_<8 hex>")
    if not name.startswith(doc["run_id"] + "."):
        problem(path, "file name is not <run_id>.<format>[.gz]")
    if not RUN_TIME.match(doc["run_time"]):
        problem(path, f"run_time {doc['run_time']!r} is not a naive isoformat")
    layout_problem(path, rel, doc)
    for part, keys in key_order(doc, fixtures) if ".json" in name else ():
        problem(path, f"{part} keys in an order truthound does not write: {keys}")
    statistics_problems(path, doc)
    return doc


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    root = sys.argv[1]
    fixtures = fixture_orders(sys.argv[2]) if len(sys.argv) == 3 else {}
    statuses, files = {}, 0
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            try:
                doc = check_file(path, os.path.relpath(path, root), fixtures)
            except (ValueError, KeyError, TypeError) as error:
                problem(path, f"unreadable: {error!r}")
                continue
            files += 1
            if doc is not None:
                statuses[doc["status"]] = statuses.get(doc["status"], 0) + 1
    for line in problems:
        print(line)
    print(f"check_store: {files} files, statuses {dict(sorted(statuses.items()))}, "
          f"{len(problems)} problems" + ("" if yaml else " (no PyYAML: YAML not checked)"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
