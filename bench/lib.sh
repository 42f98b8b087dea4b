# shellcheck shell=bash
# Shared by the benchmark scripts (bench/*/run.sh), which source it: messages, an environment that reaches only
# the emulator, and moto and the counting shim (bench/integrity/shim.py) started on free 127.0.0.1 ports and
# stopped by PID however the script ends. Not a script of its own.
#
# The sourcing script sets, before calling the functions: py (the venv's python), RUN_DIR (where logs go).
# Functions set: moto_pid moto_port moto_url (start_moto), shim_pid shim_url (launch_shim).

say() { printf '%s: %s\n' "${BENCH_NAME:-run.sh}" "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# help_or_usage "$@", for scripts whose settings all come from the environment: --help prints the script's header
# comment (up to its `set -euo` line); any other argument is a usage error.
help_or_usage() {
    case ${1:-} in
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    "") ;;
    *)
        printf 'usage: %s   (settings come from the environment; see --help)\n' "$0" >&2
        exit 2
        ;;
    esac
}

# The `moto[server]==VERSION` line of scripts/moto-requirements.txt, without spaces (run from the repository root).
moto_requirement() {
    local line
    line="$(grep -E '^[[:space:]]*moto(\[[^]]*\])?[[:space:]]*==' scripts/moto-requirements.txt | head -n 1 | tr -d '[:space:]')"
    [[ -n $line ]] || die "scripts/moto-requirements.txt has no moto[server]==VERSION line"
    printf '%s\n' "$line"
}

# Forgets the caller's AWS identity, profile, endpoints and CA bundle, so nothing but the emulator can be reached.
forget_aws_environment() {
    unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_ROLE_SESSION_NAME \
        AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
        AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE
    local var
    while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_ENDPOINT_URL_' || true)
}

# Set by the functions below, read by the sourcing script.
# shellcheck disable=SC2034
moto_pid='' moto_port='' moto_url='' shim_pid='' shim_url=''
# The venv's python, set by the sourcing script before it calls these functions.
py=${py:-}

# SIGTERM, then SIGKILL 10 s later if it is still there. Only PIDs the script started.
# shellcheck disable=SC2317 # reached through the EXIT trap
# An environment that reaches only the emulator: no AWS variables of the caller's, dummy keys, HOME_REGION, and an AWS
# config in RUN_DIR with path-style S3 (for the AWS CLI and Prowler's boto3).
#   emulator_environment RUN_DIR HOME_REGION
emulator_environment() {
    local run_dir=$1 home_region=$2
    forget_aws_environment
    printf '[default]\nregion = %s\ns3 =\n    addressing_style = path\n' "$home_region" >"$run_dir/aws-config"
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    export AWS_REGION=$home_region AWS_DEFAULT_REGION=$home_region
    export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$run_dir/aws-config AWS_SHARED_CREDENTIALS_FILE=/dev/null
    export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
}

stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317 # reached through the EXIT trap
stop_servers() {
    local pid
    pid=$shim_pid shim_pid=
    stop_pid "$pid"
    pid=$moto_pid moto_pid=
    stop_pid "$pid"
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command that gets SIGTERM when this shell dies, even by SIGKILL (Linux PR_SET_PDEATHSIG); exec keeps the
# PID, so `with_pdeathsig CMD &` makes $! the command's own.
with_pdeathsig() {
    "$py" -c 'import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
except (AttributeError, OSError):
    pass
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# Whether URL answers (2 s at most), without any proxy of the environment.
http_ok() {
    "$py" -c 'import sys, urllib.request
urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=2).read()' "$1" 2>/dev/null
}

# start_moto MOTO_SERVER: moto on a port it chooses itself (-p 0) and logs, so nothing else can take the port between
# choosing and binding; waits until it answers. Logs to $RUN_DIR/moto.log.
start_moto() {
    local i
    # Created here, not by the background job's redirection, so the loop below never reads a file not yet there.
    : >"$RUN_DIR/moto.log"
    with_pdeathsig "$1" -H 127.0.0.1 -p 0 >>"$RUN_DIR/moto.log" 2>&1 </dev/null &
    moto_pid=$!
    moto_port=
    for ((i = 0; i < 300; i++)); do
        kill -0 "$moto_pid" 2>/dev/null || die "moto_server exited: $(tail -n 5 "$RUN_DIR/moto.log")"
        moto_port="$(sed -n -E 's#.*Running on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$RUN_DIR/moto.log" | head -n 1)"
        [[ -n $moto_port ]] && http_ok "http://127.0.0.1:$moto_port/moto-api/" && break
        moto_port=
        sleep 0.1
    done
    [[ -n $moto_port ]] || die "moto_server did not answer within 30 s; see $RUN_DIR/moto.log"
    moto_url=http://127.0.0.1:$moto_port
}

# launch_shim NAME [shim.py options...]: the counting shim in front of moto, its files named $RUN_DIR/NAME.*; stops
# the one started before (one at a time).
launch_shim() {
    local name=$1 shim pid i
    shift
    shim="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/integrity/shim.py"
    pid=$shim_pid shim_pid=
    stop_pid "$pid"
    rm -f "$RUN_DIR/$name.port"
    with_pdeathsig "$py" "$shim" --upstream "$moto_url" --port 0 --port-file "$RUN_DIR/$name.port" \
        --stats "$RUN_DIR/$name.stats.json" "$@" >"$RUN_DIR/$name.out" 2>"$RUN_DIR/$name.err" </dev/null &
    shim_pid=$!
    for ((i = 0; i < 100; i++)); do
        [[ -s $RUN_DIR/$name.port ]] && break
        kill -0 "$shim_pid" 2>/dev/null || die "shim.py exited: $(tail -n 5 "$RUN_DIR/$name.err")"
        sleep 0.1
    done
    [[ -s $RUN_DIR/$name.port ]] || die "shim.py did not start within 10 s"
    # shellcheck disable=SC2034 # read by the sourcing script
    shim_url=http://127.0.0.1:$(cat "$RUN_DIR/$name.port")
}
