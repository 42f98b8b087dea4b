//! SARIF 2.1.0 for code scanning: one rule per check (help text and the note's documentation as `helpUri`), one
//! result per failing, unknown or suppressed finding, located logically (account › region › resource: there are no
//! files), with a fingerprint that stays the same from run to run so alerts are tracked rather than re-opened.

use std::io::{self, Write};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::{Finding, Report, Status};
use crate::notes::{Catalogue, CheckMeta, Severity};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/dopaudit/dopaudit";

/// SARIF's level for a severity: high and critical are errors, medium warnings, the rest notes.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0–10) for a severity, which it shows as critical/high/medium/low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A fingerprint of where a finding is, not of what it says: the same check on the same resource matches across runs.
pub fn fingerprint(f: &Finding) -> String {
    let key = format!("{}\n{}\n{}\n{}", f.check_id, f.account, f.region, f.resource);
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn rule(catalogue: &Catalogue, c: &CheckMeta) -> Value {
    let notes: Vec<String> = c
        .notes
        .iter()
        .filter_map(|id| catalogue.note(id))
        .map(|n| format!("- {} ({}): {}", n.title, n.id, n.docs_url))
        .collect();
    let mut help = format!("{}\n\nHow to fix: {}", c.rationale, c.remediation.text);
    if let Some(cli) = &c.remediation.cli {
        help.push_str(&format!("\n\n    {cli}"));
    }
    help.push_str(&format!("\n\nStudy notes (`dopaudit explain {}`):\n{}", c.id, notes.join("\n")));
    let mut tags: Vec<String> = vec!["security".into(), "aws".into(), format!("study-section-{}", c.section.number)];
    tags.extend(c.domains.iter().map(|d| format!("dop-c02-domain-{d}")));
    let mut rule = json!({
        "id": c.id,
        "name": c.id,
        "shortDescription": { "text": c.title },
        "fullDescription": { "text": c.rationale },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(c.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(c.severity),
            "precision": "high",
            "notes": c.notes,
        },
    });
    if let Some(uri) = c.notes.first().and_then(|id| catalogue.note(id)).map(|n| n.docs_url.clone()) {
        rule["helpUri"] = json!(uri);
    }
    rule
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let kind = match f.status {
        Status::Fail | Status::Suppressed => "fail",
        // Could not be read: someone has to look; never a pass.
        _ => "review",
    };
    let level = if f.status == Status::Unknown { "note" } else { level(f.severity) };
    let resource = format!("{}/{}/{}", f.account, f.region, f.resource);
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": level,
        "message": { "text": format!("[{}] {}", f.status.as_str(), f.message) },
        "locations": [{
            // There is no file: code scanning still wants a physical location, so the place is named as a path.
            "physicalLocation": {
                "artifactLocation": { "uri": format!("aws/{}/{}", f.account, f.region), "uriBaseId": "AWS" },
                "region": { "startLine": 1 },
            },
            "logicalLocations": [
                { "name": f.account, "fullyQualifiedName": f.account, "kind": "namespace" },
                { "name": f.region, "fullyQualifiedName": format!("{}/{}", f.account, f.region), "kind": "namespace" },
                { "name": f.resource, "fullyQualifiedName": resource, "kind": "resource" },
            ],
        }],
        "partialFingerprints": { "dopauditFinding/v1": fingerprint(f) },
        "properties": {
            "status": f.status.as_str(),
            "severity": f.severity.as_str(),
            "account": f.account,
            "region": f.region,
            "resource": f.resource,
            "notes": f.notes,
            "evidence": f.evidence,
        },
    });
    if f.status == Status::Suppressed {
        result["suppressions"] = json!([{ "kind": "external", "status": "accepted" }]);
    }
    result
}

/// The SARIF log of a report: every check as a rule; the failing, unknown and suppressed findings as results.
pub fn to_sarif(report: &Report, catalogue: &Catalogue) -> Value {
    let mut rules: Vec<Value> = catalogue.checks.iter().map(|c| rule(catalogue, c)).collect();
    // Findings about dopaudit's own configuration (an expired suppression) have no catalogue check: one rule each.
    let mut extra: Vec<&str> = Vec::new();
    for f in report.findings.iter().filter(|f| catalogue.check(&f.check_id).is_none()) {
        if !extra.contains(&f.check_id.as_str()) {
            extra.push(&f.check_id);
            rules.push(json!({
                "id": f.check_id,
                "name": f.check_id,
                "shortDescription": { "text": f.title },
                "help": { "text": f.remediation.text },
                "defaultConfiguration": { "level": level(f.severity) },
                "properties": { "tags": ["dopaudit-configuration"] },
            }));
        }
    }
    let index = |id: &str| {
        catalogue
            .checks
            .iter()
            .position(|c| c.id == id)
            .or_else(|| extra.iter().position(|e| *e == id).map(|j| catalogue.checks.len() + j))
    };
    let results: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown | Status::Suppressed))
        .filter_map(|f| index(&f.check_id).map(|i| result(f, i)))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "dopaudit",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "automationDetails": { "id": "dopaudit/" },
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }],
            "results": results,
            "properties": { "summary": report.summary },
        }],
    })
}

pub fn render_sarif(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report, catalogue))?;
    writeln!(out)
}
