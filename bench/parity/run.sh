#!/usr/bin/env bash
# Parity ledger: Prowler and dopaudit judging the same moto-emulated organization, check by check (a script, not a
# test; not part of CI or scripts/test.sh).
#
#   bench/parity/run.sh
#   DOPAUDIT_BIN=/path/to/dopaudit bench/parity/run.sh
#   RUN_DIR=bench/parity/.data/run-X REUSE=1 bench/parity/run.sh   # re-compare the outputs of an earlier run
#
# 1. Makes sure of the two virtualenvs of bench/org/run.sh: bench/.venv with the moto of scripts/moto-requirements.txt
#    and bench/.venv-prowler with prowler==PROWLER_VERSION (about 2 GB and a few minutes the first time).
# 2. Starts moto_server on a free 127.0.0.1 port, stopped by PID however the script ends.
# 3. Seeds ONE organization rich in near misses with seed.py (4 accounts, us-east-1 and eu-west-1; see NOTES.md).
# 4. Runs Prowler once per account (the members through --role OrganizationAccountAccessRole), limited to the
#    Prowler checks named in pairs.toml, with --output-formats json-ocsf.
# 5. Runs dopaudit `audit --org --format json` on the same endpoint and regions.
# 6. compare.py: aligns the findings of each pair of pairs.toml by account, region and resource, prints a table
#    per pair (dopaudit vs Prowler, agree / disagree, and for a disagreement its recorded explanation or
#    UNEXPLAINED), and writes it as Markdown to RUN_DIR/parity.md.
#
# Env knobs:
#   DOPAUDIT_BIN (target/release/dopaudit), DOPAUDIT_ARGS (extra arguments), DOPAUDIT_TIMEOUT (600)
#   PROWLER_VERSION (5.46.0), PROWLER_TIMEOUT (900 s per account run), PROWLER_ARGS (extra arguments)
#   PROWLER_HOME (bench/parity/.data/prowler-home)   HOME for Prowler, kept between runs
#   RUN_DIR (bench/parity/.data/run-<UTC time>)      where everything goes
#   REUSE=1                                          skip steps 1-5 and compare what RUN_DIR already holds
#   STRICT=1                                         exit 1 when a disagreement is UNEXPLAINED
#
# Needs python3 (3.10 to 3.12 for Prowler) with venv, and PyPI the first time. Never builds Rust.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$here/../.." && pwd -P)"
cd "$root"
BENCH_NAME=parity/run.sh

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
help_or_usage "$@"

PROWLER_VERSION=${PROWLER_VERSION:-5.46.0}
PROWLER_TIMEOUT=${PROWLER_TIMEOUT:-900}
PROWLER_ARGS=${PROWLER_ARGS:-}
PROWLER_HOME=${PROWLER_HOME:-$here/.data/prowler-home}
DOPAUDIT_BIN=${DOPAUDIT_BIN:-$root/target/release/dopaudit}
DOPAUDIT_ARGS=${DOPAUDIT_ARGS:-}
DOPAUDIT_TIMEOUT=${DOPAUDIT_TIMEOUT:-600}
ACCESS_ROLE=OrganizationAccountAccessRole
HOME_REGION=us-east-1

[[ $PROWLER_TIMEOUT =~ ^[0-9]+$ && $DOPAUDIT_TIMEOUT =~ ^[0-9]+$ ]] || die "the timeouts are whole seconds"
command -v python3 >/dev/null || die "python3 is not on PATH"
command -v timeout >/dev/null || die "timeout (coreutils) is not on PATH"

RUN_DIR=${RUN_DIR:-$here/.data/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd -- "$RUN_DIR" && pwd -P)"

venv=$root/bench/.venv
py=$venv/bin/python
pvenv=$root/bench/.venv-prowler

compare() {
    local strict=()
    [[ ${STRICT:-} != 1 ]] || strict=(--strict)
    "$py" "$here/compare.py" --pairs "$here/pairs.toml" --run-dir "$RUN_DIR" --markdown "$RUN_DIR/parity.md" \
        "${strict[@]}" | tee "$RUN_DIR/parity.txt"
}

if [[ ${REUSE:-} == 1 ]]; then
    [[ -s $RUN_DIR/seed.json && -s $RUN_DIR/dopaudit/report.json ]] || die "REUSE=1: $RUN_DIR holds no earlier run"
    # Comparing needs only the standard library (Python 3.11+ for tomllib): no venv is required for it.
    [[ -x $py ]] || py=$(command -v python3) || die "REUSE=1 needs python3"
    compare
    exit "${PIPESTATUS[0]}"
fi

[[ -x $DOPAUDIT_BIN ]] || die "no dopaudit binary at $DOPAUDIT_BIN (build it, or set DOPAUDIT_BIN)"

# --- 1. the virtualenvs (as bench/org/run.sh makes them) ------------------------------------------------------------

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
        mkdir -p "$root/bench/org/.data"
        exec 9>"$root/bench/org/.data/venv.lock" # the lock bench/org/run.sh takes for the same venvs
        flock 9
    fi
    if ! moto_ready; then
        say "installing $moto_line into $venv"
        "$py" -c '' 2>/dev/null || python3 -m venv "$venv" || die "python3 -m venv $venv failed"
        "$py" -m pip install --quiet --disable-pip-version-check "$moto_line" || die "pip install $moto_line failed"
        moto_ready || die "$venv still has no moto $moto_version after pip install"
    fi
    if ! prowler_ready; then
        say "installing $prowler_line into $pvenv (about 2 GB, a few minutes)"
        "$pvenv/bin/python" -c '' 2>/dev/null || python3 -m venv "$pvenv" || die "python3 -m venv $pvenv failed"
        printf '*\n' >"$pvenv/.gitignore"
        rm -f "$pvenv/.bench-requirements.txt"
        "$pvenv/bin/python" -m pip install --quiet --disable-pip-version-check "$prowler_line" ||
            die "pip install $prowler_line failed (Prowler $PROWLER_VERSION needs Python 3.10 to 3.12)"
        printf '%s\n' "$prowler_line" >"$pvenv/.bench-requirements.txt"
        prowler_ready || die "$pvenv is still incomplete after pip install"
    fi
    exec 9>&-
fi

# --- 2. an environment that reaches only the emulator, and moto -----------------------------------------------------

emulator_environment "$RUN_DIR" "$HOME_REGION"

start_moto "$venv/bin/moto_server"
say "moto $moto_url (pid $moto_pid), outputs in $RUN_DIR"

# --- 3. the organization --------------------------------------------------------------------------------------------

timeout 300 "$py" "$here/seed.py" --endpoint "$moto_url" --summary "$RUN_DIR/seed.json" | tee "$RUN_DIR/seed.txt" >&2 ||
    die "seed.py failed (or took over 300 s)"
summary() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); v = d[sys.argv[2]]
print(" ".join(v) if isinstance(v, list) else v)' "$RUN_DIR/seed.json" "$1"; }
management="$(summary management_account)"
read -r -a members <<<"$(summary members)"
read -r -a regions <<<"$(summary regions)"
regions_csv="$(IFS=,; echo "${regions[*]}")"
read -r -a prowler_checks <<<"$("$py" "$here/compare.py" --pairs "$here/pairs.toml" --list-prowler-checks)"
[[ ${#prowler_checks[@]} -gt 0 ]] || die "pairs.toml names no Prowler check"

# --- 4. Prowler, one run per account --------------------------------------------------------------------------------

mkdir -p "$PROWLER_HOME"
prowler_env=(
    env -i PATH="$PATH" HOME="$PROWLER_HOME" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}"
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION="$HOME_REGION" AWS_REGION="$HOME_REGION"
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$RUN_DIR/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
    AWS_ENDPOINT_URL="$moto_url" NO_PROXY="$NO_PROXY" no_proxy="$no_proxy"
    PYTHONPATH="$root/bench/org/netguard" NETGUARD_LOG="$RUN_DIR/netguard.jsonl"
)
failures=0
for account in "$management" "${members[@]}"; do
    dir=$RUN_DIR/prowler/$account
    mkdir -p "$dir"
    cmd=("${prowler_env[@]}" "$pvenv/bin/prowler" aws --no-banner --no-color --ignore-exit-code-3
        --region "${regions[@]}" --checks "${prowler_checks[@]}" --output-formats json-ocsf
        --output-directory "$dir/out" --output-filename prowler --log-level ERROR --log-file "$dir/prowler.log")
    [[ $account == "$management" ]] || cmd+=(--role "arn:aws:iam::$account:role/$ACCESS_ROLE" --role-session-name parity)
    # shellcheck disable=SC2206 # word splitting wanted
    [[ -z $PROWLER_ARGS ]] || cmd+=($PROWLER_ARGS)
    printf '%q ' "${cmd[@]}" >"$dir/command.txt"
    say "prowler: account $account (${#prowler_checks[@]} checks)"
    set +e
    with_pdeathsig timeout -k 10 "$PROWLER_TIMEOUT" "${cmd[@]}" >"$dir/stdout" 2>"$dir/stderr" </dev/null
    rc=$?
    set -e
    if [[ $rc != 0 ]]; then
        failures=$((failures + 1))
        say "prowler: account $account: exit $rc$([[ $rc == 124 ]] && echo " (timeout after ${PROWLER_TIMEOUT}s)"); see $dir/stderr"
    elif [[ ! -s $dir/out/prowler.ocsf.json ]]; then
        failures=$((failures + 1))
        say "prowler: account $account wrote no $dir/out/prowler.ocsf.json; see $dir/stderr"
    fi
done
if [[ -s $RUN_DIR/netguard.jsonl ]]; then
    say "WARNING: Prowler tried to reach $(wc -l <"$RUN_DIR/netguard.jsonl") non-loopback addresses (refused)"
fi

# --- 5. dopaudit ----------------------------------------------------------------------------------------------------

dir=$RUN_DIR/dopaudit
mkdir -p "$dir"
cmd=(env -u PYTHONPATH AWS_ENDPOINT_URL="$moto_url" "$DOPAUDIT_BIN" audit --org --regions "$regions_csv"
    --endpoint-url "$moto_url" --format json -q -o "$dir/report.json" --integrity-window 0)
# shellcheck disable=SC2206 # word splitting wanted
[[ -z $DOPAUDIT_ARGS ]] || cmd+=($DOPAUDIT_ARGS)
printf '%q ' "${cmd[@]}" >"$dir/command.txt"
say "dopaudit: the organization, regions $regions_csv"
set +e
with_pdeathsig timeout -k 10 "$DOPAUDIT_TIMEOUT" "${cmd[@]}" >"$dir/stdout" 2>"$dir/stderr" </dev/null
rc=$?
set -e
case $rc in
0 | 1) ;; # 1: some finding fails
*)
    failures=$((failures + 1))
    say "dopaudit: exit $rc$([[ $rc == 124 ]] && echo " (timeout after ${DOPAUDIT_TIMEOUT}s)"); see $dir/stderr"
    ;;
esac
[[ -s $dir/report.json ]] || die "dopaudit wrote no report; see $dir/stderr"
"$DOPAUDIT_BIN" --version >"$dir/version.txt" 2>&1 || true

# --- 6. the ledger --------------------------------------------------------------------------------------------------

stop_servers
set +e
compare
rc=${PIPESTATUS[0]}
set -e
[[ $failures == 0 ]] || die "$failures tool run(s) did not finish cleanly (the table above may be partial)"
exit "$rc"
