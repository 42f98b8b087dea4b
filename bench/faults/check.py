#!/usr/bin/env python3
"""The fault scenarios of bench/faults/run.sh, and the checks of their results (standard library only).

    check.py scenarios [all|NAME,NAME...]   one "name<TAB>shim faults JSON<TAB>dopaudit arguments" line per scenario,
                                            the baseline first (run.sh reads these)
    check.py evaluate RUN_DIR               checks every scenario's outputs against the baseline's, prints a table;
                                            exit 0 only when every scenario passes
    check.py diff BASELINE.json REPORT.json the findings of two reports that differ, one per line

What `evaluate` asserts, per scenario (the baseline included, where it applies) and per dopaudit run in it (the
`collect` under faults, the offline `audit --snapshot` of that snapshot, and with LIVE=1 the live `audit`):

1. Finished: exit status 0 or 1 (not 2, not a signal, not stopped by `timeout`), and the report was written.
2. Honest accounting: the stderr line `dopaudit: collected N account(s) × R region(s) as ARN in Xs: C AWS calls,
   K retries, F failed` is there, and C, K and F equal the sums over the snapshot's `collection.calls` (calls,
   attempts - calls, errors); no operation made more than --max-attempts attempts per call; the shim saw as
   many requests as dopaudit counted attempts.
3. Faults happened: the shim injected at least one fault (not for the baseline, which must have none).
4. No flip: findings are matched on (check_id, account, region, resource). A finding whose status differs from
   the baseline's must be `unknown` in the faulty run; one the faulty run lacks must be covered by an `unknown`
   finding of the same check, account and region (the data it came from could not be read); one only the faulty
   run has must be `unknown`. Any other difference (pass <-> fail, unknown -> pass, skipped -> fail, a finding
   silently gone) is a flip, and a scenario with a flip fails.
5. Reasons: every `unknown` finding's message says why (it is non-empty and names the failure: "could not ...",
   a timeout, throttling, an error code, an unreachable account).
6. Same scope: the report covers the baseline's accounts and regions.
7. Scenarios marked `degrade` exhaust the retries on purpose: they must turn at least one finding `unknown`,
   otherwise the oracle was not exercised.

Scenarios marked `fatal` make a call without which nothing can be audited fail for good (the caller identity,
the organization); for them the right answer is to stop: exit 2, an error line on stderr naming the call, no
snapshot or report written, and no hang.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Scenario:
    name: str
    what: str
    faults: dict
    args: list[str] = field(default_factory=list)
    degrade: bool = False  # the faults are meant to exhaust the retries somewhere
    # A call without which nothing can be audited fails for good: dopaudit must stop with exit 2 and a one-line
    # error naming it (this text), promptly, and write nothing.
    fatal: str | None = None


# Timeouts: --timeout 5 where answers are never held (moto under the debug build can take a second or two on a busy
# machine); --timeout 2 with answers held 6 s, so every slow answer times the attempt out.
SCENARIOS = [
    Scenario("baseline", "no faults", {}),
    Scenario(
        "throttle",
        "20% of calls throttled: the service's own throttling error (400 ThrottlingException / Throttling, "
        "S3 503 SlowDown), 429 TooManyRequestsException, 503",
        {"rate": 0.2, "kinds": "throttle,429,503", "seed": 1},
        ["--timeout", "5"],
    ),
    Scenario(
        "burst",
        "bursts of 8 consecutive 500/502/503 answers, one starting on ~3% of calls",
        {"rate": 0.03, "kinds": "5xx-burst", "burst_length": 8, "seed": 2},
        ["--timeout", "5"],
    ),
    Scenario(
        "reset",
        "15% of connections reset: before any answer, or after the headers and half the body",
        {"rate": 0.15, "kinds": "reset,reset-mid", "seed": 3},
        ["--timeout", "5"],
    ),
    Scenario(
        "slow",
        "10% of answers held 6 s, past --timeout 2",
        {"rate": 0.1, "kinds": "slow", "slow_seconds": 6, "seed": 4},
        ["--timeout", "2"],
    ),
    Scenario(
        "mix",
        "25% of calls, STS included, get any fault kind (throttle, 429, empty 429, 503, 5xx bursts of 3, resets, "
        "slow 6 s past --timeout 2)",
        {"rate": 0.25, "kinds": "all", "slow_seconds": 6, "burst_length": 3, "seed": 5},
        ["--timeout", "2"],
    ),
    Scenario(
        "exhausted",
        "every call of a few operations fails (throttled, empty 429, 503, reset) with --max-attempts 3: their "
        "checks must say unknown",
        {
            "rate": 1.0,
            "kinds": "throttle,429-empty,503,reset",
            "seed": 6,
            "only_ops": "cloudtrail:GetTrailStatus,config:DescribeConfigurationRecorderStatus,"
            "cloudformation:DescribeStacks,organizations:ListPolicies",
        },
        ["--timeout", "5", "--max-attempts", "3"],
        degrade=True,
    ),
    Scenario(
        "no-assume",
        "every sts:AssumeRole throttled: the member accounts cannot be entered, their checks must say unknown",
        {"rate": 1.0, "kinds": "throttle", "seed": 7, "only_ops": "sts:AssumeRole"},
        ["--timeout", "5", "--max-attempts", "2"],
        degrade=True,
    ),
    Scenario(
        "no-identity",
        "every sts:GetCallerIdentity throttled: the audit cannot start; exit 2 naming the call",
        {"rate": 1.0, "kinds": "throttle", "seed": 8, "only_ops": "sts:GetCallerIdentity"},
        ["--timeout", "5"],
        fatal="sts:GetCallerIdentity",
    ),
    Scenario(
        "no-org",
        "every organizations:DescribeOrganization answered 503 or reset: --org cannot list the accounts; exit 2 "
        "naming the call",
        {"rate": 1.0, "kinds": "503,reset", "seed": 9, "only_ops": "organizations:DescribeOrganization"},
        ["--timeout", "5", "--max-attempts", "3"],
        fatal="organizations:DescribeOrganization",
    ),
]

SUMMARY_LINE = re.compile(
    r"dopaudit: collected (\d+) account\(s\)(?: \((\d+) unreachable\))? × (\d+) region\(s\) as (\S+) in "
    r"([0-9.]+)s: (\d+) AWS calls, (\d+) retries, (\d+) failed"
)
# What an unknown finding's message must contain to count as naming its reason.
REASON = re.compile(
    r"could not|cannot|not be (read|evaluated|collected)|timed? ?out|throttl|rate exceeded|unreachable|error|"
    r"failed|denied|[A-Z][a-z]+[A-Z][A-Za-z]+|\b[45]\d\d\b",
)


def scenarios(selection: str) -> None:
    names = [s.name for s in SCENARIOS]
    wanted = names if selection in ("", "all") else ["baseline"] + [n.strip() for n in selection.split(",") if n]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise SystemExit(f"check.py: unknown scenario(s) {', '.join(unknown)}; known: {', '.join(names)}")
    for s in SCENARIOS:
        if s.name in wanted:
            print(f"{s.name}\t{json.dumps(s.faults, separators=(',', ':'))}\t{' '.join(s.args)}")


# ---- reading a run ------------------------------------------------------------------------------------------------


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def read_json(path: str):
    text = read_text(path)
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def key_of(f: dict) -> tuple:
    return (f.get("check_id"), f.get("account"), f.get("region"), f.get("resource"))


def findings_of(report: dict | None) -> dict[tuple, dict]:
    if not report:
        return {}
    out = {}
    for f in report.get("findings", []):
        k = key_of(f)
        if k in out:  # two findings with one key: keep both apart
            k = k + (len([x for x in out if x[:4] == k]),)
        out[k] = f
    return out


def describe_rc(rc: int | None) -> str:
    if rc is None:
        return "did not run"
    if rc in (124, 137):
        return f"stopped by timeout (exit {rc})"
    if rc > 128:
        return f"killed by signal {rc - 128}"
    return f"exit {rc}"


@dataclass
class RunResult:
    """One dopaudit run of a scenario: what was measured and what went wrong."""

    label: str
    rc: int | None = None
    wall: float | None = None
    summary: dict | None = None
    counts: Counter = field(default_factory=Counter)
    to_unknown: int = 0
    flips: list[str] = field(default_factory=list)
    vanished_ok: int = 0
    new_unknown: int = 0
    reasons: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # reported, not failed


def parse_summary(stderr: str | None) -> dict | None:
    m = SUMMARY_LINE.search(stderr or "")
    if not m:
        return None
    return {
        "accounts": int(m.group(1)),
        "unreachable": int(m.group(2) or 0),
        "regions": int(m.group(3)),
        "caller": m.group(4),
        "seconds": float(m.group(5)),
        "calls": int(m.group(6)),
        "retries": int(m.group(7)),
        "failed": int(m.group(8)),
    }


def check_finished(run: RunResult, d: str, name: str, output: str) -> None:
    rc_text = read_text(os.path.join(d, f"{name}.rc"))
    run.rc = int(rc_text) if rc_text and rc_text.strip().lstrip("-").isdigit() else None
    wall = read_text(os.path.join(d, f"{name}.wall"))
    run.wall = float(wall) if wall else None
    if run.rc not in (0, 1):
        stderr = (read_text(os.path.join(d, f"{name}.stderr")) or "").strip().splitlines()
        last = stderr[-1] if stderr else ""
        run.problems.append(f"{name}: {describe_rc(run.rc)} (want 0 or 1){': ' + last[:200] if last else ''}")
    if not os.path.exists(os.path.join(d, output)):
        run.problems.append(f"{name}: wrote no {output}")


def check_accounting(
    run: RunResult, d: str, name: str, snapshot: dict | None, shim: dict | None, max_attempts: int
) -> None:
    """The stderr summary against the snapshot's per-operation counts, the attempts of each operation against
    --max-attempts, and dopaudit's attempts against the requests the shim saw."""
    run.summary = parse_summary(read_text(os.path.join(d, f"{name}.stderr")))
    if run.summary is None:
        run.problems.append(f"{name}: no 'dopaudit: collected ... retries, ... failed' line on stderr")
        return
    if snapshot is not None:
        calls = (snapshot.get("collection") or {}).get("calls") or []
        totals = {
            "calls": sum(c.get("calls", 0) for c in calls),
            "retries": sum(c.get("attempts", 0) - c.get("calls", 0) for c in calls),
            "failed": sum(c.get("errors", 0) for c in calls),
        }
        run.summary["attempts"] = sum(c.get("attempts", 0) for c in calls)
        for c in calls:
            if c.get("attempts", 0) > c.get("calls", 0) * max_attempts:
                run.problems.append(
                    f"{name}: {c.get('service')}:{c.get('operation')} made {c.get('attempts')} attempts for "
                    f"{c.get('calls')} calls ({c.get('errors')} failed), more than --max-attempts {max_attempts} each"
                )
        for what, value in totals.items():
            if run.summary[what] != value:
                run.problems.append(
                    f"{name}: stderr says {run.summary[what]} {what}, the snapshot's collection.calls sum to {value}"
                )
    else:
        run.summary["attempts"] = run.summary["calls"] + run.summary["retries"]
    if shim is not None:
        run.summary["shim_requests"] = shim.get("total", 0)
        run.summary["faults"] = (shim.get("faults") or {}).get("total", 0)
        run.summary["faults_by_kind"] = (shim.get("faults") or {}).get("by_kind", {})
        if shim.get("total", 0) != run.summary["attempts"]:
            # A note, not a failure: dopaudit counts an attempt before it is sent, so one that fails before it
            # reaches the network (its credentials are still being fetched when --timeout ends it) is counted too.
            where = ""
            if snapshot is not None:
                seen = {k.split(" ", 1)[-1]: v for k, v in (shim.get("by_operation") or {}).items()}
                calls = (snapshot.get("collection") or {}).get("calls") or []
                named = [(f"{c['service']}:{c['operation']}", c.get("attempts")) for c in calls]
                off = [f"{op} {n} vs {seen[op]}" for op, n in named if op in seen and seen[op] != n]
                where = f" ({', '.join(off)})" if off else ""
            run.notes.append(
                f"{name}: dopaudit counted {run.summary['attempts']} attempts, the shim saw {shim.get('total', 0)} "
                f"requests{where}"
            )


def compare(run: RunResult, label: str, base: dict, report: dict | None, degrade_expected: bool) -> None:
    """The oracle: differences from the baseline must be unknown findings with a reason."""
    if report is None:
        return
    mine = findings_of(report)
    run.counts = Counter(f.get("status") for f in mine.values())
    base_scope = base["report"].get("scope", {})
    scope = report.get("scope", {})
    for what in ("accounts", "regions"):
        if sorted(scope.get(what, [])) != sorted(base_scope.get(what, [])):
            run.problems.append(
                f"{label}: scope {what} {scope.get(what)} differ from the baseline's {base_scope.get(what)}"
            )
    # Where the faulty run says "unknown" in place of findings it could not make: unknown findings that were not
    # unknown in the baseline (new, or pass/fail/skipped there), by (check, account, region); an unreachable
    # account's are in region "global".
    unknown_at = {
        (f.get("check_id"), f.get("account"), f.get("region"))
        for k, f in mine.items()
        if f.get("status") == "unknown" and (base["findings"].get(k) or {}).get("status") != "unknown"
    }
    for k, f in mine.items():
        b = base["findings"].get(k)
        if f.get("status") != "unknown" or (b and b.get("status") == "unknown"):
            continue  # the baseline's own unknowns (emulator gaps) are not the faults' doing
        if not names_reason(f):
            run.problems.append(f"{label}: unknown without a reason: {fmt_key(k)}: {f.get('message')!r}")
        else:
            run.reasons[reason_code(f)] += 1
    for k, b in base["findings"].items():
        f = mine.get(k)
        if f is None:
            at = (b.get("check_id"), b.get("account"), b.get("region"))
            if at in unknown_at or (at[0], at[1], "global") in unknown_at:
                run.vanished_ok += 1
            else:
                run.flips.append(f"{fmt_key(k)}: {b.get('status')} -> missing, and no unknown finding covers it")
            continue
        if f.get("status") == b.get("status"):
            continue
        if f.get("status") == "unknown":
            run.to_unknown += 1
        else:
            run.flips.append(f"{fmt_key(k)}: {b.get('status')} -> {f.get('status')}: {f.get('message')}")
    for k, f in mine.items():
        if k not in base["findings"]:
            if f.get("status") == "unknown":
                run.new_unknown += 1
            else:
                run.flips.append(f"{fmt_key(k)}: new finding, {f.get('status')}: {f.get('message')}")
    if run.flips:
        run.problems.append(f"{label}: {len(run.flips)} finding(s) flipped (first: {run.flips[0]})")
    if degrade_expected and run.to_unknown + run.new_unknown == 0:
        run.problems.append(f"{label}: the faults were meant to exhaust the retries, yet no finding became unknown")


def names_reason(f: dict) -> bool:
    """Whether an unknown finding says why: the collection error in its evidence, or a reason in its message."""
    message = f.get("message") or ""
    error = (f.get("evidence") or {}).get("collection_error") if isinstance(f.get("evidence"), dict) else None
    return bool(message.strip()) and (bool(error) or bool(REASON.search(message)))


def reason_code(f: dict) -> str:
    """The collection error code behind an unknown finding (kind/code), or its message's start."""
    error = (f.get("evidence") or {}).get("collection_error") if isinstance(f.get("evidence"), dict) else None
    if isinstance(error, dict):
        return f"{error.get('kind')}/{error.get('code')}"
    return (f.get("message") or "")[:40]


def max_attempts(scenario: Scenario) -> int:
    """The scenario's --max-attempts, or dopaudit's default (5)."""
    args = scenario.args
    for i, a in enumerate(args):
        if a == "--max-attempts" and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith("--max-attempts="):
            return int(a.split("=", 1)[1])
    return 5


def fmt_key(k: tuple) -> str:
    return "/".join(str(x) for x in k)


def evaluate(run_dir: str) -> int:
    lines = [ln.split("\t") for ln in (read_text(os.path.join(run_dir, "scenarios.tsv")) or "").splitlines() if ln]
    by_name = {s.name: s for s in SCENARIOS}
    names = [ln[0] for ln in lines]
    if not names or names[0] != "baseline":
        print(f"check.py: {run_dir}/scenarios.tsv does not start with the baseline", file=sys.stderr)
        return 2
    base_dir = os.path.join(run_dir, "baseline")
    base_report = read_json(os.path.join(base_dir, "report.json"))
    if base_report is None:
        print(f"check.py: the baseline wrote no report ({base_dir}/report.json); nothing to compare", file=sys.stderr)
        return 2
    base = {"report": base_report, "findings": findings_of(base_report)}
    rows = []
    results = {}
    for name in names:
        scenario = by_name.get(name, Scenario(name, "?", {}))
        d = os.path.join(run_dir, name)
        if scenario.fatal:
            rows += evaluate_fatal(scenario, d, results)
            continue
        runs = []
        # collect under faults, then its snapshot evaluated offline
        collect = RunResult("collect")
        snapshot = read_json(os.path.join(d, "snapshot.json"))
        check_finished(collect, d, "collect", "snapshot.json")
        check_accounting(
            collect, d, "collect", snapshot, read_json(os.path.join(d, "collect.shim.json")), max_attempts(scenario)
        )
        offline = RunResult("audit --snapshot")
        check_finished(offline, d, "audit-snapshot", "report.json")
        report = read_json(os.path.join(d, "report.json"))
        compare(collect, "collect", base, report, scenario.degrade and name != "baseline")
        collect.problems += offline.problems
        runs.append(collect)
        if os.path.exists(os.path.join(d, "live.rc")):
            live = RunResult("live audit")
            check_finished(live, d, "live", "live.json")
            live_shim = read_json(os.path.join(d, "live.shim.json"))
            check_accounting(live, d, "live", None, live_shim, max_attempts(scenario))
            live_report = read_json(os.path.join(d, "live.json"))
            compare(live, "live", base, live_report, scenario.degrade and name != "baseline")
            runs.append(live)
        problems = [p for r in runs for p in r.problems]
        notes = [n for r in runs for n in r.notes]
        for r in runs:
            faults = (r.summary or {}).get("faults", 0)
            if name == "baseline" and faults:
                problems.append(f"{r.label}: the baseline saw {faults} injected faults")
            if name != "baseline" and r.summary is not None and not faults:
                problems.append(f"{r.label}: the shim injected no fault")
        verdict = "PASS" if not problems else "FAIL"
        results[name] = {
            "what": scenario.what,
            "faults": scenario.faults,
            "args": scenario.args,
            "verdict": verdict,
            "problems": problems,
            "notes": notes,
            "runs": [
                {
                    "run": r.label,
                    "exit": r.rc,
                    "wall_s": r.wall,
                    "summary": r.summary,
                    "findings": dict(r.counts),
                    "to_unknown": r.to_unknown,
                    "new_unknown": r.new_unknown,
                    "vanished_covered": r.vanished_ok,
                    "flips": r.flips,
                    "unknown_reasons": dict(r.reasons.most_common()),
                }
                for r in runs
            ],
        }
        for i, r in enumerate(runs):
            s = r.summary or {}
            kinds = s.get("faults_by_kind", {})
            rows.append(
                [
                    name if i == 0 else "",
                    r.label,
                    ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "-",
                    str(s.get("calls", "?")),
                    str(s.get("retries", "?")),
                    str(s.get("failed", "?")),
                    str(s.get("shim_requests", "?")),
                    describe_rc(r.rc).replace("exit ", ""),
                    f"{r.wall:.1f}" if r.wall is not None else "?",
                    "/".join(str(r.counts.get(k, 0)) for k in ("pass", "fail", "unknown", "skipped")),
                    str(r.to_unknown + r.new_unknown),
                    str(len(r.flips)),
                    verdict if i == 0 else "",
                ]
            )
    header = [
        "scenario",
        "run",
        "faults injected",
        "calls",
        "retries",
        "failed",
        "requests",
        "exit",
        "wall s",
        "pass/fail/unk/skip",
        "->unknown",
        "flips",
        "result",
    ]
    print_table(header, rows)
    print()
    print("calls, retries, failed: dopaudit's stderr summary; requests: what the shim saw; ->unknown: findings that")
    print("differ from the baseline (or are new) and are unknown; flips: any other difference (must be 0).")
    print()
    for name in names:
        print(f"- {name}: {by_name[name].what if name in by_name else '?'}")
    print("\nWhy the findings that changed are unknown (collect run; kind/code of the collection error: findings):")
    any_reason = False
    for name, r in results.items():
        reasons = r["runs"][0].get("unknown_reasons") if r["runs"] else None
        if reasons:
            any_reason = True
            print(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    if not any_reason:
        print("- none changed")
    failed = [n for n, r in results.items() if r["verdict"] != "PASS"]
    for name, r in results.items():
        if r["verdict"] != "PASS" or r.get("notes"):
            print(f"\n{name}: {r['verdict']}")
        for p in r["problems"]:
            print(f"  - {p}")
        for n in r.get("notes", []):
            print(f"  - note: {n}")
    with open(os.path.join(run_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"\n{len(results) - len(failed)} of {len(results)} scenarios passed")
    return 1 if failed else 0


def evaluate_fatal(scenario: Scenario, d: str, results: dict) -> list[list[str]]:
    """A scenario whose faults must stop dopaudit: exit 2, one error line naming the call, no output file."""
    rows, problems, runs = [], [], []
    for name, output in (("collect", "snapshot.json"), ("live", "live.json")):
        if not os.path.exists(os.path.join(d, f"{name}.rc")):
            continue
        r = RunResult("live audit" if name == "live" else name)
        rc_text = read_text(os.path.join(d, f"{name}.rc")) or ""
        r.rc = int(rc_text) if rc_text.strip().lstrip("-").isdigit() else None
        wall = read_text(os.path.join(d, f"{name}.wall"))
        r.wall = float(wall) if wall else None
        errors = [ln for ln in (read_text(os.path.join(d, f"{name}.stderr")) or "").splitlines() if "error:" in ln]
        if r.rc != 2:
            problems.append(f"{name}: {describe_rc(r.rc)}, want exit 2 (could not run)")
        if not any(scenario.fatal in ln for ln in errors):
            problems.append(f"{name}: no error line naming {scenario.fatal} on stderr (got {errors[-1:] or 'none'})")
        if os.path.exists(os.path.join(d, output)):
            problems.append(f"{name}: wrote {output} although it could not run")
        shim = read_json(os.path.join(d, f"{name}.shim.json")) or {}
        faults = shim.get("faults") or {}
        r.summary = {"shim_requests": shim.get("total", "?"), "faults_by_kind": faults.get("by_kind", {})}
        if not faults.get("total"):
            problems.append(f"{name}: the shim injected no fault")
        r.problems = errors[-1:]
        runs.append(r)
    verdict = "PASS" if not problems and runs else "FAIL"
    results[scenario.name] = {
        "what": scenario.what,
        "faults": scenario.faults,
        "args": scenario.args,
        "verdict": verdict,
        "problems": problems,
        "runs": [{"run": r.label, "exit": r.rc, "wall_s": r.wall, "error": r.problems} for r in runs],
    }
    for i, r in enumerate(runs):
        kinds = r.summary["faults_by_kind"]
        rows.append(
            [
                scenario.name if i == 0 else "",
                r.label,
                ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "-",
                "-",
                "-",
                "-",
                str(r.summary["shim_requests"]),
                describe_rc(r.rc).replace("exit ", "") + " (want 2)",
                f"{r.wall:.1f}" if r.wall is not None else "?",
                "no report",
                "-",
                "-",
                verdict if i == 0 else "",
            ]
        )
    return rows


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table, columns padded."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")


def diff(base_path: str, other_path: str) -> int:
    base = findings_of(read_json(base_path))
    other = findings_of(read_json(other_path))
    for k in sorted(set(base) | set(other), key=lambda k: tuple(str(x) for x in k)):
        b, o = base.get(k), other.get(k)
        bs, os_ = (b or {}).get("status", "missing"), (o or {}).get("status", "missing")
        if bs != os_:
            print(f"{fmt_key(k)}: {bs} -> {os_}: {(o or b).get('message')}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "scenarios":
        scenarios(argv[1] if len(argv) > 1 else "all")
        return 0
    if len(argv) == 2 and argv[0] == "evaluate":
        return evaluate(argv[1])
    if len(argv) == 3 and argv[0] == "diff":
        return diff(argv[1], argv[2])
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
