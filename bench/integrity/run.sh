#!/usr/bin/env bash
# End-to-end benchmark of `dopaudit validate-logs` against `aws cloudtrail validate-logs` (a script, not a test).
#
#   bench/integrity/run.sh [compare|memory|all]        (default: compare)
#
# compare  Uploads one signed, untampered trail (HOURS digests, LOGS_PER_HOUR logs of LOG_KIB KiB each) to moto,
#          then validates it with the AWS CLI and with dopaudit, both through shim.py, which adds LATENCY_MS to
#          every request and answers ListPublicKeys. Prints wall time, peak RSS and requests made of each, and
#          the ratios CLI/dopaudit (target: dopaudit >= 20x faster). Fails unless both exit 0 and agree.
# memory   Validates, with dopaudit only, five trails of MEM_HOURS hours: LOGS_PER_HOUR logs of MEM_SMALL_KIB,
#          MEM_LARGE_KIB, MEM_HUGE_KIB and MEM_GIANT_KIB, and MEM_MANY_FACTOR times as many logs of MEM_SMALL_KIB,
#          and prints dopaudit's peak RSS for each. Memory is bounded by the streams in flight (--concurrency), not
#          by what they carry: the target is that 4x larger logs (giant vs huge) and 8x more logs (many vs small)
#          each add at most MEM_FLAT_MIB (holding one whole compressed giant log would already exceed it).
# matrix   Every ct_fixtures --tamper case (5 digests x 2 logs each): runs both tools and compares their stdout,
#          stderr and exit codes byte for byte (a fatal error: the same message, exit 255 against 2). VERBOSE=1
#          passes --verbose to both.
# all      All three.
#
# Env knobs: LATENCY_MS (30), HOURS (24), LOGS_PER_HOUR (6), LOG_KIB (64), TAMPER (a ct_fixtures --tamper case:
# then both tools are expected to fail, and to agree), RUNS (1: median time, largest RSS), MEM_HOURS (6),
# MEM_SMALL_KIB (16), MEM_LARGE_KIB (4096), MEM_HUGE_KIB (16384), MEM_GIANT_KIB (65536), MEM_MANY_FACTOR (8),
# MEM_FLAT_MIB (8), DOPAUDIT_KEYS (shim:
# dopaudit calls ListPublicKeys through the shim like the CLI; file: it reads --public-keys FILE instead),
# DOPAUDIT_ARGS (extra arguments for dopaudit), SHIM_CACHE (1: in compare mode the shim answers repeated
# GetObjects of up to SHIM_CACHE_MAX_KIB (16384) KiB from memory, so that moto's ~2 ms of serialised CPU per
# request does not cap a concurrent client; 0: everything goes to moto), WARMUP (1: one unmeasured dopaudit run
# first, which also fills that cache), SHIM_TRACE=1 (the shim writes a per-request timeline), SKIP_BUILD=1 (use the binaries in target/release as they are),
# RUN_DIR (where outputs go; default bench/integrity/.data/run-<time>).
#
# Needs python3 with venv, cargo, and PyPI on the first run (for bench/.venv: the pinned awscli and moto).
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$here/../.." && pwd -P)"
cd "$root"

mode=${1:-compare}
case $mode in
compare | memory | matrix | all) ;;
-h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
*)
    printf 'usage: %s [compare|memory|matrix|all]\n' "$0" >&2
    exit 2
    ;;
esac

AWSCLI_VERSION=1.46.3
LATENCY_MS=${LATENCY_MS:-30}
HOURS=${HOURS:-24}
LOGS_PER_HOUR=${LOGS_PER_HOUR:-6}
LOG_KIB=${LOG_KIB:-64}
TAMPER=${TAMPER:-}
RUNS=${RUNS:-1}
MEM_HOURS=${MEM_HOURS:-2}
MEM_SMALL_KIB=${MEM_SMALL_KIB:-16}
MEM_LARGE_KIB=${MEM_LARGE_KIB:-4096}
MEM_MANY_FACTOR=${MEM_MANY_FACTOR:-8}
MEM_HUGE_KIB=${MEM_HUGE_KIB:-16384}
MEM_GIANT_KIB=${MEM_GIANT_KIB:-65536}
MEM_FLAT_MIB=${MEM_FLAT_MIB:-8}
DOPAUDIT_KEYS=${DOPAUDIT_KEYS:-shim}
SHIM_CACHE=${SHIM_CACHE:-1}
SHIM_CACHE_MAX_KIB=${SHIM_CACHE_MAX_KIB:-16384}
WARMUP=${WARMUP:-1}
ACCOUNT=111122223333
REGION=us-east-1
END=2026-11-25T00:00:00Z

venv=$root/bench/.venv
py=$venv/bin/python
dopaudit=$root/target/release/dopaudit
ct_fixtures=$root/target/release/examples/ct_fixtures

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

# --- 1. bench/.venv: the pinned AWS CLI and moto -------------------------------------------------------------------

moto_line="$(moto_requirement)"
requirements="awscli==$AWSCLI_VERSION
$moto_line"

venv_ready() {
    [[ -x $venv/bin/aws && -x $venv/bin/moto_server ]] || return 1
    [[ "$(cat "$venv/.bench-requirements.txt" 2>/dev/null)" == "$requirements" ]]
}

if ! venv_ready; then
    mkdir -p "$root/bench"
    if command -v flock >/dev/null; then
        mkdir -p "$here/.data"
        exec 9>"$here/.data/venv.lock"
        flock 9
    fi
    if ! venv_ready; then
        say "installing $(tr '\n' ' ' <<<"$requirements")into $venv"
        if ! "$py" -c '' 2>/dev/null; then
            python3 -m venv --clear "$venv" || die "python3 -m venv failed"
        fi
        rm -f "$venv/.bench-requirements.txt"
        # shellcheck disable=SC2086 # one requirement per word
        "$py" -m pip install --quiet --disable-pip-version-check $requirements || die "pip install failed"
        printf '%s\n' "$requirements" >"$venv/.bench-requirements.txt"
        venv_ready || die "$venv is still incomplete after pip install"
    fi
    exec 9>&-
fi

# --- 2. the binaries ------------------------------------------------------------------------------------------------

if [[ ${SKIP_BUILD:-} != 1 ]]; then
    say "cargo build --release --bin dopaudit --example ct_fixtures"
    cargo build --release --bin dopaudit --example ct_fixtures >&2
fi
[[ -x $dopaudit ]] || die "$dopaudit is missing"
[[ -x $ct_fixtures ]] || die "$ct_fixtures is missing"

# --- 3. an environment that can only reach the emulator -------------------------------------------------------------

forget_aws_environment

RUN_DIR=${RUN_DIR:-$here/.data/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd -- "$RUN_DIR" && pwd -P)"
# Path-style S3 for the CLI: its validate-logs creates its S3 clients itself, from this config and the env.
printf '[default]\nregion = %s\ns3 =\n    addressing_style = path\n' "$REGION" >"$RUN_DIR/aws-config"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$RUN_DIR/aws-config AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3
export NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1${no_proxy:+,$no_proxy}"

# --- 4. moto and the shim, stopped by PID however the script ends ---------------------------------------------------

start_moto "$venv/bin/moto_server"

say "moto $moto_url (pid $moto_pid), outputs in $RUN_DIR"
keys_file=$RUN_DIR/public-keys.json
shim_url=

# start_shim NAME [shim.py options...]: a shim in front of moto, its files named $RUN_DIR/shim-NAME.*; one at a time.
start_shim() {
    local name=$1
    shift
    launch_shim "shim-$name" --latency-ms "$LATENCY_MS" --public-keys "$keys_file" \
        ${SHIM_TRACE:+--trace "$RUN_DIR/shim-$name.trace.jsonl"} "$@"
    say "shim $shim_url (pid $shim_pid, +${LATENCY_MS} ms per request${*:+, $*})"
}

# --- 5. helpers -----------------------------------------------------------------------------------------------------

# Uploads a trail to moto (directly, not through the shim) and writes its public keys to $keys_file.
# Sets: fx_arn fx_start fx_end fx_bucket fx_digests fx_logs fx_bytes.
fixture() {
    local bucket=$1 hours=$2 per_hour=$3 kib=$4 tamper=${5:-} line
    local args=(--endpoint-url "$moto_url" --bucket "$bucket" --account "$ACCOUNT" --region "$REGION" --trail bench
        --end "$END" --hours "$hours" --logs-per-hour "$per_hour" --log-kib "$kib" --public-keys-out "$keys_file")
    [[ -z $tamper ]] || args+=(--tamper "$tamper")
    say "uploading s3://$bucket: $hours h x $per_hour logs x $kib KiB${tamper:+, tampered: $tamper}"
    line="$("$ct_fixtures" "${args[@]}" | tail -n 1)" || die "ct_fixtures failed"
    printf '%s\n' "$line" >"$RUN_DIR/fixture-$bucket.json"
    read -r fx_arn fx_start fx_end fx_bucket fx_digests fx_logs fx_bytes < <("$py" -c 'import json, sys
d = json.loads(sys.argv[1])
print(*(d.get(k, "-") for k in ("trail_arn", "start_time", "end_time", "bucket", "digests", "logs", "bytes")))' "$line") ||
        die "cannot parse ct_fixtures output: $line"
}

shim_stats() { "$py" -c 'import sys, urllib.request
sys.stdout.write(urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=10).read().decode())' \
    "$shim_url/__shim/stats"; }

# measure NAME CMD...: runs CMD RUNS times with its output in $RUN_DIR/NAME.{out,err}. Sets: m_secs (median),
# m_rss_kib (largest), m_rc (last), m_requests (last run's), and writes the last run's requests by operation to
# $RUN_DIR/NAME.requests.json.
measure() {
    local name=$1 run times=() rss=0 t r before
    shift
    for ((run = 1; run <= RUNS; run++)); do
        before="$(shim_stats)"
        m_rc=0
        if [[ -x /usr/bin/time ]]; then
            /usr/bin/time -f '%e %M' -o "$RUN_DIR/$name.time" "$@" >"$RUN_DIR/$name.out" 2>"$RUN_DIR/$name.err" ||
                m_rc=$?
        else
            "$py" -c 'import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:])
elapsed = time.monotonic() - t
with open(sys.argv[1], "w") as f:
    f.write("%.2f %d\n" % (elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$RUN_DIR/$name.time" "$@" >"$RUN_DIR/$name.out" 2>"$RUN_DIR/$name.err" || m_rc=$?
        fi
        read -r t r < <(tail -n 1 "$RUN_DIR/$name.time")
        times+=("$t")
        if ((r > rss)); then rss=$r; fi
        m_requests="$("$py" -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ops = {k: v - a["by_operation"].get(k, 0) for k, v in b["by_operation"].items()}
ops = {k: v for k, v in sorted(ops.items()) if v}
delta = {k: b[k] - a[k] for k in ("total", "errors", "cache_hits", "answered_locally")}
json.dump(dict(delta, by_operation=ops), open(sys.argv[3], "w"), indent=2)
print(b["total"] - a["total"])' "$before" "$(shim_stats)" "$RUN_DIR/$name.requests.json")"
        say "$name run $run/$RUNS: ${t}s, peak RSS $((r / 1024)) MiB, $m_requests requests, exit $m_rc"
    done
    m_secs="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
    m_rss_kib=$rss
}

# The "N/M digest files valid" and "N/M log files valid" counts of a text summary, or "-".
summary_counts() {
    local d l
    d="$(grep -Eo '[0-9]+/[0-9]+ digest files valid' "$1" | head -n 1 | cut -d' ' -f1)" || true
    l="$(grep -Eo '[0-9]+/[0-9]+ log files valid' "$1" | head -n 1 | cut -d' ' -f1)" || true
    printf 'digests %s, logs %s' "${d:--}" "${l:--}"
}

dopaudit_cmd() {
    local cmd=("$dopaudit" validate-logs --trail-arn "$fx_arn" --start-time "$fx_start" --end-time "$fx_end"
        --s3-bucket "$fx_bucket" --region "$REGION" --endpoint-url "$shim_url")
    if [[ $DOPAUDIT_KEYS == file ]]; then cmd+=(--public-keys "$keys_file"); fi
    # shellcheck disable=SC2206 # word splitting of the extra arguments is the point
    [[ -z ${DOPAUDIT_ARGS:-} ]] || cmd+=($DOPAUDIT_ARGS)
    printf '%s\0' "${cmd[@]}"
}

status=0

# --- 6. compare: the AWS CLI against dopaudit -----------------------------------------------------------------------

run_compare() {
    local bucket=bench-compare cli_secs cli_rss cli_rc cli_req da_secs da_rss da_rc da_req cmd=() cache=off
    if [[ $SHIM_CACHE == 1 ]]; then
        cache="on: GetObject bodies up to $SHIM_CACHE_MAX_KIB KiB served from the shim after a warm-up run"
        start_shim compare --cache-get-max-bytes $((SHIM_CACHE_MAX_KIB * 1024))
    else
        start_shim compare
    fi
    fixture "$bucket" "$HOURS" "$LOGS_PER_HOUR" "$LOG_KIB" "$TAMPER"
    say "trail $fx_arn, $fx_start .. $fx_end: $fx_digests digests, $fx_logs logs, $fx_bytes bytes"
    mapfile -d '' -t cmd < <(dopaudit_cmd)
    if [[ $WARMUP == 1 ]]; then
        say "warm-up: one unmeasured dopaudit run"
        "${cmd[@]}" >"$RUN_DIR/warmup.out" 2>"$RUN_DIR/warmup.err" || true
    fi

    # The CLI: AWS_ENDPOINT_URL reaches every client it creates (cloudtrail, and the S3 clients of validate-logs,
    # which ignore --endpoint-url); path-style addressing comes from $AWS_CONFIG_FILE.
    measure cli env AWS_ENDPOINT_URL="$shim_url" "$venv/bin/aws" cloudtrail validate-logs --trail-arn "$fx_arn" \
        --start-time "$fx_start" --end-time "$fx_end" --s3-bucket "$fx_bucket" --region "$REGION"
    cli_secs=$m_secs cli_rss=$m_rss_kib cli_rc=$m_rc cli_req=$m_requests
    # The CLI must have gone through the shim for both services, or the comparison means nothing.
    "$py" -c 'import json, sys
ops = json.load(open(sys.argv[1]))["by_operation"]
gets = sum(v for k, v in ops.items() if k.endswith("s3:GetObject"))
keys = sum(v for k, v in ops.items() if k.endswith("cloudtrail:ListPublicKeys"))
sys.exit(0 if gets >= int(sys.argv[2]) and keys >= 1 else 1)' "$RUN_DIR/cli.requests.json" "$fx_digests" ||
        die "the AWS CLI did not send its S3 and CloudTrail calls through the shim; see $RUN_DIR/cli.requests.json"

    measure dopaudit "${cmd[@]}"
    da_secs=$m_secs da_rss=$m_rss_kib da_rc=$m_rc da_req=$m_requests

    printf '\nvalidate-logs: %s digests, %s logs of %s KiB, +%s ms per request (%s); shim cache %s\n' \
        "$fx_digests" "$fx_logs" "$LOG_KIB" "$LATENCY_MS" "${TAMPER:-untampered}" "$cache"
    awk -v cs="$cli_secs" -v ds="$da_secs" -v cr="$cli_rss" -v dr="$da_rss" -v cq="$cli_req" -v dq="$da_req" \
        -v cc="$cli_rc" -v dc="$da_rc" -v csum="$(summary_counts "$RUN_DIR/cli.out")" \
        -v dsum="$(summary_counts "$RUN_DIR/dopaudit.out")" 'BEGIN {
        f = "%-18s %-30s %-30s %s\n"
        printf f, "", "aws cloudtrail validate-logs", "dopaudit validate-logs", "CLI/dopaudit"
        printf f, "wall time", sprintf("%.2f s", cs), sprintf("%.2f s", ds), sprintf("%.1fx", cs / (ds > 0 ? ds : 0.01))
        printf f, "peak RSS", sprintf("%.1f MiB", cr / 1024), sprintf("%.1f MiB", dr / 1024), sprintf("%.2fx", cr / dr)
        printf f, "requests", cq, dq, sprintf("%.2fx", cq / (dq > 0 ? dq : 1))
        printf f, "exit status", cc, dc, ""
        printf f, "summary", csum, dsum, ""
    }'
    "$py" -c 'import json, sys
a, b = (json.load(open(p))["by_operation"] for p in sys.argv[1:3])
print("\n%-40s %10s %10s" % ("requests by operation", "CLI", "dopaudit"))
for k in sorted(set(a) | set(b)):
    print("%-40s %10d %10d" % (k, a.get(k, 0), b.get(k, 0)))' "$RUN_DIR/cli.requests.json" "$RUN_DIR/dopaudit.requests.json"
    awk -v cs="$cli_secs" -v ds="$da_secs" 'BEGIN {
        r = cs / (ds > 0 ? ds : 0.01)
        printf "\nspeed-up %.1fx (target >= 20x): %s\n", r, (r >= 20 ? "ok" : "BELOW TARGET")
    }'

    # The verdict lines (every line naming INVALID, stdout and stderr, sorted) must be the same.
    cat "$RUN_DIR/cli.out" "$RUN_DIR/cli.err" | grep INVALID | sort >"$RUN_DIR/cli.invalid" || true
    cat "$RUN_DIR/dopaudit.out" "$RUN_DIR/dopaudit.err" | grep INVALID | sort >"$RUN_DIR/dopaudit.invalid" || true
    if cmp -s "$RUN_DIR/cli.invalid" "$RUN_DIR/dopaudit.invalid"; then
        printf 'INVALID lines: identical (%d)\n' "$(wc -l <"$RUN_DIR/cli.invalid")"
    else
        printf 'INVALID lines differ (< CLI, > dopaudit):\n'
        diff "$RUN_DIR/cli.invalid" "$RUN_DIR/dopaudit.invalid" | head -n 20 || true
        status=1
    fi

    if [[ -z $TAMPER ]]; then
        ((cli_rc == 0)) || {
            say "the AWS CLI exited $cli_rc on the untampered trail; see $RUN_DIR/cli.{out,err}"
            status=1
        }
        ((da_rc == 0)) || {
            say "dopaudit exited $da_rc on the untampered trail; see $RUN_DIR/dopaudit.{out,err}"
            status=1
        }
    elif (((cli_rc == 0) != (da_rc == 0))); then
        say "tamper case $TAMPER: the AWS CLI exited $cli_rc but dopaudit $da_rc"
        status=1
    fi
}

# --- 7. memory: dopaudit's peak RSS as logs grow in size and number -------------------------------------------------

run_memory() {
    local rows=() name bucket per_hour kib cmd=()
    local -A rss=()
    start_shim memory
    local configs=("small $LOGS_PER_HOUR $MEM_SMALL_KIB" "large $LOGS_PER_HOUR $MEM_LARGE_KIB"
        "huge $LOGS_PER_HOUR $MEM_HUGE_KIB" "giant $LOGS_PER_HOUR $MEM_GIANT_KIB"
        "many $((LOGS_PER_HOUR * MEM_MANY_FACTOR)) $MEM_SMALL_KIB")
    for config in "${configs[@]}"; do
        read -r name per_hour kib <<<"$config"
        bucket=bench-memory-$name
        fixture "$bucket" "$MEM_HOURS" "$per_hour" "$kib"
        mapfile -d '' -t cmd < <(dopaudit_cmd)
        measure "memory-$name" "${cmd[@]}"
        ((m_rc == 0)) || {
            say "dopaudit exited $m_rc on $bucket; see $RUN_DIR/memory-$name.{out,err}"
            status=1
        }
        rows+=("$name $fx_logs $kib $fx_bytes $m_secs $m_rss_kib $m_requests $m_rc")
        rss[$name]=$m_rss_kib
    done
    local small_rss=${rss[small]}
    printf '\ndopaudit peak memory, %s h of digests, +%s ms per request\n' "$MEM_HOURS" "$LATENCY_MS"
    printf '%s\n' "${rows[@]}" | awk -v base="$small_rss" '
        BEGIN { printf "%-7s %6s %9s %12s %9s %12s %9s %5s %s\n", "run", "logs", "log KiB", "gzip MB", "seconds",
            "peak RSS", "requests", "exit", "RSS/small" }
        { printf "%-7s %6s %9s %12.1f %9s %8.1f MiB %9s %5s %8.2fx\n", $1, $2, $3, $4 / 1e6, $5, $6 / 1024, $7, $8,
            $6 / base }'
    local pair bigger base grown
    for pair in "giant huge" "many small"; do
        read -r bigger base <<<"$pair"
        grown=$(((rss[$bigger] - rss[$base]) / 1024))
        if ((rss[$bigger] <= rss[$base] + MEM_FLAT_MIB * 1024)); then
            printf 'peak RSS flat, %s vs %s: %+d MiB (at most +%s MiB): ok\n' "$bigger" "$base" "$grown" "$MEM_FLAT_MIB"
        else
            printf 'peak RSS NOT flat, %s vs %s: %+d MiB (at most +%s MiB)\n' "$bigger" "$base" "$grown" "$MEM_FLAT_MIB"
            status=1
        fi
    done
}

# --- 8. matrix: every tamper case, both tools, output compared line for line -----------------------------------------

run_matrix() {
    local case bucket cmd=() cases=() same=0 differ=0 cli_rc verbose=
    if [[ ${VERBOSE:-0} == 1 ]]; then verbose=--verbose; fi
    start_shim matrix
    mapfile -t cases < <("$ct_fixtures" --endpoint-url "$moto_url" --bucket unused --public-keys-out /dev/null \
        --tamper list)
    printf '\n%-28s %-6s %-9s %s\n' "case" "CLI" "dopaudit" "stdout and stderr"
    for case in "${cases[@]}"; do
        bucket=matrix-$case
        fixture "$bucket" 5 2 4 "$case" 2>/dev/null
        env AWS_ENDPOINT_URL="$shim_url" "$venv/bin/aws" cloudtrail validate-logs --trail-arn "$fx_arn" \
            --start-time "$fx_start" --end-time "$fx_end" --s3-bucket "$fx_bucket" --region "$REGION" ${verbose:+"$verbose"} \
            >"$RUN_DIR/matrix-$case.cli.out" 2>"$RUN_DIR/matrix-$case.cli.err" && cli_rc=0 || cli_rc=$?
        mapfile -d '' -t cmd < <(dopaudit_cmd)
        [[ -z $verbose ]] || cmd+=("$verbose")
        "${cmd[@]}" >"$RUN_DIR/matrix-$case.da.out" 2>"$RUN_DIR/matrix-$case.da.err" && m_rc=0 || m_rc=$?
        local verdict
        if cmp -s "$RUN_DIR/matrix-$case.cli.out" "$RUN_DIR/matrix-$case.da.out" &&
            cmp -s "$RUN_DIR/matrix-$case.cli.err" "$RUN_DIR/matrix-$case.da.err" && ((cli_rc == m_rc)); then
            verdict="identical"
            same=$((same + 1))
        elif ((cli_rc > 1 && m_rc == 2)) &&
            grep -qxF "$(grep -v '^$' "$RUN_DIR/matrix-$case.cli.err" | tail -n 1)" \
                <(sed 's/^dopaudit: error: //' "$RUN_DIR/matrix-$case.da.err"); then
            # The CLI has no exit code of its own for "could not run" (it exits 255); dopaudit exits 2, same message.
            verdict="same error (the CLI exits $cli_rc, dopaudit 2)"
            same=$((same + 1))
        else
            verdict="DIFFERENT: diff $RUN_DIR/matrix-$case.{cli,da}.{out,err}"
            differ=$((differ + 1))
            status=1
        fi
        printf '%-28s %-6s %-9s %s\n' "$case" "$cli_rc" "$m_rc" "$verdict"
    done
    printf '%d cases: %d the same, %d different\n' "$((same + differ))" "$same" "$differ"
}

case $mode in
compare) run_compare ;;
memory) run_memory ;;
matrix) run_matrix ;;
all)
    run_compare
    run_memory
    run_matrix
    ;;
esac
say "outputs and shim stats in $RUN_DIR"
exit "$status"
