#!/usr/bin/env bash
# Fault injection: dopaudit auditing a small moto organization through bench/integrity/shim.py, once cleanly
# (the baseline) and then once per fault scenario (throttling, 5xx bursts, connection resets, answers slower than
# --timeout, a mix, two that exhaust the retries of some calls on purpose, and two that make the audit impossible);
# check.py then asserts that every run finished, reported its retries and failures honestly, and that no finding
# turned from pass to fail or back: a finding that differs from the baseline must be `unknown`, with a reason (and
# where nothing can be audited, that dopaudit stops with exit 2 and says why). A script, not a test.
#
#   bench/faults/run.sh
#   SCENARIOS=throttle,reset bench/faults/run.sh
#   DOPAUDIT_BIN=target/debug/dopaudit ACCOUNTS=1 bench/faults/run.sh
#
# 1. Makes sure of bench/.venv with the moto pinned in scripts/moto-requirements.txt (as bench/org/run.sh does).
# 2. Starts moto_server and shim.py (no faults yet) on free 127.0.0.1 ports, both stopped by PID when this script
#    ends, however it ends.
# 3. Seeds an organization of ACCOUNTS members into moto directly (bench/org/seed.py).
# 4. For the baseline and then each scenario of `check.py scenarios`: sets the shim's faults (POST /__shim/faults,
#    which also restarts its seeded draws) and zeroes its counters, runs
#      dopaudit collect --org ... -o SCENARIO/snapshot.json        (under `timeout TIMEOUT`)
#    keeps the shim's counters, evaluates the snapshot offline (audit --snapshot, no network), and, with LIVE=1,
#    resets the faults to the same seed and runs the live `dopaudit audit --org ...` once more, also under timeout.
# 5. check.py evaluate: the table and the verdict; the exit status is check.py's (0 only if every scenario passed).
#
# Env knobs:
#   ACCOUNTS (2)             member accounts besides the management account
#   REGIONS (us-east-1,eu-west-1)
#   STACKS_PER_REGION (2)
#   SERVICES (cloudtrail,config,organizations,cloudformation)
#   SCENARIOS (all)          comma list of scenario names (`check.py scenarios` lists them); the baseline always runs
#   TIMEOUT (300)            seconds one dopaudit run may take before it is stopped (and killed 10 s later)
#   LIVE (1)                 also run the live `audit` per scenario; 0: collect + audit --snapshot only
#   DOPAUDIT_BIN             default target/release/dopaudit, else target/debug/dopaudit
#   DOPAUDIT_ARGS            extra arguments for every collect and live audit
#   RUN_DIR                  where everything goes (default bench/faults/.data/run-<UTC time>)
#
# Needs python3 with venv, and PyPI the first time. Never builds Rust.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$here/../.." && pwd -P)"
cd "$root"

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
help_or_usage "$@"

ACCOUNTS=${ACCOUNTS:-2}
REGIONS=${REGIONS:-us-east-1,eu-west-1}
STACKS_PER_REGION=${STACKS_PER_REGION:-2}
SERVICES=${SERVICES:-cloudtrail,config,organizations,cloudformation}
SCENARIOS=${SCENARIOS:-all}
TIMEOUT=${TIMEOUT:-300}
LIVE=${LIVE:-1}
DOPAUDIT_ARGS=${DOPAUDIT_ARGS:-}
if [[ -z ${DOPAUDIT_BIN:-} ]]; then
    DOPAUDIT_BIN=$root/target/release/dopaudit
    [[ -x $DOPAUDIT_BIN ]] || DOPAUDIT_BIN=$root/target/debug/dopaudit
fi
HOME_REGION=us-east-1


[[ $ACCOUNTS =~ ^[0-9]+$ ]] || die "ACCOUNTS must be a whole number, not '$ACCOUNTS'"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "TIMEOUT is whole seconds, not '$TIMEOUT'"
[[ -x $DOPAUDIT_BIN ]] || die "no $DOPAUDIT_BIN (cargo build --release --bin dopaudit); this script never builds"
command -v python3 >/dev/null || die "python3 is not on PATH"
command -v timeout >/dev/null || die "timeout (coreutils) is not on PATH"

# The scenarios to run, one "name<TAB>shim faults JSON<TAB>dopaudit arguments" line each (check.py holds them; it
# needs only the standard library).
mapfile -t scenario_lines < <(python3 "$here/check.py" scenarios "$SCENARIOS")
((${#scenario_lines[@]} > 0)) || die "no scenario matches SCENARIOS=$SCENARIOS"

RUN_DIR=${RUN_DIR:-$here/.data/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd -- "$RUN_DIR" && pwd -P)"

# --- 1. the virtualenv ----------------------------------------------------------------------------------------------

venv=$root/bench/.venv
py=$venv/bin/python
moto_line="$(moto_requirement)"
moto_version=${moto_line##*==}

moto_ready() {
    [[ -x $venv/bin/moto_server ]] || return 1
    "$py" -c 'import importlib.metadata as m, sys
sys.exit(0 if m.version("moto") == sys.argv[1] else 1)' "$moto_version" 2>/dev/null
}

if ! moto_ready; then
    if command -v flock >/dev/null; then
        mkdir -p "$root/bench/org/.data"
        exec 9>"$root/bench/org/.data/venv.lock" # the lock bench/org/run.sh takes for the same venv
        flock 9
    fi
    if ! moto_ready; then
        say "installing $moto_line into $venv"
        if ! "$py" -c '' 2>/dev/null; then
            python3 -m venv "$venv" || die "python3 -m venv $venv failed"
        fi
        "$py" -m pip install --quiet --disable-pip-version-check "$moto_line" || die "pip install $moto_line failed"
        moto_ready || die "$venv still has no moto $moto_version after pip install"
    fi
    exec 9>&-
fi

# --- 2. an environment that reaches only the emulator ---------------------------------------------------------------

forget_aws_environment
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=$HOME_REGION AWS_DEFAULT_REGION=$HOME_REGION
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export NO_COLOR=1

# --- 3. moto and the shim, stopped by PID however the script ends ---------------------------------------------------

# shim_call METHOD PATH [JSON]: one request to the shim's control endpoints; prints the answer.
shim_call() {
    "$py" -c 'import sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else (b"" if method == "POST" else None)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(urllib.request.Request(url, data=data, method=method), timeout=30) as r:
    sys.stdout.write(r.read().decode() + "\n")' "$1" "$shim_url$2" "${3:-}"
}

start_moto "$venv/bin/moto_server"
launch_shim shim --fault-log "$RUN_DIR/faults.jsonl" --trace "$RUN_DIR/trace.jsonl"
shim_call GET /__shim/faults >/dev/null || die "the shim at $shim_url has no /__shim/faults (an old shim.py?)"
say "moto $moto_url (pid $moto_pid), shim $shim_url (pid $shim_pid), dopaudit $DOPAUDIT_BIN, outputs in $RUN_DIR"

# --- 4. the organization --------------------------------------------------------------------------------------------

say "seeding $ACCOUNTS member accounts x regions '$REGIONS' x $STACKS_PER_REGION stacks"
"$py" "$root/bench/org/seed.py" --endpoint "$moto_url" --accounts "$ACCOUNTS" --regions "$REGIONS" \
    --stacks-per-region "$STACKS_PER_REGION" --summary "$RUN_DIR/seed.json" >"$RUN_DIR/seed.txt" ||
    die "seed.py failed"
head -n 1 "$RUN_DIR/seed.txt" >&2
regions_csv="$("$py" "$root/bench/org/report.py" summary "$RUN_DIR/seed.json" regions | tr ' ' ',')"

# --- 5. the runs ----------------------------------------------------------------------------------------------------

# timed DIR NAME LIMIT CMD...: runs CMD with stdout/stderr in DIR/NAME.{stdout,stderr}, stopped after LIMIT s (then
# killed 10 s later); writes DIR/NAME.rc (timeout's 124/137 when it was stopped) and DIR/NAME.wall (seconds).
timed() {
    local dir=$1 name=$2 limit=$3 started rc
    shift 3
    printf '%q ' "$@" >"$dir/$name.command"
    printf '\n' >>"$dir/$name.command"
    started=$EPOCHREALTIME
    set +e
    # timeout puts itself and everything under it in one process group and signals the whole group; with_pdeathsig
    # stops it if this script dies.
    with_pdeathsig timeout -k 10 "$limit" "$@" >"$dir/$name.stdout" 2>"$dir/$name.stderr" </dev/null
    rc=$?
    set -e
    printf '%s\n' "$rc" >"$dir/$name.rc"
    awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }' >"$dir/$name.wall"
}

# arm FAULTS_JSON: the shim's faults for the next run, its draws restarted and its counters zeroed.
arm() {
    shim_call POST /__shim/faults "$1" >/dev/null
    shim_call POST /__shim/reset >/dev/null
}

common=(--org --regions "$regions_csv" --endpoint-url "$shim_url" --services "$SERVICES")
# shellcheck disable=SC2206 # word splitting wanted
[[ -z $DOPAUDIT_ARGS ]] || common+=($DOPAUDIT_ARGS)

printf '%s\n' "${scenario_lines[@]}" >"$RUN_DIR/scenarios.tsv"
for line in "${scenario_lines[@]}"; do
    IFS=$'\t' read -r name faults extra <<<"$line"
    dir=$RUN_DIR/$name
    mkdir -p "$dir"
    read -r -a extra_args <<<"$extra"
    printf '%s\n' "$faults" >"$dir/faults.config.json"
    say "$name: faults $faults; dopaudit ${extra_args[*]:-(defaults)}"

    arm "$faults"
    timed "$dir" collect "$TIMEOUT" "$DOPAUDIT_BIN" collect "${common[@]}" "${extra_args[@]}" -o "$dir/snapshot.json"
    shim_call GET /__shim/stats >"$dir/collect.shim.json"
    if [[ -s $dir/snapshot.json ]]; then
        timed "$dir" audit-snapshot 120 "$DOPAUDIT_BIN" audit --snapshot "$dir/snapshot.json" \
            --services "$SERVICES" --format json -q -o "$dir/report.json"
    fi
    if [[ $LIVE == 1 ]]; then
        arm "$faults"
        timed "$dir" live "$TIMEOUT" "$DOPAUDIT_BIN" audit "${common[@]}" "${extra_args[@]}" \
            --format table -o "$dir/live.json"
        shim_call GET /__shim/stats >"$dir/live.shim.json"
    fi
    say "$name: collect exit $(cat "$dir/collect.rc") in $(cat "$dir/collect.wall") s$(
        [[ $LIVE != 1 ]] || printf ', live audit exit %s in %s s' "$(cat "$dir/live.rc")" "$(cat "$dir/live.wall")"
    )"
done
arm '{}'

# --- 6. the verdict -------------------------------------------------------------------------------------------------

set +e
"$py" "$here/check.py" evaluate "$RUN_DIR" | tee "$RUN_DIR/table.txt"
verdict=${PIPESTATUS[0]}
set -e
say "outputs in $RUN_DIR"
exit "$verdict"
