#!/usr/bin/env bash
# The docs in a real browser: headless Chromium loads the dashboard, a checkpoint page and
# a run page from file://; the DOM after scripts ran holds the charts and table rows, the
# site's script ran (it marks <html data-dq-ready>) without errors or policy violations.
# Screenshots are kept as artifacts (DQ_ARTIFACTS, default ./docs-artifacts).
source "$(dirname "$0")/lib/common.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (apt-get install -y chromium); browser test not run"
    exit 0
fi
ARTIFACTS="${DQ_ARTIFACTS:-$PWD/docs-artifacts}"
mkdir -p "$ARTIFACTS"

cd "$TRUTHOUND"
"$DQ_BIN" docs store -o "$WORK/site" -q --site-name "Fixture Data Quality"
run_page=$(grep -l "customer_accounts_daily_20240323_091308_d75df972" "$WORK"/site/checkpoints/customer_accounts_daily/runs/*.html)

# browse NAME PAGE [WIDTH,HEIGHT]: the DOM after scripts ran, the console, a screenshot.
browse() {
    local name=$1 page=$2 size=${3:-1280,900}
    local flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
        --disable-component-update --disable-sync --no-first-run --disable-quic
        --enable-logging=stderr --v=0 --user-data-dir="$WORK/profile-$name")
    timeout 120 "$CHROMIUM" "${flags[@]}" --virtual-time-budget=2000 --dump-dom \
        "file://$page" >"$WORK/$name.dom" 2>"$WORK/$name.console" || true
    timeout 120 "$CHROMIUM" "${flags[@]}" --window-size="$size" \
        --screenshot="$ARTIFACTS/$name.png" "file://$page" >/dev/null 2>&1 || true
}

browse index "$WORK/site/index.html"
browse checkpoint "$WORK/site/checkpoints/customer_accounts_daily/index.html" 1280,1400
browse run "$run_page" 1280,1800
browse phone "$WORK/site/index.html" 390,844
# A link that carries a view: the runs table filtered to "warning", sorted by rows.
browse view "$WORK/site/checkpoints/customer_accounts_daily/index.html#runs.q=warning&runs.sort=4" 1280,1400

# dom NAME PYTHON-EXPRESSION: the expression holds over the parsed DOM of NAME.
dom() {
    $PY - "$WORK/$1.dom" "$2" <<'PY'
import sys
from html.parser import HTMLParser
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.rows = [], [], {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self.stack.append((tag, a))
        if tag == "tr" and any(t == "tbody" for t, _ in self.stack):
            table = next(x.get("id") for t, x in reversed(self.stack) if t == "table")
            self.rows[table] = self.rows.get(table, 0) + 1
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass
d = Dom()
d.feed(open(sys.argv[1], encoding="utf-8").read())
html = dict(next(a for t, a in d.tags if t == "html"))
def count(tag, cls=None, attr=None):
    return sum(1 for t, a in d.tags if t == tag and (cls is None or cls in (a.get("class") or "").split()) and (attr is None or attr in a))
ok = eval(sys.argv[2], {"html": html, "count": count, "rows": d.rows})
sys.exit(0 if ok else 1)
PY
}

for page in index checkpoint run; do
    check "$page: the DOM was dumped" test -s "$WORK/$page.dom"
    check "$page: the site's script ran" dom $page "'data-dq-ready' in html"
    check "$page: no script error and no policy violation" \
        bash -c "! grep -Ei 'uncaught|refused to|content security policy' '$WORK/$page.console'"
    check "$page: a screenshot was taken" test -s "$ARTIFACTS/$page.png"
done
check "index: one row and one sparkline per checkpoint" dom index "rows['checkpoints'] == 5 and count('svg', 'spark') == 5"
check "index: the tables became sortable" dom index "count('th', attr='tabindex') >= 8 and html['data-dq-ready'] == '1'"
check "checkpoint: three charts with a mark per run" dom checkpoint "count('svg', 'chart') == 3 and count('circle', 'pt') == 19 and count('g', 'bar') == 19"
check "checkpoint: 19 runs in the table" dom checkpoint "rows['runs'] == 19"
check "run: its issues and checks" dom run "rows['issues'] == 2 and rows['checks'] == 4 and rows['execution'] == 1"
check "a link's view: the table is filtered and sorted as it says" $PY - "$WORK/view.dom" "$TRUTHOUND/manifest.json" <<'PY'
import json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
manifest = json.load(open(sys.argv[2], encoding="utf-8"))
want = sum(1 for e in manifest["entries"]
           if e["checkpoint_name"] == "customer_accounts_daily" and e["status"] == "warning")
body = re.search(r'<table[^>]*id="runs".*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
rows = re.findall(r'<tr([^>]*)>(.*?)</tr>', body, re.S)
shown = [cells for attrs, cells in rows if "hidden" not in attrs]
assert len(rows) == 19 and len(shown) == want, (len(rows), len(shown), want)
values = [float(re.findall(r'<td[^>]*data-value="([^"]*)"', cells)[3]) for _, cells in rows]
assert values == sorted(values), values
PY
echo "# screenshots: $ARTIFACTS"
finish
