//! The Report: the one serializable result of an audit, and the output layer that renders it.
//!
//! `Report` *is* the JSON output (described by `reports/report.schema.json`); every other format is a
//! printer over a finished `Report`. Printers never evaluate and never call AWS. The exit decision lives
//! here, in one function, so every format agrees on it.

pub mod baseline;
pub mod catalogue_view;
pub mod csv;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod scp_view;
pub mod style;
pub mod table;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::notes::{Catalogue, Remediation, Severity};
use crate::snapshot::Snapshot;

/// Bumped when a field of the report is renamed or removed.
pub const REPORT_SCHEMA_VERSION: &str = "1.0";

/// The JSON Schema of the report, shipped with the binary.
pub const REPORT_SCHEMA: &str = include_str!("../../reports/report.schema.json");

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Unknown,
    Suppressed,
    Skipped,
    Pass,
}

impl Status {
    pub const ALL: [Status; 5] = [Self::Fail, Self::Unknown, Self::Suppressed, Self::Skipped, Self::Pass];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Unknown => "unknown",
            Self::Skipped => "skipped",
            Self::Suppressed => "suppressed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a check's verdict on one resource, with its evidence and the notes that explain it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub domains: Vec<u8>,
    pub account: String,
    /// An AWS region, or `global` for account-wide findings.
    pub region: String,
    /// The resource's ARN, or an id when it has no ARN (an account, a recorder name).
    pub resource: String,
    pub message: String,
    /// The observed values the verdict rests on.
    pub evidence: serde_json::Value,
    /// Study note ids; each resolves with `dopaudit explain`.
    pub notes: Vec<String>,
    /// The check's remediation, shared by its findings.
    pub remediation: std::sync::Arc<Remediation>,
    /// Why this finding is `suppressed` (a `dopaudit.toml` suppression that matched it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Against `--baseline`: whether the finding is new since the baseline or was already there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineMark>,
}

/// The suppression that matched a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    /// The last day it applies (UTC); absent means it never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<chrono::NaiveDate>,
    /// What the finding's status was before it was suppressed (`fail` or `unknown`).
    pub was: Status,
}

/// A finding's place relative to a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineMark {
    New,
    Existing,
}

/// A failing finding of the baseline that no longer fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedFinding {
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    pub account: String,
    pub region: String,
    pub resource: String,
}

/// Counts of findings by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub skipped: usize,
    pub suppressed: usize,
}

impl StatusCounts {
    fn add(&mut self, s: Status) {
        self.total += 1;
        *match s {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Unknown => &mut self.unknown,
            Status::Skipped => &mut self.skipped,
            Status::Suppressed => &mut self.suppressed,
        } += 1;
    }

    /// Passes over the findings that reached a verdict (pass or fail), when there are any.
    pub fn pass_rate(&self) -> Option<f64> {
        let decided = self.pass + self.fail;
        (decided > 0).then(|| self.pass as f64 / decided as f64)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainSummary {
    pub number: u8,
    pub name: String,
    pub weight: u8,
    #[serde(flatten)]
    pub counts: StatusCounts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Keyed by severity name (`critical` … `info`).
    pub by_severity: BTreeMap<Severity, StatusCounts>,
    pub by_domain: Vec<DomainSummary>,
}

/// What was audited.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scope {
    /// `demo`, `snapshot` or `live`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_path: Option<String>,
    pub snapshot_generated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// `--services`: only the checks about these services ran. Empty: every service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    pub scope: Scope,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// With `--baseline`: the baseline's failing findings that no longer fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Vec<FixedFinding>>,
}

/// Where the snapshot came from, for the report's scope.
#[derive(Debug, Clone)]
pub enum Source {
    Demo,
    Snapshot(String),
    Live,
}

impl Report {
    /// Builds the report from evaluated findings: sorts them (worst first) and counts them.
    pub fn generate(
        catalogue: &Catalogue,
        snapshot: &Snapshot,
        source: &Source,
        findings: Vec<Finding>,
        now: DateTime<Utc>,
    ) -> Report {
        let organization_id =
            snapshot.accounts.iter().find_map(|a| a.organization.get().ok()?.as_ref().map(|o| o.id.clone()));
        let (source_name, snapshot_path) = match source {
            Source::Demo => ("demo", None),
            Source::Snapshot(p) => ("snapshot", Some(p.clone())),
            Source::Live => ("live", None),
        };
        let scope = Scope {
            source: source_name.into(),
            snapshot_path,
            snapshot_generated_at: snapshot.generated_at,
            organization_id,
            accounts: snapshot.accounts.iter().map(|a| a.account_id.clone()).collect(),
            regions: snapshot.regions.clone(),
            services: Vec::new(),
        };
        Report::assemble(catalogue, scope, findings, now)
    }

    /// A report of these findings over this scope: sorted, counted, stamped with the versions.
    pub fn assemble(catalogue: &Catalogue, scope: Scope, mut findings: Vec<Finding>, now: DateTime<Utc>) -> Report {
        sort_findings(&mut findings);
        Report {
            schema_version: REPORT_SCHEMA_VERSION.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            generated_at: now,
            scope,
            summary: summarise(catalogue, &findings),
            findings,
            fixed: None,
        }
    }
}

/// The report's order: worst status first, then severity, check, account, region, resource.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.status, std::cmp::Reverse(a.severity), &a.check_id, &a.account, &a.region, &a.resource).cmp(&(
            b.status,
            std::cmp::Reverse(b.severity),
            &b.check_id,
            &b.account,
            &b.region,
            &b.resource,
        ))
    });
}

fn summarise(catalogue: &Catalogue, findings: &[Finding]) -> Summary {
    let mut counts = StatusCounts::default();
    let mut by_severity: BTreeMap<Severity, StatusCounts> =
        Severity::ALL.iter().map(|s| (*s, StatusCounts::default())).collect();
    let mut by_domain: Vec<DomainSummary> = catalogue
        .domains
        .iter()
        .map(|d| DomainSummary {
            number: d.number,
            name: d.name.clone(),
            weight: d.weight,
            counts: StatusCounts::default(),
        })
        .collect();
    for f in findings {
        counts.add(f.status);
        by_severity.entry(f.severity).or_default().add(f.status);
        for d in &f.domains {
            if let Some(ds) = by_domain.iter_mut().find(|ds| ds.number == *d) {
                ds.counts.add(f.status);
            }
        }
    }
    Summary { counts, by_severity, by_domain }
}

// ---- Exit decision ----------------------------------------------------------------------------------

/// What the audit means for the caller's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No unsuppressed finding at or above the threshold: exit 0.
    Clean,
    /// At least one: exit 1.
    Failing,
}

/// The one place that decides whether an audit fails: a `fail` at or above `fail_on`, or with `strict`,
/// an `unknown` at or above it. Suppressed and skipped findings never fail.
#[must_use]
pub fn decide(report: &Report, fail_on: Severity, strict: bool) -> Verdict {
    decide_where(report, fail_on, strict, false)
}

/// [`decide`], counting with `only_new` only the findings `--baseline` marked new (`--fail-on-new`).
#[must_use]
pub fn decide_where(report: &Report, fail_on: Severity, strict: bool, only_new: bool) -> Verdict {
    let counted = |f: &&Finding| !only_new || f.baseline == Some(BaselineMark::New);
    if report.findings.iter().filter(counted).any(|f| counts_against(f, fail_on, strict)) {
        Verdict::Failing
    } else {
        Verdict::Clean
    }
}

/// Whether one finding fails the audit under these settings.
pub fn counts_against(f: &Finding, fail_on: Severity, strict: bool) -> bool {
    f.severity >= fail_on && (f.status == Status::Fail || (strict && f.status == Status::Unknown))
}

// ---- Formats ----------------------------------------------------------------------------------------

/// The formats `audit` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table grouped by exam domain, for people.
    Table,
    /// The Report itself (reports/report.schema.json), for programs.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab): failing, unknown and suppressed findings.
    Sarif,
    /// JUnit XML, for CI test reports: a suite per exam domain, a test case per check and resource.
    Junit,
    /// CSV, a row per finding.
    Csv,
    /// Markdown for a CI step summary or a pull-request comment (kept under 1 MiB).
    Markdown,
    /// One self-contained HTML page: sortable, filterable findings, a chart per domain, the notes beside them.
    Html,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" | "txt" | "text" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "sarif" => Ok(Self::Sarif),
            "junit" | "xml" => Ok(Self::Junit),
            "csv" => Ok(Self::Csv),
            "md" | "markdown" => Ok(Self::Markdown),
            "html" | "htm" => Ok(Self::Html),
            other => {
                Err(format!("unknown format '{other}' (expected table, json, sarif, junit, csv, markdown or html)"))
            }
        }
    }
}

impl Format {
    /// The format implied by an output file's extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }
}

/// Options that change how a report is printed, not what it says.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub color: bool,
    /// Print each failing finding's note text under it.
    pub explain: bool,
    /// The threshold, echoed in the summary line.
    pub fail_on: Option<Severity>,
    pub strict: bool,
    /// Columns to lay the table out in.
    pub width: usize,
}

/// Writes a report in the given format.
pub fn render(
    report: &Report,
    catalogue: &Catalogue,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => render_json(report, out),
        Format::Table => table::render_table(report, catalogue, opts, out),
        Format::Sarif => sarif::render_sarif(report, catalogue, out),
        Format::Junit => junit::render_junit(report, catalogue, out),
        Format::Csv => csv::render_csv(report, out),
        Format::Markdown => markdown::render_markdown(report, catalogue, out),
        Format::Html => html::render_html(report, catalogue, out),
    }
}

pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// The collection's warnings, and unless `quiet` a one-line account of it, for stderr.
pub fn write_collection_notes(snapshot: &Snapshot, quiet: bool, err: &mut dyn Write) -> io::Result<()> {
    let Some(record) = &snapshot.collection else { return Ok(()) };
    for w in &record.warnings {
        writeln!(err, "dopaudit: warning: {w}")?;
    }
    // Printed even with --quiet: data is missing, and only --strict turns the `unknown` findings into a failing exit.
    for f in &record.task_failures {
        writeln!(err, "dopaudit: error: {f}")?;
    }
    if !quiet {
        let calls: u64 = record.calls.iter().map(|c| c.calls).sum();
        let retried: u64 = record.calls.iter().map(|c| c.attempts.saturating_sub(c.calls)).sum();
        let failed: u64 = record.calls.iter().map(|c| c.errors).sum();
        let unreachable = snapshot
            .accounts
            .iter()
            .filter(|a| a.error.as_ref().is_some_and(|e| e.code != crate::collect::TASK_FAILED))
            .count();
        let crashed = snapshot
            .accounts
            .iter()
            .filter(|a| a.error.as_ref().is_some_and(|e| e.code == crate::collect::TASK_FAILED))
            .count();
        let mut marks = Vec::new();
        if unreachable > 0 {
            marks.push(format!("{unreachable} unreachable"));
        }
        if crashed > 0 {
            marks.push(format!("{crashed} not collected: its collector task failed"));
        }
        let tasks = match record.task_failures.len() {
            0 => String::new(),
            n => format!("; {n} collector task(s) failed, their checks are unknown (--strict fails the audit on them)"),
        };
        writeln!(
            err,
            "dopaudit: collected {} account(s){} × {} region(s) as {} in {:.1}s: {calls} AWS calls, {retried} retries, {failed} failed{tasks}",
            snapshot.accounts.len(),
            if marks.is_empty() { String::new() } else { format!(" ({})", marks.join(", ")) },
            snapshot.regions.len(),
            record.caller_arn,
            record.duration_ms as f64 / 1000.0,
        )?;
    }
    Ok(())
}

/// The least-privilege IAM policy for a live audit; with opt-ins, the calls their flags add; with a role name,
/// also entering member accounts.
pub fn render_iam_policy(
    actions: &[String],
    opt_in: &[(&str, &[&str])],
    member_role: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut statements = vec![serde_json::json!({
        "Sid": "DopauditReadOnly",
        "Effect": "Allow",
        "Action": actions,
        "Resource": "*",
    })];
    // One statement per opt-in (`Sid`, actions), so a reviewer sees which flag needs which write.
    for (sid, actions) in opt_in {
        statements.push(serde_json::json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }));
    }
    if let Some(role) = member_role {
        statements.push(serde_json::json!({
            "Sid": "DopauditEnterMemberAccounts",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": format!("arn:aws:iam::*:role/{role}"),
        }));
    }
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "Version": "2012-10-17", "Statement": statements }))?;
    writeln!(out)
}

/// RFC 3339 in UTC to the second, the way every format prints times.
pub fn fmt_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status, severity: Severity) -> Finding {
        Finding {
            check_id: "svc-check".into(),
            title: "t".into(),
            status,
            severity,
            domains: vec![4],
            account: "111111111111".into(),
            region: "us-east-1".into(),
            resource: "r".into(),
            message: "m".into(),
            evidence: serde_json::json!({}),
            notes: vec![],
            remediation: Default::default(),
            suppression: None,
            baseline: None,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            schema_version: REPORT_SCHEMA_VERSION.into(),
            tool_version: "0".into(),
            generated_at: Utc::now(),
            scope: Scope {
                source: "demo".into(),
                snapshot_path: None,
                snapshot_generated_at: Utc::now(),
                organization_id: None,
                accounts: vec![],
                regions: vec![],
                services: vec![],
            },
            summary: Summary { counts: StatusCounts::default(), by_severity: BTreeMap::new(), by_domain: vec![] },
            findings,
            fixed: None,
        }
    }

    #[test]
    fn exit_decision_table() {
        use Severity::*;
        use Status::*;
        // (findings, fail_on, strict, expected)
        type Case = (Vec<(Status, Severity)>, Severity, bool, Verdict);
        let cases: Vec<Case> = vec![
            (vec![], Low, false, Verdict::Clean),
            (vec![(Pass, Critical)], Info, true, Verdict::Clean),
            (vec![(Fail, Low)], Low, false, Verdict::Failing),
            (vec![(Fail, Low)], Medium, false, Verdict::Clean),
            (vec![(Fail, High)], High, false, Verdict::Failing),
            (vec![(Fail, Info)], Low, false, Verdict::Clean),
            (vec![(Unknown, Critical)], Low, false, Verdict::Clean),
            (vec![(Unknown, Critical)], Low, true, Verdict::Failing),
            (vec![(Unknown, Low)], High, true, Verdict::Clean),
            (vec![(Suppressed, Critical)], Info, true, Verdict::Clean),
            (vec![(Skipped, Critical)], Info, true, Verdict::Clean),
            (vec![(Pass, High), (Fail, Medium)], Medium, false, Verdict::Failing),
        ];
        for (fs, fail_on, strict, want) in cases {
            let r = report(fs.iter().map(|(s, v)| finding(*s, *v)).collect());
            assert_eq!(decide(&r, fail_on, strict), want, "{fs:?} fail_on={fail_on} strict={strict}");
        }
    }

    #[test]
    fn counts_and_pass_rate() {
        let mut c = StatusCounts::default();
        for s in [Status::Pass, Status::Pass, Status::Fail, Status::Unknown] {
            c.add(s);
        }
        assert_eq!((c.total, c.pass, c.fail, c.unknown), (4, 2, 1, 1));
        assert_eq!(c.pass_rate(), Some(2.0 / 3.0));
        assert_eq!(StatusCounts::default().pass_rate(), None);
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::from_path("out/report.JSON".as_ref()), Some(Format::Json));
        assert_eq!(Format::from_path("r.txt".as_ref()), Some(Format::Table));
        for (name, format) in [
            ("r.sarif", Format::Sarif),
            ("junit.xml", Format::Junit),
            ("r.csv", Format::Csv),
            ("summary.md", Format::Markdown),
            ("r.html", Format::Html),
        ] {
            assert_eq!(Format::from_path(name.as_ref()), Some(format), "{name}");
        }
        assert_eq!(Format::from_path("r.docx".as_ref()), None);
        assert_eq!(Format::from_path("noextension".as_ref()), None);
    }
}
