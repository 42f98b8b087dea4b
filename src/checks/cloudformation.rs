//! CloudFormation checks (study section 8).
//!
//! Stacks are judged where they live, one outcome per stack (the resource is the stack id). The snapshot
//! lists nested stacks too; termination protection and the service role are set on the root stack and
//! inherited, so those two checks judge top-level stacks only. Drift is judged from the detection this
//! audit ran (`--detect-drift`) when there is one, else from the status CloudFormation stored at the last
//! detection. Exports and stack sets are judged one by one, by export and stack set name.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{At, Ctx, Outcome};
use crate::snapshot::{
    AccountSnapshot, CloudFormationData, Collected, DriftDetection, PropertyDifference, RegionSnapshot, ResourceDrift,
    Stack, StackParameter, StackSet,
};

/// Resource types whose replacement or deletion loses data: databases, tables, buckets, volumes and file
/// systems, caches, search domains, streams with retention and user directories. Left out on purpose:
/// SQS queues (messages are transient), log groups and repositories (present in nearly every stack, and
/// rebuilt by their producers), secrets and keys (protected by their own recovery windows).
const STATEFUL_TYPES: &[&str] = &[
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::RDS::GlobalCluster",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::S3::Bucket",
    "AWS::EC2::Volume",
    "AWS::EFS::FileSystem",
    "AWS::FSx::FileSystem",
    "AWS::FSx::Volume",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::GlobalReplicationGroup",
    "AWS::ElastiCache::ServerlessCache",
    "AWS::MemoryDB::Cluster",
    "AWS::Neptune::DBCluster",
    "AWS::Neptune::DBInstance",
    "AWS::DocDB::DBCluster",
    "AWS::DocDB::DBInstance",
    "AWS::DocDBElastic::Cluster",
    "AWS::Redshift::Cluster",
    "AWS::RedshiftServerless::Namespace",
    "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain",
    "AWS::Kinesis::Stream",
    "AWS::MSK::Cluster",
    "AWS::Timestream::Table",
    "AWS::QLDB::Ledger",
    "AWS::Cognito::UserPool",
];

/// How `DescribeStacks` shows a NoEcho parameter.
const MASKED: &str = "****";

/// Calls `judge` with each region's CloudFormation data; a region whose data could not be read gives one
/// not-evaluated outcome.
fn per_region(
    ctx: &Ctx<'_>,
    mut judge: impl FnMut(&AccountSnapshot, &RegionSnapshot, &CloudFormationData, &mut Vec<Outcome>),
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            match region.cloudformation.get() {
                Ok(data) => judge(account, region, data, &mut out),
                Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
            }
        }
    }
    out
}

/// Calls `judge` on each item of one of a region's lists (exports, stack sets), at the item's name; a list that
/// could not be read gives one not-evaluated outcome for the region.
fn per_item<T>(
    ctx: &Ctx<'_>,
    list: fn(&CloudFormationData) -> &Collected<Vec<T>>,
    name: fn(&T) -> &str,
    judge: impl Fn(At, &AccountSnapshot, &CloudFormationData, &T) -> Outcome,
) -> Vec<Outcome> {
    per_region(ctx, |account, region, data, out| match list(data).get() {
        Ok(items) => out.extend(
            items
                .iter()
                .map(|item| judge(At::new(&account.account_id, &region.region, name(item)), account, data, item)),
        ),
        Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
    })
}

/// Calls `judge` on each live stack (only top-level ones when `top_level_only`), at the stack's id.
fn per_stack(
    ctx: &Ctx<'_>,
    top_level_only: bool,
    judge: impl Fn(At, &Stack, &CloudFormationData) -> Outcome,
) -> Vec<Outcome> {
    per_region(ctx, |account, region, data, out| {
        out.extend(
            data.stacks
                .iter()
                .filter(|s| s.status != "DELETE_COMPLETE" && !(top_level_only && is_nested(s)))
                .map(|s| judge(At::new(&account.account_id, &region.region, s.id.clone()), s, data)),
        );
    })
}

fn is_nested(s: &Stack) -> bool {
    s.parent_id.is_some()
}

/// The name of a stack given its id: from the region's stacks, else from the id itself
/// (`arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID`).
fn stack_name<'a>(data: &'a CloudFormationData, id: &'a str) -> &'a str {
    data.stacks
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.as_str())
        .or_else(|| id.split_once(":stack/").and_then(|(_, rest)| rest.split('/').next()))
        .unwrap_or(id)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration as a person would say it: whole days, else hours, else minutes.
fn human(d: Duration) -> String {
    if d.num_days() >= 1 {
        plural(d.num_days() as usize, "day", "days")
    } else if d.num_hours() >= 1 {
        plural(d.num_hours() as usize, "hour", "hours")
    } else {
        plural(d.num_minutes().max(0) as usize, "minute", "minutes")
    }
}

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

// ---- Drift ------------------------------------------------------------------------------------------

/// Why drift cannot be detected on a stack in its status, when the stack never finished being created: there are
/// no deployed resources to compare with the template. (CloudFormation detects drift only on stacks in
/// CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE and UPDATE_ROLLBACK_FAILED; other statuses, such as an
/// update in progress, keep the verdict of their last detection.)
fn drift_not_applicable(s: &Stack) -> Option<&'static str> {
    match s.status.as_str() {
        "REVIEW_IN_PROGRESS" => {
            Some("it was created for a change set that has not been executed, so it holds no resources yet")
        }
        "CREATE_IN_PROGRESS" => Some("it is still being created"),
        "CREATE_FAILED" => Some("its creation failed"),
        "ROLLBACK_IN_PROGRESS" => Some("its creation failed and is being rolled back"),
        "ROLLBACK_COMPLETE" => {
            Some("its creation failed and was rolled back: it holds no resources and can only be deleted")
        }
        "ROLLBACK_FAILED" => Some("its creation failed and the rollback did not finish: it can only be deleted"),
        _ => None,
    }
}

/// The `skipped` outcome of a drift check on a stack that cannot have drift.
fn no_drift_to_detect(at: At, s: &Stack, why: &str) -> Outcome {
    at.skipped(
        format!("not applicable: drift of stack {} cannot be detected in {}: {why}", s.name, s.status),
        json!({ "stack": s.name, "status": s.status, "stored_drift": s.drift }),
    )
}

/// What CloudFormation's `UNKNOWN` stack drift status means (API reference, StackDriftInformation).
const UNKNOWN_DRIFT: &str = "CloudFormation could not run drift detection for a resource in the stack";

pub fn stack_drift(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, false, |at, s, _| {
        if let Some(why) = drift_not_applicable(s) {
            return no_drift_to_detect(at, s, why);
        }
        match &s.detection {
            Some(d) => judge_detection(at, s, d),
            None => judge_stored_drift(at, s),
        }
    })
}

fn judge_detection(at: At, s: &Stack, d: &DriftDetection) -> Outcome {
    let drifts = d.drifted_resources.get();
    let evidence = json!({
        "stack": s.name,
        "detection": {
            "status": d.status,
            "stack_drift_status": d.stack_drift_status,
            "reason": d.reason,
            "detection_id": d.detection_id,
        },
        "drifted_resources": drifts.as_ref().ok(),
        "drifted_resources_error": drifts.as_ref().err(),
        "stored_drift": s.drift,
    });
    let reason = d.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    match (d.status.as_str(), d.stack_drift_status.as_deref()) {
        ("DETECTION_COMPLETE", Some("IN_SYNC")) => {
            at.pass(format!("stack {} matches its template (drift detection run by this audit)", s.name), evidence)
        }
        // A failed detection still reports the drift it found on the resources it could check.
        (status @ ("DETECTION_COMPLETE" | "DETECTION_FAILED"), Some("DRIFTED")) => {
            let partial = if status == "DETECTION_FAILED" {
                format!(" (detection failed for some resources{reason}, so there may be more)")
            } else {
                String::new()
            };
            let detail = match &drifts {
                Ok(list) if !list.is_empty() => format!(": {}", describe_drifts(list)),
                Ok(_) => ", though CloudFormation listed no modified or deleted resource".into(),
                Err(e) => format!("; the drifted resources could not be read: {}", e.brief()),
            };
            at.fail(format!("stack {} has drifted from its template{partial}{detail}", s.name), evidence)
        }
        ("DETECTION_COMPLETE", other) => at.unknown(
            format!(
                "drift detection on stack {} completed without a verdict ({})",
                s.name,
                other.unwrap_or("no drift status")
            ),
            evidence,
        ),
        ("TIMED_OUT", _) => at.unknown(
            format!(
                "drift of stack {} is unknown: detection did not finish before dopaudit stopped waiting{reason} (raise --drift-timeout)",
                s.name
            ),
            evidence,
        ),
        ("DETECTION_FAILED", _) => {
            at.unknown(format!("drift of stack {} is unknown: drift detection failed{reason}", s.name), evidence)
        }
        (status, _) => at.unknown(format!("drift of stack {} is unknown: detection ended {status}{reason}", s.name), evidence),
    }
}

fn judge_stored_drift(at: At, s: &Stack) -> Outcome {
    let evidence = json!({ "stack": s.name, "stored_drift": s.drift, "detection": Value::Null });
    let when = s.drift.last_check.map(|t| format!(" (last checked {})", date(t))).unwrap_or_default();
    let Some(status) = s.drift.status.as_deref() else {
        return at.unknown(
            format!(
                "drift of stack {} is unknown: DescribeStacks gave no drift information for it; run dopaudit with --detect-drift to check it",
                s.name
            ),
            evidence,
        );
    };
    match status {
        "DRIFTED" => at.fail(
            format!(
                "stack {} had drifted from its template at the last drift detection{when}; run dopaudit with --detect-drift to list the differences",
                s.name
            ),
            evidence,
        ),
        "IN_SYNC" => at.pass(format!("stack {} matched its template at the last drift detection{when}", s.name), evidence),
        "NOT_CHECKED" => at.unknown(
            format!("drift of stack {} has never been checked; run dopaudit with --detect-drift to check it", s.name),
            evidence,
        ),
        "UNKNOWN" if s.drift.last_check.is_some() => at.unknown(
            format!(
                "drift of stack {} is unknown: the last drift detection{when} ended UNKNOWN ({UNKNOWN_DRIFT}); run dopaudit with --detect-drift to check it",
                s.name
            ),
            evidence,
        ),
        other => at.unknown(
            format!("drift of stack {} is {other}{when}; run dopaudit with --detect-drift to check it", s.name),
            evidence,
        ),
    }
}

/// `Bucket (AWS::S3::Bucket) MODIFIED: /Properties/X: a → b; Queue (AWS::SQS::Queue) DELETED`.
fn describe_drifts(drifts: &[ResourceDrift]) -> String {
    drifts.iter().map(describe_drift).collect::<Vec<_>>().join("; ")
}

fn describe_drift(r: &ResourceDrift) -> String {
    let head = format!("{} ({}) {}", r.logical_id, r.resource_type, r.status);
    if r.differences.is_empty() {
        return head;
    }
    let diffs: Vec<String> = r.differences.iter().map(describe_difference).collect();
    format!("{head}: {}", diffs.join(", "))
}

fn describe_difference(d: &PropertyDifference) -> String {
    format!("{}: {} → {}", d.path, shown(d.expected.as_deref()), shown(d.actual.as_deref()))
}

/// A property value for a one-line message: long values (policy documents) are cut; the evidence keeps them whole.
fn shown(v: Option<&str>) -> String {
    const MAX: usize = 80;
    match v {
        None => "(absent)".into(),
        Some(v) if v.chars().count() > MAX => format!("{}…", v.chars().take(MAX - 1).collect::<String>()),
        Some(v) => v.to_string(),
    }
}

pub fn drift_stale(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let now = ctx.snapshot.generated_at;
    let max_age = ctx.options.drift_max_age;
    per_stack(ctx, false, |at, s, _| {
        if let Some(why) = drift_not_applicable(s) {
            return no_drift_to_detect(at, s, why);
        }
        let evidence = json!({
            "stack": s.name,
            "stored_drift": s.drift,
            "detection_status": s.detection.as_ref().map(|d| d.status.as_str()),
            "snapshot_time": now,
            "max_age_seconds": max_age.num_seconds(),
        });
        let verdict = |d: &DriftDetection| matches!(d.stack_drift_status.as_deref(), Some("IN_SYNC" | "DRIFTED"));
        if s.detection.as_ref().is_some_and(|d| d.status == "DETECTION_COMPLETE" && verdict(d)) {
            return at.pass(format!("drift of stack {} was checked by this audit", s.name), evidence);
        }
        let Some(status) = s.drift.status.as_deref() else {
            return at.unknown(
                format!(
                    "DescribeStacks gave no drift information for stack {}: when drift was last checked cannot be told",
                    s.name
                ),
                evidence,
            );
        };
        match (status, s.drift.last_check) {
            ("NOT_CHECKED", _) => at.fail(format!("drift of stack {} has never been checked", s.name), evidence),
            // A detection was started then, but gave no verdict: it is no check to date the stack by.
            ("UNKNOWN", Some(t)) => at.unknown(
                format!(
                    "the last drift detection of stack {} ({}) gave no verdict: it ended UNKNOWN ({UNKNOWN_DRIFT}); when drift was last checked cannot be told",
                    s.name,
                    date(t)
                ),
                evidence,
            ),
            (status, None) => at.unknown(
                format!(
                    "the drift status of stack {} is {status} with no time of a last detection: when drift was last checked cannot be told",
                    s.name
                ),
                evidence,
            ),
            (_, Some(t)) => {
                let age = now - t;
                if age > max_age {
                    at.fail(
                        format!(
                            "drift of stack {} was last checked {} ago ({}), longer than the allowed {}",
                            s.name,
                            human(age),
                            date(t),
                            human(max_age)
                        ),
                        evidence,
                    )
                } else {
                    at.pass(
                        format!("drift of stack {} was checked {} before the audit ({})", s.name, human(age), date(t)),
                        evidence,
                    )
                }
            }
        }
    })
}

// ---- Protection ---------------------------------------------------------------------------------------

pub fn termination_protection(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, true, |at, s, data| {
        let nested: Vec<&str> = data
            .stacks
            .iter()
            .filter(|n| n.root_id.as_deref() == Some(s.id.as_str()))
            .map(|n| n.name.as_str())
            .collect();
        let evidence = json!({
            "stack": s.name,
            "termination_protection": s.termination_protection,
            "nested_stacks_covered": nested,
        });
        if s.termination_protection {
            at.pass(format!("stack {} has termination protection on", s.name), evidence)
        } else {
            at.fail(
                format!(
                    "stack {} has termination protection off: one DeleteStack call removes it{}",
                    s.name,
                    if nested.is_empty() {
                        String::new()
                    } else {
                        format!(" and its {}", plural(nested.len(), "nested stack", "nested stacks"))
                    }
                ),
                evidence,
            )
        }
    })
}

pub fn stack_policy(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, false, |at, s, _| {
        let resources = match s.resources.get() {
            Ok(r) => r,
            Err(e) => return at.not_evaluated(&e),
        };
        let stateful: Vec<_> =
            resources.iter().filter(|r| STATEFUL_TYPES.contains(&r.resource_type.as_str())).collect();
        if stateful.is_empty() {
            return at.skipped(
                format!("not applicable: stack {} holds no stateful resource", s.name),
                json!({ "stack": s.name, "resources": resources.len() }),
            );
        }
        let listed: Vec<String> = stateful.iter().map(|r| format!("{} ({})", r.logical_id, r.resource_type)).collect();
        let policy = match s.stack_policy.get() {
            Ok(p) => p,
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({
            "stack": s.name,
            "stateful_resources": stateful.iter().map(|r| json!({"logical_id": r.logical_id, "resource_type": r.resource_type})).collect::<Vec<_>>(),
            "stack_policy": policy.as_deref().map(|p| serde_json::from_str::<Value>(p).unwrap_or_else(|_| Value::String(p.to_string()))),
        });
        let Some(doc) = policy else {
            return at.fail(
                format!("stack {} has no stack policy: any update may replace or delete {}", s.name, listed.join(", ")),
                evidence,
            );
        };
        let Ok(parsed) = serde_json::from_str::<Value>(doc) else {
            return at.unknown(
                format!(
                    "the stack policy of stack {} is not JSON dopaudit can read, so what it guards is unknown",
                    s.name
                ),
                evidence,
            );
        };
        let exposed: Vec<String> = stateful
            .iter()
            .filter_map(|r| {
                let open: Vec<&str> = ["Update:Replace", "Update:Delete"]
                    .into_iter()
                    .filter(|action| stack_policy_permits(&parsed, action, r))
                    .collect();
                (!open.is_empty()).then(|| format!("{} ({}: {})", r.logical_id, r.resource_type, open.join(", ")))
            })
            .collect();
        if exposed.is_empty() {
            at.pass(
                format!("the stack policy of stack {} denies replacing and deleting {}", s.name, listed.join(", ")),
                evidence,
            )
        } else {
            at.fail(
                format!("the stack policy of stack {} lets an update replace or delete {}", s.name, exposed.join(", ")),
                evidence,
            )
        }
    })
}

/// Whether a stack policy lets an update take `action` (`Update:Replace`, `Update:Delete`) on a resource: some
/// Allow statement covers it and no Deny does (once a policy is set, what it does not allow is denied). A condition
/// dopaudit cannot read is taken to apply to an Allow and not to a Deny, so an unreadable policy never looks safer
/// than it is.
fn stack_policy_permits(policy: &Value, action: &str, r: &crate::snapshot::StackResource) -> bool {
    let statements = super::policy_statements(policy);
    let covers = |st: &Value, unreadable_condition: bool| {
        let acts = |v: &Value| super::policy_strings(v).iter().any(|a| glob(a, action));
        let action_ok = match (st.get("Action"), st.get("NotAction")) {
            (Some(a), _) => acts(a),
            (None, Some(na)) => !acts(na),
            _ => false,
        };
        let target = format!("LogicalResourceId/{}", r.logical_id);
        let res = |v: &Value| super::policy_strings(v).iter().any(|p| glob(p, &target) || *p == "*");
        let resource_ok = match (st.get("Resource"), st.get("NotResource")) {
            (Some(v), _) => res(v),
            (None, Some(nr)) => !res(nr),
            _ => false,
        };
        let condition_ok = match st.get("Condition") {
            None => true,
            Some(c) => resource_type_condition(c, &r.resource_type).unwrap_or(unreadable_condition),
        };
        action_ok && resource_ok && condition_ok
    };
    let effect = |st: &Value, e: &str| st.get("Effect").and_then(Value::as_str) == Some(e);
    let denied = statements.iter().any(|st| effect(st, "Deny") && covers(st, false));
    let allowed = statements.iter().any(|st| effect(st, "Allow") && covers(st, true));
    allowed && !denied
}

/// A stack policy condition on `ResourceType` (`StringEquals` or `StringLike`), evaluated for a type; `None` when
/// it uses anything else.
fn resource_type_condition(condition: &Value, resource_type: &str) -> Option<bool> {
    let Value::Object(ops) = condition else { return None };
    let mut all = true;
    for (op, keys) in ops {
        let Value::Object(keys) = keys else { return None };
        for (key, values) in keys {
            if key != "ResourceType" {
                return None;
            }
            let values = super::policy_strings(values);
            let hit = match op.as_str() {
                "StringEquals" => values.contains(&resource_type),
                "StringLike" => values.iter().any(|v| glob(v, resource_type)),
                _ => return None,
            };
            all &= hit;
        }
    }
    Some(all)
}

/// `*` and `?` wildcards, as stack policies use them; case-sensitive (the policy language's own matcher).
fn glob(pattern: &str, text: &str) -> bool {
    crate::scp::policy::glob_text(pattern, text)
}

pub fn service_role(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, true, |at, s, _| {
        let evidence = json!({ "stack": s.name, "role_arn": s.role_arn });
        match &s.role_arn {
            Some(role) => at.pass(format!("stack {} deploys through service role {role}", s.name), evidence),
            None => at.fail(
                format!(
                    "stack {} has no service role: it runs with the caller's permissions, so everyone who deploys it needs rights to every resource in it",
                    s.name
                ),
                evidence,
            ),
        }
    })
}

// ---- Failures and rollback ----------------------------------------------------------------------------

pub fn stack_failed_state(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, false, |at, s, data| {
        let evidence = json!({
            "stack": s.name,
            "status": s.status,
            "status_reason": s.status_reason,
            "parent_id": s.parent_id,
            "root_id": s.root_id,
        });
        if s.status.trim().is_empty() {
            return at.unknown(
                format!("the status of stack {} is unknown: DescribeStacks gave none for it", s.name),
                evidence,
            );
        }
        // A creation that failed and was (or is being) rolled back: the stack holds nothing and can only be deleted.
        if matches!(s.status.as_str(), "ROLLBACK_COMPLETE" | "ROLLBACK_IN_PROGRESS") {
            return at.fail(
                format!(
                    "stack {} is {}: its creation failed and was rolled back, so it holds no resources and can only be deleted: aws cloudformation delete-stack --stack-name {}",
                    s.name, s.status, s.name
                ),
                evidence,
            );
        }
        if !s.status.ends_with("_FAILED") {
            let note = if s.status.starts_with("UPDATE_ROLLBACK_") {
                " (its last update failed and was rolled back to the previous working state, which it can be updated from)"
            } else if s.status.starts_with("IMPORT_ROLLBACK_") {
                " (a resource import failed and was rolled back to the previous working state, which it can be updated from)"
            } else {
                ""
            };
            return at.pass(format!("stack {} is {}{note}", s.name, s.status), evidence);
        }
        let reason = s
            .status_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        at.fail(format!("stack {} is {}{reason}. {}", s.name, s.status, recovery(s, data)), evidence)
    })
}

/// How to get a stack out of its failed status, as the notes describe.
fn recovery(s: &Stack, data: &CloudFormationData) -> String {
    let first = "Find the first failed resource with describe-stack-events and fix its cause";
    let root = s.root_id.as_deref().or(s.parent_id.as_deref()).map(|id| stack_name(data, id));
    match (s.status.as_str(), root) {
        ("UPDATE_ROLLBACK_FAILED", Some(root)) => format!(
            "The stack cannot be updated until the rollback finishes. {first} (often a resource changed or deleted outside CloudFormation, a missing permission or a quota), then continue the rollback from the root stack: aws cloudformation continue-update-rollback --stack-name {root}, skipping resources of this nested stack that cannot be restored as --resources-to-skip {}.LOGICAL_ID and reconciling them by hand",
            nested_logical_id(s, data)
        ),
        ("UPDATE_ROLLBACK_FAILED", None) => format!(
            "The stack cannot be updated until the rollback finishes. {first} (often a resource changed or deleted outside CloudFormation, a missing permission or a quota), then continue the rollback: aws cloudformation continue-update-rollback --stack-name {}, optionally with --resources-to-skip for resources that cannot be restored, which must then be reconciled by hand",
            s.name
        ),
        (_, Some(root)) => format!(
            "{first}; operations on a nested stack are started from its root stack {root}, which rolls the hierarchy back as a unit"
        ),
        ("CREATE_FAILED", None) => format!(
            "Creation failed with rollback disabled, so the resources built so far remain. {first}, then update the stack to retry, or run aws cloudformation rollback-stack --stack-name {} (which deletes a stack that never reached a stable state), or delete it",
            s.name
        ),
        ("UPDATE_FAILED", None) => format!(
            "The update failed with rollback disabled, so the resources it changed stay changed. {first}, then update again, or return to the last stable state with aws cloudformation rollback-stack --stack-name {}",
            s.name
        ),
        ("DELETE_FAILED", None) => format!(
            "Some resources could not be deleted (often a non-empty bucket or a dependency from outside the stack). {first}, then delete again, or leave those resources behind with aws cloudformation delete-stack --stack-name {} --retain-resources LOGICAL_ID (or --deletion-mode FORCE_DELETE_STACK) and clean them up by hand",
            s.name
        ),
        ("ROLLBACK_FAILED", None) => format!(
            "A failed creation could not be cleaned up. {first}, then delete the stack: aws cloudformation delete-stack --stack-name {}",
            s.name
        ),
        ("IMPORT_ROLLBACK_FAILED", None) => {
            "Rolling back a resource import failed. Find the resource that could not be restored with describe-stack-events and repair it outside CloudFormation before changing the stack again".into()
        }
        _ => format!("{first} before changing the stack again"),
    }
}

/// The logical id of a nested stack in its parent, for `--resources-to-skip Nested.Resource`.
fn nested_logical_id<'a>(s: &Stack, data: &'a CloudFormationData) -> &'a str {
    s.parent_id
        .as_deref()
        .and_then(|p| data.stacks.iter().find(|x| x.id == p))
        .and_then(|parent| parent.resources.get().ok())
        .and_then(|resources| resources.iter().find(|r| r.physical_id.as_deref() == Some(s.id.as_str())))
        .map_or("NESTED_STACK", |r| r.logical_id.as_str())
}

pub fn rollback_disabled(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, false, |at, s, _| {
        let evidence = json!({
            "stack": s.name,
            "disable_rollback": s.disable_rollback,
            "rollback_triggers": s.rollback_triggers,
        });
        let triggers = match s.rollback_triggers {
            0 => "no rollback triggers".to_string(),
            n => plural(n, "rollback trigger", "rollback triggers"),
        };
        let Some(disabled) = s.disable_rollback else {
            return at.unknown(
                format!("whether stack {} rolls back on failure is unknown: DescribeStacks did not say", s.name),
                evidence,
            );
        };
        if disabled {
            at.fail(
                format!(
                    "stack {} has rollback on failure disabled: a failed operation leaves partly built resources behind ({triggers})",
                    s.name
                ),
                evidence,
            )
        } else {
            at.pass(format!("stack {} rolls back on failure ({triggers})", s.name), evidence)
        }
    })
}

// ---- Parameters ----------------------------------------------------------------------------------------

/// How a secret-looking parameter is passed; only the last two expose the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretHandling {
    NoEcho,
    DynamicReference,
    Arn,
    Empty,
    /// An SSM parameter type: the value names a plain String parameter, whose value `DescribeStacks`
    /// shows as ResolvedValue (SecureString cannot be used this way).
    ResolvedInPlaintext,
    Plaintext,
}

impl SecretHandling {
    fn of(p: &StackParameter) -> Self {
        let v = p.value.trim();
        if v == MASKED {
            Self::NoEcho
        } else if v.contains("{{resolve:ssm-secure:") || v.contains("{{resolve:secretsmanager:") {
            Self::DynamicReference
        } else if v.is_empty() {
            Self::Empty
        } else if p.resolved_value.as_deref().is_some_and(|r| r != MASKED && !r.is_empty()) {
            Self::ResolvedInPlaintext
        } else if v.starts_with("arn:") {
            Self::Arn
        } else {
            Self::Plaintext
        }
    }

    fn exposed(self) -> bool {
        matches!(self, Self::ResolvedInPlaintext | Self::Plaintext)
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::NoEcho => "no_echo",
            Self::DynamicReference => "dynamic_reference",
            Self::Arn => "arn",
            Self::Empty => "empty",
            Self::ResolvedInPlaintext => "resolved_in_plaintext",
            Self::Plaintext => "plaintext",
        }
    }
}

/// Judges the parameters whose key says they hold a secret, and those whose value has the shape of a credential
/// whatever the key (the collector records that verdict, never the value). A snapshot taken before that verdict
/// existed cannot tell an innocent key's plaintext value apart from a credential: those stacks are `unknown`.
pub fn secret_parameters(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stack(ctx, false, |at, s, _| {
        // Keys and how each is passed; never a value.
        let judged: Vec<(&StackParameter, SecretHandling)> = s
            .parameters
            .iter()
            .filter(|p| crate::snapshot::looks_secret(&p.key) || p.value_looks_secret == Some(true))
            .map(|p| (p, SecretHandling::of(p)))
            .collect();
        let unexamined: Vec<&str> = s
            .parameters
            .iter()
            .filter(|p| p.value_looks_secret.is_none() && !crate::snapshot::looks_secret(&p.key))
            .filter(|p| SecretHandling::of(p).exposed())
            .map(|p| p.key.as_str())
            .collect();
        let evidence = json!({
            "stack": s.name,
            "secret_looking_parameters": judged.iter().map(|(p, h)| json!({
                "key": p.key,
                "passed_as": h.as_str(),
                "credential_shaped_value": p.value_looks_secret,
            })).collect::<Vec<_>>(),
            "values_not_examined": unexamined,
        });
        let exposed: Vec<String> = judged
            .iter()
            .filter(|(_, h)| h.exposed())
            .map(|(p, _)| {
                if crate::snapshot::looks_secret(&p.key) {
                    p.key.clone()
                } else {
                    format!("{} (its value has the shape of a credential)", p.key)
                }
            })
            .collect();
        if !exposed.is_empty() {
            return at.fail(
                format!(
                    "stack {} passes {} in plaintext, readable by anyone allowed to describe the stack: {}",
                    s.name,
                    plural(exposed.len(), "secret-looking parameter", "secret-looking parameters"),
                    exposed.join(", ")
                ),
                evidence,
            );
        }
        if !unexamined.is_empty() {
            return at.unknown(
                format!(
                    "whether stack {} passes a credential in plaintext is unknown: this snapshot does not say whether the values of {} look like credentials (collect it again)",
                    s.name,
                    unexamined.join(", ")
                ),
                evidence,
            );
        }
        if judged.is_empty() {
            at.pass(format!("stack {} has no parameter that looks like a secret", s.name), evidence)
        } else {
            let keys: Vec<&str> = judged.iter().map(|(p, _)| p.key.as_str()).collect();
            at.pass(
                format!(
                    "stack {} passes its secret-looking parameters masked (NoEcho) or by reference: {}",
                    s.name,
                    keys.join(", ")
                ),
                evidence,
            )
        }
    })
}

// ---- Exports -------------------------------------------------------------------------------------------

pub fn exports_in_use(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_item(
        ctx,
        |d| &d.exports,
        |x| &x.name,
        |at, _, data, x| {
            let exporter = x.exporting_stack_id.as_deref().map_or("(unknown stack)", |id| stack_name(data, id));
            let importers = match x.importing_stacks.get() {
                Ok(i) => i,
                Err(e) => return at.not_evaluated(&e),
            };
            let evidence = json!({
                "export": x.name,
                "exporting_stack": exporter,
                "exporting_stack_id": x.exporting_stack_id,
                "importing_stacks": importers,
            });
            if importers.is_empty() {
                at.pass(format!("export {} of stack {exporter} is not imported by any stack", x.name), evidence)
            } else {
                at.fail(
                    format!(
                        "stack {exporter} cannot be deleted, nor export {} changed, while {} import{} it",
                        x.name,
                        importers.join(", "),
                        if importers.len() == 1 { "s" } else { "" }
                    ),
                    evidence,
                )
            }
        },
    )
}

// ---- Stack sets ----------------------------------------------------------------------------------------

const SERVICE_MANAGED: &str = "SERVICE_MANAGED";

pub fn stackset_service_managed(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_item(
        ctx,
        |d| &d.stack_sets,
        |set| &set.name,
        |at, account, _, set| {
            let mut evidence = json!({ "stack_set": set.name, "permission_model": set.permission_model });
            if set.permission_model == SERVICE_MANAGED {
                return at.pass(format!("stack set {} uses service-managed permissions", set.name), evidence);
            }
            match account.organization.get() {
                Err(e) => at.not_evaluated(&e),
                Ok(None) => at.skipped("not applicable: the account is not in an organization".into(), evidence),
                Ok(Some(org)) => {
                    evidence["organization_id"] = json!(org.id);
                    evidence["feature_set"] = json!(org.feature_set);
                    evidence["management_account_id"] = json!(org.management_account_id);
                    evidence["instance_accounts"] = match set.instances.get() {
                        Ok(instances) => json!(instances.iter().map(|i| i.account.as_str()).collect::<Vec<_>>()),
                        Err(e) => json!({ "error": e }),
                    };
                    if org.feature_set.is_empty() {
                        at.unknown(
                            format!(
                                "stack set {} uses self-managed permissions, and whether organization {} has all features (which service-managed stack sets need) is unknown: organizations:DescribeOrganization gave no feature set",
                                set.name, org.id
                            ),
                            evidence,
                        )
                    } else if org.feature_set != "ALL" {
                        at.skipped(
                            format!(
                                "not applicable: organization {} has only consolidated billing, and service-managed stack sets need all features",
                                org.id
                            ),
                            evidence,
                        )
                    } else if let Err(e) = set.instances.get() {
                        // The one exception below depends on where the stack set deploys.
                        at.unknown(
                            format!(
                                "stack set {} uses self-managed permissions in organization {}, and whether it deploys only to the management account (which service-managed stack sets cannot reach) is unknown: its stack instances could not be listed ({})",
                                set.name,
                                org.id,
                                e.brief()
                            ),
                            evidence,
                        )
                    } else if only_in_management_account(set, &org.management_account_id) {
                        // Service-managed stack sets never deploy to the management account: self-managed is the
                        // one way to reach it.
                        at.pass(
                            format!(
                                "stack set {} uses self-managed permissions to deploy only to the management account {} of organization {}, which service-managed stack sets cannot target",
                                set.name, org.management_account_id, org.id
                            ),
                            evidence,
                        )
                    } else {
                        at.fail(
                            format!(
                                "stack set {} uses self-managed permissions in organization {}: its roles are kept by hand in every target account, and accounts joining the organization get nothing automatically",
                                set.name, org.id
                            ),
                            evidence,
                        )
                    }
                }
            }
        },
    )
}

/// Whether every stack instance of a stack set is in the management account (and there is at least one).
fn only_in_management_account(set: &StackSet, management_account_id: &str) -> bool {
    set.instances.get().is_ok_and(|instances| {
        !management_account_id.is_empty()
            && !instances.is_empty()
            && instances.iter().all(|i| i.account == management_account_id)
    })
}

pub fn stackset_auto_deployment(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_item(
        ctx,
        |d| &d.stack_sets,
        |set| &set.name,
        |at, _, _, set| {
            let evidence = json!({
                "stack_set": set.name,
                "permission_model": set.permission_model,
                "auto_deployment": set.auto_deployment,
            });
            if set.permission_model != SERVICE_MANAGED {
                at.skipped(
                    format!(
                        "not applicable: stack set {} is self-managed, and only service-managed stack sets deploy automatically",
                        set.name
                    ),
                    evidence,
                )
            } else {
                match set.auto_deployment {
                    Some(true) => at.pass(
                        format!("stack set {} deploys automatically to accounts joining its target OUs", set.name),
                        evidence,
                    ),
                    Some(false) => at.fail(
                        format!(
                            "stack set {} has automatic deployment off: accounts that join its target OUs do not get its stacks",
                            set.name
                        ),
                        evidence,
                    ),
                    None => at.unknown(
                        format!("could not be evaluated: the automatic deployment setting of stack set {} was not read", set.name),
                        evidence,
                    ),
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{EvalOptions, Evaluator};
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        Collected, CollectionError, ErrorKind, Snapshot, StackExport, StackInstance, StackResource, StoredDrift,
    };

    const NOW: &str = "2026-01-15T00:00:00Z";

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn stack(name: &str) -> Stack {
        Stack {
            name: name.into(),
            id: format!("arn:aws:cloudformation:us-east-1:{ACCT}:stack/{name}/0000"),
            status: "CREATE_COMPLETE".into(),
            status_reason: None,
            parent_id: None,
            root_id: None,
            termination_protection: true,
            role_arn: Some(format!("arn:aws:iam::{ACCT}:role/cfn-{name}")),
            disable_rollback: Some(false),
            rollback_triggers: 1,
            last_updated: None,
            parameters: vec![],
            drift: StoredDrift { status: Some("IN_SYNC".into()), last_check: Some(ts("2026-01-10T00:00:00Z")) },
            stack_policy: Collected::ok(None),
            resources: Collected::ok(vec![]),
            detection: None,
        }
    }

    /// A nested stack of `parent`, as CloudFormation creates it: no protection or role of its own.
    fn nested(name: &str, parent: &Stack) -> Stack {
        Stack {
            parent_id: Some(parent.id.clone()),
            root_id: Some(parent.root_id.clone().unwrap_or_else(|| parent.id.clone())),
            termination_protection: false,
            role_arn: None,
            ..stack(name)
        }
    }

    fn resource(logical_id: &str, resource_type: &str) -> StackResource {
        StackResource { logical_id: logical_id.into(), physical_id: None, resource_type: resource_type.into() }
    }

    fn cfn(stacks: Vec<Stack>) -> CloudFormationData {
        CloudFormationData { stacks, exports: Collected::ok(vec![]), stack_sets: Collected::ok(vec![]) }
    }

    fn snap_with(data: Collected<CloudFormationData>, org: Option<&str>) -> Snapshot {
        let mut r = region("us-east-1");
        r.cloudformation = data;
        let mut s = snapshot(vec![account(ACCT, org, vec![r])]);
        s.generated_at = ts(NOW);
        s
    }

    fn snap(stacks: Vec<Stack>) -> Snapshot {
        snap_with(Collected::ok(cfn(stacks)), None)
    }

    fn run(f: Evaluator, snap: &Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    fn only(out: &[Outcome]) -> (Status, &str) {
        assert_eq!(out.len(), 1, "{out:?}");
        (out[0].status, out[0].message.as_str())
    }

    fn detection(status: &str, drift: Option<&str>, drifted: Collected<Vec<ResourceDrift>>) -> Option<DriftDetection> {
        Some(DriftDetection {
            status: status.into(),
            stack_drift_status: drift.map(Into::into),
            reason: None,
            detection_id: Some("d-1".into()),
            drifted_resources: drifted,
        })
    }

    fn diff(path: &str, expected: Option<&str>, actual: Option<&str>, kind: &str) -> PropertyDifference {
        PropertyDifference {
            path: path.into(),
            expected: expected.map(Into::into),
            actual: actual.map(Into::into),
            kind: kind.into(),
        }
    }

    fn drifts() -> Vec<ResourceDrift> {
        vec![
            ResourceDrift {
                logical_id: "Bucket".into(),
                physical_id: Some("app-bucket".into()),
                resource_type: "AWS::S3::Bucket".into(),
                status: "MODIFIED".into(),
                differences: vec![
                    diff("/Properties/VersioningConfiguration/Status", Some("Enabled"), Some("Suspended"), "NOT_EQUAL"),
                    diff("/Properties/Tags/1", None, Some("{\"Key\":\"owner\",\"Value\":\"ops\"}"), "ADD"),
                ],
            },
            ResourceDrift {
                logical_id: "Queue".into(),
                physical_id: None,
                resource_type: "AWS::SQS::Queue".into(),
                status: "DELETED".into(),
                differences: vec![],
            },
        ]
    }

    #[test]
    fn drift_cases() {
        let with = |status: &str, last: Option<&str>, d: Option<DriftDetection>| Stack {
            drift: StoredDrift { status: Some(status.into()), last_check: last.map(ts) },
            detection: d,
            ..stack("app")
        };
        let timed_out = {
            let mut d = detection("TIMED_OUT", None, Collected::ok(vec![]));
            d.as_mut().unwrap().reason = Some("still running after 15m".into());
            d
        };
        let failed = {
            let mut d = detection("DETECTION_FAILED", None, Collected::ok(vec![]));
            d.as_mut().unwrap().reason = Some("Failed to detect drift on resource Fn".into());
            d
        };
        let failed_but_drifted = {
            let mut d = detection("DETECTION_FAILED", Some("DRIFTED"), Collected::ok(drifts()));
            d.as_mut().unwrap().reason = Some("unsupported resource Custom".into());
            d
        };
        let unreadable = detection(
            "DETECTION_COMPLETE",
            Some("DRIFTED"),
            Collected::Error { error: denied("cloudformation:DescribeStackResourceDrifts") },
        );
        let day = Some("2026-01-14T00:00:00Z");
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            (
                "detected drift",
                with("DRIFTED", day, detection("DETECTION_COMPLETE", Some("DRIFTED"), Collected::ok(drifts()))),
                Status::Fail,
                "Bucket (AWS::S3::Bucket) MODIFIED: /Properties/VersioningConfiguration/Status: Enabled → Suspended, /Properties/Tags/1: (absent) → {\"Key\":\"owner\",\"Value\":\"ops\"}; Queue (AWS::SQS::Queue) DELETED",
            ),
            (
                "detected in sync",
                with("IN_SYNC", day, detection("DETECTION_COMPLETE", Some("IN_SYNC"), Collected::ok(vec![]))),
                Status::Pass,
                "matches its template",
            ),
            ("detection timed out", with("IN_SYNC", day, timed_out), Status::Unknown, "still running after 15m"),
            ("detection failed", with("IN_SYNC", day, failed.clone()), Status::Unknown, "Failed to detect drift on resource Fn"),
            (
                "detection failed, drift found anyway",
                with("DRIFTED", day, failed_but_drifted),
                Status::Fail,
                "detection failed for some resources: unsupported resource Custom",
            ),
            (
                "drift found, differences unreadable",
                with("DRIFTED", day, unreadable),
                Status::Fail,
                "missing permission cloudformation:DescribeStackResourceDrifts",
            ),
            (
                "completed without verdict",
                with("IN_SYNC", day, detection("DETECTION_COMPLETE", None, Collected::ok(vec![]))),
                Status::Unknown,
                "without a verdict",
            ),
            ("stored drifted", with("DRIFTED", day, None), Status::Fail, "--detect-drift to list the differences"),
            ("stored in sync", with("IN_SYNC", day, None), Status::Pass, "last checked 2026-01-14"),
            // alternative: drifted at the last stored detection, put right since (this audit's detection says so)
            (
                "stored drifted, in sync now",
                with("DRIFTED", day, detection("DETECTION_COMPLETE", Some("IN_SYNC"), Collected::ok(vec![]))),
                Status::Pass,
                "matches its template",
            ),
            ("never checked", with("NOT_CHECKED", None, None), Status::Unknown, "--detect-drift"),
            // partial: DescribeStacks without DriftInformation is not AWS's UNKNOWN, and never a pass
            (
                "no drift information",
                Stack { drift: StoredDrift::default(), ..with("IN_SYNC", None, None) },
                Status::Unknown,
                "DescribeStacks gave no drift information for it",
            ),
            ("unknown stored status", with("UNKNOWN", None, None), Status::Unknown, "is UNKNOWN; run dopaudit with --detect-drift"),
            // near miss: a detection ran (it has a time) but gave no verdict
            (
                "unknown stored status with a time",
                with("UNKNOWN", day, None),
                Status::Unknown,
                "the last drift detection (last checked 2026-01-14 00:00 UTC) ended UNKNOWN (CloudFormation could not run drift detection for a resource",
            ),
            // stacks with nothing deployed to drift: skipped, whatever the collection tried
            (
                "rolled back at creation",
                Stack { status: "ROLLBACK_COMPLETE".into(), ..with("NOT_CHECKED", None, failed.clone()) },
                Status::Skipped,
                "cannot be detected in ROLLBACK_COMPLETE: its creation failed and was rolled back",
            ),
            (
                "change set not executed",
                Stack { status: "REVIEW_IN_PROGRESS".into(), ..with("NOT_CHECKED", None, None) },
                Status::Skipped,
                "cannot be detected in REVIEW_IN_PROGRESS: it was created for a change set that has not been executed",
            ),
        ];
        for (name, s, want, text) in cases {
            let out = run(stack_drift, &snap(vec![s]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
            assert!(msg.contains("app"), "{name}: {msg}");
            assert_eq!(out[0].resource, format!("arn:aws:cloudformation:us-east-1:{ACCT}:stack/app/0000"));
        }
        // unreadable: the stacks themselves could not be listed
        let denied_stacks = snap_with(Collected::Error { error: denied("cloudformation:DescribeStacks") }, None);
        for check in [stack_drift, drift_stale] {
            let out = run(check, &denied_stacks);
            let (status, msg) = only(&out);
            assert_eq!(status, Status::Unknown);
            assert!(msg.contains("missing permission cloudformation:DescribeStacks"), "{msg}");
        }
    }

    #[test]
    fn drift_evidence_keeps_whole_differences_while_the_message_cuts_long_values() {
        let policy = format!("{{\"Statement\":[{}]}}", "{\"Effect\":\"Allow\"},".repeat(20));
        let mut list = drifts();
        list[0].differences.push(diff("/Properties/PolicyDocument", Some(&policy), Some("{}"), "NOT_EQUAL"));
        let s =
            Stack { detection: detection("DETECTION_COMPLETE", Some("DRIFTED"), Collected::ok(list)), ..stack("app") };
        let out = run(stack_drift, &snap(vec![s]));
        assert!(out[0].message.contains("/Properties/PolicyDocument: {\"Statement\""), "{}", out[0].message);
        assert!(!out[0].message.contains(&policy), "the message should cut a long value");
        let ev = &out[0].evidence["drifted_resources"];
        assert_eq!(ev[0]["differences"][0]["actual"], "Suspended");
        assert_eq!(ev[0]["differences"][2]["expected"], policy.as_str());
        assert_eq!(ev[1]["status"], "DELETED");
    }

    #[test]
    fn drift_staleness_by_date() {
        let checked = |status: &str, last: Option<&str>| Stack {
            drift: StoredDrift { status: Some(status.into()), last_check: last.map(ts) },
            ..stack("app")
        };
        let complete = detection("DETECTION_COMPLETE", Some("IN_SYNC"), Collected::ok(vec![]));
        let timed_out = detection("TIMED_OUT", None, Collected::ok(vec![]));
        // generated_at is 2026-01-15; the default limit is 7 days.
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            ("5 days", checked("IN_SYNC", Some("2026-01-10T00:00:00Z")), Status::Pass, "checked 5 days before"),
            ("3 hours", checked("DRIFTED", Some("2026-01-14T21:00:00Z")), Status::Pass, "3 hours"),
            (
                "45 days",
                checked("IN_SYNC", Some("2025-12-01T00:00:00Z")),
                Status::Fail,
                "last checked 45 days ago (2025-12-01 00:00 UTC), longer than the allowed 7 days",
            ),
            ("never", checked("NOT_CHECKED", None), Status::Fail, "never been checked"),
            (
                "no drift information",
                Stack { drift: StoredDrift::default(), ..checked("IN_SYNC", None) },
                Status::Unknown,
                "DescribeStacks gave no drift information for stack app",
            ),
            (
                "checked by this audit",
                Stack { detection: complete, ..checked("IN_SYNC", Some("2025-01-01T00:00:00Z")) },
                Status::Pass,
                "checked by this audit",
            ),
            (
                "this audit's detection timed out",
                Stack { detection: timed_out, ..checked("IN_SYNC", Some("2025-12-01T00:00:00Z")) },
                Status::Fail,
                "45 days ago",
            ),
            // near misses: a recent time, but no verdict from that detection
            (
                "UNKNOWN a day ago",
                checked("UNKNOWN", Some("2026-01-14T00:00:00Z")),
                Status::Unknown,
                "the last drift detection of stack app (2026-01-14 00:00 UTC) gave no verdict: it ended UNKNOWN",
            ),
            (
                "this audit's detection completed without a verdict",
                Stack {
                    detection: detection("DETECTION_COMPLETE", Some("UNKNOWN"), Collected::ok(vec![])),
                    ..checked("IN_SYNC", Some("2025-12-01T00:00:00Z"))
                },
                Status::Fail,
                "45 days ago",
            ),
            // partial: a status without the time it was found
            (
                "no time recorded",
                checked("UNKNOWN", None),
                Status::Unknown,
                "is UNKNOWN with no time of a last detection",
            ),
            // alternative: nothing was ever deployed, so there is nothing to check
            (
                "rolled back at creation",
                Stack { status: "ROLLBACK_COMPLETE".into(), ..checked("NOT_CHECKED", None) },
                Status::Skipped,
                "holds no resources",
            ),
            (
                "change set under review",
                Stack { status: "REVIEW_IN_PROGRESS".into(), ..checked("NOT_CHECKED", None) },
                Status::Skipped,
                "REVIEW_IN_PROGRESS",
            ),
        ];
        for (name, s, want, text) in cases {
            let out = run(drift_stale, &snap(vec![s]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }

        // A tighter limit from the options.
        let snapshot = snap(vec![checked("IN_SYNC", Some("2026-01-10T00:00:00Z"))]);
        let ctx = Ctx {
            snapshot: &snapshot,
            options: EvalOptions { drift_max_age: Duration::days(1), ..EvalOptions::default() },
        };
        let out = drift_stale(&ctx);
        assert_eq!(only(&out).0, Status::Fail);
        assert!(out[0].message.contains("longer than the allowed 1 day"), "{}", out[0].message);
    }

    /// The verdict tables of `cloudformation-termination-protection` and `cloudformation-service-role`: compliant (root),
    /// non-compliant (bare), alternative (a nested stack inherits both from its root, so it is not judged). Near miss:
    /// a protected nested stack under an unprotected root is still deletable with its root (below). No partial row:
    /// both come whole from DescribeStacks; unreadable: `an_unreadable_region_gives_one_outcome_per_check`. Whether a
    /// service role is narrowly scoped is not judged here (it needs IAM's view of the role).
    #[test]
    fn termination_protection_and_service_role_judge_top_level_stacks_only() {
        let root = stack("root");
        let child = nested("root-Net-1", &root);
        let bare = Stack { termination_protection: false, role_arn: None, ..stack("bare") };
        let s = snap(vec![root, child, bare]);

        let out = run(termination_protection, &s);
        let got: Vec<(&str, Status)> = out.iter().map(|o| (o.resource.as_str(), o.status)).collect();
        assert_eq!(
            got,
            vec![
                ("arn:aws:cloudformation:us-east-1:111111111111:stack/root/0000", Status::Pass),
                ("arn:aws:cloudformation:us-east-1:111111111111:stack/bare/0000", Status::Fail),
            ]
        );
        assert_eq!(out[0].evidence["nested_stacks_covered"], json!(["root-Net-1"]));
        assert!(out[1].message.contains("termination protection off"), "{}", out[1].message);

        let out = run(service_role, &s);
        assert_eq!(out.iter().map(|o| o.status).collect::<Vec<_>>(), vec![Status::Pass, Status::Fail]);
        assert!(out[0].message.contains("arn:aws:iam::111111111111:role/cfn-root"), "{}", out[0].message);
        assert!(out[1].message.contains("runs with the caller's permissions"), "{}", out[1].message);
    }

    #[test]
    fn termination_protection_off_names_the_nested_stacks_it_exposes() {
        let root = Stack { termination_protection: false, ..stack("root") };
        let a = nested("root-A", &root);
        let b = nested("root-B", &root);
        let protected_child = Stack { termination_protection: true, ..nested("root-C", &root) };
        let out = run(termination_protection, &snap(vec![root, a, b, protected_child]));
        let (status, msg) = only(&out);
        assert_eq!(status, Status::Fail);
        assert!(msg.contains("and its 3 nested stacks"), "{msg}");
    }

    #[test]
    fn stack_policy_cases() {
        let allow_all = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]}"#;
        let guarded = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
            {"Effect":"Deny","Action":["Update:Replace","Update:Delete"],"Principal":"*","Resource":"LogicalResourceId/Db"}]}"#;
        let modify_only =
            r#"{"Statement":{"Effect":"Allow","Action":["Update:Modify"],"Principal":"*","Resource":"*"}}"#;
        let guards_the_wrong_one = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
            {"Effect":"Deny","Action":"Update:*","Principal":"*","Resource":"LogicalResourceId/Fn"}]}"#;
        let delete_only = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
            {"Effect":"Deny","Action":"Update:Delete","Principal":"*","Resource":"LogicalResourceId/Db"}]}"#;
        let not_resource = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","NotResource":"LogicalResourceId/Db"}]}"#;
        let by_type = r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
            {"Effect":"Deny","Action":"Update:*","Principal":"*","Resource":"*","Condition":{"StringLike":{"ResourceType":["AWS::RDS::*"]}}}]}"#;
        let stateful =
            || Collected::ok(vec![resource("Db", "AWS::RDS::DBInstance"), resource("Fn", "AWS::Lambda::Function")]);
        let with = |resources: Collected<Vec<StackResource>>, policy: Collected<Option<String>>| Stack {
            resources,
            stack_policy: policy,
            ..stack("app")
        };
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            (
                "no stateful resources",
                with(Collected::ok(vec![resource("Fn", "AWS::Lambda::Function")]), Collected::ok(None)),
                Status::Skipped,
                "holds no stateful resource",
            ),
            (
                "stateful, no policy",
                with(stateful(), Collected::ok(None)),
                Status::Fail,
                "no stack policy: any update may replace or delete Db (AWS::RDS::DBInstance)",
            ),
            (
                "stateful, guarded",
                with(stateful(), Collected::ok(Some(guarded.into()))),
                Status::Pass,
                "denies replacing and deleting Db (AWS::RDS::DBInstance)",
            ),
            // alternative: what the policy does not allow is denied
            (
                "stateful, modify only",
                with(stateful(), Collected::ok(Some(modify_only.into()))),
                Status::Pass,
                "denies replacing and deleting",
            ),
            (
                "allowed everywhere but Db",
                with(stateful(), Collected::ok(Some(not_resource.into()))),
                Status::Pass,
                "denies replacing",
            ),
            (
                "denied by resource type",
                with(stateful(), Collected::ok(Some(by_type.into()))),
                Status::Pass,
                "denies replacing",
            ),
            (
                "stateful, allow-all policy",
                with(stateful(), Collected::ok(Some(allow_all.into()))),
                Status::Fail,
                "lets an update replace or delete Db (AWS::RDS::DBInstance: Update:Replace, Update:Delete)",
            ),
            // near misses: a Deny, but not on the database, or not on replacement
            (
                "guards the function only",
                with(stateful(), Collected::ok(Some(guards_the_wrong_one.into()))),
                Status::Fail,
                "Db (AWS::RDS::DBInstance: Update:Replace, Update:Delete)",
            ),
            (
                "deletion denied, replacement allowed",
                with(stateful(), Collected::ok(Some(delete_only.into()))),
                Status::Fail,
                "Db (AWS::RDS::DBInstance: Update:Replace)",
            ),
            // partial: a document that cannot be read decides nothing
            (
                "unparsable policy",
                with(stateful(), Collected::ok(Some("{not json".into()))),
                Status::Unknown,
                "not JSON",
            ),
            (
                "resources unreadable",
                with(Collected::Error { error: denied("cloudformation:ListStackResources") }, Collected::ok(None)),
                Status::Unknown,
                "cloudformation:ListStackResources",
            ),
            (
                "policy unreadable",
                with(stateful(), Collected::Error { error: denied("cloudformation:GetStackPolicy") }),
                Status::Unknown,
                "cloudformation:GetStackPolicy",
            ),
        ];
        for (name, s, want, text) in cases {
            let out = run(stack_policy, &snap(vec![s]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
        assert!(!STATEFUL_TYPES.contains(&"AWS::SQS::Queue"));
    }

    /// The verdict table of `cloudformation-stack-failed-state`. Unreadable (DescribeStacks denied) is one region-level
    /// `unknown`: see `an_unreadable_region_gives_one_outcome_per_check`.
    #[test]
    fn failed_states_fail_with_their_recovery() {
        let in_status = |status: &str| Stack { status: status.into(), ..stack("app") };
        let cases: Vec<(Stack, Status, &str)> = vec![
            // compliant
            (in_status("CREATE_COMPLETE"), Status::Pass, "is CREATE_COMPLETE"),
            // alternative: a failed update that rolled back cleanly leaves a working stack
            (
                in_status("UPDATE_ROLLBACK_COMPLETE"),
                Status::Pass,
                "is UPDATE_ROLLBACK_COMPLETE (its last update failed and was rolled back",
            ),
            (
                in_status("IMPORT_ROLLBACK_COMPLETE"),
                Status::Pass,
                "is IMPORT_ROLLBACK_COMPLETE (a resource import failed and was rolled back",
            ),
            // near miss: "COMPLETE", but a failed creation that can only be deleted
            (
                in_status("ROLLBACK_COMPLETE"),
                Status::Fail,
                "is ROLLBACK_COMPLETE: its creation failed and was rolled back, so it holds no resources and can only be deleted",
            ),
            (in_status("ROLLBACK_IN_PROGRESS"), Status::Fail, "can only be deleted"),
            // partial: DescribeStacks without a status
            (in_status(""), Status::Unknown, "the status of stack app is unknown"),
            // non-compliant
            (
                Stack { status_reason: Some("Resource Db was deleted outside".into()), ..in_status("UPDATE_ROLLBACK_FAILED") },
                Status::Fail,
                "UPDATE_ROLLBACK_FAILED (Resource Db was deleted outside). The stack cannot be updated until the rollback finishes",
            ),
            (in_status("UPDATE_ROLLBACK_FAILED"), Status::Fail, "continue-update-rollback --stack-name app, optionally with --resources-to-skip"),
            (in_status("CREATE_FAILED"), Status::Fail, "rollback-stack --stack-name app"),
            (in_status("UPDATE_FAILED"), Status::Fail, "last stable state"),
            (in_status("DELETE_FAILED"), Status::Fail, "--retain-resources"),
            (in_status("ROLLBACK_FAILED"), Status::Fail, "delete-stack --stack-name app"),
            (in_status("IMPORT_ROLLBACK_FAILED"), Status::Fail, "repair it outside CloudFormation"),
        ];
        for (s, want, text) in cases {
            let status = s.status.clone();
            let out = run(stack_failed_state, &snap(vec![s]));
            let (got, msg) = only(&out);
            assert_eq!(got, want, "{status}: {msg}");
            assert!(msg.contains(text), "{status}: {msg}");
        }
    }

    #[test]
    fn nested_stack_recovers_from_its_root() {
        let mut root = Stack { status: "UPDATE_ROLLBACK_FAILED".into(), ..stack("root") };
        let child = Stack { status: "UPDATE_ROLLBACK_FAILED".into(), ..nested("root-Net-1", &root) };
        root.resources = Collected::ok(vec![StackResource {
            logical_id: "Net".into(),
            physical_id: Some(child.id.clone()),
            resource_type: "AWS::CloudFormation::Stack".into(),
        }]);
        let gone = Stack { status: "DELETE_COMPLETE".into(), ..stack("gone") };
        let out = run(stack_failed_state, &snap(vec![root, child, gone]));
        assert_eq!(out.len(), 2, "deleted stacks are not judged: {out:?}");
        let msg = &out[1].message;
        assert!(msg.contains("continue-update-rollback --stack-name root"), "{msg}");
        assert!(msg.contains("--resources-to-skip Net.LOGICAL_ID"), "{msg}");
    }

    /// `cloudformation-rollback-disabled`. No alternative row: rollback triggers add to rolling back, never replace
    /// it. Unreadable: see `an_unreadable_region_gives_one_outcome_per_check`.
    #[test]
    fn rollback_disabled_cases() {
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            ("compliant", stack("a"), Status::Pass, "rolls back on failure (1 rollback trigger)"),
            (
                "non-compliant",
                Stack { disable_rollback: Some(true), ..stack("a") },
                Status::Fail,
                "rollback on failure disabled",
            ),
            // near miss: rollback triggers configured, but rollback itself disabled
            (
                "triggers but disabled",
                Stack { disable_rollback: Some(true), rollback_triggers: 3, ..stack("a") },
                Status::Fail,
                "(3 rollback triggers)",
            ),
            // partial: DescribeStacks without DisableRollback is not "rolls back"
            ("absent", Stack { disable_rollback: None, ..stack("a") }, Status::Unknown, "DescribeStacks did not say"),
        ];
        for (name, st, want, text) in cases {
            let out = run(rollback_disabled, &snap(vec![st]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
        let out = run(
            rollback_disabled,
            &snap(vec![Stack { disable_rollback: Some(true), rollback_triggers: 0, ..stack("a") }, stack("b")]),
        );
        assert_eq!(out.iter().map(|o| o.status).collect::<Vec<_>>(), vec![Status::Fail, Status::Pass]);
        assert!(
            out[0].message.contains("rollback on failure disabled")
                && out[0].message.contains("(no rollback triggers)")
        );
        assert!(out[1].message.contains("1 rollback trigger)"), "{}", out[1].message);
        assert_eq!(out[0].evidence["rollback_triggers"], 0);
        assert_eq!(out[1].evidence["rollback_triggers"], 1);
    }

    /// A parameter as the collector stores it (credential-shaped values withheld, the verdict kept).
    fn param(key: &str, value: &str) -> StackParameter {
        StackParameter { key: key.into(), value: value.into(), resolved_value: None, value_looks_secret: None }
            .withholding_secrets()
    }

    #[test]
    fn secret_parameter_cases() {
        const SECRET: &str = "hunter2-Sup3rS3cret";
        let resolved = StackParameter { resolved_value: Some(SECRET.into()), ..param("DbPasswordParam", "/prod/db") };
        const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let old_snapshot = |key: &str, value: &str| StackParameter { value_looks_secret: None, ..param(key, value) };
        let cases: Vec<(&str, Vec<StackParameter>, Status, &str)> = vec![
            ("plaintext password", vec![param("DbPassword", SECRET), param("Env", "prod")], Status::Fail, "in plaintext"),
            (
                "several spellings",
                vec![param("api_key", SECRET), param("GitHubToken", SECRET), param("Private-Key", SECRET)],
                Status::Fail,
                "3 secret-looking parameters in plaintext, readable by anyone allowed to describe the stack: api_key, GitHubToken, Private-Key",
            ),
            ("NoEcho", vec![param("DbPassword", "****")], Status::Pass, "masked (NoEcho) or by reference: DbPassword"),
            (
                "secrets manager reference",
                vec![param("DbPassword", "{{resolve:secretsmanager:prod/db:SecretString:password}}")],
                Status::Pass,
                "by reference",
            ),
            ("ssm-secure reference", vec![param("ApiToken", "{{resolve:ssm-secure:/prod/token:3}}")], Status::Pass, "by reference"),
            ("plain ssm reference", vec![param("ApiToken", "{{resolve:ssm:/prod/token}}")], Status::Fail, "ApiToken"),
            ("resolved from a String parameter", vec![resolved], Status::Fail, "DbPasswordParam"),
            (
                "references and sizes",
                vec![param("DbSecretArn", "arn:aws:secretsmanager:us-east-1:1:secret:x"), param("PasswordLength", "32")],
                Status::Pass,
                "no parameter that looks like a secret",
            ),
            ("nothing secret", vec![param("Env", "prod")], Status::Pass, "no parameter that looks like a secret"),
            ("empty value", vec![param("AdminPassword", "")], Status::Pass, "AdminPassword"),
            // near miss: an innocent key holding a GitHub token
            (
                "credential-shaped value",
                vec![param("GitHubOAuth", TOKEN), param("Env", "prod")],
                Status::Fail,
                "GitHubOAuth (its value has the shape of a credential)",
            ),
            // partial: a snapshot from before the value verdict cannot clear an innocent key's plaintext value
            (
                "value never examined",
                vec![old_snapshot("Env", "prod")],
                Status::Unknown,
                "does not say whether the values of Env look like credentials",
            ),
            // unreadable: DescribeStacks denied gives one region-level unknown (an_unreadable_region_gives_one_outcome_per_check)
        ];
        for (name, parameters, want, text) in cases {
            let out = run(secret_parameters, &snap(vec![Stack { parameters, ..stack("app") }]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
            let evidence = out[0].evidence.to_string();
            assert!(!msg.contains(SECRET) && !evidence.contains(SECRET), "{name}: the secret leaked: {msg} {evidence}");
            assert!(!msg.contains(TOKEN) && !evidence.contains(TOKEN), "{name}: the token leaked: {msg} {evidence}");
            assert!(!msg.contains("prod") || name == "nothing secret", "{name}: a value leaked: {msg}");
            assert_eq!(out[0].evidence["values_not_examined"] != json!([]), name == "value never examined", "{name}");
        }
    }

    #[test]
    fn secret_looking_keys() {
        for key in [
            "DBPassword",
            "db_passwd",
            "ClientSecret",
            "SlackToken",
            "API_KEY",
            "PrivateKey",
            "Credentials",
            "DbPass",
            "admin_pass",
        ] {
            assert!(crate::snapshot::looks_secret(key), "{key}");
        }
        for key in [
            "Environment",
            "SecretArn",
            "DbPasswordSecretName",
            "TokenTtl",
            "InstanceType",
            "KeyName",
            "WafBypass",
            "Compass",
        ] {
            assert!(!crate::snapshot::looks_secret(key), "{key}");
        }
    }

    fn export(name: &str, importers: Collected<Vec<String>>) -> StackExport {
        StackExport {
            name: name.into(),
            exporting_stack_id: Some(format!("arn:aws:cloudformation:us-east-1:{ACCT}:stack/network/0000")),
            importing_stacks: importers,
        }
    }

    /// `cloudformation-exports-in-use`: not imported (pass), imported (fail), importers unreadable (unknown), exports
    /// unreadable (one region-level unknown). No alternative or near-miss row: ListImports is the one source of who
    /// depends on an export.
    #[test]
    fn export_cases() {
        let mut data = cfn(vec![stack("network")]);
        data.exports = Collected::ok(vec![
            export("network-VpcId", Collected::ok(vec!["app".into(), "web".into()])),
            export("network-SubnetA", Collected::ok(vec!["app".into()])),
            export("network-Spare", Collected::ok(vec![])),
            export("network-Denied", Collected::Error { error: denied("cloudformation:ListImports") }),
        ]);
        let out = run(exports_in_use, &snap_with(Collected::ok(data), None));
        let got: Vec<(&str, Status)> = out.iter().map(|o| (o.resource.as_str(), o.status)).collect();
        assert_eq!(
            got,
            vec![
                ("network-VpcId", Status::Fail),
                ("network-SubnetA", Status::Fail),
                ("network-Spare", Status::Pass),
                ("network-Denied", Status::Unknown),
            ]
        );
        assert_eq!(
            out[0].message,
            "stack network cannot be deleted, nor export network-VpcId changed, while app, web import it"
        );
        assert!(out[1].message.ends_with("while app imports it"), "{}", out[1].message);

        // The exporting stack's name comes from its id when the stack is not listed.
        let mut data = cfn(vec![]);
        data.exports = Collected::Error { error: denied("cloudformation:ListExports") };
        let out = run(exports_in_use, &snap_with(Collected::ok(data), None));
        assert_eq!(only(&out).0, Status::Unknown);
        assert_eq!(out[0].resource, ACCT, "a region-level outcome");
        let mut data = cfn(vec![]);
        data.exports = Collected::ok(vec![export("x", Collected::ok(vec!["app".into()]))]);
        assert!(run(exports_in_use, &snap_with(Collected::ok(data), None))[0].message.starts_with("stack network "));
    }

    fn stack_set(name: &str, model: &str, auto: Option<bool>) -> StackSet {
        StackSet {
            name: name.into(),
            id: Some(format!("{name}:0000")),
            status: "ACTIVE".into(),
            permission_model: model.into(),
            auto_deployment: auto,
            instances: Collected::ok(vec![]),
        }
    }

    fn with_sets(sets: Vec<StackSet>, org: Option<&str>) -> Snapshot {
        let mut data = cfn(vec![]);
        data.stack_sets = Collected::ok(sets);
        snap_with(Collected::ok(data), org)
    }

    /// A self-managed stack set with one stack instance in each of `accounts`.
    fn deployed_to(accounts: &[&str]) -> StackSet {
        let instance = |account: &&str| StackInstance {
            account: account.to_string(),
            region: "us-east-1".into(),
            status: "CURRENT".into(),
            drift_status: None,
        };
        StackSet {
            instances: Collected::ok(accounts.iter().map(instance).collect()),
            ..stack_set("baseline", "SELF_MANAGED", None)
        }
    }

    #[test]
    fn stackset_permission_model_cases() {
        let self_managed = || vec![stack_set("baseline", "SELF_MANAGED", None)];
        let consolidated = {
            let mut s = with_sets(self_managed(), Some(MGMT));
            if let Collected::Ok { data: Some(org) } = &mut s.accounts[0].organization {
                org.feature_set = "CONSOLIDATED_BILLING".into();
            }
            s
        };
        let feature_set_unknown = {
            let mut s = with_sets(self_managed(), Some(MGMT));
            if let Collected::Ok { data: Some(org) } = &mut s.accounts[0].organization {
                org.feature_set = String::new();
            }
            s
        };
        let org_denied = {
            let mut s = with_sets(self_managed(), Some(MGMT));
            s.accounts[0].organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
            s
        };
        let cases: Vec<(&str, Snapshot, Status, &str)> = vec![
            (
                "service-managed",
                with_sets(vec![stack_set("baseline", "SERVICE_MANAGED", Some(true))], Some(MGMT)),
                Status::Pass,
                "service-managed",
            ),
            ("self-managed in an organization", with_sets(self_managed(), Some(MGMT)), Status::Fail, "o-example"),
            // alternative: service-managed stack sets cannot deploy to the management account
            (
                "self-managed, management account only",
                with_sets(vec![deployed_to(&[MGMT, MGMT])], Some(MGMT)),
                Status::Pass,
                "deploy only to the management account 999999999999",
            ),
            // near miss: the management account, and a member account a service-managed stack set could reach
            (
                "self-managed, management and member",
                with_sets(vec![deployed_to(&[MGMT, ACCT])], Some(MGMT)),
                Status::Fail,
                "self-managed permissions in organization o-example",
            ),
            // partial: the stack instances unread, so the management-account exception can be neither shown nor ruled out
            (
                "self-managed, instances unreadable",
                with_sets(
                    vec![StackSet {
                        instances: Collected::Error { error: denied("cloudformation:ListStackInstances") },
                        ..stack_set("baseline", "SELF_MANAGED", None)
                    }],
                    Some(MGMT),
                ),
                Status::Unknown,
                "cloudformation:ListStackInstances",
            ),
            (
                "self-managed, no organization",
                with_sets(self_managed(), None),
                Status::Skipped,
                "not in an organization",
            ),
            ("consolidated billing only", consolidated, Status::Skipped, "consolidated billing"),
            ("organization unreadable", org_denied, Status::Unknown, "organizations:DescribeOrganization"),
            // partial: the organization read without its feature set
            ("feature set unknown", feature_set_unknown, Status::Unknown, "gave no feature set"),
        ];
        for (name, s, want, text) in cases {
            let out = run(stackset_service_managed, &s);
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
            assert_eq!(out[0].resource, "baseline");
        }
    }

    /// `cloudformation-stackset-auto-deployment`: on (pass), off (fail), not read (unknown), self-managed (skipped:
    /// the alternative, where automatic deployment does not exist). No near-miss row: the setting is one flag.
    #[test]
    fn stackset_auto_deployment_cases() {
        let cases = [
            (stack_set("s", "SERVICE_MANAGED", Some(true)), Status::Pass),
            (stack_set("s", "SERVICE_MANAGED", Some(false)), Status::Fail),
            (stack_set("s", "SERVICE_MANAGED", None), Status::Unknown),
            (stack_set("s", "SELF_MANAGED", None), Status::Skipped),
        ];
        for (set, want) in cases {
            let out = run(stackset_auto_deployment, &with_sets(vec![set.clone()], Some(MGMT)));
            assert_eq!(only(&out).0, want, "{set:?}");
        }
        let mut data = cfn(vec![]);
        data.stack_sets = Collected::Error { error: denied("cloudformation:ListStackSets") };
        for f in [stackset_auto_deployment, stackset_service_managed] {
            let out = run(f, &snap_with(Collected::ok(data.clone()), Some(MGMT)));
            assert_eq!(only(&out).0, Status::Unknown);
        }
    }

    const ALL: [Evaluator; 11] = [
        stack_drift,
        drift_stale,
        termination_protection,
        stack_policy,
        service_role,
        stack_failed_state,
        rollback_disabled,
        secret_parameters,
        exports_in_use,
        stackset_service_managed,
        stackset_auto_deployment,
    ];

    #[test]
    fn an_unreadable_region_gives_one_outcome_per_check() {
        let disabled = CollectionError {
            kind: ErrorKind::RegionDisabled,
            code: "OptInRequired".into(),
            message: "region not enabled".into(),
            permission: None,
        };
        let cases = [
            (
                Collected::Error { error: denied("cloudformation:DescribeStacks") },
                Status::Unknown,
                "cloudformation:DescribeStacks",
            ),
            (Collected::Error { error: disabled }, Status::Skipped, "not applicable"),
            (Collected::NotCollected, Status::Unknown, "could not be evaluated"),
        ];
        for (data, want, text) in cases {
            let s = snap_with(data, Some(MGMT));
            for f in ALL {
                let out = run(f, &s);
                let (status, msg) = only(&out);
                assert_eq!(status, want, "{msg}");
                assert!(msg.contains(text), "{msg}");
                assert_eq!((out[0].region.as_str(), out[0].resource.as_str()), ("us-east-1", ACCT));
            }
        }
    }

    #[test]
    fn an_empty_region_gives_no_outcome() {
        let s = snap(vec![]);
        for f in ALL {
            assert!(run(f, &s).is_empty());
        }
    }
}
