#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other, and fails if any finds a crash.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      default: 60 s each, every target in fuzz/Cargo.toml
#
# Needs cargo-fuzz (installed with `cargo install cargo-fuzz --locked` when missing) and libFuzzer's sanitizer flags,
# which are nightly-only: with no nightly toolchain installed, the stable compiler is used with RUSTC_BOOTSTRAP=1
# (stable ships the AddressSanitizer runtime). Each target starts from its seeds in fuzz/corpus/TARGET/; inputs
# libFuzzer finds are added there (ignored by git) and a crash is saved under fuzz/artifacts/TARGET/. Replay one
# with `fuzz/run.sh --replay TARGET FILE`, then keep it as a unit test once fixed.
#
# Not a test: CI does not run it. The first build compiles dopaudit and the AWS SDK with coverage instrumentation
# into fuzz/target/ (several minutes, a few GB).
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$here/.."

say() { printf 'fuzz/run.sh: %s\n' "$*" >&2; }

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [[ ${1:-} == --replay ]]; then
    [[ $# -eq 3 ]] || { say "usage: fuzz/run.sh --replay TARGET FILE"; exit 2; }
    exec cargo "${toolchain[@]}" fuzz run --fuzz-dir fuzz "$2" "$3"
fi

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { say "SECONDS_PER_TARGET must be a positive whole number, not '$seconds'"; exit 2; }
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^dopaudit-fuzz$')
fi

# One build of every target (`cargo fuzz run` per target may rebuild the instrumented SDK each time), then each
# binary is run directly. SKIP_BUILD=1 runs the binaries already built.
if [[ ${SKIP_BUILD:-} != 1 ]]; then
    say "building the fuzz targets (the first build instruments dopaudit and the AWS SDK: about 45 min on 2 cores)"
    cargo "${toolchain[@]}" fuzz build --fuzz-dir fuzz >&2
fi
triple="$(rustc -vV | sed -n 's/^host: //p')"

failed=()
declare -A runs=()
for target in "${targets[@]}"; do
    say "$target: fuzzing for ${seconds}s"
    log="fuzz/artifacts/$target.log"
    mkdir -p "fuzz/artifacts/$target" "fuzz/corpus/$target"
    # -rss_limit_mb: a single input must not take more than 2 GB; -timeout: nor more than 10 s.
    if "fuzz/target/$triple/release/$target" "fuzz/corpus/$target" -artifact_prefix="fuzz/artifacts/$target/" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        runs[$target]="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs, clean"
    else
        runs[$target]="FAILED (see $log and fuzz/artifacts/$target/)"
        failed+=("$target")
    fi
    say "$target: ${runs[$target]}"
done

printf '\n%-14s %s\n' target result
for target in "${targets[@]}"; do printf '%-14s %s\n' "$target" "${runs[$target]}"; done
if [[ ${#failed[@]} -gt 0 ]]; then
    say "crashes in: ${failed[*]}"
    exit 1
fi
