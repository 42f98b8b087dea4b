//! Snapshots of every output format, small enough to review, and the demo's summary by counts.
//!
//! What is covered:
//! - [`canonical_report`]: twelve findings built here, over a tiny catalogue section
//!   (`tests/report_snapshots_catalogue.toml`, loaded with the real exam frame) so that editing a real check or
//!   note does not touch these snapshots. The findings cover every status (fail, unknown, suppressed with and
//!   without an expiry, skipped, pass), every severity, two accounts and three regions (with `global`), findings
//!   about the account itself, evidence, a fix with CLI and CloudFormation, an expired suppression (a finding with
//!   no catalogue check), a baseline (new and existing marks, one fixed finding), and text that every format must
//!   escape: `<script>`, `&`, quotes, a comma, a line break, `|`, backticks and a leading `=` (a spreadsheet
//!   formula). Each format is snapshotted on it (the table with and without `--explain`), and the Markdown also
//!   without a baseline, since its tables change shape with one.
//! - [`hostile_text_stays_text_in_every_format`]: the canonical report with markup, table breaks and formulas in
//!   every name, message, suppression reason and piece of evidence, through every format: no hostile text becomes
//!   live markup (HTML, Markdown), breaks a row or a record (Markdown, CSV) or runs as a formula (CSV), and the
//!   machine-readable formats (JSON, SARIF, JUnit) parse and give the text back.
//! - [`demo_summary_by_counts`]: the embedded demo by its counts, a reviewed literal. That every check gives every
//!   demo account a finding is asserted in `src/checks/mod.rs` (`assert_every_check_speaks`).
//!
//! Reviewing an intended change to an output: `cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test report_snapshots` and then `git diff tests/snapshots/`. A change to the
//! demo's counts is edited into the literal by hand, after reading why the numbers moved.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use dopaudit::checks::{evaluate, registry};
use dopaudit::config::Config;
use dopaudit::notes::{Catalogue, Severity};
use dopaudit::report::baseline::apply_baseline;
use dopaudit::report::{decide, render, Finding, Format, RenderOptions, Report, Scope, Source, Status, Verdict};
use dopaudit::snapshot::Snapshot;
use serde_json::{json, Value};

const A: &str = "111111111111";
const B: &str = "222222222222";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap()
}

/// The real frame (exam domains and topics) with the fixture section.
fn catalogue() -> Catalogue {
    Catalogue::from_files(&[
        ("catalogue.toml", include_str!("../checks/catalogue.toml")),
        ("01-fixture.toml", include_str!("report_snapshots_catalogue.toml")),
    ])
    .unwrap()
}

/// A finding of a catalogue check, carrying the check's metadata the way `evaluate` attaches it.
fn finding(
    cat: &Catalogue,
    check: &str,
    status: Status,
    (account, region, resource): (&str, &str, &str),
    message: &str,
    evidence: Value,
) -> Finding {
    let meta = cat.check(check).unwrap();
    Finding {
        check_id: meta.id.clone(),
        title: meta.title.clone(),
        status,
        severity: meta.severity,
        domains: meta.domains.clone(),
        account: account.into(),
        region: region.into(),
        resource: resource.into(),
        message: message.into(),
        evidence,
        notes: meta.notes.clone(),
        remediation: meta.remediation.clone(),
        suppression: None,
        baseline: None,
    }
}

fn scope() -> Scope {
    Scope {
        source: "snapshot".into(),
        snapshot_path: Some("snapshots/acme & co.json".into()),
        snapshot_generated_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        organization_id: Some("o-a1b2c3d4e5".into()),
        accounts: vec![A.into(), B.into()],
        regions: vec!["eu-west-1".into(), "us-east-1".into()],
        services: vec![],
    }
}

/// Suppressions applied through the real configuration path: one active with an expiry, one without, one expired.
const CONFIG: &str = r#"
[[suppressions]]
check = "fixture-stack-drift"
account = "111111111111"
reason = "owned by team <api> | ticket OPS-12, \"fixed\" in Q1"
expires = 2027-01-31

[[suppressions]]
check = "fixture-log-retention"
account = "222222222222"
region = "us-east-1"
reason = "region being decommissioned"

[[suppressions]]
check = "fixture-log-retention"
account = "111111111111"
region = "us-east-1"
reason = "until the log pipeline lands"
expires = 2026-06-30
"#;

/// The canonical report, with a baseline applied. `baseline: false` leaves it without one.
fn canonical_report(cat: &Catalogue, baseline: bool) -> Report {
    use Status::*;
    let trail = "fixture-trail-multi-region";
    let pipeline = "fixture-pipeline-approval";
    let drift = "fixture-stack-drift";
    let retention = "fixture-log-retention";
    let contact = "fixture-account-contact";
    let mut findings = vec![
        finding(
            cat,
            trail,
            Fail,
            (A, "global", A),
            "no multi-Region trail is logging; 2 single-Region trails are",
            json!({ "trails": [
                { "name": "us-only", "home_region": "us-east-1", "multi_region": false, "logging": true },
                { "name": "eu-only", "home_region": "eu-west-1", "multi_region": false, "logging": true },
            ]}),
        ),
        finding(
            cat,
            trail,
            Pass,
            (B, "global", "arn:aws:cloudtrail:eu-west-1:222222222222:trail/main"),
            "trail main is multi-Region and logging",
            json!({ "multi_region": true, "logging": true }),
        ),
        finding(
            cat,
            pipeline,
            Fail,
            (B, "eu-west-1", "arn:aws:codepipeline:eu-west-1:222222222222:<script>alert(\"pwned\")</script>"),
            "stage \"Deploy | Prod\" deploys without an approval, then runs `rollback`, *twice*\n\
             second line: A & B <b>bold</b> [link](https://example.com) #1",
            json!({ "stages": ["Source", "Build", "Deploy | Prod"], "approval": null, "note": "<&>\"'" }),
        ),
        finding(
            cat,
            pipeline,
            Unknown,
            (A, "us-east-1", "arn:aws:codepipeline:us-east-1:111111111111:web"),
            "could not read the pipeline: codepipeline:GetPipeline was denied (AccessDenied)",
            json!({ "error": { "code": "AccessDenied", "permission": "codepipeline:GetPipeline" } }),
        ),
        finding(
            cat,
            drift,
            Fail,
            (A, "us-east-1", "arn:aws:cloudformation:us-east-1:111111111111:stack/api/1a2b"),
            "stack api has drifted: 2 resources differ from the template",
            json!({ "drifted": ["ApiFunction", "ApiRole"] }),
        ),
        finding(
            cat,
            drift,
            Fail,
            (B, "eu-west-1", "arn:aws:cloudformation:eu-west-1:222222222222:stack/web,eu/3c4d"),
            "=1+1 drifted, a message a spreadsheet must not run",
            json!({ "drifted": ["Bucket"] }),
        ),
        finding(
            cat,
            retention,
            Fail,
            (A, "us-east-1", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/api"),
            "log group keeps its logs forever (no retention set)",
            json!({ "retentionInDays": null }),
        ),
        finding(
            cat,
            retention,
            Unknown,
            (B, "us-east-1", "arn:aws:logs:us-east-1:222222222222:log-group:/ecs/legacy"),
            "could not read the log groups: logs:DescribeLogGroups was throttled",
            json!({ "error": { "code": "ThrottlingException" } }),
        ),
        finding(cat, retention, Skipped, (B, "eu-west-1", B), "no log groups in this account in eu-west-1", json!({})),
        finding(cat, contact, Fail, (A, "global", A), "no security contact is set", json!({ "security": null })),
        finding(
            cat,
            contact,
            Pass,
            (B, "global", B),
            "security contact: Sec Ops <secops@example.com>",
            json!({ "security": { "name": "Sec Ops", "email": "secops@example.com" } }),
        ),
    ];
    let config = Config::parse(CONFIG, "dopaudit.toml", cat).unwrap();
    config.apply(cat, &mut findings, now().date_naive());
    let mut report = Report::assemble(cat, scope(), findings, now());
    if baseline {
        let earlier = vec![
            finding(cat, trail, Fail, (A, "global", A), "as now", json!({})),
            finding(
                cat,
                drift,
                Suppressed,
                (A, "us-east-1", "arn:aws:cloudformation:us-east-1:111111111111:stack/api/1a2b"),
                "as now",
                json!({}),
            ),
            finding(
                cat,
                pipeline,
                Fail,
                (A, "us-east-1", "arn:aws:codepipeline:us-east-1:111111111111:legacy & <old>"),
                "since deleted",
                json!({}),
            ),
        ];
        let then = Utc.with_ymd_and_hms(2026, 11, 13, 9, 30, 0).unwrap();
        apply_baseline(&mut report, &Report::assemble(cat, scope(), earlier, then));
    }
    report
}

fn rendered(format: Format, explain: bool, baseline: bool) -> String {
    let cat = catalogue();
    let report = canonical_report(&cat, baseline);
    let opts = RenderOptions { color: false, explain, fail_on: Some(Severity::Low), strict: false, width: 120 };
    let mut out = Vec::new();
    render(&report, &cat, format, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap().replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn the_canonical_report_covers_what_it_claims() {
    let cat = catalogue();
    let report = canonical_report(&cat, true);
    let statuses: BTreeSet<Status> = report.findings.iter().map(|f| f.status).collect();
    assert_eq!(statuses, Status::ALL.into_iter().collect());
    let severities: BTreeSet<Severity> = report.findings.iter().map(|f| f.severity).collect();
    assert_eq!(severities, Severity::ALL.into_iter().collect());
    let suppressed: Vec<_> = report.findings.iter().filter_map(|f| f.suppression.as_ref()).collect();
    assert!(suppressed.iter().any(|s| s.expires.is_some()) && suppressed.iter().any(|s| s.expires.is_none()));
    assert!(report.findings.iter().any(|f| f.check_id == dopaudit::config::EXPIRED_CHECK));
    assert_eq!(report.fixed.as_ref().map(Vec::len), Some(1));
    assert_eq!(decide(&report, Severity::Low, false), Verdict::Failing);
    assert_eq!(report.findings.len(), 12);
}

#[test]
fn table() {
    insta::assert_snapshot!(rendered(Format::Table, false, true));
}

#[test]
fn table_with_explanations() {
    insta::assert_snapshot!(rendered(Format::Table, true, true));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(Format::Json, false, true));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(rendered(Format::Sarif, false, true));
}

#[test]
fn junit() {
    insta::assert_snapshot!(rendered(Format::Junit, false, true));
}

#[test]
fn csv() {
    insta::assert_snapshot!(rendered(Format::Csv, false, true));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(rendered(Format::Markdown, false, true));
}

#[test]
fn markdown_without_baseline() {
    insta::assert_snapshot!(rendered(Format::Markdown, false, false));
}

#[test]
fn html() {
    insta::assert_snapshot!(rendered(Format::Html, false, true));
}

/// The demo by its counts: (total, fail, unknown, suppressed, skipped, pass), then checks, accounts, regions.
#[test]
fn demo_summary_by_counts() {
    let cat = Catalogue::embedded().unwrap();
    let snap = Snapshot::demo().unwrap();
    let report = Report::generate(cat, &snap, &Source::Demo, evaluate(&snap, cat), now());
    let c = &report.summary.counts;
    assert_eq!((c.total, c.fail, c.unknown, c.suppressed, c.skipped, c.pass), (556, 154, 38, 0, 91, 273));
    let checks: BTreeSet<&str> = report.findings.iter().map(|f| f.check_id.as_str()).collect();
    assert_eq!((checks.len(), report.scope.accounts.len(), report.scope.regions.len()), (102, 3, 2));
    // Every registered check speaks on the demo, and the demo fails the audit (exit 1) at the default threshold.
    assert_eq!(checks.len(), registry().count());
    assert_eq!(decide(&report, Severity::Low, false), Verdict::Failing);
}

/// Text that is markup, a table break or a formula in one format or another. Each finding gets these in its
/// account, region, resource, message, title, suppression reason and evidence, in a different rotation, so every
/// field meets every payload somewhere; the scope's names get them too.
const HOSTILE: [&str; 6] = [
    "<script>alert(1)</script>",
    "=HYPERLINK(\"https://evil.example\",\"open\")",
    "+1 | <b>bold</b> | cell",
    "-2 & \"quoted\" 'single' <img src=x onerror=alert(2)>",
    "@SUM(A1) `tick` [link](javascript:alert(3))",
    "a | b\nsecond line </td></tr><tr><td>injected",
];

/// The tags and sequences of [`HOSTILE`] that would be live markup if they came through raw.
const RAW_MARKUP: [&str; 4] = ["<script", "<b>", "<img", "</td></tr><tr><td>"];

fn hostile_report(cat: &Catalogue) -> Report {
    let mut report = canonical_report(cat, true);
    let p = |i: usize| HOSTILE[i % HOSTILE.len()].to_string();
    for (i, f) in report.findings.iter_mut().enumerate() {
        f.account = p(i);
        f.region = p(i + 1);
        f.resource = p(i + 2);
        f.message = p(i + 3);
        f.title = p(i + 4);
        f.evidence = json!({ "tag": p(i + 5), p(i): [p(i + 1)] });
        if let Some(s) = &mut f.suppression {
            s.reason = p(i + 2);
        }
    }
    for (i, f) in report.fixed.iter_mut().flatten().enumerate() {
        (f.account, f.region, f.resource, f.title) = (p(i), p(i + 1), p(i + 2), p(i + 3));
    }
    let scope = &mut report.scope;
    scope.source = p(0);
    scope.snapshot_path = Some(p(5));
    scope.organization_id = Some(p(3));
    scope.accounts = HOSTILE.iter().map(|s| s.to_string()).collect();
    scope.regions = HOSTILE.iter().map(|s| s.to_string()).collect();
    report
}

fn render_hostile(report: &Report, cat: &Catalogue, format: Format) -> String {
    let opts = RenderOptions { color: false, explain: true, fail_on: Some(Severity::Low), strict: false, width: 120 };
    let mut out = Vec::new();
    render(report, cat, format, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `line` without its Markdown code spans (a run of backticks up to the next run of the same length), whose text
/// is shown as it is and never read as markup.
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let run = rest[start..].chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(run);
        let after = &rest[start + run..];
        // The closing run must be exactly as long: not part of a longer run.
        let close = after
            .match_indices(&fence)
            .find(|(at, _)| !after[..*at].ends_with('`') && !after[at + run..].starts_with('`'));
        match close {
            Some((at, _)) => rest = &after[at + run..],
            None => {
                out.push_str(&rest[start..start + run]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `|` that separate the cells of a Markdown table row: not escaped, not in a code span.
fn cell_separators(line: &str) -> usize {
    let mut n = 0;
    let mut backslashes = 0usize;
    for c in without_code_spans(line).chars() {
        if c == '|' && backslashes.is_multiple_of(2) {
            n += 1;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    n
}

/// The records of an RFC 4180 document (CRLF line ends, `"` quoting with `""` inside).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "the CSV ends with a whole record");
    records
}

/// Every format on a report whose every name and message is hostile: none lets the text become live markup, break
/// its structure (a table row, a CSV record, a JSON or XML document), or run as a spreadsheet formula, and the
/// machine-readable ones give the text back exactly.
#[test]
fn hostile_text_stays_text_in_every_format() {
    let cat = catalogue();
    let report = hostile_report(&cat);
    let n = report.findings.len();

    // Terminal table: plain text, nothing is markup; it renders and shows the text.
    let table = render_hostile(&report, &cat, Format::Table);
    assert!(table.contains("alert(1)"), "{table}");

    // HTML: the only <script> is the page's own; every hostile text is there, escaped; one row per finding.
    let html = render_hostile(&report, &cat, Format::Html);
    assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    assert!(html.trim_end().ends_with("</script>\n</body>\n</html>"));
    for raw in &RAW_MARKUP[1..] {
        assert!(!html.contains(raw), "raw {raw} in the HTML");
    }
    assert!(!html.contains("href=\"javascript"), "a javascript: link");
    for needle in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "+1 | &lt;b&gt;bold&lt;/b&gt; | cell",
        "-2 &amp; &quot;quoted&quot; &#39;single&#39; &lt;img src=x onerror=alert(2)&gt;",
        "a | b\nsecond line &lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;injected",
    ] {
        assert!(html.contains(needle), "{needle} is not in the HTML");
    }
    assert!(html.contains(r#"<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"#), "scope accounts escaped");
    assert_eq!(html.matches("<tr class=\"finding ").count(), n);

    // Markdown: every table row keeps its cell count; outside code spans no hostile tag is raw.
    let md = render_hostile(&report, &cat, Format::Markdown);
    let mut header_cells = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let cells = cell_separators(line);
            let expected = *header_cells.get_or_insert(cells);
            assert_eq!(cells, expected, "a row with another cell count: {line}");
            assert!(line.ends_with('|'), "a row broken over lines: {line}");
        } else {
            header_cells = None;
        }
        // Outside code spans, and with each backslash-escaped character (shown literally) taken out.
        let prose: String = {
            let mut chars = without_code_spans(line).chars().collect::<Vec<_>>().into_iter();
            let mut out = String::new();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else {
                    out.push(c);
                }
            }
            out
        };
        for raw in RAW_MARKUP {
            assert!(!prose.contains(raw), "raw {raw} outside a code span: {line}");
        }
        assert!(!prose.contains("](javascript:"), "a javascript: link: {line}");
    }
    assert!(md.contains("alert(1)"), "the hostile text is shown");

    // CSV: one record of eleven fields per finding; no field starts a formula; the text comes back whole.
    let csv = render_hostile(&report, &cat, Format::Csv);
    let records = csv_records(&csv);
    assert_eq!(records.len(), n + 1);
    for record in &records {
        assert_eq!(record.len(), 11, "{record:?}");
        for field in record {
            assert!(!field.starts_with(['=', '+', '-', '@']), "a formula: {field}");
        }
    }
    for (record, f) in records[1..].iter().zip(&report.findings) {
        let unguarded = |s: &str| s.strip_prefix('\'').unwrap_or(s).to_string();
        assert_eq!(
            [&record[4], &record[5], &record[6], &record[7]].map(|s| unguarded(s)),
            [&f.account, &f.region, &f.resource, &f.message].map(|s| s.to_string())
        );
    }

    // JSON: valid, and every text round-trips exactly.
    let json: Value = serde_json::from_str(&render_hostile(&report, &cat, Format::Json)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), n);
    for (j, f) in findings.iter().zip(&report.findings) {
        for (key, value) in [("account", &f.account), ("region", &f.region), ("resource", &f.resource)] {
            assert_eq!(j[key], json!(value), "{key}");
        }
        assert_eq!((&j["message"], &j["title"], &j["evidence"]), (&json!(f.message), &json!(f.title), &f.evidence));
    }
    assert_eq!(json["scope"]["accounts"], json!(HOSTILE));

    // SARIF: valid JSON, each result's message (fail, unknown and suppressed findings have one) given back exactly.
    let sarif: Value = serde_json::from_str(&render_hostile(&report, &cat, Format::Sarif)).unwrap();
    let messages: BTreeSet<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    for f in report.findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Unknown | Status::Suppressed))
    {
        let expected = format!("[{}] {}", f.status.as_str(), f.message);
        assert!(messages.contains(expected.as_str()), "{expected:?} not among {messages:?}");
    }

    // JUnit: well-formed XML, a test case per finding (per domain suite), a failure's text beginning with its message.
    let junit = render_hostile(&report, &cat, Format::Junit);
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|e| e.has_tag_name("testcase")).collect();
    assert!(cases.len() >= n, "{} test cases", cases.len());
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        let found = doc
            .descendants()
            .filter(|e| e.has_tag_name("failure"))
            .any(|e| e.text().is_some_and(|t| t.starts_with(&format!("{}\nseverity:", f.message))));
        assert!(found, "no failure reads {:?}", f.message);
    }
}
