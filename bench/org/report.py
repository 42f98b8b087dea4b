#!/usr/bin/env python3
"""Small helpers for bench/org/run.sh (standard library only).

    report.py stats URL                          print the shim's counters (GET URL/__shim/stats) as JSON
    report.py delta BEFORE AFTER OUT             requests between two counter snapshots -> OUT; prints the total
    report.py findings prowler|dopaudit FILE...  prints "results fails" counted from the tools' output files
    report.py summary SUMMARY KEY                a value from seed.py's --summary (accounts, members, regions)
    report.py table RESULTS                      the side-by-side table of run.sh's results.jsonl
    report.py bound RESULTS LATENCY_MS CHAIN C   dopaudit's wall time against the latency lower bound
    report.py timeline DIR...                    where one Prowler run's time went (needs PROWLER_ARGS="--log-level
                                                 INFO"; DIR is RUN_DIR/prowler/ACCOUNT)
    report.py timed OUT CMD...                   runs CMD, writes "<wall s> <peak RSS KiB> <user s> <system s>" to OUT
                                                 (what `/usr/bin/time -f '%e %M %U %S' -o OUT` writes); CMD's status

Findings are counted the same way for both tools: every verdict on a resource is a result; "fails" are the
results whose status is fail. Prowler's json-ocsf file is a JSON array of OCSF findings whose status_code is PASS,
FAIL, MANUAL or MUTED. dopaudit's JSON report has "findings": [{"status": "pass|fail|unknown|skipped|suppressed"}].
"""

from __future__ import annotations

import json
import sys
import urllib.request


def stats(url: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url.rstrip("/") + "/__shim/stats", timeout=30) as response:
        sys.stdout.write(response.read().decode())
        sys.stdout.write("\n")


def delta(before_path: str, after_path: str, out_path: str) -> None:
    with open(before_path, encoding="utf-8") as f:
        before = json.load(f)
    with open(after_path, encoding="utf-8") as f:
        after = json.load(f)
    ops_before = before.get("by_operation", {})
    by_op = {}
    for op, n in after.get("by_operation", {}).items():
        d = n - ops_before.get(op, 0)
        if d:
            by_op[op] = d
    result = {
        "total": after.get("total", 0) - before.get("total", 0),
        "errors": after.get("errors", 0) - before.get("errors", 0),
        "by_operation": dict(sorted(by_op.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(result["total"])


def count_prowler(path: str) -> tuple[int, int]:
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    if not text:
        return 0, 0
    data = json.loads(text)
    if isinstance(data, dict):  # not what 5.x writes, but be lenient
        data = data.get("findings", [])
    results = len(data)
    fails = sum(1 for item in data if str(item.get("status_code", "")).upper() == "FAIL")
    return results, fails


def count_dopaudit(path: str) -> tuple[int, int]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    findings = data.get("findings", [])
    return len(findings), sum(1 for item in findings if item.get("status") == "fail")


def findings(tool: str, paths: list[str]) -> None:
    counter = {"prowler": count_prowler, "dopaudit": count_dopaudit}.get(tool)
    if counter is None:
        raise SystemExit(f"report.py: unknown tool {tool!r}")
    results = fails = 0
    for path in paths:
        r, f = counter(path)
        results += r
        fails += f
    print(results, fails)


def summary(path: str, key: str) -> None:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if key == "members":
        print(" ".join(m["id"] for m in data["members"]))
    elif key in ("accounts", "regions"):
        print(" ".join(data[key]))
    else:
        value = data[key]
        print(value if not isinstance(value, (list, dict)) else json.dumps(value))


def fmt_ratio(a, b) -> str:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return "-"
    if a <= 0 or b <= 0:
        return "-"
    return f"{a / b:.1f}x"


def table(path: str) -> None:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    tools = [r for r in rows if r.get("kind") == "tool"]
    parts = [r for r in rows if r.get("kind") == "part"]
    if parts:
        print("Per run:")
        header = f"  {'tool':<10} {'account':<14} {'wall s':>8} {'RSS MiB':>8} {'requests':>9} {'results':>8} {'fails':>6}  status"
        print(header)
        for r in parts:
            print(
                f"  {r['tool']:<10} {r.get('account', '-'):<14} {r['wall_s']:>8.2f} {r['rss_mib']:>8.1f} "
                f"{r['requests']:>9} {r['results']:>8} {r['fails']:>6}  {r['status']}"
            )
        print()
    print(
        f"{'tool':<10} {'runs':>4} {'wall s':>9} {'CPU s':>8} {'emulator CPU s':>15} {'peak RSS MiB':>13} "
        f"{'requests':>9} {'results':>8} {'fails':>6}  status"
    )
    for r in tools:
        if r.get("status") == "skipped":
            print(
                f"{r['tool']:<10} {'-':>4} {'-':>9} {'-':>8} {'-':>15} {'-':>13} {'-':>9} {'-':>8} {'-':>6}  "
                f"skipped: {r.get('why', '')}"
            )
            continue
        print(
            f"{r['tool']:<10} {r['runs']:>4} {r['wall_s']:>9.2f} {r.get('cpu_s', 0):>8.2f} "
            f"{r.get('emulator_cpu_s', 0):>15.2f} {r['rss_mib']:>13.1f} {r['requests']:>9} "
            f"{r['results']:>8} {r['fails']:>6}  {r['status']}"
        )
    by_tool = {r["tool"]: r for r in tools}
    p, d = by_tool.get("prowler"), by_tool.get("dopaudit")
    if p and d and p.get("status") != "skipped" and d.get("status") != "skipped":
        if p.get("status") != "ok" or d.get("status") != "ok":
            print("(not comparable as they stand: a run did not finish cleanly)")
        print(
            f"{'prowler/dopaudit':<16} wall {fmt_ratio(p['wall_s'], d['wall_s'])}, "
            f"CPU {fmt_ratio(p.get('cpu_s'), d.get('cpu_s'))}, "
            f"peak RSS {fmt_ratio(p['rss_mib'], d['rss_mib'])}, requests {fmt_ratio(p['requests'], d['requests'])}, "
            f"results {fmt_ratio(p['results'], d['results'])}"
        )
    else:
        print("prowler/dopaudit: ratios need both tools (dopaudit skipped)")


def bound(path: str, latency_ms: str, chain: str, concurrency: str) -> None:
    """dopaudit's wall time against the latency lower bound: no client can finish sooner than its longest chain of
    dependent calls takes (CHAIN x latency), nor sooner than its requests take when `concurrency` are in flight
    at every moment (requests x latency / concurrency)."""
    latency = float(latency_ms) / 1000
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    d = next((r for r in rows if r.get("kind") == "tool" and r.get("tool") == "dopaudit" and "wall_s" in r), None)
    if d is None:
        raise SystemExit("no dopaudit run to compare with the bound")
    by_chain = int(chain) * latency
    by_volume = d["requests"] * latency / int(concurrency)
    lower = max(by_chain, by_volume)
    print(
        f"latency bound: max(chain {chain} x {latency_ms} ms = {by_chain:.2f} s, {d['requests']} requests x "
        f"{latency_ms} ms / {concurrency} in flight = {by_volume:.2f} s) = {lower:.2f} s; dopaudit took "
        f"{d['wall_s']:.2f} s = {d['wall_s'] / lower:.2f}x the bound"
    )


def timed(out_path: str, command: list[str]) -> int:
    """A stand-in for /usr/bin/time where there is none: wall time, and the peak RSS from wait4's rusage (the
    largest of the command and the descendants it waited for, in KiB on Linux)."""
    import os
    import time

    started = time.monotonic()
    try:
        pid = os.posix_spawnp(command[0], command, os.environ)
    except OSError as e:
        sys.stderr.write(f"report.py timed: cannot run {command[0]}: {e}\n")
        return 127
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.monotonic() - started
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(f"{wall:.2f} {usage.ru_maxrss} {usage.ru_utime:.2f} {usage.ru_stime:.2f}\n")
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def timeline(dirs: list[str]) -> None:
    """Splits a Prowler run's wall time at its first log line (the AWS provider starting) and at "Extracting audit
    statistics" (checks done, outputs next). The run started wall seconds before time.txt was written."""
    import datetime
    import os

    for d in dirs:
        try:
            with open(os.path.join(d, "time.txt"), encoding="utf-8") as f:
                wall = float(f.read().split()[-2])
            ended = os.path.getmtime(os.path.join(d, "time.txt"))
            stamps = []
            with open(os.path.join(d, "prowler.log"), encoding="utf-8") as f:
                for line in f:
                    entry = json.loads(line)
                    t = datetime.datetime.strptime(entry["timestamp"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    stamps.append((t, entry.get("message", "")))
        except (OSError, ValueError, IndexError, KeyError) as e:
            print(f"{d}: no timeline ({e})")
            continue
        if not stamps:
            print(f"{d}: the log is empty (run with PROWLER_ARGS='--log-level INFO')")
            continue
        started = ended - wall
        first = stamps[0][0]
        checks_done = next((t for t, m in stamps if "Extracting audit statistics" in m), stamps[-1][0])
        print(
            f"{d}: wall {wall:.1f} s = start-up (imports, check and compliance metadata) {first - started:.1f} s"
            f" + AWS calls and checks {checks_done - first:.1f} s + outputs and exit {ended - checks_done:.1f} s"
        )


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    command, args = argv[1], argv[2:]
    if command == "stats" and len(args) == 1:
        stats(args[0])
    elif command == "delta" and len(args) == 3:
        delta(*args)
    elif command == "findings" and len(args) >= 2:
        findings(args[0], args[1:])
    elif command == "summary" and len(args) == 2:
        summary(*args)
    elif command == "table" and len(args) == 1:
        table(args[0])
    elif command == "bound" and len(args) == 4:
        bound(*args)
    elif command == "timeline" and args:
        timeline(args)
    elif command == "timed" and len(args) >= 2:
        return timed(args[0], args[1:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
