#!/usr/bin/env bash
# Renders the demo audit as HTML and checks it in a real browser: headless Chromium loads the page, the dumped DOM
# must show the summary and the mark the page's script sets once it has run (<body data-ready="1">), and a
# screenshot is saved for a person to look at.
#
#   scripts/html-screenshot.sh [--release]
#
# Writes target/report.html, target/report.dom.html and target/report.png. Needs cargo and Debian's `chromium`
# (installed with apt-get when it is missing and the script runs as root). The browser runs with a throwaway
# profile and its background networking off; the page itself fetches nothing.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

say() { printf 'html-screenshot.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

profile=debug
cargo_flags=()
case "${1:-}" in
    "") ;;
    --release) profile=release cargo_flags=(--release) ;;
    *) die "unknown argument '$1' (usage: scripts/html-screenshot.sh [--release])" ;;
esac

html=target/report.html
dom=target/report.dom.html
png=target/report.png

# --- 1. the report -------------------------------------------------------------------------------------------------

cargo build --quiet "${cargo_flags[@]}" --bin dopaudit
mkdir -p target
rm -f "$html" "$dom" "$png"
# The demo has failing findings, so the audit exits 1: that is its verdict, not an error here. 2 and up are errors.
status=0
"target/$profile/dopaudit" audit --demo --quiet -o "$html" || status=$?
((status <= 1)) || die "dopaudit audit --demo exited $status"
[[ -s $html ]] || die "$html was not written"
say "rendered $html ($(wc -c <"$html") bytes)"

# --- 2. the browser ------------------------------------------------------------------------------------------------

find_chromium() { command -v chromium || command -v chromium-browser || true; }
browser="$(find_chromium)"
if [[ -z $browser ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing chromium with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
        browser="$(find_chromium)"
    fi
    [[ -n $browser ]] || die "chromium is not installed; as root: apt-get install -y chromium"
fi

profile_dir="$(mktemp -d)"
trap 'rm -rf -- "$profile_dir"' EXIT
url="file://$root/$html"
run_browser() {
    # Chromium is chatty on stderr (D-Bus, GPU) even when all is well; keep it for a failure only.
    "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$profile_dir" --hide-scrollbars "$@" "$url" 2>"$profile_dir.log" ||
        { cat "$profile_dir.log" >&2; rm -f "$profile_dir.log"; die "chromium failed"; }
    rm -f "$profile_dir.log"
}

# --- 3. the DOM after the script ran -------------------------------------------------------------------------------

run_browser --virtual-time-budget=5000 --dump-dom >"$dom"
grep -q '<body data-ready="1"' "$dom" || die "the page's script did not run (no data-ready on <body>; see $dom)"
grep -q 'id="summary"' "$dom" || die "no summary in the page (see $dom)"
grep -q '<div id="filters" class="filters">' "$dom" || die "the script did not show the filters (see $dom)"
grep -q '<svg id="domain-chart"' "$dom" || die "no domain chart in the page (see $dom)"
summary="$(grep -o 'data-status="[a-z]*" data-count="[0-9]*"' "$dom" | sed -E 's/data-status="([a-z]+)" data-count="([0-9]+)"/\1=\2/' | tr '\n' ' ')"
[[ -n $summary ]] || die "the summary has no counts (see $dom)"
rows="$(grep -c '<tr class="finding ' "$dom" || true)"
shown="$(sed -n -E 's/.*<p id="shown"[^>]*>([^<]*)<.*/\1/p' "$dom")"
say "the script ran; summary: ${summary% }; $rows finding rows; \"$shown\""

# --- 4. the screenshot ---------------------------------------------------------------------------------------------

run_browser --virtual-time-budget=5000 --window-size=1400,2000 --screenshot="$root/$png"
[[ -s $png ]] || die "no screenshot was written"
say "screenshot: $root/$png"
printf '%s\n' "$root/$png"
