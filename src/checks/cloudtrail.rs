//! CloudTrail configuration checks (study section 21).
//!
//! `DescribeTrails` in a region also returns shadow copies of multi-region trails homed elsewhere, and
//! member accounts see their organization's trail. Per-trail checks therefore judge a trail once: in its
//! home region, in the account that owns it. Account-wide checks look at everything the account can see.

use std::collections::BTreeMap;

use serde_json::json;

use super::{At, Ctx, Outcome};
use crate::snapshot::{AccountSnapshot, CollectionError, Snapshot, Trail, TrailStatus};

/// Calls `judge` on each trail in its home region, in the account that owns it; a region whose trails
/// could not be listed gives one not-evaluated outcome.
fn per_home_trail(ctx: &Ctx<'_>, judge: impl Fn(At, &Trail) -> Outcome) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            match region.cloudtrail.get() {
                Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
                Ok(data) => out.extend(
                    data.trails
                        .iter()
                        .filter(|t| {
                            t.home_region == region.region && t.owner_account() == Some(account.account_id.as_str())
                        })
                        .map(|t| judge(At::new(&account.account_id, &region.region, t.arn.clone()), t)),
                ),
            }
        }
    }
    out
}

/// The status of a trail, read in its home region by whichever audited account could read it.
fn trail_status<'a>(snapshot: &'a Snapshot, arn: &str) -> Result<&'a TrailStatus, CollectionError> {
    let mut last_err = None;
    for account in &snapshot.accounts {
        for region in &account.regions {
            let Ok(data) = region.cloudtrail.get() else { continue };
            for t in data.trails.iter().filter(|t| t.arn == arn && t.home_region == region.region) {
                match t.status.get() {
                    Ok(s) => return Ok(s),
                    Err(e) => last_err = Some(e),
                }
            }
        }
    }
    Err(last_err.unwrap_or_else(|| CollectionError {
        kind: crate::snapshot::ErrorKind::NotCollected,
        code: "NotCollected".into(),
        message: format!("the status of {arn} was not read in its home region"),
        permission: Some("cloudtrail:GetTrailStatus".into()),
    }))
}

/// Every trail the account can see (own, shadow and organization trails), once each, or the error of the
/// first region that could not be listed when none could.
fn visible_trails(account: &AccountSnapshot) -> Result<Vec<&Trail>, CollectionError> {
    let mut trails = BTreeMap::new();
    let mut first_err = None;
    let mut any_ok = false;
    for region in &account.regions {
        match region.cloudtrail.get() {
            Ok(d) => {
                any_ok = true;
                for t in &d.trails {
                    trails.entry(t.arn.as_str()).or_insert(t);
                }
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match (any_ok, first_err) {
        (false, Some(e)) => Err(e),
        _ => Ok(trails.into_values().collect()),
    }
}

pub fn multi_region_trail(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let trails = match visible_trails(account) {
                Ok(t) => t,
                Err(e) => return at.not_evaluated(&e),
            };
            let multi: Vec<(&Trail, Result<&TrailStatus, CollectionError>)> = trails
                .into_iter()
                .filter(|t| t.is_multi_region)
                .map(|t| (t, trail_status(ctx.snapshot, &t.arn)))
                .collect();
            let evidence = json!({
                "multi_region_trails": multi.iter().map(|(t, s)| json!({
                    "arn": t.arn,
                    "is_logging": s.as_ref().ok().map(|s| s.is_logging),
                })).collect::<Vec<_>>(),
            });
            if let Some((t, _)) = multi.iter().find(|(_, s)| s.as_ref().is_ok_and(|s| s.is_logging)) {
                return at.pass(format!("multi-region trail {} is logging", t.name), evidence);
            }
            if multi.is_empty() {
                return at.fail(
                    "no multi-region trail: API activity in regions without a trail of their own is not recorded"
                        .into(),
                    evidence,
                );
            }
            if let Some((t, Err(e))) = multi.iter().find(|(_, s)| s.is_err()) {
                return at.unknown(
                    format!("could not read whether multi-region trail {} is logging: {}", t.name, e.brief()),
                    evidence,
                );
            }
            let names: Vec<&str> = multi.iter().map(|(t, _)| t.name.as_str()).collect();
            at.fail(format!("multi-region trail {} exists but logging is stopped", names.join(", ")), evidence)
        })
        .collect()
}

pub fn log_file_validation(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_home_trail(ctx, |at, t| {
        let evidence = json!({ "log_file_validation_enabled": t.log_file_validation_enabled });
        if t.log_file_validation_enabled {
            at.pass(format!("trail {} writes signed digest files", t.name), evidence)
        } else {
            at.fail(
                format!(
                    "trail {} has log file validation off: changes to or deletion of its logs cannot be proven",
                    t.name
                ),
                evidence,
            )
        }
    })
}

/// The digests and logs of the integrity window, verified as strict `validate-logs` does.
pub fn log_integrity(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_home_trail(ctx, |at, t| {
        if !t.log_file_validation_enabled {
            return at.skipped(
                format!("trail {} writes no digest files to verify (see cloudtrail-log-file-validation)", t.name),
                json!({ "log_file_validation_enabled": false }),
            );
        }
        let s = match t.integrity.get() {
            Ok(s) => s,
            Err(e) if e.kind == crate::snapshot::ErrorKind::NotCollected => {
                return at.skipped(
                    format!(
                        "trail {}: digests not verified (--integrity-window 0, or a snapshot without them)",
                        t.name
                    ),
                    json!({ "collection_error": e }),
                )
            }
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!(s);
        let window =
            format!("{} to {}", s.window_start.format("%Y-%m-%dT%H:%MZ"), s.window_end.format("%Y-%m-%dT%H:%MZ"));
        if s.digests_invalid + s.logs_invalid == 0 {
            at.pass(
                format!(
                    "trail {}: {} digest and {} log files valid from {window} ({})",
                    t.name,
                    s.digests_valid,
                    s.logs_valid,
                    s.regions.join(", ")
                ),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "trail {}: {} digest and {} log files INVALID from {window}, first {}",
                    t.name,
                    s.digests_invalid,
                    s.logs_invalid,
                    s.first_invalid.first().map_or("(none listed)", String::as_str)
                ),
                evidence,
            )
        }
    })
}

pub fn kms_encryption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_home_trail(ctx, |at, t| {
        let evidence = json!({ "kms_key_id": t.kms_key_id });
        match &t.kms_key_id {
            Some(key) => at.pass(format!("trail {} encrypts its logs with KMS key {key}", t.name), evidence),
            None => at.fail(format!("trail {} relies on S3-managed encryption, not a KMS key", t.name), evidence),
        }
    })
}

pub fn cloudwatch_logs(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_home_trail(ctx, |at, t| {
        let evidence = json!({
            "cloud_watch_logs_log_group_arn": t.cloud_watch_logs_log_group_arn,
            "cloud_watch_logs_role_arn": t.cloud_watch_logs_role_arn,
        });
        match (&t.cloud_watch_logs_log_group_arn, &t.cloud_watch_logs_role_arn) {
            (Some(group), Some(_)) => at.pass(format!("trail {} also delivers to log group {group}", t.name), evidence),
            (Some(_), None) => at.fail(format!("trail {} names a log group but no delivery role", t.name), evidence),
            _ => at.fail(
                format!(
                    "trail {} does not deliver to CloudWatch Logs: no metric filters or alarms on its events",
                    t.name
                ),
                evidence,
            ),
        }
    })
}

pub fn delivery_errors(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_home_trail(ctx, |at, t| {
        let status = match t.status.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        let errors: Vec<(&str, &str)> = [
            ("S3 log delivery", status.latest_delivery_error.as_deref()),
            ("digest delivery", status.latest_digest_delivery_error.as_deref()),
            ("CloudWatch Logs delivery", status.latest_cloud_watch_logs_delivery_error.as_deref()),
            ("SNS notification", status.latest_notification_error.as_deref()),
        ]
        .into_iter()
        .filter_map(|(what, e)| Some((what, e.filter(|e| !e.is_empty())?)))
        .collect();
        let evidence = json!({
            "latest_delivery_error": status.latest_delivery_error,
            "latest_digest_delivery_error": status.latest_digest_delivery_error,
            "latest_cloud_watch_logs_delivery_error": status.latest_cloud_watch_logs_delivery_error,
            "latest_notification_error": status.latest_notification_error,
            "latest_delivery_time": status.latest_delivery_time,
        });
        if errors.is_empty() {
            at.pass(format!("trail {} reports no delivery errors", t.name), evidence)
        } else {
            let list: Vec<String> = errors.iter().map(|(what, e)| format!("{what}: {e}")).collect();
            at.fail(format!("trail {} is failing to deliver ({})", t.name, list.join("; ")), evidence)
        }
    })
}

pub fn organization_trail(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let org = match account.organization.get() {
                Ok(Some(org)) => org,
                Ok(None) => return at.skipped("not applicable: the account is not in an organization".into(), json!({})),
                Err(e) => return at.not_evaluated(&e),
            };
            let trails = match visible_trails(account) {
                Ok(t) => t,
                Err(e) => return at.not_evaluated(&e),
            };
            let org_trails: Vec<(&Trail, Option<bool>)> = trails
                .into_iter()
                .filter(|t| t.is_organization_trail)
                .map(|t| (t, trail_status(ctx.snapshot, &t.arn).ok().map(|s| s.is_logging)))
                .collect();
            let evidence = json!({
                "organization_id": org.id,
                "organization_trails": org_trails.iter().map(|(t, logging)| json!({"arn": t.arn, "is_logging": logging})).collect::<Vec<_>>(),
            });
            match org_trails.iter().find(|(_, logging)| *logging != Some(false)) {
                Some((t, _)) => at.pass(format!("organization trail {} covers this account", t.name), evidence),
                None if org_trails.is_empty() => at.fail(
                    format!("no organization trail covers this account of {}: each account must keep its own trail, and members can stop it", org.id),
                    evidence,
                ),
                None => at.fail(format!("the organization trail of {} exists but logging is stopped", org.id), evidence),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{CloudTrailData, Collected};

    fn trail(name: &str, owner: &str, home: &str) -> Trail {
        Trail {
            name: name.into(),
            arn: format!("arn:aws:cloudtrail:{home}:{owner}:trail/{name}"),
            home_region: home.into(),
            s3_bucket_name: Some("logs".into()),
            s3_key_prefix: None,
            is_multi_region: true,
            is_organization_trail: false,
            include_global_service_events: true,
            log_file_validation_enabled: true,
            kms_key_id: Some("arn:aws:kms:us-east-1:111111111111:key/k".into()),
            cloud_watch_logs_log_group_arn: Some("arn:aws:logs:us-east-1:111111111111:log-group:ct".into()),
            cloud_watch_logs_role_arn: Some("arn:aws:iam::111111111111:role/ct".into()),
            status: Collected::ok(TrailStatus { is_logging: true, ..Default::default() }),
            event_selectors: Collected::NotCollected,
            integrity: Collected::NotCollected,
        }
    }

    /// One account, two regions; the trail homed in us-east-1 is shadowed into eu-west-1.
    fn with_trails(trails: Vec<Trail>, org: Option<&str>) -> Snapshot {
        let regions = ["us-east-1", "eu-west-1"]
            .iter()
            .map(|r| {
                let mut reg = region(r);
                let visible = trails.iter().filter(|t| t.is_multi_region || t.home_region == *r).cloned().collect();
                reg.cloudtrail = Collected::ok(CloudTrailData { trails: visible, buckets: vec![] });
                reg
            })
            .collect();
        snapshot(vec![account(ACCT, org, regions)])
    }

    fn statuses(outcomes: &[Outcome]) -> Vec<Status> {
        outcomes.iter().map(|o| o.status).collect()
    }

    fn run(f: super::super::Evaluator, snap: &Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    #[test]
    fn multi_region_trail_cases() {
        let stopped = Trail {
            status: Collected::ok(TrailStatus { is_logging: false, ..Default::default() }),
            ..trail("t", ACCT, "us-east-1")
        };
        let single = Trail { is_multi_region: false, ..trail("t", ACCT, "us-east-1") };
        let denied_status = Trail {
            status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") },
            ..trail("t", ACCT, "us-east-1")
        };
        let cases: Vec<(&str, Vec<Trail>, Status, &str)> = vec![
            ("logging", vec![trail("t", ACCT, "us-east-1")], Status::Pass, "is logging"),
            ("stopped", vec![stopped], Status::Fail, "logging is stopped"),
            ("single-region only", vec![single], Status::Fail, "no multi-region trail"),
            ("none", vec![], Status::Fail, "no multi-region trail"),
            ("status denied", vec![denied_status], Status::Unknown, "cloudtrail:GetTrailStatus"),
        ];
        for (name, trails, want, text) in cases {
            let out = run(multi_region_trail, &with_trails(trails, None));
            assert_eq!(statuses(&out), vec![want], "{name}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
            assert_eq!(out[0].region, super::super::GLOBAL);
        }
    }

    #[test]
    fn log_integrity_cases() {
        let summary = |digests_invalid: usize, logs_invalid: usize| crate::snapshot::IntegritySummary {
            window_start: chrono::DateTime::UNIX_EPOCH,
            window_end: chrono::DateTime::UNIX_EPOCH + chrono::Duration::hours(24),
            regions: vec!["us-east-1".into()],
            digests_valid: 24 - digests_invalid,
            digests_invalid,
            logs_valid: 100,
            logs_invalid,
            first_invalid: (0..digests_invalid + logs_invalid).map(|i| format!("s3://logs/k{i}: not found")).collect(),
        };
        let with = |integrity: Collected<crate::snapshot::IntegritySummary>| Trail {
            integrity,
            ..trail("t", ACCT, "us-east-1")
        };
        let cases: Vec<(&str, Trail, Status, &str)> = vec![
            ("clean", with(Collected::ok(summary(0, 0))), Status::Pass, "24 digest and 100 log files valid"),
            ("deleted digest", with(Collected::ok(summary(1, 0))), Status::Fail, "first s3://logs/k0: not found"),
            ("edited log", with(Collected::ok(summary(0, 1))), Status::Fail, "0 digest and 1 log files INVALID"),
            (
                "keys denied",
                with(Collected::Error { error: denied("cloudtrail:ListPublicKeys") }),
                Status::Unknown,
                "cloudtrail:ListPublicKeys",
            ),
            ("window 0", with(Collected::NotCollected), Status::Skipped, "--integrity-window 0"),
            (
                "validation off",
                Trail { log_file_validation_enabled: false, ..with(Collected::ok(summary(0, 0))) },
                Status::Skipped,
                "writes no digest files",
            ),
        ];
        for (name, t, want, text) in cases {
            let out = run(log_integrity, &with_trails(vec![t], None));
            assert_eq!(statuses(&out), vec![want], "{name}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
    }

    #[test]
    fn describe_trails_denied_everywhere_is_unknown() {
        let mut snap = with_trails(vec![], None);
        for r in &mut snap.accounts[0].regions {
            r.cloudtrail = Collected::Error { error: denied("cloudtrail:DescribeTrails") };
        }
        for f in [multi_region_trail, log_file_validation, organization_trail] {
            let out = run(f, &snap);
            assert!(out.iter().all(|o| o.status == Status::Unknown || o.status == Status::Skipped), "{out:?}");
        }
        let out = run(multi_region_trail, &snap);
        assert!(out[0].message.contains("missing permission cloudtrail:DescribeTrails"), "{}", out[0].message);
    }

    #[test]
    fn per_trail_checks_judge_home_trails_once() {
        let bare = Trail {
            log_file_validation_enabled: false,
            kms_key_id: None,
            cloud_watch_logs_log_group_arn: None,
            cloud_watch_logs_role_arn: None,
            ..trail("bare", ACCT, "us-east-1")
        };
        let foreign = Trail { is_organization_trail: true, ..trail("org", MGMT, "us-east-1") };
        let snap = with_trails(vec![trail("good", ACCT, "us-east-1"), bare, foreign], None);
        for f in [log_file_validation, kms_encryption, cloudwatch_logs] {
            let out = run(f, &snap);
            // good passes, bare fails; the shadow copy in eu-west-1 and the management account's trail are not judged here.
            let mut got: Vec<(String, Status)> = out.iter().map(|o| (o.resource.clone(), o.status)).collect();
            got.sort();
            assert_eq!(
                got,
                vec![
                    (format!("arn:aws:cloudtrail:us-east-1:{ACCT}:trail/bare"), Status::Fail),
                    (format!("arn:aws:cloudtrail:us-east-1:{ACCT}:trail/good"), Status::Pass),
                ]
            );
        }
    }

    #[test]
    fn cloudwatch_logs_without_role_fails() {
        let t = Trail { cloud_watch_logs_role_arn: None, ..trail("t", ACCT, "us-east-1") };
        let out = run(cloudwatch_logs, &with_trails(vec![t], None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("no delivery role"));
    }

    #[test]
    fn delivery_error_cases() {
        let failing = Trail {
            status: Collected::ok(TrailStatus {
                is_logging: true,
                latest_delivery_error: Some("AccessDenied".into()),
                latest_digest_delivery_error: Some("".into()),
                ..Default::default()
            }),
            ..trail("t", ACCT, "us-east-1")
        };
        let out = run(delivery_errors, &with_trails(vec![failing], None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("S3 log delivery: AccessDenied") && !out[0].message.contains("digest"),
            "{}",
            out[0].message
        );

        let out = run(delivery_errors, &with_trails(vec![trail("t", ACCT, "us-east-1")], None));
        assert_eq!(statuses(&out), vec![Status::Pass]);

        let denied_status = Trail {
            status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") },
            ..trail("t", ACCT, "us-east-1")
        };
        let out = run(delivery_errors, &with_trails(vec![denied_status], None));
        assert_eq!(statuses(&out), vec![Status::Unknown]);
    }

    #[test]
    fn organization_trail_cases() {
        let org_trail = Trail { is_organization_trail: true, ..trail("org", MGMT, "us-east-1") };
        let cases: Vec<(&str, Vec<Trail>, Option<&str>, Status)> = vec![
            ("not in an organization", vec![], None, Status::Skipped),
            ("member covered", vec![org_trail.clone()], Some(MGMT), Status::Pass),
            ("member not covered", vec![trail("own", ACCT, "us-east-1")], Some(MGMT), Status::Fail),
        ];
        for (name, trails, org, want) in cases {
            let out = run(organization_trail, &with_trails(trails, org));
            assert_eq!(statuses(&out), vec![want], "{name}");
        }
        let stopped = Trail { status: Collected::ok(TrailStatus::default()), ..org_trail };
        let out = run(organization_trail, &with_trails(vec![stopped], Some(MGMT)));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("logging is stopped"));

        let mut snap = with_trails(vec![], Some(MGMT));
        snap.accounts[0].organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
        let out = run(organization_trail, &snap);
        assert_eq!(statuses(&out), vec![Status::Unknown]);
    }
}
