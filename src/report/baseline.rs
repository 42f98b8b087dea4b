//! Comparing a report with an earlier one (`--baseline`), and joining shard reports (`dopaudit merge`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{BaselineMark, FixedFinding, Report, Scope, Status};
use crate::notes::Catalogue;

type Place = (String, String, String, String);

fn place(check: &str, account: &str, region: &str, resource: &str) -> Place {
    (check.to_string(), account.to_string(), region.to_string(), resource.to_string())
}

/// Marks each failing, unknown or suppressed finding `new` or `existing` (the same check on the same resource was
/// failing, unknown or suppressed in the baseline), and lists the baseline's failing findings that no longer fail.
pub fn apply_baseline(report: &mut Report, baseline: &Report) {
    let open = |s: Status| matches!(s, Status::Fail | Status::Unknown | Status::Suppressed);
    let before: BTreeSet<Place> = baseline
        .findings
        .iter()
        .filter(|f| open(f.status))
        .map(|f| place(&f.check_id, &f.account, &f.region, &f.resource))
        .collect();
    let failing_now: BTreeSet<Place> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| place(&f.check_id, &f.account, &f.region, &f.resource))
        .collect();
    for f in report.findings.iter_mut().filter(|f| open(f.status)) {
        let known = before.contains(&place(&f.check_id, &f.account, &f.region, &f.resource));
        f.baseline = Some(if known { BaselineMark::Existing } else { BaselineMark::New });
    }
    report.fixed = Some(
        baseline
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .filter(|f| !failing_now.contains(&place(&f.check_id, &f.account, &f.region, &f.resource)))
            .map(|f| FixedFinding {
                check_id: f.check_id.clone(),
                title: f.title.clone(),
                severity: f.severity,
                account: f.account.clone(),
                region: f.region.clone(),
                resource: f.resource.clone(),
            })
            .collect(),
    );
}

/// Joins reports of disjoint shards (OUs, account lists) into one: findings concatenated (a finding present in
/// several shards is kept once), scope united, summary recomputed. Returns the report and how many duplicate
/// findings were dropped.
pub fn merge(catalogue: &Catalogue, reports: &[Report], now: DateTime<Utc>) -> (Report, usize) {
    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    let mut duplicates = 0;
    for r in reports {
        for f in &r.findings {
            if !seen.insert(place(&f.check_id, &f.account, &f.region, &f.resource)) {
                duplicates += 1;
                continue;
            }
            findings.push(f.clone());
        }
    }
    let unite = |get: &dyn Fn(&Report) -> &Vec<String>| -> Vec<String> {
        reports.iter().flat_map(|r| get(r).iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect()
    };
    let sources: BTreeSet<&str> = reports.iter().map(|r| r.scope.source.as_str()).collect();
    let orgs: BTreeSet<Option<&String>> = reports.iter().map(|r| r.scope.organization_id.as_ref()).collect();
    let scope = Scope {
        source: if sources.len() == 1 {
            sources.into_iter().next().unwrap_or("merged").into()
        } else {
            "merged".into()
        },
        snapshot_path: None,
        snapshot_generated_at: reports.iter().map(|r| r.scope.snapshot_generated_at).min().unwrap_or(now),
        organization_id: if orgs.len() == 1 { orgs.into_iter().next().flatten().cloned() } else { None },
        accounts: unite(&|r| &r.scope.accounts),
        regions: unite(&|r| &r.scope.regions),
        // Narrowed only when every part was: one full report makes the whole merge full.
        services: if reports.iter().any(|r| r.scope.services.is_empty()) {
            Vec::new()
        } else {
            unite(&|r| &r.scope.services)
        },
    };
    (Report::assemble(catalogue, scope, findings, now), duplicates)
}
