#!/usr/bin/env bash
# Organization benchmark: Prowler and dopaudit auditing the same moto-emulated AWS
# Organization through the same counting proxy (a script, not a test).
#
#   bench/org/run.sh
#   ACCOUNTS=1 REGIONS=all LATENCY_MS=30 bench/org/run.sh
#
# 1. Makes sure of two virtualenvs: bench/.venv with the moto pinned in scripts/moto-requirements.txt (reused when
#    it already has that version; bench/integrity/run.sh adds its awscli to the same venv), and
#    bench/.venv-prowler with prowler==PROWLER_VERSION, apart so that their dependencies do not fight.
# 2. Starts moto_server and bench/integrity/shim.py in front of it, both on free 127.0.0.1 ports, both stopped by
#    PID when this script ends, however it ends.
# 3. Seeds moto (directly, not through the shim) with seed.py: an organization of ACCOUNTS member accounts plus
#    the management account, with CloudTrail, AWS Config and CloudFormation in every account and region.
# 4. Runs Prowler once per account (the management account with the caller's credentials, each member with
#    --role arn:aws:iam::ID:role/OrganizationAccountAccessRole), one after the other, through the shim, measuring
#    each run's wall time and peak RSS (/usr/bin/time -f '%e %M'), its requests (the shim's counters before and
#    after) and its results (from its json-ocsf file).
# 5. Runs dopaudit on the same scope through the same shim (run_dopaudit below), when its binary exists and has
#    --services; otherwise prints "skipped".
# 6. Prints the per-run numbers and a side-by-side table with the ratios Prowler/dopaudit.
#
# Env knobs:
#   ACCOUNTS (3)            member accounts, besides the management account
#   REGIONS (us-east-1,eu-west-1,ap-southeast-2)  comma list, or 'all' for the 17 default-enabled regions
#   LATENCY_MS (0)          delay the shim adds before every request
#   STACKS_PER_REGION (2)   CloudFormation stacks per account and region
#   SERVICES (cloudtrail,config,organizations,cloudformation)  what both tools are asked to audit
#   PROWLER_VERSION (5.46.0), PROWLER_TIMEOUT (900: seconds one Prowler run may take before it is stopped)
#   PROWLER_ARGS            extra arguments for every Prowler run (e.g. --log-level INFO for a timeline)
#   PROWLER_HOME (bench/org/.data/prowler-home)  HOME for Prowler, kept between runs (Kingfisher's rule cache)
#   WARMUP (1)              fill Kingfisher's rule cache before the measured runs; 0: the first run pays ~7 s
#   DOPAUDIT_BIN (target/release/dopaudit), DOPAUDIT_ARGS (extra arguments), DOPAUDIT_TIMEOUT (900)
#   SKIP_DOPAUDIT=1         do not run dopaudit even when it is there
#   SKIP_PROWLER=1          do not run Prowler (for organizations too large to wait for it: ~25 s per account)
#   CHAIN (10)              dopaudit's longest chain of dependent calls, for the latency bound (BENCHMARKS.md)
#   RUN_DIR                 where everything goes (default bench/org/.data/run-<UTC time>)
#
# Needs python3 (3.10 to 3.12 for Prowler) with venv, and PyPI the first time. Never builds Rust.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$here/../.." && pwd -P)"
cd "$root"

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
help_or_usage "$@"

ACCOUNTS=${ACCOUNTS:-3}
REGIONS=${REGIONS:-us-east-1,eu-west-1,ap-southeast-2}
LATENCY_MS=${LATENCY_MS:-0}
STACKS_PER_REGION=${STACKS_PER_REGION:-2}
SERVICES=${SERVICES:-cloudtrail,config,organizations,cloudformation}
PROWLER_VERSION=${PROWLER_VERSION:-5.46.0}
PROWLER_TIMEOUT=${PROWLER_TIMEOUT:-900}
PROWLER_ARGS=${PROWLER_ARGS:-}
PROWLER_HOME=${PROWLER_HOME:-$here/.data/prowler-home}
WARMUP=${WARMUP:-1}
DOPAUDIT_BIN=${DOPAUDIT_BIN:-$root/target/release/dopaudit}
DOPAUDIT_ARGS=${DOPAUDIT_ARGS:-}
DOPAUDIT_TIMEOUT=${DOPAUDIT_TIMEOUT:-900}
ACCESS_ROLE=OrganizationAccountAccessRole
HOME_REGION=us-east-1


[[ $ACCOUNTS =~ ^[0-9]+$ ]] || die "ACCOUNTS must be a whole number, not '$ACCOUNTS'"
[[ $LATENCY_MS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "LATENCY_MS must be a number of milliseconds, not '$LATENCY_MS'"
[[ $PROWLER_TIMEOUT =~ ^[0-9]+$ && $DOPAUDIT_TIMEOUT =~ ^[0-9]+$ ]] || die "the timeouts are whole seconds"
command -v python3 >/dev/null || die "python3 is not on PATH"
command -v timeout >/dev/null || die "timeout (coreutils) is not on PATH"

RUN_DIR=${RUN_DIR:-$here/.data/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd -- "$RUN_DIR" && pwd -P)"
results_file=$RUN_DIR/results.jsonl
: >"$results_file"

# --- 1. the virtualenvs --------------------------------------------------------------------------------------------

venv=$root/bench/.venv
py=$venv/bin/python
pvenv=$root/bench/.venv-prowler
moto_line="$(moto_requirement)"
moto_version=${moto_line##*==}
prowler_line="prowler==$PROWLER_VERSION"

moto_ready() {
    [[ -x $venv/bin/moto_server ]] || return 1
    "$py" -c 'import importlib.metadata as m, sys
sys.exit(0 if m.version("moto") == sys.argv[1] else 1)' "$moto_version" 2>/dev/null
}
prowler_ready() {
    [[ -x $pvenv/bin/prowler ]] && [[ "$(cat "$pvenv/.bench-requirements.txt" 2>/dev/null)" == "$prowler_line" ]]
}

if ! moto_ready || ! prowler_ready; then
    if command -v flock >/dev/null; then
        mkdir -p "$here/.data"
        exec 9>"$here/.data/venv.lock"
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
    if ! prowler_ready; then
        say "installing $prowler_line into $pvenv (about 2 GB, a few minutes)"
        if ! "$pvenv/bin/python" -c '' 2>/dev/null; then
            python3 -m venv "$pvenv" || die "python3 -m venv $pvenv failed"
        fi
        printf '*\n' >"$pvenv/.gitignore" # keep the venv out of git wherever it sits
        rm -f "$pvenv/.bench-requirements.txt"
        "$pvenv/bin/python" -m pip install --quiet --disable-pip-version-check "$prowler_line" ||
            die "pip install $prowler_line failed (Prowler $PROWLER_VERSION needs Python 3.10 to 3.12)"
        printf '%s\n' "$prowler_line" >"$pvenv/.bench-requirements.txt"
        prowler_ready || die "$pvenv is still incomplete after pip install"
    fi
    exec 9>&-
fi

# --- 2. an environment that reaches only the emulator ---------------------------------------------------------------

emulator_environment "$RUN_DIR" "$HOME_REGION"

# --- 3. moto and the shim, stopped by PID however the script ends ---------------------------------------------------

start_moto "$venv/bin/moto_server"
launch_shim shim --latency-ms "$LATENCY_MS"
say "moto $moto_url (pid $moto_pid), shim $shim_url (pid $shim_pid, +$LATENCY_MS ms per request), outputs in $RUN_DIR"

# --- 4. the organization --------------------------------------------------------------------------------------------

say "seeding $ACCOUNTS member accounts x regions '$REGIONS' x $STACKS_PER_REGION stacks"
"$py" "$here/seed.py" --endpoint "$moto_url" --accounts "$ACCOUNTS" --regions "$REGIONS" \
    --stacks-per-region "$STACKS_PER_REGION" --summary "$RUN_DIR/seed.json" | tee "$RUN_DIR/seed.txt" >&2 ||
    die "seed.py failed"
summary() { "$py" "$here/report.py" summary "$RUN_DIR/seed.json" "$1"; }
management="$(summary management_account)"
read -r -a members <<<"$(summary members)"
read -r -a regions <<<"$(summary regions)"
regions_csv="$(IFS=,; echo "${regions[*]}")"
IFS=, read -r -a services <<<"$SERVICES"

# --- 5. measuring ---------------------------------------------------------------------------------------------------

shim_stats() { "$py" "$here/report.py" stats "$shim_url" >"$1"; }

# measure DIR TIMEOUT CMD...: runs CMD with stdout/stderr in DIR, stopped after TIMEOUT s (and killed 10 s later).
# Sets m_rc, m_wall (s), m_rss_mib, m_cpu (user + system s), m_emulator_cpu (moto's and the shim's CPU s), m_requests (the shim's count over the run; by operation in DIR/requests.json).
measure() {
    local dir=$1 limit=$2 started ended line
    shift 2
    mkdir -p "$dir"
    local timer=(/usr/bin/time -f '%e %M %U %S' -o "$dir/time.txt")
    [[ -x /usr/bin/time ]] || timer=("$py" "$here/report.py" timed "$dir/time.txt")
    rm -f "$dir/time.txt"
    shim_stats "$dir/shim-before.json"
    emulator_before="$(emulator_cpu)"
    started=$EPOCHREALTIME
    set +e
    # timeout puts itself and everything under it in one process group and signals the whole group, so a run
    # that is stopped (or this script dying: SIGTERM via with_pdeathsig) leaves nothing behind.
    with_pdeathsig timeout -k 10 "$limit" "${timer[@]}" "$@" >"$dir/stdout" 2>"$dir/stderr" </dev/null
    m_rc=$?
    set -e
    ended=$EPOCHREALTIME
    m_emulator_cpu="$(awk -v a="$emulator_before" -v b="$(emulator_cpu)" 'BEGIN { printf "%.2f", b - a }')"
    shim_stats "$dir/shim-after.json"
    m_requests="$("$py" "$here/report.py" delta "$dir/shim-before.json" "$dir/shim-after.json" "$dir/requests.json")"
    line="$(tail -n 1 "$dir/time.txt" 2>/dev/null || true)"
    if [[ $line =~ ^([0-9.]+)\ ([0-9]+)\ ([0-9.]+)\ ([0-9.]+)$ ]]; then
        m_wall=${BASH_REMATCH[1]}
        m_rss_mib="$(awk -v k="${BASH_REMATCH[2]}" 'BEGIN { printf "%.1f", k / 1024 }')"
        m_cpu="$(awk -v u="${BASH_REMATCH[3]}" -v s="${BASH_REMATCH[4]}" 'BEGIN { printf "%.2f", u + s }')"
    else # stopped by timeout before time(1) could write
        m_wall="$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.2f", b - a }')"
        m_rss_mib=0 m_cpu=0
    fi
}

# CPU seconds used so far by moto and the shim together (utime + stime, from /proc). $moto_pid and $shim_pid are
# the subshells that started them (`with_pdeathsig ... &`), so their children count too.
emulator_cpu() {
    local pid total=0 ticks
    ticks="$(getconf CLK_TCK)"
    # shellcheck disable=SC2046 # one PID per word
    for pid in "$moto_pid" "$shim_pid" $(pgrep -P "$moto_pid" 2>/dev/null) $(pgrep -P "$shim_pid" 2>/dev/null); do
        [[ -r /proc/$pid/stat ]] || continue
        # Fields 14 and 15 counted after the command name, which may hold spaces but ends with ')'.
        total=$((total + $(sed -E 's/^.*\) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
    done
    awk -v t="$total" -v k="$ticks" 'BEGIN { printf "%.2f", t / k }'
}

# record KIND TOOL ACCOUNT RUNS WALL RSS REQUESTS RESULTS FAILS STATUS (and m_cpu, m_emulator_cpu of the run)
record() {
    "$py" -c 'import json, sys
k, tool, account, runs, wall, rss, req, res, fails, status, cpu, emu = sys.argv[1:]
print(json.dumps({"kind": k, "tool": tool, "account": account, "runs": int(runs), "wall_s": float(wall),
                  "rss_mib": float(rss), "requests": int(req), "results": int(res), "fails": int(fails),
                  "status": status, "cpu_s": float(cpu), "emulator_cpu_s": float(emu)}))' "$@" \
        "${m_cpu:-0}" "${m_emulator_cpu:-0}" >>"$results_file"
}
record_skipped() {
    "$py" -c 'import json, sys
print(json.dumps({"kind": "tool", "tool": sys.argv[1], "status": "skipped", "why": sys.argv[2]}))' "$1" "$2" >>"$results_file"
}

failures=0

# --- 6. Prowler: one run per account --------------------------------------------------------------------------------

# What Prowler may and may not reach: every AWS client goes to the shim (AWS_ENDPOINT_URL, which boto3 >= 1.28 and
# Prowler's own STS set-up honour); netguard/ (a sitecustomize on PYTHONPATH) refuses and logs any name look-up or
# connection of its Python process that is not loopback. Prowler's only internet call outside the AWS APIs is the
# version check of `prowler --version`, which is never run here; its secrets scanner (Kingfisher) is started
# with --no-update-check and --no-validate.
prowler_env=(
    env -i PATH="$PATH" HOME="$PROWLER_HOME" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}"
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION="$HOME_REGION" AWS_REGION="$HOME_REGION"
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$RUN_DIR/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
    AWS_ENDPOINT_URL="$shim_url" NO_PROXY="$NO_PROXY" no_proxy="$no_proxy"
    PYTHONPATH="$here/netguard" NETGUARD_LOG="$RUN_DIR/netguard.jsonl"
)
# The body stays at the left margin: it holds Python programs whose indentation matters.
run_prowler() {
mkdir -p "$PROWLER_HOME"

# Prowler's secrets checks (cloudformation_stack_outputs_find_secrets here) run Kingfisher, which compiles its
# rules into $HOME/.cache/kingfisher the first time: about 7 s on this machine, once per HOME. PROWLER_HOME is kept
# between runs of this script, and one unmeasured scan through Prowler's own helper fills the cache before the
# measured runs, so every measured run sees the steady state (WARMUP=0 skips this).
if [[ $WARMUP == 1 ]]; then
    say "warming Kingfisher's rule cache in $PROWLER_HOME (not measured)"
    "${prowler_env[@]}" "$pvenv/bin/python" -c 'from prowler.lib.utils.utils import detect_secrets_scan_batch
detect_secrets_scan_batch(iter([(0, "warm:up\n")]), excluded_secrets=[], validate=False)' \
        >"$RUN_DIR/warmup.log" 2>&1 || say "warning: the Kingfisher warm-up failed (see $RUN_DIR/warmup.log); going on"
fi

# prowler_account ACCOUNT [ROLE_ARN]
prowler_account() {
    local account=$1 role=${2:-} dir=$RUN_DIR/prowler/$1 status n_results n_fails
    local cmd=("${prowler_env[@]}" "$pvenv/bin/prowler" aws --no-banner --no-color --ignore-exit-code-3
        --region "${regions[@]}" --services "${services[@]}" --output-formats json-ocsf
        --output-directory "$dir/out" --output-filename prowler --log-level ERROR --log-file "$dir/prowler.log")
    [[ -z $role ]] || cmd+=(--role "$role" --role-session-name dopaudit-bench)
    # shellcheck disable=SC2206 # word splitting wanted
    [[ -z $PROWLER_ARGS ]] || cmd+=($PROWLER_ARGS)
    mkdir -p "$dir"
    printf '%q ' "${cmd[@]}" >"$dir/command.txt"
    say "prowler: account $account${role:+ (as $role)}"
    measure "$dir" "$PROWLER_TIMEOUT" "${cmd[@]}"
    status=ok n_results=0 n_fails=0
    if [[ $m_rc == 124 || $m_rc == 137 ]]; then
        status="timeout after ${PROWLER_TIMEOUT}s"
    elif [[ $m_rc != 0 ]]; then
        status="exit $m_rc"
    fi
    if [[ -s $dir/out/prowler.ocsf.json ]]; then
        read -r n_results n_fails < <("$py" "$here/report.py" findings prowler "$dir/out/prowler.ocsf.json") ||
            status="$status, unreadable output"
    else
        status="$status, no output file"
    fi
    [[ $status == ok ]] || {
        failures=$((failures + 1))
        say "prowler: account $account: $status; see $dir/stderr"
    }
    record part prowler "$account" 1 "$m_wall" "$m_rss_mib" "$m_requests" "$n_results" "$n_fails" "$status"
    say "prowler: account $account: ${m_wall} s, ${m_rss_mib} MiB, $m_requests requests, $n_results results ($n_fails fail)"
}

for account in "$management" "${members[@]}"; do
    if [[ $account == "$management" ]]; then
        prowler_account "$account"
    else
        prowler_account "$account" "arn:aws:iam::$account:role/$ACCESS_ROLE"
    fi
done
# The tool's totals: the runs one after the other, as one would script them; peak RSS is the largest run's.
"$py" -c 'import json, sys
parts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
parts = [p for p in parts if p.get("kind") == "part" and p["tool"] == "prowler"]
bad = [p["status"] for p in parts if p["status"] != "ok"]
print(json.dumps({"kind": "tool", "tool": "prowler", "runs": len(parts),
                  "wall_s": round(sum(p["wall_s"] for p in parts), 2),
                  "rss_mib": max((p["rss_mib"] for p in parts), default=0),
                  "requests": sum(p["requests"] for p in parts), "results": sum(p["results"] for p in parts),
                  "cpu_s": round(sum(p["cpu_s"] for p in parts), 2),
                  "emulator_cpu_s": round(sum(p["emulator_cpu_s"] for p in parts), 2),
                  "fails": sum(p["fails"] for p in parts),
                  "status": "ok" if not bad else f"{len(bad)} of {len(parts)} runs: {bad[0]}"}))' "$results_file" >"$RUN_DIR/prowler-total.json"
cat "$RUN_DIR/prowler-total.json" >>"$results_file"

if [[ -s $RUN_DIR/netguard.jsonl ]]; then
    say "WARNING: Prowler tried to reach $(wc -l <"$RUN_DIR/netguard.jsonl") non-loopback addresses (refused):"
    head -n 5 "$RUN_DIR/netguard.jsonl" >&2
fi
}

if [[ ${SKIP_PROWLER:-} == 1 ]]; then
    say "prowler: skipped (SKIP_PROWLER=1)"
    record_skipped prowler "SKIP_PROWLER=1"
else
    run_prowler
fi

# --- 7. dopaudit ----------------------------------------------------------------------------------------------------

# ==== run_dopaudit: dopaudit on the same scope, through the same shim ============================================
# Runs when $DOPAUDIT_BIN exists and its `audit` knows --services; prints "skipped"
# otherwise. One process audits the whole organization: it starts in the management account with the same dummy
# credentials and assumes OrganizationAccountAccessRole in each member (--org). Exit 1 (failing findings) counts as
# a finished run. Never builds anything: build target/release/dopaudit first.
run_dopaudit() {
    local dir=$RUN_DIR/dopaudit status n_results=0 n_fails=0 why
    if [[ ${SKIP_DOPAUDIT:-} == 1 ]]; then
        why="SKIP_DOPAUDIT=1"
    elif [[ ! -x $DOPAUDIT_BIN ]]; then
        why="no $DOPAUDIT_BIN (cargo build --release --bin dopaudit)"
    elif ! "$DOPAUDIT_BIN" audit --help 2>/dev/null | grep -q -- '--services'; then
        why="$DOPAUDIT_BIN audit has no --services flag yet"
    fi
    if [[ -n ${why:-} ]]; then
        say "dopaudit: skipped: $why"
        record_skipped dopaudit "$why"
        return 0
    fi
    mkdir -p "$dir"
    local cmd=(env -u PYTHONPATH AWS_ENDPOINT_URL="$shim_url" "$DOPAUDIT_BIN" audit --org --regions "$regions_csv"
        --endpoint-url "$shim_url" --format json -o "$dir/report.json" --services "$SERVICES")
    # shellcheck disable=SC2206 # word splitting wanted
    [[ -z $DOPAUDIT_ARGS ]] || cmd+=($DOPAUDIT_ARGS)
    printf '%q ' "${cmd[@]}" >"$dir/command.txt"
    say "dopaudit: the organization, regions $regions_csv"
    measure "$dir" "$DOPAUDIT_TIMEOUT" "${cmd[@]}"
    status=ok
    case $m_rc in
    0 | 1) ;; # 1: some finding fails at --fail-on or above
    124 | 137) status="timeout after ${DOPAUDIT_TIMEOUT}s" ;;
    *) status="exit $m_rc" ;;
    esac
    if [[ -s $dir/report.json ]]; then
        read -r n_results n_fails < <("$py" "$here/report.py" findings dopaudit "$dir/report.json") ||
            status="$status, unreadable report"
    else
        status="$status, no report"
    fi
    [[ $status == ok ]] || {
        failures=$((failures + 1))
        say "dopaudit: $status; see $dir/stderr"
    }
    record tool dopaudit org 1 "$m_wall" "$m_rss_mib" "$m_requests" "$n_results" "$n_fails" "$status"
    say "dopaudit: ${m_wall} s, ${m_rss_mib} MiB, $m_requests requests, $n_results results ($n_fails fail)"
}
# =================================================================================================================

run_dopaudit

# With added latency: how close dopaudit came to the fastest any client could be with its calls, its concurrency
# and its dependencies (BENCHMARKS.md): the larger of CHAIN x latency and requests x latency / concurrency.
if [[ $LATENCY_MS != 0 && ${SKIP_DOPAUDIT:-} != 1 ]]; then
    concurrency=16
    [[ $DOPAUDIT_ARGS =~ --concurrency[=\ ]+([0-9]+) ]] && concurrency=${BASH_REMATCH[1]}
    "$py" "$here/report.py" bound "$results_file" "$LATENCY_MS" "${CHAIN:-10}" "$concurrency" >"$RUN_DIR/bound.txt" ||
        say "warning: no latency bound (see $RUN_DIR/bound.txt)"
fi

# --- 8. the table ---------------------------------------------------------------------------------------------------

{
    printf '\nScope: management %s + %d member accounts, %d regions (%s), services %s, +%s ms per request\n' \
        "$management" "${#members[@]}" "${#regions[@]}" "$regions_csv" "$SERVICES" "$LATENCY_MS"
    printf 'Seeded: %s\n\n' "$(head -n 1 "$RUN_DIR/seed.txt")"
    "$py" "$here/report.py" table "$results_file"
    [[ ! -s $RUN_DIR/bound.txt ]] || cat "$RUN_DIR/bound.txt"
    printf '\nresults = every verdict on a resource (pass, fail, ...); fails = those failing. Outputs: %s\n' "$RUN_DIR"
} | tee "$RUN_DIR/table.txt"

[[ $failures == 0 ]] || die "$failures run(s) did not finish cleanly"
