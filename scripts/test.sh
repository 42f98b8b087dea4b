#!/usr/bin/env bash
# Runs every dopaudit test against a local moto server: the one command that passes the tests on a fresh machine.
#
#   scripts/test.sh [extra cargo test arguments...]     e.g. scripts/test.sh --test emulator_harness -- --nocapture
#
# 1. Installs the moto pinned in scripts/moto-requirements.txt into .venv/ (skipped when it is already there).
# 2. Starts moto_server on a free port of 127.0.0.1, logging to .moto/moto.log, and waits until it answers.
# 3. Runs `cargo test --all-targets --locked "$@"` with DOPAUDIT_MOTO_ENDPOINT and dummy AWS credentials set,
#    and without the developer's own AWS profile, session token, config or credentials files.
# 4. Stops moto by its PID however the script ends, and exits with cargo's exit status.
#
# Needs python3 (3.9+, with the venv module) and cargo; the only network access is PyPI, on the first run.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

requirements=scripts/moto-requirements.txt
venv=.venv
state=.moto
log=$state/moto.log
ready_timeout=30

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}
# Microseconds since the epoch (bash 5), or whole seconds of script run time scaled to microseconds (older bash).
clock_us() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then echo "${EPOCHREALTIME/[.,]/}"; else echo "$((SECONDS * 1000000))"; fi
}
since() {
    local us=$(($(clock_us) - $1))
    printf '%d.%01ds' $((us / 1000000)) $((us / 100000 % 10))
}

# --- 1. moto in .venv ---------------------------------------------------------------------------------------------

moto_version="$(sed -n -E 's/^moto(\[[^]]*\])?[[:space:]]*==[[:space:]]*([^[:space:];#]+).*$/\2/p' "$requirements" | head -n 1)"
[[ -n $moto_version ]] || die "$requirements has no 'moto[server]==VERSION' line"

# True when .venv has moto_server, the pinned moto version, and was installed from the current requirements file.
moto_installed() {
    [[ -x $venv/bin/moto_server ]] || return 1
    cmp -s "$requirements" "$venv/.moto-requirements.txt" || return 1
    # The version `pip show moto` reports, read the way pip reads it but without pip's ~1 s start-up.
    [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" == \
        "$moto_version" ]]
}

install_moto() {
    local started=$SECONDS
    say "installing moto $moto_version into $venv"
    if ! "$venv/bin/python" -c '' 2>/dev/null; then
        command -v python3 >/dev/null || die "python3 (3.9 or newer) is needed to run moto"
        [[ ! -e $venv ]] || say "$venv has no working python; recreating it"
        python3 -m venv --clear "$venv" || die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    rm -f "$venv/.moto-requirements.txt"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
        die "pip could not install $requirements into $venv"
    cp "$requirements" "$venv/.moto-requirements.txt"
    moto_installed || die "moto $moto_version is still not in $venv after pip install"
    say "installed moto $moto_version in $((SECONDS - started))s"
}

mkdir -p "$state"
if ! moto_installed; then
    # Two runs at once (two terminals) must not pip-install into the same venv together.
    if command -v flock >/dev/null; then
        exec 9>"$state/install.lock"
        flock 9
    fi
    if ! moto_installed; then install_moto; fi
    exec 9>&- # release the lock; moto and cargo must not inherit it
fi

# --- 2. an environment that can only reach the emulator -------------------------------------------------------------

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_ROLE_SESSION_NAME \
    AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_ENDPOINT_URL
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_ENDPOINT_URL_' || true)
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1${no_proxy:+,$no_proxy}"

# --- 3. moto on a free port of 127.0.0.1 ----------------------------------------------------------------------------

moto_pid=
port=

# Stops moto by its PID: SIGTERM, then SIGKILL if it has not exited 10 s later. Never by name.
stop_moto() {
    [[ -n $moto_pid ]] || return 0
    local pid=$moto_pid watchdog
    moto_pid=
    kill "$pid" 2>/dev/null || true
    "$venv/bin/python" -c 'import os, signal, sys, time
time.sleep(10)
os.kill(int(sys.argv[1]), signal.SIGKILL)' "$pid" 2>/dev/null &
    watchdog=$!
    wait "$pid" 2>/dev/null || true # the PID stays ours (unreaped) until this returns, so the watchdog cannot miss
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    rm -f "$state/moto.pid"
}
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$venv/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

start_moto() {
    port="$(free_port)"
    : >"$log"
    # On Linux, PR_SET_PDEATHSIG makes moto exit even if this script is killed with SIGKILL and its trap never runs.
    # The exec keeps the PID, so $! is moto_server's own PID.
    "$venv/bin/python" -c 'import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass
os.execv(sys.argv[1], sys.argv[1:])' "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >>"$log" 2>&1 </dev/null &
    moto_pid=$!
    echo "$moto_pid" >"$state/moto.pid"
}

# 0: answering; 1: still silent at the deadline; 2: moto exited.
wait_for_moto() {
    local deadline=$((SECONDS + ready_timeout))
    while ((SECONDS < deadline)); do
        kill -0 "$moto_pid" 2>/dev/null || return 2
        if "$venv/bin/python" -c 'import sys, urllib.request
urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=2).read()' \
            "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
            # Answering, and still our process (not something else that grabbed the port).
            kill -0 "$moto_pid" 2>/dev/null && return 0
            return 2
        fi
        sleep 0.2
    done
    return 1
}

fail_with_log() {
    say "error: $*"
    say "last lines of $log:"
    tail -n 30 "$log" >&2 || true
    exit 1
}

started=$(clock_us)
for attempt in 1 2 3; do
    start_moto
    ready=0
    wait_for_moto || ready=$?
    ((ready != 0)) || break
    if ((ready == 2)) && ((attempt < 3)) && grep -q 'Address already in use' "$log"; then
        say "port $port was taken before moto bound it; trying another"
        stop_moto
        continue
    fi
    ((ready == 2)) && fail_with_log "moto_server (pid $moto_pid) exited before answering on 127.0.0.1:$port"
    fail_with_log "moto_server (pid $moto_pid) did not answer http://127.0.0.1:$port/moto-api/ within ${ready_timeout}s"
done
say "moto $moto_version listening on 127.0.0.1:$port (pid $moto_pid, ready in $(since "$started")), log in $log"
export DOPAUDIT_MOTO_ENDPOINT="http://127.0.0.1:$port"

# --- 4. the tests ---------------------------------------------------------------------------------------------------

# --all-targets unless the caller picked targets (cargo would otherwise run all targets anyway, ignoring the pick).
targets=(--all-targets)
for arg in "$@"; do
    [[ $arg == -- ]] && break
    case $arg in
    --lib | --bins | --bin | --bin=* | --tests | --test | --test=* | --benches | --bench | --bench=* | --examples | \
        --example | --example=* | --doc | --all-targets) targets=() ;;
    esac
done
cargo_test=(cargo test ${targets[@]+"${targets[@]}"})
[[ ! -f Cargo.lock ]] || cargo_test+=(--locked)
cargo_test+=("$@")

say "running ${cargo_test[*]}"
status=0
"${cargo_test[@]}" || status=$?
if ((status != 0)) && [[ -n ${CI:-} ]]; then
    say "cargo test failed ($status); last lines of $log:"
    tail -n 50 "$log" >&2 || true
fi
exit "$status"
