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
