#!/usr/bin/env bash
# dqbatch docs over truthound's own fixtures: every run has its page, history.json has
# truthound's schema and the fixtures' numbers, every HTML page parses into markup of
# ours only, a store read as a directory or as an archive gives the same pages, a second
# run reads nothing, and bad settings are usage errors.
source "$(dirname "$0")/lib/common.sh"
MANIFEST="$TRUTHOUND/manifest.json"
cd "$TRUTHOUND"

"$DQ_BIN" docs store -o "$WORK/site" --jobs 2 2>"$WORK/err"
check "a build over the fixtures succeeds" test -s "$WORK/site/index.html"
check "it says where to open the site" contains "$WORK/err" "open $WORK/site/index.html"

check "every run has its page, and history.json has truthound's schema and numbers" $PY - "$MANIFEST" "$WORK/site" <<'EOF'
import json, os, sys
manifest = json.load(open(sys.argv[1], encoding="utf-8"))
site = sys.argv[2]
history = json.load(open(os.path.join(site, "history.json"), encoding="utf-8"))
keys = ["run_id", "checkpoint", "run_time", "status", "total_issues", "critical_issues",
        "high_issues", "pass_rate"]
assert isinstance(history, list) and len(history) == 80, len(history)
by_id = {}
for item in history:
    assert list(item) == keys, list(item)
    assert isinstance(item["total_issues"], int) and isinstance(item["pass_rate"], float)
    by_id[item["run_id"]] = item
assert [h["run_time"] for h in history] == sorted(h["run_time"] for h in history)
# Each run page names its run in its header: together they are the store's runs.
import html, re
shown = {}
for root, _, files in os.walk(os.path.join(site, "checkpoints")):
    for f in files:
        if root.endswith("/runs"):
            text = open(os.path.join(root, f), encoding="utf-8").read()
            shown[html.unescape(re.search(r'<p class="sub"><code>(.*?)</code>', text).group(1))] = f
assert sorted(shown) == sorted(e["run_id"] for e in manifest["entries"]), len(shown)
for e in manifest["entries"]:
    stats = e["truthound_view"]
    if not e["has_validation_run"] and e["validation_result_statistics"]:
        stats = e["validation_result_statistics"]
    h = by_id[e["run_id"]]
    assert h["checkpoint"] == e["checkpoint_name"] and h["status"] == e["status"]
    want = (0, 0, 0, 1.0) if stats is None else (stats["total_issues"], stats["critical_issues"], stats["high_issues"], stats["pass_rate"])
    assert (h["total_issues"], h["critical_issues"], h["high_issues"], h["pass_rate"]) == want, (e["path"], h, want)
EOF

check "every HTML page is markup of ours: known tags, no handlers, our script only" $PY - "$WORK/site" <<'EOF'
import os, sys
from html.parser import HTMLParser
ALLOWED = set("html head meta title link script body div a span button main header nav h1 h2 p section table thead tbody tr th td code pre time ul li input label svg line text polyline circle rect g figure figcaption i footer".split())
class Check(HTMLParser):
    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert not value.lower().startswith(("javascript:", "data:")), value
        if tag == "script":
            assert dict(attrs)["src"].endswith("assets/script.js"), attrs
n = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".html"):
            Check().feed(open(os.path.join(root, f), encoding="utf-8").read())
            n += 1
assert n == 86, n
EOF

check "links between pages all lead to files of the site" $PY - "$WORK/site" <<'EOF'
import os, re, sys
site = sys.argv[1]
for root, _, files in os.walk(site):
    for f in files:
        if not f.endswith(".html"):
            continue
        text = open(os.path.join(root, f), encoding="utf-8").read()
        for href in re.findall(r'(?:href|src)="([^"#]+)"', text):
            target = os.path.normpath(os.path.join(root, href))
            assert target.startswith(site) and os.path.isfile(target), (f, href)
EOF

# The same store as an archive: the same pages (only the manifest's paths differ).
"$DQ_BIN" docs archives/store.tar.gz -o "$WORK/tgz" -q
check "an archive gives the same pages as the directory" diff -r -x .dqbatch "$WORK/site" "$WORK/tgz"
"$DQ_BIN" docs archives/store.tar.gz -o "$WORK/tgz" 2>"$WORK/tgz.err"
check "a second run over the archive reads nothing again" contains "$WORK/tgz.err" "0 run pages written, 80 results unchanged"

"$DQ_BIN" docs store -o "$WORK/site" --jobs 1 2>"$WORK/again.err"
check "a second run over the directory reads nothing again" contains "$WORK/again.err" "0 run pages written, 80 results unchanged"
"$DQ_BIN" docs store -o "$WORK/site1" --jobs 1 -q
"$DQ_BIN" docs store -o "$WORK/site7" --jobs 7 -q
check "--jobs 1 and --jobs 7 give the same bytes" diff -r "$WORK/site1" "$WORK/site7"

"$DQ_BIN" docs store -o "$WORK/md" --format markdown -q
check "markdown: an index and one page per run" test "$(find "$WORK/md/checkpoints" -path '*/runs/*.md' | wc -l)" -eq 80
"$DQ_BIN" docs store -o "$WORK/json" --format json --status failure -q
check "json with a filter: the failures only" test "$(find "$WORK/json/checkpoints" -path '*/runs/*.json' | wc -l)" -eq 14
check "json run pages are the stored results" $PY -c "
import glob, json
for f in glob.glob('$WORK/json/checkpoints/*/runs/*.json'):
    d = json.load(open(f))
    assert d['status'] == 'failure' and 'validation_result' not in d, f
"

expect_status 2 "no -o is a usage error" "$DQ_BIN" docs store
expect_status 2 "a bad --format is a usage error" "$DQ_BIN" docs store -o "$WORK/x" --format pdf
expect_status 2 "a javascript: --base-url is a usage error" "$DQ_BIN" docs store -o "$WORK/x" --base-url 'javascript:alert(1)'
expect_status 2 "a bad --history is a usage error" "$DQ_BIN" docs store -o "$WORK/x" --history 0
expect_status 2 "a bad --generated-at is a usage error" "$DQ_BIN" docs store -o "$WORK/x" --generated-at soon
check "a refused build leaves no site behind" test ! -e "$WORK/x/index.html"
finish
