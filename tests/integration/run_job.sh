#!/bin/bash
# dqbatch run JOB.yaml over the fixture store with a loopback receiver: one pass builds the
# site and sends the notifications (strace shows every stored file opened exactly once,
# and the report's read count agrees); the --report JSON; an incremental re-run reads
# only what an action wants, and nothing when no action wants anything; check-config on
# good and bad job files; the shard taken from Kubernetes and Slurm variables.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/servers.sh"
: "${DQ_SERVERS:?}"
servers_trap "$WORK"

start_http_receiver "$WORK"
port=$(wait_port "$WORK/http.port")

cp -r "$TRUTHOUND/store" "$WORK/store"
selected=$("$DQ_BIN" ls "$WORK/store" --status failure,error --json --quiet | wc -l)
total=$(find "$WORK/store" -type f | wc -l)

# Relative paths are taken from the job file's folder; ${VAR} from the environment.
export DQ_RUN_TEST_PORT="$port"
cat > "$WORK/job.yaml" <<'YAML'
stores: [store]
selection:
  statuses: [failure, error]
docs:
  site: site
  site_name: ${DQ_RUN_TEST_SITE_NAME:-Nightly}
actions:
  - type: webhook
    url: http://127.0.0.1:${DQ_RUN_TEST_PORT}/hook
    notify_on: always
    rate_limit: {per_second: 1000, burst: 100}
journal: state/journal
report: reports/run.json
YAML

expect_status 0 "check-config accepts the job" "$DQ_BIN" check-config "$WORK/job.yaml"
"$DQ_BIN" check-config "$WORK/job.yaml" > "$WORK/check.out"
check "check-config describes the job" contains "$WORK/check.out" "job over 1 store"

# One pass, traced: each stored file is opened once, for the docs and the action together.
ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat -o "$WORK/trace" "$DQ_BIN" run "$WORK/job.yaml" --quiet \
    2> "$WORK/err1" || { cat "$WORK/err1"; not_ok "first run exits 0"; }
check "the site was built" test -s "$WORK/site/index.html"
check "the report was written where the job says" test -s "$WORK/reports/run.json"
check "every stored file was opened exactly once" \
    $PY - "$WORK/trace" "$WORK/store" <<'PY'
import os, re, sys
trace, store = sys.argv[1], sys.argv[2]
files = [os.path.join(d, f) for d, _, fs in os.walk(store) for f in fs]
opened = {}
for line in open(trace, encoding="utf-8", errors="replace"):
    m = re.search(r'openat\([^,]*, "([^"]*)"', line)
    if m and "= -1" not in line:
        # strace writes non-ASCII bytes as octal escapes
        path = m.group(1).encode("latin-1").decode("unicode_escape").encode("latin-1")
        path = path.decode("utf-8")
        opened[path] = opened.get(path, 0) + 1
bad = [(f, opened.get(f, 0)) for f in files if opened.get(f, 0) != 1]
if bad:
    print("not opened exactly once:", bad[:5], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
check "the receiver got one notification per selected result" \
    test "$(wc -l < "$WORK/http.log")" -eq "$selected"

check "the report counts one read per result, the pages and the notifications" \
    $PY - "$WORK/reports/run.json" "$total" "$selected" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
total, selected = int(sys.argv[2]), int(sys.argv[3])
assert r["scan"]["read"] == total, r["scan"]
assert r["scan"]["read_for_actions_only"] == 0, r["scan"]
assert r["docs"]["pages_written"] == total and r["docs"]["runs"] == total, r["docs"]
n = r["notifications"]
assert n["totals"]["sent"] == selected and n["totals"]["failed"] == 0, n
assert n["destinations"][0]["action"] == "webhook", n
assert n["destinations"][0]["sent"] == selected, n
assert r["exit_status"] == 0 and r["shard"]["count"] == 0, r
PY

# Again, incrementally: the docs read nothing; the selected runs are read for the action
# only, and the journal keeps them from being sent twice.
"$DQ_BIN" run "$WORK/job.yaml" --quiet --report "$WORK/again.json" 2> "$WORK/err2" ||
    { cat "$WORK/err2"; not_ok "second run exits 0"; }
check "a re-run reads only what the action wants, and sends nothing twice" \
    $PY - "$WORK/again.json" "$selected" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
selected = int(sys.argv[2])
assert r["scan"]["read"] == selected, r["scan"]
assert r["scan"]["read_for_actions_only"] == selected, r["scan"]
assert r["docs"]["pages_written"] == 0 and r["docs"]["incremental"], r["docs"]
assert r["notifications"]["totals"]["skipped_journal"] == selected, r["notifications"]
assert r["notifications"]["totals"]["sent"] == 0, r["notifications"]
PY
check "the receiver got nothing more" test "$(wc -l < "$WORK/http.log")" -eq "$selected"

# A selection nothing matches: no stored file is opened at all.
sed 's/statuses: \[failure, error\]/since: 2099-01-01T00:00:00/' "$WORK/job.yaml" > "$WORK/quiet.yaml"
ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat -o "$WORK/trace2" "$DQ_BIN" run "$WORK/quiet.yaml" --quiet \
    --report "$WORK/quiet.json" 2> "$WORK/err3" || { cat "$WORK/err3"; not_ok "third run"; }
check "nothing wanted: no stored file is read" \
    test "$(grep -c "$WORK/store/.*\.\(json\|gz\|yaml\)\"" "$WORK/trace2" || true)" -eq 0
check "nothing wanted: the report says so" \
    $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["scan"]["read"]==0, r' \
    "$WORK/quiet.json"

# --dry-run sends nothing.
rm -f "$WORK/state/journal"
"$DQ_BIN" run "$WORK/job.yaml" --dry-run --quiet > "$WORK/dry.out" 2>&1 ||
    not_ok "dry run exits 0"
check "a dry run prints the requests" contains "$WORK/dry.out" "/hook"
check "a dry run sends nothing" test "$(wc -l < "$WORK/http.log")" -eq "$selected"

# Bad job files: named by file, line and key, exit 2, nothing run.
printf 'stores: [store]\ndocs:\n  site: site\n  colour: red\n' > "$WORK/bad.yaml"
expect_status 2 "check-config refuses a bad job" "$DQ_BIN" check-config "$WORK/bad.yaml"
"$DQ_BIN" check-config "$WORK/bad.yaml" 2> "$WORK/bad.err" || true
check "the problem names file, line and key" contains "$WORK/bad.err" "bad.yaml:4: colour:"
expect_status 2 "run refuses a bad job" "$DQ_BIN" run "$WORK/bad.yaml"
printf 'stores: [store]\nactions:\n  - {type: slack, webhook_url: "http://x/y", notify_on: often}\n' \
    > "$WORK/bad2.yaml"
"$DQ_BIN" check-config "$WORK/bad2.yaml" 2> "$WORK/bad2.err" || true
check "an inline action's problem names its line" contains "$WORK/bad2.err" "bad2.yaml:3: notify_on:"
expect_status 2 "a job without a store file is refused" "$DQ_BIN" run "$WORK/missing.yaml"

# The examples stay valid job files.
: "${DQ_SOURCE_DIR:?}"
check "examples/nightly.yaml is a valid job" \
    env SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/X PAGERDUTY_ROUTING_KEY=R0 \
    "$DQ_BIN" check-config "$DQ_SOURCE_DIR/examples/nightly.yaml"
$PY -c 'import yaml,sys; print(next(yaml.safe_load_all(open(sys.argv[1])))["data"]["nightly.yaml"])' \
    "$DQ_SOURCE_DIR/examples/k8s-indexed-job.yaml" > "$WORK/k8s-job.yaml"
printf 'checkpoints:\n- name: orders\n  actions: [{type: webhook, url: "http://x/y"}]\n' \
    > "$WORK/checkpoints.yaml"
sed -i "s|/etc/truthound/checkpoints.yaml|$WORK/checkpoints.yaml|" "$WORK/k8s-job.yaml"
check "the Kubernetes example's job file is valid" \
    env JOB_COMPLETION_INDEX=0 "$DQ_BIN" check-config "$WORK/k8s-job.yaml"

# The shard from a batch engine's environment (a job with actions only: sharded docs
# write partial manifests, which docs_shards.sh tests).
cat > "$WORK/actions_only.yaml" <<'YAML'
stores: [store]
selection: {statuses: [failure, error]}
actions:
  - {type: webhook, url: "http://127.0.0.1:${DQ_RUN_TEST_PORT}/hook", notify_on: always}
YAML
# shard_of [VAR=value...] [-- run options...]: "index count" from the report.
shard_of() {
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    env "${vars[@]}" "$DQ_BIN" run "$WORK/actions_only.yaml" --dry-run --quiet \
        --report "$WORK/shard.json" "$@" > /dev/null 2>&1 || return 1
    $PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["shard"]; print(s["index"], s["count"])' \
        "$WORK/shard.json"
}
check "Kubernetes: JOB_COMPLETION_INDEX of JOB_COMPLETIONS" \
    test "$(shard_of JOB_COMPLETION_INDEX=2 JOB_COMPLETIONS=4)" = "2 4"
check "Slurm: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT" \
    test "$(shard_of SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4)" = "3 4"
check "--shard wins over the environment" \
    test "$(shard_of JOB_COMPLETION_INDEX=2 JOB_COMPLETIONS=4 -- --shard 1/3)" = "1 3"
env_fails() {
    local want="$1"
    shift
    local err
    err=$(env "$@" "$DQ_BIN" run "$WORK/actions_only.yaml" --dry-run --quiet 2>&1 >/dev/null) &&
        return 1
    grep -qF -- "$want" <<< "$err"
}
check "an index past the count is an error naming it" \
    env_fails "JOB_COMPLETION_INDEX=4 does not name one of JOB_COMPLETIONS=4" \
    JOB_COMPLETION_INDEX=4 JOB_COMPLETIONS=4
check "an index without the count is an error naming the missing variable" \
    env_fails "JOB_COMPLETIONS is not set" JOB_COMPLETION_INDEX=1
check "a count that is not a number is an error" \
    env_fails "SLURM_ARRAY_TASK_COUNT" SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=four
finish
