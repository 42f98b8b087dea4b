//! CloudTrail configuration checks (study section 21).
//!
//! `DescribeTrails` in a region also returns shadow copies of multi-region trails homed elsewhere, and
//! member accounts see their organization's trail. Per-trail checks therefore judge a trail once: in its
//! home region, in the account that owns it. Account-wide checks look at everything the account can see.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{At, Ctx, Outcome};
use crate::snapshot::{
    AccountSnapshot, Collected, CollectionError, ErrorKind, EventSelectors, Snapshot, Trail, TrailStatus,
};

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
    home_read(snapshot, arn, |t| &t.status, "status", "cloudtrail:GetTrailStatus")
}

/// The status of a trail that says whether it is logging: an answer without `IsLogging` decides nothing, so it is
/// an error here, never "stopped".
fn logging_status<'a>(snapshot: &'a Snapshot, arn: &str) -> Result<&'a TrailStatus, CollectionError> {
    trail_status(snapshot, arn).and_then(|s| logging_known(s, arn))
}

fn logging_known<'a>(s: &'a TrailStatus, arn: &str) -> Result<&'a TrailStatus, CollectionError> {
    match s.is_logging {
        Some(_) => Ok(s),
        None => Err(CollectionError {
            kind: ErrorKind::Other,
            code: "IsLoggingAbsent".into(),
            message: format!("the status of {arn} does not say whether it is logging"),
            permission: Some("cloudtrail:GetTrailStatus".into()),
        }),
    }
}

/// A delivery error counts as current when no delivery succeeded for this long before the audit.
const DELIVERY_ERROR_MAX_AGE_HOURS: i64 = 24;

/// A delivery error reported by `GetTrailStatus`, set against the channel's last success. AWS dates successes but not
/// errors, so an error beside a recent success may be an old one since repaired, or a new one since that success.
enum DeliveryError {
    /// No success for a day, or none ever: the channel is failing now.
    Current(String),
    /// A success within the day: which came last cannot be told.
    Unordered(String),
}

fn delivery_error(
    what: &str,
    error: Option<&str>,
    last_success: Option<chrono::DateTime<chrono::Utc>>,
    audit: chrono::DateTime<chrono::Utc>,
) -> Option<DeliveryError> {
    let error = error.map(str::trim).filter(|e| !e.is_empty())?;
    Some(match last_success {
        Some(t) if audit - t <= chrono::Duration::hours(DELIVERY_ERROR_MAX_AGE_HOURS) => {
            DeliveryError::Unordered(format!("{what}: {error} (yet one succeeded at {t})"))
        }
        Some(t) => DeliveryError::Current(format!(
            "{what}: {error} (last success {t}, more than {DELIVERY_ERROR_MAX_AGE_HOURS} hours before the audit)"
        )),
        None => DeliveryError::Current(format!("{what}: {error} (no successful delivery reported)")),
    })
}

/// The event selectors of a trail, read in its home region by the audited account that owns it.
fn trail_selectors<'a>(snapshot: &'a Snapshot, arn: &str) -> Result<&'a EventSelectors, CollectionError> {
    home_read(snapshot, arn, |t| &t.event_selectors, "event selectors", "cloudtrail:GetEventSelectors")
}

/// A per-trail read made in the trail's home region, found in whichever audited account holds it. A real error
/// (a denied call) wins over a copy that was never read; with neither, the error says which account owns the trail.
fn home_read<'a, T>(
    snapshot: &'a Snapshot,
    arn: &str,
    field: impl Fn(&'a Trail) -> &'a Collected<T>,
    what: &str,
    permission: &str,
) -> Result<&'a T, CollectionError> {
    let mut last_err: Option<CollectionError> = None;
    for account in &snapshot.accounts {
        for region in &account.regions {
            let Ok(data) = region.cloudtrail.get() else { continue };
            for t in data.trails.iter().filter(|t| t.arn == arn && t.home_region == region.region) {
                match field(t).get() {
                    Ok(s) => return Ok(s),
                    Err(e) if e.kind == ErrorKind::NotCollected => {}
                    Err(e) => last_err = Some(e),
                }
            }
        }
    }
    Err(last_err.unwrap_or_else(|| {
        let (region, owner) = {
            let mut parts = arn.split(':').skip(3);
            (parts.next().unwrap_or("?").to_string(), parts.next().unwrap_or("?").to_string())
        };
        CollectionError {
            kind: ErrorKind::NotCollected,
            code: "NotCollected".into(),
            message: format!(
                "no {what} read for {arn} (read in its home region {region} by its owner {owner}, which this snapshot does not cover there)"
            ),
            permission: Some(permission.into()),
        }
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

/// The services whose management events stand for "all of them" when judging selectors.
const CORE_SOURCES: [&str; 4] =
    ["ec2.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com", "cloudtrail.amazonaws.com"];
/// The event sources CloudTrail lets a trail leave out of its management events (high-volume KMS and RDS Data API
/// calls); leaving them out is reported, not failed.
const EXCLUDABLE_SOURCES: [&str; 2] = ["kms.amazonaws.com", "rdsdata.amazonaws.com"];

/// Whether a trail's event selectors record one management event: a read (`read_only`) or a write, from `source`.
/// Classic selectors: `IncludeManagementEvents` with a `ReadWriteType` that admits it and the source not excluded.
/// Advanced selectors: every field selector admits the event's `eventCategory` (`Management`), `readOnly` and
/// `eventSource`; a selector on any other field is about other events and records none of these.
fn records_management(selectors: &EventSelectors, read_only: bool, source: &str) -> bool {
    let basic = selectors.basic.iter().any(|s| {
        s.include_management_events
            && match s.read_write_type.as_str() {
                "All" => true,
                "ReadOnly" => read_only,
                "WriteOnly" => !read_only,
                _ => false,
            }
            && !s.exclude_management_event_sources.iter().any(|e| e == source)
    });
    let advanced = selectors.advanced.iter().any(|a| {
        !a.field_selectors.is_empty()
            && a.field_selectors.iter().all(|f| {
                let value = match f.field.as_str() {
                    "eventCategory" => "Management",
                    "readOnly" => {
                        if read_only {
                            "true"
                        } else {
                            "false"
                        }
                    }
                    "eventSource" => source,
                    _ => return false,
                };
                field_admits(f, value)
            })
    });
    basic || advanced
}

/// One advanced field selector against one value: each operator given is a condition (all must hold); the values of
/// a positive operator are alternatives, those of a negative operator are all excluded.
fn field_admits(f: &crate::snapshot::FieldSelector, value: &str) -> bool {
    let eq = |v: &String| v == value;
    (f.equals.is_empty() || f.equals.iter().any(eq))
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|p| value.starts_with(p.as_str())))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|p| value.ends_with(p.as_str())))
        && !f.not_equals.iter().any(eq)
        && !f.not_starts_with.iter().any(|p| value.starts_with(p.as_str()))
        && !f.not_ends_with.iter().any(|p| value.ends_with(p.as_str()))
}

/// What a trail's selectors leave out of the management events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum MissingManagement {
    #[error("records data events only, no management events")]
    DataOnly,
    #[error("records no management events")]
    Nothing,
    #[error("records read-only management events only: write calls are not recorded")]
    ReadOnly,
    #[error("records write-only management events: read calls are not recorded")]
    WriteOnly,
    #[error("records the management events of only some services or of one side (read or write)")]
    Partly,
}

/// The management events a trail's selectors record: `Ok` with the left-out sources when reads and writes of every
/// service are recorded, or `Err` with what is missing.
fn management_events(selectors: &EventSelectors) -> Result<Vec<&'static str>, MissingManagement> {
    let all = |read_only: bool| CORE_SOURCES.iter().all(|s| records_management(selectors, read_only, s));
    let any = |read_only: bool| CORE_SOURCES.iter().any(|s| records_management(selectors, read_only, s));
    if all(true) && all(false) {
        return Ok(EXCLUDABLE_SOURCES
            .into_iter()
            .filter(|s| !(records_management(selectors, true, s) && records_management(selectors, false, s)))
            .collect());
    }
    let data_events = selectors.basic.iter().any(|s| !s.data_resources.is_empty())
        || selectors.advanced.iter().any(|a| {
            a.field_selectors.iter().any(|f| f.field == "eventCategory" && f.equals.iter().any(|v| v != "Management"))
        });
    Err(match (any(true), any(false)) {
        (false, false) if data_events => MissingManagement::DataOnly,
        (false, false) => MissingManagement::Nothing,
        (true, false) if all(true) => MissingManagement::ReadOnly,
        (false, true) if all(false) => MissingManagement::WriteOnly,
        _ => MissingManagement::Partly,
    })
}

/// Whether a multi-region trail records what the check needs: logging, with management events read and write.
enum TrailVerdict {
    /// The sources it leaves out, if any.
    Good(Vec<&'static str>),
    Bad(Vec<String>),
    Undecided(CollectionError),
}

fn judge_multi_region(snapshot: &Snapshot, t: &Trail) -> (TrailVerdict, Value) {
    let status = logging_status(snapshot, &t.arn);
    let selectors = trail_selectors(snapshot, &t.arn);
    let management = selectors.as_ref().ok().map(|s| management_events(s));
    let errors: Vec<&CollectionError> =
        [status.as_ref().err(), selectors.as_ref().err()].into_iter().flatten().collect();
    let evidence = json!({
        "arn": t.arn,
        "is_logging": status.as_ref().ok().and_then(|s| s.is_logging),
        "management_events": match &management {
            Some(Ok(excluded)) if excluded.is_empty() => json!("read and write"),
            Some(Ok(excluded)) => json!(format!("read and write, except {}", excluded.join(", "))),
            Some(Err(why)) => json!(why.to_string()),
            None => Value::Null,
        },
        "event_selectors": selectors.as_ref().ok(),
        "collection_errors": errors,
    });
    let mut problems = Vec::new();
    if let Ok(s) = &status {
        if s.is_logging == Some(false) {
            problems.push("logging is stopped".to_string());
        }
    }
    if let Some(Err(why)) = &management {
        problems.push(why.to_string());
    }
    let verdict = match (&status, &selectors) {
        _ if !problems.is_empty() => TrailVerdict::Bad(problems),
        (Err(e), _) | (_, Err(e)) => TrailVerdict::Undecided(e.clone()),
        // No problem found: the selectors record management events both ways.
        (Ok(_), Ok(s)) => TrailVerdict::Good(management_events(s).unwrap_or_default()),
    };
    (verdict, evidence)
}

/// An account counts as covered when some multi-region trail it can see is logging and records management events,
/// read and write (classic or advanced selectors), as CIS 3.1 and Prowler's
/// `cloudtrail_multi_region_enabled_logging_management_events` require.
pub fn multi_region_trail(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let trails = match visible_trails(account) {
                Ok(t) => t,
                Err(e) => return at.not_evaluated(&e),
            };
            let judged: Vec<(&Trail, TrailVerdict, Value)> = trails
                .into_iter()
                .filter(|t| t.is_multi_region)
                .map(|t| {
                    let (verdict, evidence) = judge_multi_region(ctx.snapshot, t);
                    (t, verdict, evidence)
                })
                .collect();
            let evidence = json!({
                "multi_region_trails": judged.iter().map(|(_, _, e)| e).collect::<Vec<_>>(),
            });
            if let Some((t, TrailVerdict::Good(excluded), _)) =
                judged.iter().find(|(_, v, _)| matches!(v, TrailVerdict::Good(_)))
            {
                let except = if excluded.is_empty() {
                    String::new()
                } else {
                    format!(" (it leaves out the events of {})", excluded.join(" and "))
                };
                return at.pass(
                    format!("multi-region trail {} is logging management events, read and write{except}", t.name),
                    evidence,
                );
            }
            if judged.is_empty() {
                return at.fail(
                    "no multi-region trail: API activity in regions without a trail of their own is not recorded"
                        .into(),
                    evidence,
                );
            }
            if let Some((t, TrailVerdict::Undecided(e), _)) =
                judged.iter().find(|(_, v, _)| matches!(v, TrailVerdict::Undecided(_)))
            {
                return at.unknown(
                    format!(
                        "could not read whether multi-region trail {} is logging management events: {}",
                        t.name,
                        e.brief()
                    ),
                    evidence,
                );
            }
            let reasons: Vec<String> = judged
                .iter()
                .map(|(t, v, _)| match v {
                    TrailVerdict::Bad(problems) => format!("{} {}", t.name, problems.join(" and ")),
                    _ => t.name.clone(),
                })
                .collect();
            at.fail(
                format!("no multi-region trail records management events in every region: {}", reasons.join("; ")),
                evidence,
            )
        })
        .collect()
}

pub fn log_file_validation(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let audit = ctx.snapshot.generated_at;
    per_home_trail(ctx, |at, t| {
        let status = t.status.get().ok();
        let digest_error = status.and_then(|s| {
            delivery_error(
                "digest delivery",
                s.latest_digest_delivery_error.as_deref(),
                s.latest_digest_delivery_time,
                audit,
            )
        });
        let evidence = json!({
            "log_file_validation_enabled": t.log_file_validation_enabled,
            "latest_digest_delivery_error": status.and_then(|s| s.latest_digest_delivery_error.clone()),
            "latest_digest_delivery_time": status.and_then(|s| s.latest_digest_delivery_time),
        });
        if !t.log_file_validation_enabled {
            return at.fail(
                format!(
                    "trail {} has log file validation off: changes to or deletion of its logs cannot be proven",
                    t.name
                ),
                evidence,
            );
        }
        match digest_error {
            // On, but the digests do not arrive: nothing proves the logs either.
            Some(DeliveryError::Current(why)) => at.fail(
                format!(
                    "trail {} has log file validation on, but its digest files fail to be delivered ({why}): changes to its logs cannot be proven",
                    t.name
                ),
                evidence,
            ),
            Some(DeliveryError::Unordered(why)) => at.unknown(
                format!(
                    "trail {} has log file validation on, but reports a digest delivery error ({why}); GetTrailStatus does not date its errors, so whether digests fail now cannot be told",
                    t.name
                ),
                evidence,
            ),
            None => at.pass(format!("trail {} writes signed digest files", t.name), evidence),
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
            Err(e) if e.kind == ErrorKind::NotCollected => {
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
        // Nothing found to verify proves nothing: a new trail, or digests that never arrived.
        if s.digests_invalid + s.logs_invalid == 0 && s.digests_valid == 0 {
            return at.unknown(
                format!("trail {}: no digest file was found to verify from {window}, so nothing is proven", t.name),
                evidence,
            );
        }
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

/// Events older than this at the last CloudWatch Logs delivery mean delivery has stopped (Prowler and CIS use a day).
const CLOUDWATCH_DELIVERY_MAX_AGE_HOURS: i64 = 24;

/// A trail delivers to CloudWatch Logs only when it names a group and a role, is logging, and its deliveries
/// succeed: a stopped trail, a failing delivery or one silent for a day feeds no metric filter.
pub fn cloudwatch_logs(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let collected_at = ctx.snapshot.generated_at;
    per_home_trail(ctx, |at, t| {
        let mut evidence = json!({
            "cloud_watch_logs_log_group_arn": t.cloud_watch_logs_log_group_arn,
            "cloud_watch_logs_role_arn": t.cloud_watch_logs_role_arn,
        });
        let group = match (&t.cloud_watch_logs_log_group_arn, &t.cloud_watch_logs_role_arn) {
            (Some(group), Some(_)) => group,
            (Some(_), None) => {
                return at.fail(format!("trail {} names a log group but no delivery role", t.name), evidence)
            }
            _ => {
                return at.fail(
                    format!(
                        "trail {} does not deliver to CloudWatch Logs: no metric filters or alarms on its events",
                        t.name
                    ),
                    evidence,
                )
            }
        };
        let status = match t.status.get().and_then(|s| logging_known(s, &t.arn)) {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        evidence["is_logging"] = json!(status.is_logging);
        evidence["latest_cloud_watch_logs_delivery_error"] = json!(status.latest_cloud_watch_logs_delivery_error);
        evidence["latest_cloud_watch_logs_delivery_time"] = json!(status.latest_cloud_watch_logs_delivery_time);
        if status.is_logging == Some(false) {
            return at.fail(
                format!("trail {} names log group {group} but is not logging: nothing reaches the group", t.name),
                evidence,
            );
        }
        if let Some(error) = status.latest_cloud_watch_logs_delivery_error.as_deref().filter(|e| !e.is_empty()) {
            return at.fail(format!("trail {}'s delivery to log group {group} fails: {error}", t.name), evidence);
        }
        match status.latest_cloud_watch_logs_delivery_time {
            Some(last) if collected_at - last > chrono::Duration::hours(CLOUDWATCH_DELIVERY_MAX_AGE_HOURS) => at.fail(
                format!(
                    "trail {} last delivered to log group {group} at {last}, more than {CLOUDWATCH_DELIVERY_MAX_AGE_HOURS} hours before the audit",
                    t.name
                ),
                evidence,
            ),
            Some(last) => {
                at.pass(format!("trail {} is logging and delivered to log group {group} at {last}", t.name), evidence)
            }
            // AWS omits the time until a first delivery; a logging trail with no error is judged by its set-up.
            None => at.pass(
                format!(
                    "trail {} is logging and delivers to log group {group} (CloudTrail reports no delivery time yet)",
                    t.name
                ),
                evidence,
            ),
        }
    })
}

/// Each channel's error is set against its last success (`delivery_error`). The SNS error is dated by the last
/// notification, which snapshots before that field was collected lack: there it counts as current.
pub fn delivery_errors(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let audit = ctx.snapshot.generated_at;
    per_home_trail(ctx, |at, t| {
        let status = match t.status.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        let (mut current, mut unordered) = (Vec::new(), Vec::new());
        for (what, error, last_success) in [
            ("S3 log delivery", &status.latest_delivery_error, status.latest_delivery_time),
            ("digest delivery", &status.latest_digest_delivery_error, status.latest_digest_delivery_time),
            (
                "CloudWatch Logs delivery",
                &status.latest_cloud_watch_logs_delivery_error,
                status.latest_cloud_watch_logs_delivery_time,
            ),
            ("SNS notification", &status.latest_notification_error, status.latest_notification_time),
        ] {
            match delivery_error(what, error.as_deref(), last_success, audit) {
                Some(DeliveryError::Current(e)) => current.push(e),
                Some(DeliveryError::Unordered(e)) => unordered.push(e),
                None => {}
            }
        }
        let evidence = json!({
            "latest_delivery_error": status.latest_delivery_error,
            "latest_digest_delivery_error": status.latest_digest_delivery_error,
            "latest_cloud_watch_logs_delivery_error": status.latest_cloud_watch_logs_delivery_error,
            "latest_notification_error": status.latest_notification_error,
            "latest_delivery_time": status.latest_delivery_time,
            "latest_digest_delivery_time": status.latest_digest_delivery_time,
            "latest_cloud_watch_logs_delivery_time": status.latest_cloud_watch_logs_delivery_time,
            "latest_notification_time": status.latest_notification_time,
        });
        if !current.is_empty() {
            let also = if unordered.is_empty() { String::new() } else { format!("; also {}", unordered.join("; ")) };
            at.fail(format!("trail {} is failing to deliver ({}{also})", t.name, current.join("; ")), evidence)
        } else if !unordered.is_empty() {
            at.unknown(
                format!(
                    "trail {} reports delivery errors beside recent successes ({}); GetTrailStatus does not date its errors, so whether they are current cannot be told",
                    t.name,
                    unordered.join("; ")
                ),
                evidence,
            )
        } else {
            at.pass(format!("trail {} reports no delivery errors", t.name), evidence)
        }
    })
}

/// A member is covered by an organization trail only when the trail is multi-region (a single-region organization
/// trail records the member accounts' activity in its home region alone) and a status read says it is logging.
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
            let org_trails: Vec<(&Trail, Result<&TrailStatus, CollectionError>)> = trails
                .into_iter()
                .filter(|t| t.is_organization_trail)
                .map(|t| (t, logging_status(ctx.snapshot, &t.arn)))
                .collect();
            let evidence = json!({
                "organization_id": org.id,
                "organization_trails": org_trails.iter().map(|(t, s)| json!({
                    "arn": t.arn,
                    "is_multi_region": t.is_multi_region,
                    "is_logging": s.as_ref().ok().and_then(|s| s.is_logging),
                    "status_error": s.as_ref().err(),
                })).collect::<Vec<_>>(),
            });
            // Only a multi-region trail whose status was read as logging covers the account; an unread status
            // decides nothing.
            let covers = |t: &Trail, s: &Result<&TrailStatus, CollectionError>| {
                t.is_multi_region && s.as_ref().is_ok_and(|s| s.is_logging == Some(true))
            };
            if let Some((t, _)) = org_trails.iter().find(|(t, s)| covers(t, s)) {
                return at.pass(
                    format!("multi-region organization trail {} covers this account in every region and is logging", t.name),
                    evidence,
                );
            }
            if org_trails.is_empty() {
                return at.fail(
                    format!("no organization trail covers this account of {}: each account must keep its own trail, and members can stop it", org.id),
                    evidence,
                );
            }
            if let Some((t, Err(e))) = org_trails.iter().find(|(t, s)| t.is_multi_region && s.is_err()) {
                return at.unknown(
                    format!(
                        "organization trail {} (owned by {}) is visible, but whether it is logging could not be read: {}",
                        t.name,
                        t.owner_account().unwrap_or("another account"),
                        e.brief()
                    ),
                    evidence,
                );
            }
            let reasons: Vec<String> = org_trails
                .iter()
                .map(|(t, s)| {
                    if !t.is_multi_region {
                        format!(
                            "{} is single-region: it records this account's activity in {} only",
                            t.name, t.home_region
                        )
                    } else if s.as_ref().is_ok_and(|s| s.is_logging == Some(false)) {
                        format!("{} exists but logging is stopped", t.name)
                    } else {
                        t.name.clone()
                    }
                })
                .collect();
            at.fail(
                format!(
                    "no organization trail of {} records this account in every region: {}",
                    org.id,
                    reasons.join("; ")
                ),
                evidence,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{AdvancedEventSelector, BasicEventSelector, CloudTrailData, DataResource, FieldSelector};

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
            status: Collected::ok(TrailStatus { is_logging: Some(true), ..Default::default() }),
            event_selectors: Collected::ok(basic(&[("All", true)])),
            integrity: Collected::NotCollected,
        }
    }

    /// Classic selectors: (ReadWriteType, IncludeManagementEvents) each.
    fn basic(selectors: &[(&str, bool)]) -> EventSelectors {
        EventSelectors {
            basic: selectors
                .iter()
                .map(|(rw, management)| BasicEventSelector {
                    read_write_type: rw.to_string(),
                    include_management_events: *management,
                    exclude_management_event_sources: vec![],
                    data_resources: vec![],
                })
                .collect(),
            advanced: vec![],
        }
    }

    /// Advanced selectors, each a list of (field, operator, values).
    fn advanced(selectors: &[&[(&str, &str, &[&str])]]) -> EventSelectors {
        let field = |(name, op, values): &(&str, &str, &[&str])| {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            let mut f = FieldSelector { field: name.to_string(), ..Default::default() };
            match *op {
                "Equals" => f.equals = values,
                "NotEquals" => f.not_equals = values,
                "StartsWith" => f.starts_with = values,
                other => panic!("operator {other}"),
            }
            f
        };
        EventSelectors {
            basic: vec![],
            advanced: selectors
                .iter()
                .map(|fields| AdvancedEventSelector { name: None, field_selectors: fields.iter().map(field).collect() })
                .collect(),
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

    /// The verdict table of `cloudtrail-multi-region-trail`: a logging multi-region trail that records management
    /// events, read and write, through classic or advanced selectors.
    #[test]
    fn multi_region_trail_cases() {
        let t = || trail("t", ACCT, "us-east-1");
        let with_selectors = |s: EventSelectors| Trail { event_selectors: Collected::ok(s), ..t() };
        let stopped =
            Trail { status: Collected::ok(TrailStatus { is_logging: Some(false), ..Default::default() }), ..t() };
        let data_only = with_selectors(EventSelectors {
            basic: vec![BasicEventSelector {
                read_write_type: "All".into(),
                include_management_events: false,
                exclude_management_event_sources: vec![],
                data_resources: vec![DataResource {
                    resource_type: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }],
            }],
            advanced: vec![],
        });
        let management: &[(&str, &str, &[&str])] = &[("eventCategory", "Equals", &["Management"])];
        let reads: &[(&str, &str, &[&str])] =
            &[("eventCategory", "Equals", &["Management"]), ("readOnly", "Equals", &["true"])];
        let writes: &[(&str, &str, &[&str])] =
            &[("eventCategory", "Equals", &["Management"]), ("readOnly", "Equals", &["false"])];
        let no_kms: &[(&str, &str, &[&str])] =
            &[("eventCategory", "Equals", &["Management"]), ("eventSource", "NotEquals", &["kms.amazonaws.com"])];
        let only_ec2: &[(&str, &str, &[&str])] =
            &[("eventCategory", "Equals", &["Management"]), ("eventSource", "Equals", &["ec2.amazonaws.com"])];
        let s3_data: &[(&str, &str, &[&str])] =
            &[("eventCategory", "Equals", &["Data"]), ("resources.type", "Equals", &["AWS::S3::Object"])];
        let denied_status = Trail { status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") }, ..t() };
        let denied_selectors =
            Trail { event_selectors: Collected::Error { error: denied("cloudtrail:GetEventSelectors") }, ..t() };
        // The organization trail as a member sees it: its owner (not audited here) reads the selectors.
        let org_unread = Trail {
            is_organization_trail: true,
            event_selectors: Collected::NotCollected,
            ..trail("org", MGMT, "us-east-1")
        };
        let cases: Vec<(&str, Vec<Trail>, Status, &str)> = vec![
            (
                "compliant: logging, classic All",
                vec![t()],
                Status::Pass,
                "is logging management events, read and write",
            ),
            ("non-compliant: stopped", vec![stopped], Status::Fail, "t logging is stopped"),
            (
                "non-compliant: single-region only",
                vec![Trail { is_multi_region: false, ..t() }],
                Status::Fail,
                "no multi-region trail",
            ),
            ("non-compliant: no trail", vec![], Status::Fail, "no multi-region trail"),
            ("near miss: data events only", vec![data_only], Status::Fail, "records data events only"),
            (
                "near miss: advanced data selector only",
                vec![with_selectors(advanced(&[s3_data]))],
                Status::Fail,
                "records data events only",
            ),
            (
                "near miss: classic ReadOnly",
                vec![with_selectors(basic(&[("ReadOnly", true)]))],
                Status::Fail,
                "read-only management events only",
            ),
            (
                "near miss: classic WriteOnly",
                vec![with_selectors(basic(&[("WriteOnly", true)]))],
                Status::Fail,
                "write-only management events",
            ),
            (
                "near miss: advanced readOnly true",
                vec![with_selectors(advanced(&[reads]))],
                Status::Fail,
                "read-only management events only",
            ),
            (
                "near miss: advanced one service",
                vec![with_selectors(advanced(&[only_ec2]))],
                Status::Fail,
                "only some services",
            ),
            (
                "near miss: management excluded",
                vec![with_selectors(basic(&[("All", false)]))],
                Status::Fail,
                "records no management events",
            ),
            (
                "alternative: advanced management",
                vec![with_selectors(advanced(&[management, s3_data]))],
                Status::Pass,
                "read and write",
            ),
            (
                "alternative: advanced reads + writes",
                vec![with_selectors(advanced(&[reads, writes]))],
                Status::Pass,
                "read and write",
            ),
            (
                "alternative: classic ReadOnly + WriteOnly",
                vec![with_selectors(basic(&[("ReadOnly", true), ("WriteOnly", true)]))],
                Status::Pass,
                "read and write",
            ),
            (
                "alternative: KMS left out",
                vec![with_selectors(advanced(&[no_kms]))],
                Status::Pass,
                "leaves out the events of kms.amazonaws.com",
            ),
            (
                "alternative: a good trail beside a stopped one",
                vec![stopped_named("old"), t()],
                Status::Pass,
                "multi-region trail t is logging",
            ),
            ("unreadable: status denied", vec![denied_status], Status::Unknown, "cloudtrail:GetTrailStatus"),
            (
                "partial: status without IsLogging",
                vec![Trail { status: Collected::ok(TrailStatus::default()), ..t() }],
                Status::Unknown,
                "does not say whether it is logging",
            ),
            (
                "unreadable: selectors denied",
                vec![denied_selectors.clone()],
                Status::Unknown,
                "missing permission cloudtrail:GetEventSelectors",
            ),
            (
                "partial: owner's selectors not in the snapshot",
                vec![org_unread],
                Status::Unknown,
                "cloudtrail:GetEventSelectors",
            ),
            (
                "partial: one bad, one unread",
                vec![stopped_named("old"), denied_selectors],
                Status::Unknown,
                "cloudtrail:GetEventSelectors",
            ),
        ];
        for (name, trails, want, text) in cases {
            let out = run(multi_region_trail, &with_trails(trails, None));
            assert_eq!(statuses(&out), vec![want], "{name}: {}", out[0].message);
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
            assert_eq!(out[0].region, super::super::GLOBAL);
        }
    }

    fn stopped_named(name: &str) -> Trail {
        Trail {
            status: Collected::ok(TrailStatus { is_logging: Some(false), ..Default::default() }),
            ..trail(name, ACCT, "us-east-1")
        }
    }

    /// A member covered by the management account's organization trail: the selectors read by the owner count.
    #[test]
    fn multi_region_trail_reads_the_owners_selectors() {
        let org = Trail { is_organization_trail: true, ..trail("org", MGMT, "us-east-1") };
        let member_copy = Trail { event_selectors: Collected::NotCollected, ..org.clone() };
        let region_with = |t: Trail| {
            let mut r = region("us-east-1");
            r.cloudtrail = Collected::ok(CloudTrailData { trails: vec![t], buckets: vec![] });
            r
        };
        let read_only = Trail { event_selectors: Collected::ok(basic(&[("ReadOnly", true)])), ..org.clone() };
        for (owner_copy, want) in [(org, Status::Pass), (read_only, Status::Fail)] {
            let snap = snapshot(vec![
                account(MGMT, Some(MGMT), vec![region_with(owner_copy)]),
                account(ACCT, Some(MGMT), vec![region_with(member_copy.clone())]),
            ]);
            let out = run(multi_region_trail, &snap);
            assert_eq!(statuses(&out), vec![want, want], "{out:?}");
        }
    }

    /// Runs a per-trail check over one trail (listed in its home region and shadowed in the other) and checks the one
    /// outcome.
    fn trail_table(f: super::super::Evaluator, cases: Vec<(&str, Trail, Status, &str)>) {
        for (name, t, want, text) in cases {
            let out = run(f, &with_trails(vec![t], None));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
        // unreadable: DescribeTrails denied in a region is that region's unknown, naming the permission
        let mut snap = with_trails(vec![], None);
        snap.accounts[0].regions[0].cloudtrail = Collected::Error { error: denied("cloudtrail:DescribeTrails") };
        let out = run(f, &snap);
        assert_eq!(statuses(&out), vec![Status::Unknown], "{out:?}");
        assert!(out[0].message.contains("missing permission cloudtrail:DescribeTrails"), "{}", out[0].message);
    }

    /// A time this many hours before the audit (the test snapshots are taken at the epoch).
    fn hours_before_audit(hours: i64) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(chrono::DateTime::UNIX_EPOCH - chrono::Duration::hours(hours))
    }

    fn with_status_of(t: Trail, edit: impl Fn(&mut TrailStatus)) -> Trail {
        let mut status = TrailStatus { is_logging: Some(true), ..Default::default() };
        edit(&mut status);
        Trail { status: Collected::ok(status), ..t }
    }

    /// `cloudtrail-log-file-validation`. No partial row: the flag comes whole from DescribeTrails.
    #[test]
    fn log_file_validation_verdicts() {
        let t = || trail("t", ACCT, "us-east-1");
        trail_table(
            log_file_validation,
            vec![
                ("compliant", t(), Status::Pass, "writes signed digest files"),
                (
                    "non-compliant",
                    Trail { log_file_validation_enabled: false, ..t() },
                    Status::Fail,
                    "log file validation off",
                ),
                // near miss: on, but the digests are not delivered (none ever, or none for two days)
                (
                    "digest delivery fails",
                    with_status_of(t(), |s| s.latest_digest_delivery_error = Some("AccessDenied".into())),
                    Status::Fail,
                    "digest files fail to be delivered (digest delivery: AccessDenied (no successful delivery",
                ),
                (
                    "digest delivery failing for two days",
                    with_status_of(t(), |s| {
                        s.latest_digest_delivery_error = Some("AccessDenied".into());
                        s.latest_digest_delivery_time = hours_before_audit(48);
                    }),
                    Status::Fail,
                    "more than 24 hours before the audit",
                ),
                // an error beside a digest delivered an hour ago: AWS does not date the error, so it may be old
                (
                    "digest error beside a recent delivery",
                    with_status_of(t(), |s| {
                        s.latest_digest_delivery_error = Some("AccessDenied".into());
                        s.latest_digest_delivery_time = hours_before_audit(1);
                    }),
                    Status::Unknown,
                    "whether digests fail now cannot be told",
                ),
                // alternative: the status unreadable does not undo the flag (delivery is cloudtrail-delivery-errors' to judge)
                (
                    "status unreadable",
                    Trail { status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") }, ..t() },
                    Status::Pass,
                    "writes signed digest files",
                ),
            ],
        );
    }

    /// `cloudtrail-kms-encryption`. No alternative row: a KMS default on the bucket is not the trail's key (CIS 3.5 and
    /// Prowler ask for the trail's KmsKeyId, whose key policy decides who can read the logs). No partial row: the key
    /// id comes whole from DescribeTrails.
    #[test]
    fn kms_encryption_verdicts() {
        let t = || trail("t", ACCT, "us-east-1");
        trail_table(
            kms_encryption,
            vec![
                (
                    "compliant",
                    t(),
                    Status::Pass,
                    "encrypts its logs with KMS key arn:aws:kms:us-east-1:111111111111:key/k",
                ),
                ("non-compliant", Trail { kms_key_id: None, ..t() }, Status::Fail, "S3-managed encryption"),
            ],
        );
        // near miss: another account's (organization) trail seen here is judged once, by its owner, not here
        let out = run(kms_encryption, &with_trails(vec![trail("org", MGMT, "us-east-1")], None));
        assert!(out.is_empty(), "judged once, by its owner: {out:?}");
    }

    /// `cloudtrail-delivery-errors`.
    #[test]
    fn delivery_errors_verdicts() {
        let t = || trail("t", ACCT, "us-east-1");
        trail_table(
            delivery_errors,
            vec![
                ("compliant", t(), Status::Pass, "reports no delivery errors"),
                (
                    "non-compliant: S3",
                    with_status_of(t(), |s| s.latest_delivery_error = Some("NoSuchBucket".into())),
                    Status::Fail,
                    "S3 log delivery: NoSuchBucket (no successful delivery reported)",
                ),
                (
                    "non-compliant: S3, last success three days ago",
                    with_status_of(t(), |s| {
                        s.latest_delivery_error = Some("AccessDenied".into());
                        s.latest_delivery_time = hours_before_audit(72);
                    }),
                    Status::Fail,
                    "S3 log delivery: AccessDenied (last success 1969-12-29 00:00:00 UTC, more than 24 hours",
                ),
                // near miss: the logs arrive, their SNS notifications and digests do not
                (
                    "notification and digest errors",
                    with_status_of(t(), |s| {
                        s.latest_delivery_time = hours_before_audit(1);
                        s.latest_notification_error = Some("AuthorizationError".into());
                        s.latest_digest_delivery_error = Some("AccessDenied".into());
                    }),
                    Status::Fail,
                    "digest delivery: AccessDenied (no successful delivery reported); SNS notification: AuthorizationError",
                ),
                // an old error beside later successes: AWS dates the success, not the error, so this is not a
                // failure to report; nor a pass, since the error may be newer than the success
                (
                    "error beside a recent success",
                    with_status_of(t(), |s| {
                        s.latest_delivery_error = Some("AccessDenied".into());
                        s.latest_delivery_time = hours_before_audit(1);
                        s.latest_notification_error = Some("AuthorizationError".into());
                        s.latest_notification_time = hours_before_audit(2);
                    }),
                    Status::Unknown,
                    "whether they are current cannot be told",
                ),
                // alternative: an empty error field is no error
                (
                    "empty error",
                    with_status_of(t(), |s| s.latest_delivery_error = Some(String::new())),
                    Status::Pass,
                    "no delivery errors",
                ),
                (
                    "status unreadable",
                    Trail { status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") }, ..t() },
                    Status::Unknown,
                    "missing permission cloudtrail:GetTrailStatus",
                ),
                (
                    "partial: status never read",
                    Trail { status: Collected::NotCollected, ..t() },
                    Status::Unknown,
                    "could not be evaluated",
                ),
            ],
        );
    }

    /// The verdict table of `cloudtrail-log-integrity`: a pass needs at least one digest verified and none invalid.
    #[test]
    fn log_integrity_cases() {
        use crate::snapshot::IntegritySummary;
        let summary = |digests_invalid: usize, logs_invalid: usize| IntegritySummary {
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
            // near miss: no error found, because nothing was found
            (
                "nothing to verify",
                with(Collected::ok(IntegritySummary { digests_valid: 0, logs_valid: 0, ..summary(0, 0) })),
                Status::Unknown,
                "no digest file was found to verify",
            ),
            // alternative: valid digests that list no log file (hours with no events) prove the chain
            (
                "digests without logs",
                with(Collected::ok(IntegritySummary { logs_valid: 0, ..summary(0, 0) })),
                Status::Pass,
                "24 digest and 0 log files valid",
            ),
            // partial: a walk cut short (a bucket read failing midway) is no verdict
            (
                "walk cut short",
                with(Collected::Error {
                    error: crate::snapshot::CollectionError {
                        kind: ErrorKind::Other,
                        code: "IntegrityValidationFailed".into(),
                        message: "GetObject timed out".into(),
                        permission: None,
                    },
                }),
                Status::Unknown,
                "could not be evaluated",
            ),
            // partial: the digests were not walked (window 0, or a snapshot without them): not a pass
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
    fn cloudwatch_logs_verdicts() {
        let at = |hours_before: i64| Some(chrono::DateTime::UNIX_EPOCH - chrono::Duration::hours(hours_before));
        let with_status = |f: &dyn Fn(&mut TrailStatus)| {
            let mut t = trail("t", ACCT, "us-east-1");
            let mut status = TrailStatus { is_logging: Some(true), ..Default::default() };
            f(&mut status);
            t.status = Collected::ok(status);
            t
        };
        let cases: Vec<(&str, Trail, Status, &str)> = vec![
            (
                "delivering",
                with_status(&|s| s.latest_cloud_watch_logs_delivery_time = at(1)),
                Status::Pass,
                "delivered to log group",
            ),
            (
                "no log group",
                Trail {
                    cloud_watch_logs_log_group_arn: None,
                    cloud_watch_logs_role_arn: None,
                    ..trail("t", ACCT, "us-east-1")
                },
                Status::Fail,
                "does not deliver to CloudWatch Logs",
            ),
            // Near misses: set up, but stopped; failing; silent for days; a group without a role.
            ("stopped trail", with_status(&|s| s.is_logging = Some(false)), Status::Fail, "is not logging"),
            (
                "failing delivery",
                with_status(&|s| s.latest_cloud_watch_logs_delivery_error = Some("AccessDeniedException".into())),
                Status::Fail,
                "fails: AccessDeniedException",
            ),
            (
                "silent for two days",
                with_status(&|s| s.latest_cloud_watch_logs_delivery_time = at(48)),
                Status::Fail,
                "more than 24 hours",
            ),
            (
                "no delivery role",
                Trail { cloud_watch_logs_role_arn: None, ..trail("t", ACCT, "us-east-1") },
                Status::Fail,
                "no delivery role",
            ),
            // Alternative: a new trail, logging, with no delivery time reported yet.
            ("no delivery yet", with_status(&|_| {}), Status::Pass, "no delivery time yet"),
            (
                "status unreadable",
                Trail {
                    status: Collected::Error { error: denied("cloudtrail:GetTrailStatus") },
                    ..trail("t", ACCT, "us-east-1")
                },
                Status::Unknown,
                "cloudtrail:GetTrailStatus",
            ),
            // Partial read: the trail list was read but its status never was.
            (
                "status never read",
                Trail { status: Collected::NotCollected, ..trail("t", ACCT, "us-east-1") },
                Status::Unknown,
                "",
            ),
            // Partial read: a status without IsLogging says nothing about logging.
            (
                "IsLogging absent",
                with_status(&|s| s.is_logging = None),
                Status::Unknown,
                "does not say whether it is logging",
            ),
        ];
        for (name, t, want, text) in cases {
            let out = run(cloudwatch_logs, &with_trails(vec![t], None));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
    }

    #[test]
    fn delivery_error_cases() {
        let failing = Trail {
            status: Collected::ok(TrailStatus {
                is_logging: Some(true),
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

    /// The verdict table of `cloudtrail-organization-trail`: an organization trail that is logging covers a member;
    /// a status that could not be read is unknown, never "covers".
    #[test]
    fn organization_trail_cases() {
        let org_trail = Trail { is_organization_trail: true, ..trail("org", MGMT, "us-east-1") };
        let with_status = |status: Collected<TrailStatus>| Trail { status, ..org_trail.clone() };
        // A delegated CloudTrail administrator (another member) may own the organization trail.
        let delegated = Trail { is_organization_trail: true, ..trail("org", "222222222222", "us-east-1") };
        type Case<'a> = (&'a str, Vec<Trail>, Option<&'a str>, Status, &'a str);
        let cases: Vec<Case> = vec![
            ("not in an organization", vec![], None, Status::Skipped, "not in an organization"),
            (
                "compliant: member covered",
                vec![org_trail.clone()],
                Some(MGMT),
                Status::Pass,
                "multi-region organization trail org covers this account in every region and is logging",
            ),
            (
                "non-compliant: own trail only",
                vec![trail("own", ACCT, "us-east-1")],
                Some(MGMT),
                Status::Fail,
                "no organization trail covers",
            ),
            (
                "near miss: organization trail stopped",
                vec![with_status(Collected::ok(TrailStatus { is_logging: Some(false), ..Default::default() }))],
                Some(MGMT),
                Status::Fail,
                "org exists but logging is stopped",
            ),
            (
                "near miss: single-region organization trail, logging",
                vec![Trail { is_multi_region: false, ..org_trail.clone() }],
                Some(MGMT),
                Status::Fail,
                "org is single-region: it records this account's activity in us-east-1 only",
            ),
            (
                "partial: status without IsLogging",
                vec![with_status(Collected::ok(TrailStatus::default()))],
                Some(MGMT),
                Status::Unknown,
                "does not say whether it is logging",
            ),
            (
                "alternative: trail of a delegated administrator",
                vec![delegated],
                Some(MGMT),
                Status::Pass,
                "covers this account",
            ),
            (
                "unreadable: status denied",
                vec![with_status(Collected::Error { error: denied("cloudtrail:GetTrailStatus") })],
                Some(MGMT),
                Status::Unknown,
                "missing permission cloudtrail:GetTrailStatus",
            ),
            (
                "partial: status never read (owner not audited)",
                vec![with_status(Collected::NotCollected)],
                Some(MGMT),
                Status::Unknown,
                "cloudtrail:GetTrailStatus",
            ),
        ];
        for (name, trails, org, want, text) in cases {
            let out = run(organization_trail, &with_trails(trails, org));
            assert_eq!(statuses(&out), vec![want], "{name}: {}", out[0].message);
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }

        let mut snap = with_trails(vec![], Some(MGMT));
        snap.accounts[0].organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
        let out = run(organization_trail, &snap);
        assert_eq!(statuses(&out), vec![Status::Unknown]);
    }
}
