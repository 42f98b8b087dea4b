#!/usr/bin/env python3
"""The parity ledger: dopaudit's and Prowler's verdicts on the same organization, aligned pair by pair.

    compare.py --pairs pairs.toml --run-dir RUN [--markdown OUT.md] [--strict]
    compare.py --pairs pairs.toml --list-prowler-checks

RUN holds what bench/parity/run.sh wrote: seed.json (account ids and their labels), dopaudit/report.json, and
prowler/ACCOUNT/out/prowler.ocsf.json per account.

For every [[pair]] of pairs.toml, the findings of the dopaudit check and of the Prowler check(s) are keyed by the
pair's `align`:
  account       one verdict per account
  region        per account and region
  resource      per account, region and resource name (ARN reduced to its name; `global = true` puts both tools'
                findings of a global service in one "global" region; `dopaudit_regex` / `prowler_regex` pick the
                name out of the resource with their first group; `prowler_field = "name"` uses the OCSF resource
                name rather than its uid)
                `prowler_accounts = ["management"]` keeps only the Prowler findings of those accounts (labels), for
                organization checks that only the management account's run can judge
  organization  one verdict for the whole organization
Several findings under one key combine into one status: FAIL if any fails, else PASS if all pass, else the first
other status (UNKNOWN, MANUAL, SKIPPED ...). A key that one tool has and the other lacks shows "-" for the absent
side; when the present side only says SKIPPED (dopaudit's "not applicable") the row is "n/a", not a disagreement.

Every disagreement is looked up in the [[explanation]] entries of pairs.toml (match on pair id, and optionally
account label, region, resource glob, and each tool's status); the row then shows "explained (<right>): <reason>",
otherwise UNEXPLAINED. --strict exits 1 when a row is UNEXPLAINED.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import pathlib
import re
import sys
import tomllib

RIGHTS = {"dopaudit", "prowler", "both", "neither", "emulator"}


def load_pairs(path: pathlib.Path) -> tuple[list[dict], list[dict]]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SystemExit(f"compare.py: cannot read {path}: {e}") from None
    pairs, explanations = data.get("pair", []), data.get("explanation", [])
    ids = set()
    for p in pairs:
        for key in ("dopaudit", "prowler", "align"):
            if key not in p:
                raise SystemExit(f"compare.py: a [[pair]] lacks `{key}`: {p}")
        if isinstance(p["prowler"], str):
            p["prowler"] = [p["prowler"]]
        p.setdefault("id", f"{p['dopaudit']} ~ {'+'.join(p['prowler'])}")
        if p["id"] in ids:
            raise SystemExit(f"compare.py: two pairs have the id {p['id']!r}")
        ids.add(p["id"])
        if p["align"] not in ("account", "region", "resource", "organization"):
            raise SystemExit(f"compare.py: pair {p['id']}: unknown align {p['align']!r}")
    for e in explanations:
        if e.get("pair") not in ids:
            raise SystemExit(f"compare.py: an [[explanation]] names no known pair: {e.get('pair')!r}")
        if e.get("right") not in RIGHTS or not e.get("reason"):
            raise SystemExit(f"compare.py: explanation for {e['pair']} needs right (one of {sorted(RIGHTS)}) and reason")
    return pairs, explanations


ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.*)$")
TYPE_PREFIX = re.compile(r"^(trail|log-group|repository|function|table|file-system|db|cluster|stateMachine|project|user|"
                         r"stack|key|detector|role)[/:]")  # fmt: skip


def name_of(resource: str) -> str:
    """An ARN reduced to its resource name: trail/x -> x, log-group:/a/b:* -> /a/b, stack/name/uuid -> name."""
    m = ARN.match(resource)
    if not m:
        return resource
    rest = m.group(1)
    kind = TYPE_PREFIX.match(rest)
    if kind:
        rest = rest[kind.end():]
        if kind.group(1) == "stack":
            rest = rest.split("/")[0]
    if rest.endswith(":*"):
        rest = rest[:-2]
    return rest


def pick(resource: str, regex: str | None) -> str:
    if regex:
        m = re.search(regex, resource)
        return m.group(1) if m else resource
    return name_of(resource)


def combine(statuses: list[str]) -> str:
    if not statuses:
        return "-"
    if "FAIL" in statuses:
        return "FAIL"
    if all(s == "PASS" for s in statuses):
        return "PASS"
    others = [s for s in statuses if s not in ("PASS", "SKIPPED")]
    return others[0] if others else ("PASS" if "PASS" in statuses else "SKIPPED")


class Run:
    def __init__(self, run_dir: pathlib.Path) -> None:
        try:
            self.seed = json.loads((run_dir / "seed.json").read_text())
            self.dopaudit = json.loads((run_dir / "dopaudit" / "report.json").read_text())["findings"]
        except (OSError, ValueError, KeyError) as e:
            raise SystemExit(f"compare.py: {run_dir} lacks a readable seed.json or dopaudit/report.json: {e}") from None
        self.labels: dict[str, str] = self.seed["labels"]
        self.prowler: list[dict] = []
        self.prowler_missing: list[str] = []
        for account in self.labels:
            f = run_dir / "prowler" / account / "out" / "prowler.ocsf.json"
            try:
                self.prowler.extend(json.loads(f.read_text()))
            except (OSError, ValueError):
                self.prowler_missing.append(account)

    def label(self, account: str) -> str:
        return self.labels.get(account, account)


def key_of(pair: dict, tool: str, account: str, region: str, resource: str) -> tuple:
    align = pair["align"]
    if align == "organization":
        return ("organization",)
    if align == "account":
        return (account,)
    if pair.get("global") or region in ("global", "aws-global"):
        region = "global"
    if align == "region":
        return (account, region)
    return (account, region, pick(resource, pair.get(f"{tool}_regex")))


def align(pair: dict, run: Run) -> dict[tuple, dict]:
    rows: dict[tuple, dict] = {}

    def add(tool: str, key: tuple, status: str, message: str) -> None:
        row = rows.setdefault(key, {"dopaudit": [], "prowler": [], "d_msg": [], "p_msg": []})
        row[tool].append(status)
        row["d_msg" if tool == "dopaudit" else "p_msg"].append(message)

    for f in run.dopaudit:
        if f.get("check_id") != pair["dopaudit"]:
            continue
        account = run.label(f.get("account", "?"))
        key = key_of(pair, "dopaudit", account, f.get("region", "?"), str(f.get("resource", "")))
        add("dopaudit", key, str(f.get("status", "?")).upper(), f.get("message", ""))
    for f in run.prowler:
        check = (f.get("metadata") or {}).get("event_code")
        if check not in pair["prowler"]:
            continue
        account = run.label(((f.get("cloud") or {}).get("account") or {}).get("uid", "?"))
        if "prowler_accounts" in pair and account not in pair["prowler_accounts"]:
            continue
        region = (f.get("cloud") or {}).get("region", "?")
        res = (f.get("resources") or [{}])[0]
        resource = res.get(pair.get("prowler_field", "uid")) or res.get("uid") or res.get("name") or ""
        key = key_of(pair, "prowler", account, region, str(resource))
        add("prowler", key, str(f.get("status_code", "?")).upper(), f"{check}: {f.get('status_detail', '')}")
    return rows


def explain(pair: dict, key: tuple, d: str, p: str, explanations: list[dict]) -> dict | None:
    names = {"organization": 0} if pair["align"] == "organization" else {"account": 0, "region": 1, "resource": 2}
    for e in explanations:
        if e["pair"] != pair["id"]:
            continue
        if "dopaudit" in e and e["dopaudit"].upper() != d:
            continue
        if "prowler" in e and e["prowler"].upper() != p:
            continue
        ok = True
        for field, index in names.items():
            if field in e and field != "organization" and (index >= len(key) or not fnmatch.fnmatchcase(key[index], e[field])):
                ok = False
        if ok:
            return e
    return None


def ledger(pairs: list[dict], explanations: list[dict], run: Run) -> tuple[list[dict], dict]:
    out = []
    used = set()
    for pair in pairs:
        rows = []
        for key, row in sorted(align(pair, run).items()):
            d, p = combine(row["dopaudit"]), combine(row["prowler"])
            if d == p:
                verdict, e = "agree", None
            elif "-" in (d, p) and {d, p} & {"SKIPPED"}:
                verdict, e = "n/a", None
            else:
                e = explain(pair, key, d, p, explanations)
                verdict = "explained" if e else "UNEXPLAINED"
                if e:
                    used.add(id(e))
            rows.append({"key": "/".join(key), "dopaudit": d, "prowler": p, "verdict": verdict, "explanation": e,
                         "d_msg": "; ".join(dict.fromkeys(row["d_msg"])), "p_msg": "; ".join(dict.fromkeys(row["p_msg"]))})
        out.append({"pair": pair, "rows": rows})
    totals = {"pairs": len(pairs), "rows": 0, "agree": 0, "n/a": 0, "explained": 0, "UNEXPLAINED": 0}
    for item in out:
        for r in item["rows"]:
            totals["rows"] += 1
            totals[r["verdict"]] += 1
    totals["disagree"] = totals["explained"] + totals["UNEXPLAINED"]
    totals["unused_explanations"] = [e for e in explanations if id(e) not in used]
    return out, totals


def verdict_text(r: dict) -> str:
    if r["verdict"] == "explained":
        e = r["explanation"]
        return f"explained ({e['right']} right): {e['reason']}"
    return r["verdict"]


def print_text(out: list[dict], totals: dict, run: Run) -> None:
    for item in out:
        pair, rows = item["pair"], item["rows"]
        n = {v: sum(r["verdict"] == v for r in rows) for v in ("agree", "explained", "UNEXPLAINED", "n/a")}
        print(f"\n== {pair['id']}  [{pair['align']}]  {len(rows)} aligned: {n['agree']} agree, "
              f"{n['explained'] + n['UNEXPLAINED']} disagree ({n['explained']} explained, {n['UNEXPLAINED']} UNEXPLAINED), "
              f"{n['n/a']} n/a")  # fmt: skip
        if not rows:
            print("   (neither tool reported anything for this pair)")
        width = max([len(r["key"]) for r in rows] + [8])
        for r in rows:
            print(f"   {r['key']:<{width}}  dopaudit {r['dopaudit']:<8} prowler {r['prowler']:<8} {verdict_text(r)}")
    print_totals(totals, run, sys.stdout)


def print_totals(totals: dict, run: Run, stream) -> None:
    print(f"\nTOTAL: {totals['pairs']} pairs, {totals['rows']} aligned verdicts: {totals['agree']} agree, "
          f"{totals['disagree']} disagree ({totals['explained']} explained, {totals['UNEXPLAINED']} UNEXPLAINED), "
          f"{totals['n/a']} n/a", file=stream)  # fmt: skip
    if run.prowler_missing:
        print(f"WARNING: no Prowler output for {', '.join(run.label(a) for a in run.prowler_missing)}", file=stream)
    for e in totals["unused_explanations"]:
        print(f"note: explanation not used in this run: {e['pair']} {e.get('account', '')} {e.get('resource', '')}",
              file=stream)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(path: pathlib.Path, out: list[dict], totals: dict, run: Run) -> None:
    lines = ["| Pair | Align | Aligned | Agree | Disagree | Explained | Unexplained | n/a |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for item in out:
        rows = item["rows"]
        n = {v: sum(r["verdict"] == v for r in rows) for v in ("agree", "explained", "UNEXPLAINED", "n/a")}
        lines.append(f"| `{item['pair']['dopaudit']}` ~ {', '.join(f'`{c}`' for c in item['pair']['prowler'])} | "
                     f"{item['pair']['align']} | {len(rows)} | {n['agree']} | {n['explained'] + n['UNEXPLAINED']} | "
                     f"{n['explained']} | {n['UNEXPLAINED']} | {n['n/a']} |")  # fmt: skip
    lines.append(f"| **Total** ({totals['pairs']} pairs) | | {totals['rows']} | {totals['agree']} | {totals['disagree']} | "
                 f"{totals['explained']} | {totals['UNEXPLAINED']} | {totals['n/a']} |")  # fmt: skip
    lines += ["", "Disagreements:", "", "| Pair | Resource | dopaudit | Prowler | Right | Why |", "| --- | --- | --- | --- | --- | --- |"]
    for item in out:
        for r in item["rows"]:
            if r["verdict"] in ("explained", "UNEXPLAINED"):
                e = r["explanation"] or {}
                why = e.get("reason", "UNEXPLAINED")
                if e.get("doc"):
                    why += f" ([AWS]({e['doc']}))"
                lines.append(f"| `{item['pair']['dopaudit']}` ~ {', '.join(item['pair']['prowler'])} | {cell(r['key'])} | "
                             f"{r['dopaudit']} | {r['prowler']} | {e.get('right', '?')} | {cell(why)} |")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", required=True, type=pathlib.Path)
    parser.add_argument("--run-dir", type=pathlib.Path)
    parser.add_argument("--markdown", type=pathlib.Path)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--list-prowler-checks", action="store_true")
    options = parser.parse_args()
    pairs, explanations = load_pairs(options.pairs)
    if options.list_prowler_checks:
        print(" ".join(sorted({c for p in pairs for c in p["prowler"]})))
        return 0
    if not options.run_dir:
        parser.error("--run-dir is required")
    run = Run(options.run_dir)
    out, totals = ledger(pairs, explanations, run)
    print_text(out, totals, run)
    if options.markdown:
        write_markdown(options.markdown, out, totals, run)
    (options.run_dir / "parity.json").write_text(json.dumps(
        [{"pair": i["pair"]["id"], "rows": [{k: v for k, v in r.items() if k != "explanation"} |
          {"right": (r["explanation"] or {}).get("right"), "reason": (r["explanation"] or {}).get("reason")}
          for r in i["rows"]]} for i in out], indent=1))  # fmt: skip
    return 1 if options.strict and totals["UNEXPLAINED"] else 0


if __name__ == "__main__":
    sys.exit(main())
