#!/usr/bin/env bash
# CPU side of log-file validation: dopaudit's hash_log (examples/ct_hash.rs) against `gzip -dc F | sha256sum`.
#
#   bench/integrity/cpu.sh [DIR]
#
# Without DIR, generates FILES (64) gzip files of FILE_MIB (4) MiB of CloudTrail-looking JSON each (gen_logs.py,
# gzip -6, about 10:1) into bench/integrity/.data/, once; with DIR, uses DIR/*.gz. Then times, RUNS (3) times each
# after one warm-up run, keeping the median:
#   (a) ct_hash --threads 1             vs  for F; do gzip -dc F | sha256sum; done
#   (b) ct_hash --threads $(nproc)      vs  xargs -P $(nproc) running the pipeline once per file
# checks that all four agree on every hash, and prints a table of uncompressed MB/s and dopaudit/pipeline
# throughput (target: >= 80%). Exits 1 if hashes disagree, or (with CPU_STRICT=1) if a ratio misses the target.
#
# Env: FILES, FILE_MIB, RUNS, THREADS (default nproc), TARGET_PCT (80), CPU_STRICT, SKIP_BUILD=1 (use the
# existing target/release/examples/ct_hash). Uses hyperfine for the timings when it is installed.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$here/../.." && pwd -P)"
cd "$root"

FILES=${FILES:-64}
FILE_MIB=${FILE_MIB:-4}
RUNS=${RUNS:-3}
THREADS=${THREADS:-$(nproc)}
TARGET_PCT=${TARGET_PCT:-80}
ct_hash="$root/target/release/examples/ct_hash"

say() { printf 'cpu.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

python=python3
[[ -x $root/bench/.venv/bin/python ]] && python="$root/bench/.venv/bin/python"

# --- inputs --------------------------------------------------------------------------------------------------------

if (($# > 0)); then
    data="$(cd -- "$1" && pwd -P)" || die "no directory $1"
else
    data="$here/.data/cpu-${FILES}x${FILE_MIB}MiB"
    if [[ ! -f $data/.complete ]]; then
        say "generating $FILES x $FILE_MIB MiB of CloudTrail-like logs into $data"
        rm -rf "$data"
        "$python" "$here/gen_logs.py" --out "$data" --files "$FILES" --mib "$FILE_MIB" --level 6
        touch "$data/.complete"
    fi
fi
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$data" -maxdepth 1 -type f -name '*.gz' -print0 | sort -z)
((${#files[@]} > 0)) || die "no *.gz files in $data"
compressed_bytes=$(cat -- "${files[@]}" | wc -c)

# --- ct_hash --------------------------------------------------------------------------------------------------------

if [[ ${SKIP_BUILD:-} != 1 || ! -x $ct_hash ]]; then
    say "building ct_hash (cargo build --release --example ct_hash)"
    cargo build --release --example ct_hash >&2
fi
[[ -x $ct_hash ]] || die "$ct_hash was not built"

# The uncompressed size, from ct_hash's own summary (it reads each gzip trailer).
summary="$("$ct_hash" --threads "$THREADS" -- "${files[@]}")"
uncompressed_mb="$(sed -n -E 's/.* uncompressed_mb=([0-9.]+).*/\1/p' <<<"$summary")"
[[ -n $uncompressed_mb ]] || die "cannot read uncompressed_mb from ct_hash output: $summary"

# --- the four commands, each a bash function so that hyperfine and the fallback timer run the same thing ------------

list="$(mktemp "${TMPDIR:-/tmp}/cpu-files.XXXXXX")"
out="$(mktemp -d "${TMPDIR:-/tmp}/cpu-out.XXXXXX")"
# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() { rm -rf -- "$list" "$out"; }
trap cleanup EXIT
printf '%s\0' "${files[@]}" >"$list"

# The commands hyperfine or the fallback timer run. Each writes sha256sum-style lines to $2.
export CT_HASH="$ct_hash" CT_LIST="$list" CT_THREADS="$THREADS"
# shellcheck disable=SC2016 # expanded by the inner shell
cmd_ct1='xargs -0 "$CT_HASH" --threads 1 --print -- <"$CT_LIST" 2>/dev/null'
# shellcheck disable=SC2016
cmd_ctn='xargs -0 "$CT_HASH" --threads "$CT_THREADS" --print -- <"$CT_LIST" 2>/dev/null'
# shellcheck disable=SC2016
cmd_pipe1='while IFS= read -r -d "" f; do h=$(gzip -dc -- "$f" | sha256sum); printf "%s  %s\n" "${h%% *}" "$f"; done <"$CT_LIST"'
# shellcheck disable=SC2016
cmd_pipen='xargs -0 -P "$CT_THREADS" -n 1 sh -c '\''h=$(gzip -dc -- "$1" | sha256sum); printf "%s  %s\n" "${h%% *}" "$1"'\'' sh <"$CT_LIST"'

# Median wall seconds of RUNS runs (after a warm-up run) of a bash command; its output of the last run goes to $2.
time_cmd() {
    local cmd=$1 dest=$2 i t0 t1 times=()
    bash -c "$cmd" >"$dest" # warm-up: page cache, and the output kept for the cross-check
    if command -v hyperfine >/dev/null; then
        hyperfine --style none --runs "$RUNS" --shell bash --export-json "$dest.json" "$cmd >/dev/null" >&2
        "$python" -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$dest.json"
        return
    fi
    for ((i = 0; i < RUNS; i++)); do
        t0=${EPOCHREALTIME/[.,]/}
        bash -c "$cmd" >/dev/null
        t1=${EPOCHREALTIME/[.,]/}
        times+=($((t1 - t0)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {printf "%.4f\n", a[int((NR + 1) / 2)] / 1e6}'
}

say "${#files[@]} files, $(awk -v b="$compressed_bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB gzip, $uncompressed_mb MB" \
    "uncompressed; $RUNS runs each (median), $THREADS threads for (b)"
t_ct1=$(time_cmd "$cmd_ct1" "$out/ct1")
t_pipe1=$(time_cmd "$cmd_pipe1" "$out/pipe1")
t_ctn=$(time_cmd "$cmd_ctn" "$out/ctn")
t_pipen=$(time_cmd "$cmd_pipen" "$out/pipen")

# --- cross-check ----------------------------------------------------------------------------------------------------

status=0
for f in "$out"/ct1 "$out"/pipe1 "$out"/ctn "$out"/pipen; do sort -k2 -o "$f" "$f"; done
for f in "$out"/pipe1 "$out"/ctn "$out"/pipen; do
    if ! cmp -s "$out/ct1" "$f"; then
        say "HASH MISMATCH between ct_hash --threads 1 and $(basename "$f"):"
        diff "$out/ct1" "$f" | head -n 10 >&2 || true
        status=1
    fi
done
lines=$(wc -l <"$out/ct1")
((lines == ${#files[@]})) || {
    say "ct_hash printed $lines hashes for ${#files[@]} files"
    status=1
}
((status == 0)) && say "hashes agree: ct_hash (1 and $THREADS threads), gzip -dc | sha256sum (sequential, xargs -P)"

# --- table ----------------------------------------------------------------------------------------------------------

awk -v mb="$uncompressed_mb" -v target="$TARGET_PCT" -v n="$THREADS" \
    -v a1="$t_ct1" -v b1="$t_pipe1" -v an="$t_ctn" -v bn="$t_pipen" '
function row(name, a, b,   pct) {
    pct = 100 * b / a
    printf "%-24s %9.3f s %8.1f MB/s   %9.3f s %8.1f MB/s   %7.1f%%  %s\n", name, a, mb / a, b, mb / b, pct,
        (pct >= target ? "ok" : "BELOW TARGET")
    return pct
}
BEGIN {
    printf "\n%-24s %-25s   %-25s   %s\n", "", "dopaudit (ct_hash)", "gzip -dc | sha256sum", "dopaudit/pipeline"
    p1 = row("(a) 1 thread", a1, b1)
    pn = row("(b) " n " threads", an, bn)
    printf "\nuncompressed MB/s (10^6 bytes); dopaudit/pipeline = pipeline time / ct_hash time; target >= %d%%\n",
        target
    exit (p1 >= target && pn >= target) ? 0 : 3
}' || {
    rc=$?
    ((rc == 3)) || exit "$rc"
    [[ ${CPU_STRICT:-} == 1 ]] && status=1
}
exit "$status"
