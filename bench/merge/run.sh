#!/usr/bin/env bash
# Measures `dopaudit merge` on a large synthetic organization: SHARDS JSON reports that together hold ACCOUNTS
# accounts, each with the demo's findings of one account copied over REGIONS regions, as CI shards would leave them.
#
#   bench/merge/run.sh                       # ACCOUNTS=100 REGIONS=17 SHARDS=10
#   ACCOUNTS=500 SHARDS=25 bench/merge/run.sh
#
# Prints the findings and bytes read, then wall time and peak RSS of merging to JSON, and of merging to JSON, SARIF,
# JUnit, Markdown and HTML at once. Needs python3; builds target/release/dopaudit (SKIP_BUILD=1 skips the build;
# DOPAUDIT_BIN picks another binary).
# Not a test: CI does not run it.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$here/../.."
ACCOUNTS=${ACCOUNTS:-100}
REGIONS=${REGIONS:-17}
SHARDS=${SHARDS:-10}
bin=${DOPAUDIT_BIN:-target/release/dopaudit}
data=bench/merge/.data
[[ ${SKIP_BUILD:-} == 1 ]] || cargo build --release --locked --bin dopaudit >&2
rm -rf "$data" && mkdir -p "$data/shards" "$data/out"

"$bin" audit --demo --format json >"$data/demo.json" || [[ $? -eq 1 ]]
python3 - "$data" "$ACCOUNTS" "$REGIONS" "$SHARDS" <<'PY'
import copy, json, sys
data, accounts, regions, shards = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
demo = json.load(open(f"{data}/demo.json"))
first = demo["scope"]["accounts"][0]
# One account's regional findings, to be copied into every region; its global findings once per account.
mine = [f for f in demo["findings"] if f["account"] == first]
regional = [f for f in mine if f["region"] != "global"]
template_region = regional[0]["region"] if regional else "us-east-1"
regional = [f for f in regional if f["region"] == template_region]
global_ = [f for f in mine if f["region"] == "global"]
names = [f"r{i:02d}-synthetic-{i % 3 + 1}" for i in range(regions)]
ids = [f"{100000000000 + i:012d}" for i in range(accounts)]
per = -(-accounts // shards)
total = 0
for s in range(shards):
    part = ids[s * per:(s + 1) * per]
    if not part:
        break
    findings = []
    for a in part:
        for f in global_:
            g = copy.deepcopy(f); g["account"] = a; g["resource"] = g["resource"].replace(first, a); findings.append(g)
        for r in names:
            for f in regional:
                g = copy.deepcopy(f); g["account"] = a; g["region"] = r
                g["resource"] = g["resource"].replace(first, a).replace(template_region, r)
                findings.append(g)
    report = copy.deepcopy(demo)
    report["findings"] = findings
    report["scope"]["accounts"] = part
    report["scope"]["regions"] = names
    json.dump(report, open(f"{data}/shards/shard-{s:03d}.json", "w"))
    total += len(findings)
print(f"{total} findings in {s + 1} shards")
PY

measure() { # label, command...
    local label=$1 t
    shift
    t=$({ /usr/bin/time -f '%e %M' "$@" >/dev/null 2>"$data/err.txt"; } 2>&1; tail -n 1 "$data/err.txt")
    read -r wall rss <<<"$t"
    printf '%-32s %8.2f s %8.1f MiB\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}
bytes=$(du -cb "$data"/shards/*.json | tail -n 1 | cut -f1)
printf '\n%s accounts x %s regions in %s shards: %.1f MiB of JSON\n' "$ACCOUNTS" "$REGIONS" "$SHARDS" \
    "$(echo "$bytes / 1048576" | bc -l)"
printf '%-32s %10s %12s\n' merge wall 'peak RSS'
measure "to JSON" "$bin" merge "$data"/shards/*.json -o "$data/out/org.json"
measure "to JSON+SARIF+JUnit+MD+HTML" "$bin" merge "$data"/shards/*.json -o "$data/out/org.json" \
    -o "$data/out/org.sarif" -o "$data/out/org.xml" -o "$data/out/org.md" -o "$data/out/org.html"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["findings"]), "findings merged")' "$data/out/org.json"
