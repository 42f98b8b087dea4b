//! AWS Config checks (study section 24).
//!
//! Config is regional: a recorder, a delivery channel and rules must exist in every audited region, while
//! IAM (global) resources should be recorded in exactly one region. Only the customer-managed recorder counts:
//! service-linked recorders (`servicePrincipal`, `recordingScope` INTERNAL) record what their service needs.
//! Which types a recorder records follows its strategy, with AWS's rules for the global IAM types (all-supported:
//! only with includeGlobalResourceTypes; exclusion: unless excluded; inclusion: when listed; and only in regions
//! Config reached before February 2022).
//!
//! Aggregators: an organization aggregator can only be created in the management account or by a delegated
//! administrator for Config (`config.amazonaws.com`), so that check is judged once per organization, from every
//! audited account; it fails only when every such account was audited and none holds one, and is `unknown` when
//! one of them was not audited or the delegated administrators could not be read.

use std::collections::BTreeMap;

use serde_json::json;

use super::{At, Ctx, Outcome};
use crate::snapshot::{
    AccountSnapshot, CollectionError, ConfigData, ConfigRecorder, ConfigRule, RecordingStrategy, RegionSnapshot,
    GLOBAL_IAM_TYPES,
};

const DRIFT_RULE: &str = "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK";
const UNUSED_CREDENTIALS_RULE: &str = "IAM_USER_UNUSED_CREDENTIALS_CHECK";
const STATUS_PERMISSION: &str = "config:DescribeConfigurationRecorderStatus";
const CHANNEL_STATUS_PERMISSION: &str = "config:DescribeDeliveryChannelStatus";

/// Calls `judge` with each region's Config data; a region whose data could not be read gives one
/// not-evaluated outcome.
fn per_region(ctx: &Ctx<'_>, judge: impl Fn(At, &ConfigData) -> Outcome) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            let at = At::region(account, region);
            out.push(match region.config.get() {
                Ok(data) => judge(at, data),
                Err(e) => at.not_evaluated(&e),
            });
        }
    }
    out
}

/// Regions where AWS Config was available before February 2022: the only ones where it can record the global IAM
/// types (AWS Config developer guide, "Recording AWS resources", global resources). A region missing here (one
/// added later) cannot record them, whatever its recorder says.
const IAM_RECORDING_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-north-1",
    "me-south-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// The part of a collection a check needs but could not read, as `unknown` naming the permission; `skipped` when
/// the region or service is not in use.
fn unread(at: At, what: &str, permission: &str, e: &CollectionError) -> Outcome {
    if e.kind.means_not_applicable() || e.permission.is_some() {
        return at.not_evaluated(e);
    }
    at.unknown(
        format!("could not be evaluated: {what} was not read ({permission}): {}", e.brief()),
        json!({"collection_error": e, "permission": permission}),
    )
}

/// The recorder's strategy in words, for messages and evidence.
fn strategy_name(rec: &ConfigRecorder) -> &'static str {
    match rec.strategy() {
        RecordingStrategy::AllSupported => "all supported resource types",
        RecordingStrategy::Exclusion => "all supported resource types except an exclusion list",
        RecordingStrategy::Inclusion => "only the resource types it lists",
    }
}

fn list(items: &[impl AsRef<str>]) -> String {
    items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
}

/// The service-linked recorders of a region, described for a message.
fn linked_names(recorders: &[&ConfigRecorder]) -> String {
    let names: Vec<String> = recorders
        .iter()
        .map(|r| match &r.service_principal {
            Some(p) => format!("{} (for {p})", r.name),
            None => r.name.clone(),
        })
        .collect();
    list(&names)
}

pub fn recorder_all_resources(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let (linked, customer): (Vec<&ConfigRecorder>, Vec<&ConfigRecorder>) =
            data.recorders.iter().partition(|r| r.is_service_linked());
        let Some(rec) = customer.first().copied() else {
            let evidence = json!({"recorders": data.recorders});
            if linked.is_empty() {
                return at.fail(
                    "no configuration recorder: resource changes in this region are not recorded".into(),
                    evidence,
                );
            }
            return at.fail(
                format!(
                    "no customer-managed configuration recorder: only the service-linked recorder {}, which records just the types its service needs and feeds none of your rules",
                    linked_names(&linked)
                ),
                evidence,
            );
        };
        let at = At { resource: rec.name.clone(), ..at };
        let status = match data.recorder_statuses.get() {
            Ok(list) => list.iter().find(|s| s.name == rec.name),
            Err(e) => return unread(at, "the recorder's status", STATUS_PERMISSION, &e),
        };
        let evidence = json!({
            "recorder": rec.name,
            "strategy": rec.recording_strategy,
            "records": strategy_name(rec),
            "all_supported": rec.all_supported,
            "include_global_resource_types": rec.include_global_resource_types,
            "resource_types": rec.resource_types,
            "excluded_resource_types": rec.excluded_resource_types,
            "service_linked_recorders": linked.iter().map(|r| &r.name).collect::<Vec<_>>(),
            "recording": status.map(|s| s.recording),
            "last_status": status.and_then(|s| s.last_status.clone()),
            "last_error_code": status.and_then(|s| s.last_error_code.clone()),
        });
        let Some(status) = status else {
            return at.unknown(
                format!(
                    "could not be evaluated: {STATUS_PERMISSION} returned no status for configuration recorder {}",
                    rec.name
                ),
                evidence,
            );
        };
        if !status.recording {
            return at.fail(
                format!("configuration recorder {} is stopped: it records nothing until it is started", rec.name),
                evidence,
            );
        }
        if status.last_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failure")) {
            let code = status.last_error_code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            return at.fail(
                format!(
                    "configuration recorder {} is on but its last recording attempt failed{code}: changes may not be recorded",
                    rec.name
                ),
                evidence,
            );
        }
        match rec.strategy() {
            RecordingStrategy::AllSupported => at.pass(
                format!("configuration recorder {} records all supported resource types", rec.name),
                evidence,
            ),
            RecordingStrategy::Exclusion => {
                // Leaving the global IAM types out here is how they are kept to one region: that is the other
                // check's business, not a gap in this region's coverage.
                let (global, regional): (Vec<&String>, Vec<&String>) =
                    rec.excluded_resource_types.iter().partition(|t| GLOBAL_IAM_TYPES.contains(&t.as_str()));
                if regional.is_empty() {
                    let but = if global.is_empty() {
                        String::new()
                    } else {
                        format!(" but the global IAM types {} (recorded once per account)", list(&global))
                    };
                    return at.pass(
                        format!("configuration recorder {} records all supported resource types{but}", rec.name),
                        evidence,
                    );
                }
                at.fail(
                    format!(
                        "configuration recorder {} records all supported resource types except {}: {}",
                        rec.name,
                        plural(regional.len(), "excluded type", "excluded types"),
                        list(&regional)
                    ),
                    evidence,
                )
            }
            RecordingStrategy::Inclusion if rec.resource_types.is_empty() => at.fail(
                format!("configuration recorder {} lists no resource type to record: it records nothing", rec.name),
                evidence,
            ),
            RecordingStrategy::Inclusion => at.fail(
                format!(
                    "configuration recorder {} records only the {} it lists ({}): other types, and types AWS adds later, are not recorded",
                    rec.name,
                    plural(rec.resource_types.len(), "resource type", "resource types"),
                    list(&rec.resource_types)
                ),
                evidence,
            ),
        }
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What one region does with the global IAM types.
enum GlobalRecording {
    /// Records these types (how, in words).
    Records(Vec<&'static str>, String),
    /// Does not record any, for this reason.
    Not(String),
    /// Is set to record some, but its recorder is stopped (named).
    Stopped(String),
    /// Could not be told, for this reason.
    Unread(String),
}

fn global_recording(region: &str, data: &ConfigData) -> GlobalRecording {
    let Some(rec) = data.recorders.iter().find(|r| !r.is_service_linked()) else {
        return GlobalRecording::Not("no customer-managed recorder".into());
    };
    let types = rec.global_iam_types();
    if types.is_empty() {
        let why = match rec.strategy() {
            RecordingStrategy::AllSupported => "all supported types without includeGlobalResourceTypes",
            RecordingStrategy::Exclusion => "the exclusion list names every global IAM type",
            RecordingStrategy::Inclusion => "the inclusion list names no global IAM type",
        };
        return GlobalRecording::Not(format!("recorder {}: {why}", rec.name));
    }
    if !IAM_RECORDING_REGIONS.contains(&region) {
        return GlobalRecording::Not(format!(
            "recorder {} asks for them, but AWS Config cannot record the global IAM types in {region} (a region it reached after February 2022)",
            rec.name
        ));
    }
    match data.recorder_statuses.get() {
        Ok(statuses) => match statuses.iter().find(|s| s.name == rec.name) {
            Some(s) if s.recording => {
                let how = match rec.strategy() {
                    RecordingStrategy::AllSupported => "all supported types with includeGlobalResourceTypes",
                    RecordingStrategy::Exclusion => "the exclusion strategy, which records them unless listed",
                    RecordingStrategy::Inclusion => "the inclusion list",
                };
                GlobalRecording::Records(types, format!("recorder {} by {how}", rec.name))
            }
            Some(_) => GlobalRecording::Stopped(rec.name.clone()),
            None => {
                GlobalRecording::Unread(format!("{STATUS_PERMISSION} returned no status for recorder {}", rec.name))
            }
        },
        Err(e) => {
            GlobalRecording::Unread(format!("the status of recorder {} could not be read: {}", rec.name, e.brief()))
        }
    }
}

pub fn global_resources_single_region(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            // Each global IAM type, with the regions that record it.
            let mut by_type: BTreeMap<&str, Vec<String>> = GLOBAL_IAM_TYPES.iter().map(|t| (*t, Vec::new())).collect();
            let mut recording: Vec<String> = Vec::new();
            let mut not: Vec<String> = Vec::new();
            let mut unread: Vec<String> = Vec::new();
            let mut stopped: Vec<String> = Vec::new();
            for region in &account.regions {
                let name = region.region.as_str();
                match region.config.get() {
                    Ok(d) => match global_recording(name, d) {
                        GlobalRecording::Records(types, how) => {
                            for t in &types {
                                by_type.entry(t).or_default().push(name.to_string());
                            }
                            let which = if types.len() == GLOBAL_IAM_TYPES.len() {
                                String::new()
                            } else {
                                format!(", only {}", list(&types))
                            };
                            recording.push(format!("{name} ({how}{which})"));
                        }
                        GlobalRecording::Not(why) => not.push(format!("{name}: {why}")),
                        GlobalRecording::Stopped(recorder) => {
                            not.push(format!("{name}: recorder {recorder} is set to record them but is stopped"));
                            stopped.push(format!("{name} (recorder {recorder})"));
                        }
                        GlobalRecording::Unread(why) => unread.push(format!("{name}: {why}")),
                    },
                    // A disabled region records nothing and holds nothing.
                    Err(e) if e.kind.means_not_applicable() => not.push(format!("{name}: {}", e.brief())),
                    Err(e) => unread.push(format!("{name}: AWS Config could not be read: {}", e.brief())),
                }
            }
            let evidence = json!({
                "regions_by_global_type": by_type,
                "regions_recording": recording,
                "regions_not_recording": not,
                "regions_not_read": unread,
            });
            let duplicated: Vec<String> = by_type
                .iter()
                .filter(|(_, regions)| regions.len() > 1)
                .map(|(t, regions)| format!("{t} in {}", list(regions)))
                .collect();
            let missing: Vec<&str> = by_type.iter().filter(|(_, r)| r.is_empty()).map(|(t, _)| *t).collect();
            if !duplicated.is_empty() {
                return at.fail(
                    format!(
                        "global IAM resource types are recorded in more than one region ({}): duplicate configuration items and cost; recording: {}",
                        duplicated.join("; "),
                        recording.join("; ")
                    ),
                    evidence,
                );
            }
            if !unread.is_empty() {
                return at.unknown(
                    format!("could not be evaluated: whether the global IAM types are recorded could not be told in {}", unread.join("; ")),
                    evidence,
                );
            }
            if missing.len() == GLOBAL_IAM_TYPES.len() {
                return at.fail(
                    format!(
                        "global IAM resource types are recorded in no audited region, so IAM changes leave no history ({})",
                        not.join("; ")
                    ),
                    evidence,
                );
            }
            if !missing.is_empty() {
                return at.fail(
                    format!(
                        "{} {} recorded in no audited region; only {}",
                        list(&missing),
                        if missing.len() == 1 { "is" } else { "are" },
                        recording.join("; ")
                    ),
                    evidence,
                );
            }
            let note = if stopped.is_empty() {
                String::new()
            } else {
                format!("; also set to record them but stopped, so not recording now: {}", list(&stopped))
            };
            at.pass(format!("global IAM resource types are recorded in one region: {}{note}", recording.join("; ")), evidence)
        })
        .collect()
}

pub fn delivery_channel(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let channels = match data.delivery_channels.get() {
            Ok(c) => c,
            Err(e) => return unread(at, "the delivery channels", "config:DescribeDeliveryChannels", &e),
        };
        let Some(c) = channels.first() else {
            return at.fail(
                "no delivery channel: configuration history and snapshots are not delivered".into(),
                json!({ "delivery_channels": channels }),
            );
        };
        let at = At { resource: c.name.clone(), ..at };
        let status = data.delivery_channel_statuses.get().map(|l| l.iter().find(|s| s.name == c.name).cloned());
        let evidence = json!({ "delivery_channels": channels, "status": status.as_ref().ok() });
        let Some(bucket) = &c.s3_bucket_name else {
            return at.fail(format!("delivery channel {} names no S3 bucket", c.name), evidence);
        };
        let status = match status {
            Ok(Some(s)) => s,
            Ok(None) => return at.unknown(
                format!(
                    "could not be evaluated: {CHANNEL_STATUS_PERMISSION} returned no status for delivery channel {}",
                    c.name
                ),
                evidence,
            ),
            Err(e) if e.kind.means_not_applicable() => return at.not_evaluated(&e),
            Err(e) => {
                return at.unknown(
                    format!(
                        "could not be evaluated: delivery channel {} names bucket {bucket}, but whether its deliveries succeed could not be read ({CHANNEL_STATUS_PERMISSION}): {}",
                        c.name,
                        e.brief()
                    ),
                    json!({ "delivery_channels": channels, "collection_error": e }),
                )
            }
        };
        let failures = status.failures();
        if !failures.is_empty() {
            let error = match (&status.last_error_code, &status.last_error_message) {
                (Some(c), Some(m)) => format!(" ({c}: {m})"),
                (Some(c), None) => format!(" ({c})"),
                _ => String::new(),
            };
            return at.fail(
                format!(
                    "delivery channel {} to bucket {bucket} is failing: the last {} {} failed{error}",
                    c.name,
                    failures.join(" and "),
                    if failures.len() == 1 { "delivery" } else { "deliveries" }
                ),
                evidence,
            );
        }
        let history = status.last_history_status.as_deref().unwrap_or("none reported yet");
        at.pass(
            format!("delivery channel {} delivers to bucket {bucket} (last history delivery: {history})", c.name),
            evidence,
        )
    })
}

fn rules_with<'a>(rules: &'a [ConfigRule], identifier: &str) -> Vec<&'a ConfigRule> {
    rules.iter().filter(|r| r.source_owner == "AWS" && r.source_identifier == identifier).collect()
}

/// Why a rule that exists does not work, if it does not: being deleted, or its latest evaluation failed (and none
/// succeeded since). Evaluation statuses that could not be read leave the rule as deployed.
fn rule_broken(rule: &ConfigRule, data: &ConfigData) -> Option<String> {
    if let Some(state) = rule.state.as_deref().filter(|s| s.starts_with("DELETING")) {
        return Some(format!("rule {} is {state}", rule.name));
    }
    evaluation_failing(&rule.name, data)
}

/// The failure of a rule's latest evaluation, when it failed after the last success (or never succeeded).
fn evaluation_failing(rule: &str, data: &ConfigData) -> Option<String> {
    let statuses = data.rule_evaluation_statuses.get().ok()?;
    let st = statuses.iter().find(|s| s.rule_name == rule)?;
    let failed = st.last_failed_evaluation?;
    if st.last_successful_evaluation.is_some_and(|ok| ok >= failed) {
        return None;
    }
    let why = [st.last_error_code.as_deref(), st.last_error_message.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    Some(format!(
        "the latest evaluation of rule {rule} failed at {}{}",
        failed.format("%Y-%m-%d %H:%M UTC"),
        if why.is_empty() { String::new() } else { format!(" ({why})") }
    ))
}

/// The most days `IAM_USER_UNUSED_CREDENTIALS_CHECK` may let a credential sit unused: the rule's own default (CIS
/// asks for 45).
const MAX_UNUSED_DAYS: u64 = 90;

/// What is wrong with a managed rule's parameters for its check, if anything; `Err` when they could not be read.
/// The drift rule cannot run without `cloudformationRoleArn`; the unused-credentials rule defaults to 90 days.
fn parameter_problem(rule: &ConfigRule, data: &ConfigData) -> Result<Option<String>, String> {
    let all = data
        .rule_parameters
        .get()
        .map_err(|e| format!("the parameters of rule {} could not be read: {}", rule.name, e.brief()))?;
    let params = match all.get(&rule.name).map(|text| serde_json::from_str::<serde_json::Value>(text)) {
        None => serde_json::Map::new(),
        Some(Ok(serde_json::Value::Object(m))) => m,
        Some(_) => return Ok(Some(format!("rule {} has parameters that are not a JSON object", rule.name))),
    };
    let value = |key: &str| {
        params
            .get(key)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), |s| s.trim().to_string()))
            .filter(|v| !v.is_empty() && v != "null")
    };
    Ok(match rule.source_identifier.as_str() {
        DRIFT_RULE => value("cloudformationRoleArn").is_none().then(|| {
            format!("rule {} names no cloudformationRoleArn, the role it needs to detect drift", rule.name)
        }),
        UNUSED_CREDENTIALS_RULE => value("maxCredentialUsageAge").and_then(|v| match v.parse::<u64>() {
            Ok(days) if days <= MAX_UNUSED_DAYS => None,
            Ok(days) => Some(format!(
                "rule {} lets a credential sit unused for {days} days (maxCredentialUsageAge), more than {MAX_UNUSED_DAYS}",
                rule.name
            )),
            Err(_) => Some(format!("rule {} has maxCredentialUsageAge {v}, not a number of days", rule.name)),
        }),
        _ => None,
    })
}

/// The working rules of a managed identifier in a region, why the others do not work, and why some could not be
/// judged.
fn working_rules<'a>(
    rules: &'a [ConfigRule],
    data: &ConfigData,
    identifier: &str,
) -> (Vec<&'a ConfigRule>, Vec<String>, Vec<String>) {
    let mut working = Vec::new();
    let mut broken = Vec::new();
    let mut unread = Vec::new();
    for r in rules_with(rules, identifier) {
        if let Some(why) = rule_broken(r, data) {
            broken.push(why);
            continue;
        }
        match parameter_problem(r, data) {
            Ok(None) => working.push(r),
            Ok(Some(why)) => broken.push(why),
            Err(why) => unread.push(why),
        }
    }
    (working, broken, unread)
}

/// Whether the region's customer-managed recorder is recording: rules see resources only through it.
enum Recording {
    On,
    Off(String),
    Unread(String),
}

fn recording(data: &ConfigData) -> Recording {
    let Some(rec) = data.recorders.iter().find(|r| !r.is_service_linked()) else {
        return Recording::Off("there is no customer-managed configuration recorder".into());
    };
    match data.recorder_statuses.get() {
        Ok(list) => match list.iter().find(|s| s.name == rec.name) {
            Some(s) if s.recording => Recording::On,
            Some(_) => Recording::Off(format!("configuration recorder {} is stopped", rec.name)),
            None => Recording::Unread(format!("{STATUS_PERMISSION} returned no status for recorder {}", rec.name)),
        },
        Err(e) => Recording::Unread(format!("the status of recorder {} could not be read: {}", rec.name, e.brief())),
    }
}

/// The drift rule works when it exists, is not failing, names its role, and the region's recorder is on (the rule
/// reacts to recorded stack changes and evaluates recorded stacks).
pub fn rule_cfn_drift_detection(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let rules = match data.rules.get() {
            Ok(r) => r,
            Err(e) => return at.not_evaluated(&e),
        };
        let (mut working, mut broken, mut unread) = working_rules(rules, data, DRIFT_RULE);
        if !working.is_empty() {
            match recording(data) {
                Recording::On => {}
                Recording::Off(why) => {
                    broken.extend(working.drain(..).map(|r| format!("rule {} exists, but {why}", r.name)));
                }
                Recording::Unread(why) => {
                    unread.extend(working.drain(..).map(|r| format!("rule {} exists, but {why}", r.name)));
                }
            }
        }
        let evidence = json!({
            "rules": working.iter().map(|r| &r.name).collect::<Vec<_>>(),
            "not_working": broken,
            "not_judged": unread,
        });
        if let Some(r) = working.first() {
            return at.pass(format!("rule {} watches CloudFormation stacks for drift", r.name), evidence);
        }
        if !unread.is_empty() {
            return at.unknown(format!("could not be evaluated: {}", unread.join("; ")), evidence);
        }
        if !broken.is_empty() {
            return at.fail(
                format!(
                    "no working {DRIFT_RULE} rule: {}; drifted stacks in this region go unnoticed",
                    broken.join("; ")
                ),
                evidence,
            );
        }
        at.fail(format!("no {DRIFT_RULE} rule: drifted stacks in this region go unnoticed"), evidence)
    })
}

/// The unused-credentials rule is periodic and evaluates the IAM users Config records: it works when one region holds
/// a working rule and some audited region records `AWS::IAM::User`.
pub fn rule_iam_unused_credentials(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let mut first_err = None;
            let mut found: Option<(&ConfigRule, &str)> = None;
            let mut broken = Vec::new();
            let mut unread = Vec::new();
            // Whether some audited region records IAM users, or why that could not be told.
            let mut users_recorded = false;
            let mut recording_unread = Vec::new();
            for region in &account.regions {
                let data = match region.config.get() {
                    Ok(d) => d,
                    Err(e) => {
                        recording_unread.push(format!("{}: {}", region.region, e.brief()));
                        first_err.get_or_insert((region.region.clone(), e));
                        continue;
                    }
                };
                match global_recording(&region.region, data) {
                    GlobalRecording::Records(types, _) if types.contains(&"AWS::IAM::User") => users_recorded = true,
                    GlobalRecording::Unread(why) => recording_unread.push(format!("{}: {why}", region.region)),
                    _ => {}
                }
                match data.rules.get() {
                    Ok(rules) => {
                        let (working, not_working, not_read) = working_rules(rules, data, UNUSED_CREDENTIALS_RULE);
                        if let (None, Some(r)) = (found, working.first()) {
                            found = Some((r, &region.region));
                        }
                        broken.extend(not_working.into_iter().map(|why| format!("{why} in {}", region.region)));
                        unread.extend(not_read.into_iter().map(|why| format!("{why} in {}", region.region)));
                    }
                    Err(e) => {
                        first_err.get_or_insert((region.region.clone(), e));
                    }
                }
            }
            let evidence = json!({
                "rule": found.map(|(r, _)| &r.name),
                "region": found.map(|(_, region)| region),
                "iam_users_recorded": users_recorded,
                "recording_not_read": recording_unread,
                "not_working": broken,
                "not_judged": unread,
            });
            if let Some((r, region)) = found {
                return if users_recorded {
                    at.pass(format!("rule {} in {region} checks IAM users for unused credentials", r.name), evidence)
                } else if !recording_unread.is_empty() {
                    at.unknown(
                        format!(
                            "rule {} in {region} exists, but whether any region records AWS::IAM::User (which it evaluates) could not be read: {}",
                            r.name,
                            recording_unread.join("; ")
                        ),
                        evidence,
                    )
                } else {
                    at.fail(
                        format!(
                            "rule {} in {region} exists, but no audited region records AWS::IAM::User, so it has no users to evaluate",
                            r.name
                        ),
                        evidence,
                    )
                };
            }
            if let Some((region, e)) = first_err {
                return at.unknown(
                    format!("could not be evaluated: no working {UNUSED_CREDENTIALS_RULE} rule found, and the rules in {region} could not be read: {}", e.brief()),
                    json!({"collection_error": e, "not_working": broken, "not_judged": unread}),
                );
            }
            if !unread.is_empty() {
                return at.unknown(format!("could not be evaluated: {}", unread.join("; ")), evidence);
            }
            if !broken.is_empty() {
                return at.fail(
                    format!("no working {UNUSED_CREDENTIALS_RULE} rule in any audited region: {}", broken.join("; ")),
                    evidence,
                );
            }
            at.fail(format!("no {UNUSED_CREDENTIALS_RULE} rule in any audited region"), evidence)
        })
        .collect()
}

pub fn rules_noncompliant(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            let at = At::region(account, region);
            let compliance = match region.config.get().and_then(|d| d.compliance_by_rule.get().map(|c| (d, c.clone())))
            {
                Ok(v) => v,
                Err(e) => {
                    out.push(at.not_evaluated(&e));
                    continue;
                }
            };
            let (data, compliance) = compliance;
            let arns: BTreeMap<&str, &str> = data
                .rules
                .get()
                .map(|rules| rules.iter().filter_map(|r| Some((r.name.as_str(), r.arn.as_deref()?))).collect())
                .unwrap_or_default();
            let at_rule = |name: &str| {
                let resource = arns.get(name).map_or_else(|| name.to_string(), |a| a.to_string());
                At::new(&account.account_id, &region.region, resource)
            };
            for c in &compliance {
                out.push(judge_rule(at_rule(&c.rule_name), c, evaluation_failing(&c.rule_name, data)));
            }
            // A rule with no compliance result yet has judged nothing: unknown, never silently absent.
            let rules = data.rules.get().map(|r| r.as_slice()).unwrap_or_default();
            let unjudged: Vec<&ConfigRule> =
                rules.iter().filter(|r| !compliance.iter().any(|c| c.rule_name == r.name)).collect();
            for r in &unjudged {
                out.push(at_rule(&r.name).unknown(
                    format!("rule {} has no compliance result (it has not evaluated anything yet)", r.name),
                    json!({"rule": r.name}),
                ));
            }
            if compliance.is_empty() && unjudged.is_empty() {
                out.push(match data.rules.get() {
                    Ok(_) => {
                        at.skipped("not applicable: no AWS Config rule in this region".into(), json!({"rules": 0}))
                    }
                    Err(e) => at.not_evaluated(&e),
                });
            }
        }
    }
    out
}

fn judge_rule(at: At, c: &crate::snapshot::RuleCompliance, failing: Option<String>) -> Outcome {
    let evidence = json!({
        "rule": c.rule_name,
        "compliance": c.compliance,
        "non_compliant_resources": c.non_compliant_resources,
        "count_capped": c.count_capped,
        "evaluation_failing": failing,
    });
    match c.compliance.as_str() {
        // The COMPLIANT verdict predates a failing evaluation: it may be stale.
        "COMPLIANT" if failing.is_some() => at.unknown(
            format!(
                "rule {} last reported every evaluated resource compliant, but {}, so that verdict may be stale",
                c.rule_name,
                failing.as_deref().unwrap_or_default()
            ),
            evidence,
        ),
        "COMPLIANT" => at.pass(format!("rule {} finds every evaluated resource compliant", c.rule_name), evidence),
        "NON_COMPLIANT" => {
            let count = match c.non_compliant_resources {
                Some(n) => format!("{n}{} non-compliant resources", if c.count_capped { "+" } else { "" }),
                None => "non-compliant resources".into(),
            };
            at.fail(format!("rule {} reports {count}", c.rule_name), evidence)
        }
        "NOT_APPLICABLE" => {
            at.skipped(format!("not applicable: rule {} has no resources in scope", c.rule_name), evidence)
        }
        other => at.unknown(format!("rule {} has no verdict yet ({other})", c.rule_name), evidence),
    }
}

pub fn aggregator(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = Vec::new();
    // Accounts grouped by organization; standalone accounts are judged alone.
    let mut orgs: BTreeMap<String, (String, Vec<&AccountSnapshot>)> = BTreeMap::new();
    for account in ctx.accounts() {
        match account.organization.get() {
            Ok(Some(org)) => orgs
                .entry(org.id.clone())
                .or_insert_with(|| (org.management_account_id.clone(), Vec::new()))
                .1
                .push(account),
            Ok(None) => out.push(
                At::account(account).skipped("not applicable: the account is not in an organization".into(), json!({})),
            ),
            Err(e) => out.push(At::account(account).not_evaluated(&e)),
        }
    }
    for (org_id, (management, accounts)) in orgs {
        out.push(judge_org_aggregators(ctx, &org_id, &management, &accounts));
    }
    out
}

/// The service principal an account is registered under to administer Config aggregators for the organization.
const CONFIG_PRINCIPAL: &str = "config.amazonaws.com";

/// Where an organization aggregator can live besides the management account: the accounts registered as delegated
/// administrator for Config, with those whose delegated services could not be listed (they may be one). `Err` says
/// why the organization's delegated administrators are not known.
fn config_admins(ctx: &Ctx<'_>, org_id: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let tree = match ctx.snapshot.organization.get() {
        Ok(tree) if tree.id == org_id => tree,
        Ok(tree) => return Err(format!("the organization read was {}, not {org_id}", tree.id)),
        Err(e) => return Err(format!("the organization was not read: {}", e.brief())),
    };
    let admins = tree
        .delegated_administrators
        .get()
        .map_err(|e| format!("its delegated administrators could not be read: {}", e.brief()))?;
    let mut config = Vec::new();
    let mut unread = Vec::new();
    for a in admins {
        match a.services.get() {
            Ok(services) if services.iter().any(|s| s == CONFIG_PRINCIPAL) => config.push(a.account_id.clone()),
            Ok(_) => {}
            Err(_) => unread.push(a.account_id.clone()),
        }
    }
    Ok((config, unread))
}

/// An organization aggregator found in an audited account must also aggregate every audited region.
fn judge_org_aggregators(ctx: &Ctx<'_>, org_id: &str, management: &str, accounts: &[&AccountSnapshot]) -> Outcome {
    let admins = config_admins(ctx, org_id);
    let role = |account: &str| {
        if account == management {
            "the management account"
        } else if admins.as_ref().is_ok_and(|(a, _)| a.iter().any(|a| a == account)) {
            "the Config delegated administrator"
        } else {
            "a member account"
        }
    };
    let mut audited_regions: Vec<&str> =
        accounts.iter().flat_map(|a| a.regions.iter().map(|r| r.region.as_str())).collect();
    audited_regions.sort_unstable();
    audited_regions.dedup();
    let mut first_err: Option<(&AccountSnapshot, &RegionSnapshot, CollectionError)> = None;
    let mut partial: Option<Outcome> = None;
    for account in accounts {
        for region in &account.regions {
            let aggs = match region.config.get().and_then(|d| d.aggregators.get()) {
                Ok(aggs) => aggs,
                Err(e) => {
                    if first_err.is_none() {
                        first_err = Some((account, region, e));
                    }
                    continue;
                }
            };
            for a in aggs.iter().filter(|a| a.organization_source) {
                let at = At::new(&account.account_id, &region.region, a.arn.clone().unwrap_or_else(|| a.name.clone()));
                let evidence = json!({
                    "organization_id": org_id,
                    "aggregator": a,
                    "account_role": role(&account.account_id),
                    "audited_regions": audited_regions,
                });
                let place = format!("in {} ({}) {}", account.account_id, role(&account.account_id), region.region);
                let missing: Vec<&str> =
                    audited_regions.iter().copied().filter(|r| !a.regions.iter().any(|x| x == r)).collect();
                if a.all_regions || missing.is_empty() {
                    let scope = if a.all_regions { "all regions".to_string() } else { list(&a.regions) };
                    return at.pass(
                        format!(
                            "aggregator {} {place} collects Config data from the whole organization {org_id}, {scope}",
                            a.name
                        ),
                        evidence,
                    );
                }
                partial.get_or_insert_with(|| {
                    at.fail(
                        format!(
                            "organization aggregator {} {place} aggregates only {} and leaves out audited {}: {}",
                            a.name,
                            if a.regions.is_empty() { "no region".to_string() } else { list(&a.regions) },
                            if missing.len() == 1 { "region" } else { "regions" },
                            list(&missing)
                        ),
                        evidence,
                    )
                });
            }
        }
    }
    if let Some(fail) = partial {
        return fail;
    }
    let at = At::new(management, super::GLOBAL, org_id.to_string());
    let audited: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    let mut evidence = json!({
        "organization_id": org_id,
        "management_account": management,
        "audited_accounts": audited,
        "audited_regions": audited_regions,
    });
    if let Some((account, region, e)) = first_err {
        return at.unknown(
            format!(
                "could not be evaluated: aggregators in {} {} could not be read: {}",
                account.account_id,
                region.region,
                e.brief()
            ),
            evidence,
        );
    }
    // An organization aggregator can be created only in the management account or by a delegated administrator
    // for Config: the verdict needs every such account audited.
    let (admins, unread) = match &admins {
        Ok(found) => found.clone(),
        Err(why) => {
            evidence["delegated_administrators_error"] = json!(why);
            return at.unknown(
                format!(
                    "could not be evaluated: no organization aggregator in the audited accounts ({}), but an organization aggregator may live in a delegated administrator for Config, and {why}",
                    list(&audited)
                ),
                evidence,
            );
        }
    };
    evidence["config_delegated_administrators"] = json!(admins);
    evidence["administrators_with_unread_services"] = json!(unread);
    let mut candidates = vec![management.to_string()];
    candidates.extend(admins.iter().cloned());
    candidates.extend(unread.iter().cloned());
    candidates.dedup();
    let unseen: Vec<&String> = candidates.iter().filter(|c| !audited.contains(&c.as_str())).collect();
    if !unseen.is_empty() {
        let admins_text = if admins.is_empty() {
            "no Config delegated administrator is registered".to_string()
        } else {
            format!("the Config delegated administrator is {}", list(&admins))
        };
        return at.unknown(
            format!(
                "could not be evaluated: no organization aggregator in the audited accounts ({}); one can live only in the management account {management} or a Config delegated administrator ({admins_text}), and {} was not audited",
                list(&audited),
                list(&unseen)
            ),
            evidence,
        );
    }
    let where_ = if admins.is_empty() {
        format!("the management account {management} (no Config delegated administrator is registered)")
    } else {
        format!("the management account {management} nor the Config delegated administrator {}", list(&admins))
    };
    let neither = if admins.is_empty() { "" } else { "neither " };
    at.fail(
        format!(
            "no aggregator collects Config data across organization {org_id}: {neither}{where_} holds one in the audited regions ({})",
            list(&audited_regions)
        ),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        Collected, ConfigAggregator, ConfigRecorder, DelegatedAdmin, DeliveryChannel, DeliveryChannelStatus, OrgTree,
        RecorderStatus, RuleCompliance,
    };

    fn recorder(all: bool, global: bool) -> ConfigRecorder {
        ConfigRecorder {
            name: "default".into(),
            role_arn: None,
            all_supported: all,
            include_global_resource_types: global,
            resource_types: if all { vec![] } else { vec!["AWS::S3::Bucket".into()] },
            excluded_resource_types: vec![],
            ..Default::default()
        }
    }

    fn rule(name: &str, id: &str) -> ConfigRule {
        ConfigRule {
            name: name.into(),
            arn: Some(format!("arn:aws:config:us-east-1:{ACCT}:config-rule/{name}")),
            source_owner: "AWS".into(),
            source_identifier: id.into(),
            state: Some("ACTIVE".into()),
        }
    }

    fn config(recorders: Vec<ConfigRecorder>, recording: bool) -> ConfigData {
        ConfigData {
            recorder_statuses: Collected::ok(
                recorders
                    .iter()
                    .map(|r| RecorderStatus {
                        name: r.name.clone(),
                        recording,
                        last_status: None,
                        last_error_code: None,
                    })
                    .collect(),
            ),
            recorders,
            delivery_channels: Collected::ok(vec![DeliveryChannel {
                name: "default".into(),
                s3_bucket_name: Some("b".into()),
                sns_topic_arn: None,
            }]),
            rules: Collected::ok(vec![]),
            compliance_by_rule: Collected::ok(vec![]),
            aggregators: Collected::ok(vec![]),
            ..Default::default()
        }
    }

    fn one_region(data: Collected<ConfigData>, org: Option<&str>) -> crate::snapshot::Snapshot {
        let mut r = region("us-east-1");
        r.config = data;
        snapshot(vec![account(ACCT, org, vec![r])])
    }

    fn run(f: super::super::Evaluator, snap: &crate::snapshot::Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    fn only(out: &[Outcome]) -> (Status, &str) {
        assert_eq!(out.len(), 1, "{out:?}");
        (out[0].status, out[0].message.as_str())
    }

    fn excluding(types: &[&str]) -> ConfigRecorder {
        ConfigRecorder {
            all_supported: false,
            include_global_resource_types: false,
            resource_types: vec![],
            excluded_resource_types: types.iter().map(|t| t.to_string()).collect(),
            recording_strategy: Some("EXCLUSION_BY_RESOURCE_TYPES".into()),
            ..recorder(true, false)
        }
    }

    fn including(types: &[&str]) -> ConfigRecorder {
        ConfigRecorder {
            all_supported: false,
            resource_types: types.iter().map(|t| t.to_string()).collect(),
            recording_strategy: Some("INCLUSION_BY_RESOURCE_TYPES".into()),
            ..recorder(false, false)
        }
    }

    fn service_linked() -> ConfigRecorder {
        ConfigRecorder {
            name: "AWSConfigurationRecorderForSecurityHub".into(),
            service_principal: Some("securityhub.amazonaws.com".into()),
            recording_scope: Some("INTERNAL".into()),
            ..including(&["AWS::S3::Bucket"])
        }
    }

    fn with_status(mut data: ConfigData, last_status: &str, code: Option<&str>) -> ConfigData {
        data.recorder_statuses = Collected::ok(vec![RecorderStatus {
            name: "default".into(),
            recording: true,
            last_status: Some(last_status.into()),
            last_error_code: code.map(Into::into),
        }]);
        data
    }

    /// The verdict table of `config-recorder-all-resources`.
    #[test]
    fn recorder_verdicts() {
        let mut status_denied = config(vec![recorder(true, true)], true);
        status_denied.recorder_statuses =
            Collected::Error { error: denied("config:DescribeConfigurationRecorderStatus") };
        let mut status_not_read = config(vec![recorder(true, true)], true);
        status_not_read.recorder_statuses = Collected::NotCollected;
        let mut status_missing = config(vec![recorder(true, true)], true);
        status_missing.recorder_statuses = Collected::ok(vec![]);
        let mut linked_and_customer = config(vec![service_linked(), recorder(true, false)], true);
        linked_and_customer.recorder_statuses = Collected::ok(vec![RecorderStatus {
            name: "default".into(),
            recording: true,
            last_status: Some("Success".into()),
            last_error_code: None,
        }]);
        let cases: Vec<(&str, Collected<ConfigData>, Status, &str)> = vec![
            // compliant
            (
                "all supported, recording",
                Collected::ok(config(vec![recorder(true, true)], true)),
                Status::Pass,
                "records all supported resource types",
            ),
            // non-compliant
            ("stopped", Collected::ok(config(vec![recorder(true, true)], false)), Status::Fail, "is stopped"),
            (
                "inclusion list",
                Collected::ok(config(vec![recorder(false, false)], true)),
                Status::Fail,
                "records only the 1 resource type it lists (AWS::S3::Bucket)",
            ),
            (
                "empty inclusion list",
                Collected::ok(config(vec![including(&[])], true)),
                Status::Fail,
                "lists no resource type",
            ),
            ("none", Collected::ok(config(vec![], true)), Status::Fail, "no configuration recorder"),
            // near misses: all supported types, yet something is wrong
            (
                "recording but last attempt failed",
                Collected::ok(with_status(
                    config(vec![recorder(true, true)], true),
                    "Failure",
                    Some("InsufficientDeliveryPolicyException"),
                )),
                Status::Fail,
                "last recording attempt failed (InsufficientDeliveryPolicyException)",
            ),
            (
                "exclusion list with a regional type",
                Collected::ok(config(vec![excluding(&["AWS::EC2::Volume", "AWS::IAM::Role"])], true)),
                Status::Fail,
                "except 1 excluded type: AWS::EC2::Volume",
            ),
            (
                "only a service-linked recorder",
                Collected::ok(config(vec![service_linked()], true)),
                Status::Fail,
                "no customer-managed configuration recorder: only the service-linked recorder AWSConfigurationRecorderForSecurityHub (for securityhub.amazonaws.com)",
            ),
            // alternatives: they look partial but cover every regional type
            (
                "exclusion of the global IAM types only",
                Collected::ok(config(vec![excluding(&GLOBAL_IAM_TYPES)], true)),
                Status::Pass,
                "records all supported resource types but the global IAM types",
            ),
            (
                "customer recorder beside a service-linked one",
                Collected::ok(linked_and_customer),
                Status::Pass,
                "configuration recorder default records all supported",
            ),
            (
                "last status pending, case as AWS spells it",
                Collected::ok(with_status(config(vec![recorder(true, true)], true), "Pending", None)),
                Status::Pass,
                "records all supported",
            ),
            // unreadable
            (
                "status denied",
                Collected::ok(status_denied),
                Status::Unknown,
                "config:DescribeConfigurationRecorderStatus",
            ),
            (
                "section denied",
                Collected::Error { error: denied("config:DescribeConfigurationRecorders") },
                Status::Unknown,
                "missing permission config:DescribeConfigurationRecorders",
            ),
            // partial reads: the recorders were read, their status not
            (
                "status not collected",
                Collected::ok(status_not_read),
                Status::Unknown,
                "was not read (config:DescribeConfigurationRecorderStatus)",
            ),
            (
                "status absent for the recorder",
                Collected::ok(status_missing),
                Status::Unknown,
                "config:DescribeConfigurationRecorderStatus returned no status for configuration recorder default",
            ),
        ];
        for (name, data, want, text) in cases {
            let out = run(recorder_all_resources, &one_region(data, None));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    /// The verdict table of `config-global-resources-single-region`: one account, one recorder per region.
    #[test]
    fn global_types_verdicts() {
        // (region, its Config data); `None` data is a denied section.
        type Regions = Vec<(&'static str, Option<ConfigData>)>;
        let stopped = config(vec![recorder(true, true)], false);
        let mut status_denied = config(vec![recorder(true, true)], true);
        status_denied.recorder_statuses =
            Collected::Error { error: denied("config:DescribeConfigurationRecorderStatus") };
        let all = |global| Some(config(vec![recorder(true, global)], true));
        let cases: Vec<(&str, Regions, Status, &str)> = vec![
            // compliant
            (
                "home region only",
                vec![("us-east-1", all(true)), ("eu-west-1", all(false))],
                Status::Pass,
                "recorded in one region: us-east-1 (recorder default by all supported types with includeGlobalResourceTypes)",
            ),
            // non-compliant
            ("everywhere", vec![("us-east-1", all(true)), ("eu-west-1", all(true))], Status::Fail, "more than one region"),
            ("nowhere", vec![("us-east-1", all(false)), ("eu-west-1", all(false))], Status::Fail, "recorded in no audited region"),
            (
                "exclusion strategy in every region records them everywhere",
                vec![
                    ("us-east-1", Some(config(vec![excluding(&["AWS::EC2::Volume"])], true))),
                    ("eu-west-1", Some(config(vec![excluding(&["AWS::EC2::Volume"])], true))),
                ],
                Status::Fail,
                "AWS::IAM::User in us-east-1, eu-west-1",
            ),
            // near misses
            (
                "the one region's recorder is stopped",
                vec![("us-east-1", Some(stopped.clone())), ("eu-west-1", all(false))],
                Status::Fail,
                "is set to record them but is stopped",
            ),
            (
                "only a region that cannot record IAM types",
                vec![("eu-central-2", all(true)), ("eu-west-1", all(false))],
                Status::Fail,
                "cannot record the global IAM types in eu-central-2",
            ),
            (
                "one IAM type listed",
                vec![("us-east-1", Some(config(vec![including(&["AWS::IAM::Role"])], true))), ("eu-west-1", all(false))],
                Status::Fail,
                "AWS::IAM::Group, AWS::IAM::Policy, AWS::IAM::User are recorded in no audited region; only us-east-1",
            ),
            (
                "only a service-linked recorder asks for them",
                vec![
                    (
                        "us-east-1",
                        Some(config(
                            vec![ConfigRecorder {
                                resource_types: GLOBAL_IAM_TYPES.map(String::from).to_vec(),
                                ..service_linked()
                            }],
                            true,
                        )),
                    ),
                    ("eu-west-1", all(false)),
                ],
                Status::Fail,
                "no customer-managed recorder",
            ),
            // alternatives: exclusion strategy at home, IAM types excluded elsewhere
            (
                "exclusion strategy at home, IAM excluded elsewhere",
                vec![
                    ("us-east-1", Some(config(vec![excluding(&["AWS::EC2::Volume"])], true))),
                    ("eu-west-1", Some(config(vec![excluding(&GLOBAL_IAM_TYPES)], true))),
                ],
                Status::Pass,
                "us-east-1 (recorder default by the exclusion strategy, which records them unless listed)",
            ),
            (
                "a stopped second recorder does not duplicate",
                vec![("us-east-1", all(true)), ("eu-west-1", Some(stopped))],
                Status::Pass,
                "also set to record them but stopped, so not recording now: eu-west-1 (recorder default)",
            ),
            // unreadable
            (
                "only other region unreadable",
                vec![("us-east-1", all(false)), ("eu-west-1", None)],
                Status::Unknown,
                "missing permission config:DescribeConfigurationRecorders",
            ),
            // partial reads
            (
                "the recording region's status unreadable",
                vec![("us-east-1", Some(status_denied)), ("eu-west-1", all(false))],
                Status::Unknown,
                "config:DescribeConfigurationRecorderStatus",
            ),
            (
                "one recorded, one unread: could be a duplicate",
                vec![("us-east-1", all(true)), ("eu-west-1", None)],
                Status::Unknown,
                "could not be evaluated",
            ),
            (
                "a duplicate is a duplicate whatever the unread region holds",
                vec![("us-east-1", all(true)), ("us-west-2", all(true)), ("eu-west-1", None)],
                Status::Fail,
                "more than one region",
            ),
        ];
        for (name, regions, want, text) in cases {
            let rs = regions
                .into_iter()
                .map(|(name, data)| {
                    let mut r = region(name);
                    r.config = match data {
                        Some(d) => Collected::ok(d),
                        None => Collected::Error { error: denied("config:DescribeConfigurationRecorders") },
                    };
                    r
                })
                .collect();
            let out = run(global_resources_single_region, &snapshot(vec![account(ACCT, None, rs)]));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    fn channel_status(history: &str, snapshot: Option<&str>, stream: Option<&str>) -> DeliveryChannelStatus {
        DeliveryChannelStatus {
            name: "default".into(),
            last_history_status: Some(history.into()),
            last_snapshot_status: snapshot.map(Into::into),
            last_stream_status: stream.map(Into::into),
            last_error_code: None,
            last_error_message: None,
        }
    }

    /// The verdict table of `config-delivery-channel`.
    #[test]
    fn delivery_channel_verdicts() {
        let with = |dc: Option<DeliveryChannel>, statuses: Collected<Vec<DeliveryChannelStatus>>| {
            let mut d = config(vec![], true);
            d.delivery_channels = Collected::ok(dc.into_iter().collect());
            d.delivery_channel_statuses = statuses;
            Collected::ok(d)
        };
        let channel = |bucket: Option<&str>, topic: Option<&str>| {
            Some(DeliveryChannel {
                name: "default".into(),
                s3_bucket_name: bucket.map(Into::into),
                sns_topic_arn: topic.map(Into::into),
            })
        };
        let ok = |s: DeliveryChannelStatus| Collected::ok(vec![s]);
        let history_failed = DeliveryChannelStatus {
            last_error_code: Some("AccessDenied".into()),
            last_error_message: Some("Access Denied".into()),
            ..channel_status("Failure", Some("Success"), None)
        };
        let mut channels_denied = config(vec![], true);
        channels_denied.delivery_channels = Collected::Error { error: denied("config:DescribeDeliveryChannels") };
        let cases: Vec<(&str, Collected<ConfigData>, Status, &str)> = vec![
            // compliant
            (
                "bucket, deliveries succeed",
                with(channel(Some("b"), None), ok(channel_status("Success", Some("Success"), None))),
                Status::Pass,
                "delivers to bucket b (last history delivery: Success)",
            ),
            // non-compliant
            ("no channel", with(None, ok(channel_status("Success", None, None))), Status::Fail, "no delivery channel"),
            ("no bucket", with(channel(None, None), Collected::ok(vec![])), Status::Fail, "names no S3 bucket"),
            // near misses: a bucket is named, but nothing lands there
            (
                "history delivery failing",
                with(channel(Some("b"), None), ok(history_failed)),
                Status::Fail,
                "the last configuration history delivery failed (AccessDenied: Access Denied)",
            ),
            (
                "snapshot delivery failing",
                with(channel(Some("b"), None), ok(channel_status("Success", Some("Failure"), None))),
                Status::Fail,
                "configuration snapshot delivery failed",
            ),
            (
                "stream to SNS failing",
                with(
                    channel(Some("b"), Some("arn:aws:sns:us-east-1:1:t")),
                    ok(channel_status("Success", None, Some("Failure"))),
                ),
                Status::Fail,
                "configuration stream delivery failed",
            ),
            // alternative: no snapshot or SNS stream configured reads Not_Applicable, which is no failure
            (
                "snapshot and stream not applicable",
                with(
                    channel(Some("b"), None),
                    ok(channel_status("Success", Some("Not_Applicable"), Some("Not_Applicable"))),
                ),
                Status::Pass,
                "delivers to bucket b",
            ),
            // unreadable
            ("channels denied", Collected::ok(channels_denied), Status::Unknown, "config:DescribeDeliveryChannels"),
            (
                "status denied",
                with(
                    channel(Some("b"), None),
                    Collected::Error { error: denied("config:DescribeDeliveryChannelStatus") },
                ),
                Status::Unknown,
                "missing permission config:DescribeDeliveryChannelStatus",
            ),
            // partial reads: the channel was read, its status not
            (
                "status not collected",
                with(channel(Some("b"), None), Collected::NotCollected),
                Status::Unknown,
                "names bucket b, but whether its deliveries succeed could not be read (config:DescribeDeliveryChannelStatus)",
            ),
            (
                "status absent for the channel",
                with(channel(Some("b"), None), Collected::ok(vec![])),
                Status::Unknown,
                "returned no status for delivery channel default",
            ),
        ];
        for (name, data, want, text) in cases {
            let out = run(delivery_channel, &one_region(data, None));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    /// A region's Config data with these rules, their compliance and evaluation statuses.
    fn with_rules(
        rules: Vec<ConfigRule>,
        compliance: &[(&str, &str)],
        evaluations: Vec<crate::snapshot::RuleEvaluationStatus>,
    ) -> ConfigData {
        // A recorder that records everything, the global IAM types included; the drift rules name their role.
        let mut data = config(vec![recorder(true, true)], true);
        data.rule_parameters = Collected::ok(
            rules
                .iter()
                .filter(|r| r.source_identifier == DRIFT_RULE)
                .map(|r| (r.name.clone(), r#"{"cloudformationRoleArn":"arn:aws:iam::111111111111:role/drift"}"#.into()))
                .collect(),
        );
        data.rules = Collected::ok(rules);
        data.compliance_by_rule = Collected::ok(
            compliance
                .iter()
                .map(|(n, c)| RuleCompliance {
                    rule_name: n.to_string(),
                    compliance: c.to_string(),
                    non_compliant_resources: (*c == "NON_COMPLIANT").then_some(100),
                    count_capped: *c == "NON_COMPLIANT",
                })
                .collect(),
        );
        data.rule_evaluation_statuses = Collected::ok(evaluations);
        data
    }

    /// An evaluation status whose latest evaluation failed after the last success.
    fn failing(rule: &str) -> crate::snapshot::RuleEvaluationStatus {
        crate::snapshot::RuleEvaluationStatus {
            rule_name: rule.into(),
            last_successful_evaluation: Some("2026-01-01T00:00:00Z".parse().unwrap()),
            last_failed_evaluation: Some("2026-01-10T00:00:00Z".parse().unwrap()),
            last_error_code: Some("AccessDenied".into()),
            last_error_message: Some("cannot assume cloudformationRoleArn".into()),
        }
    }

    /// The verdict tables of `config-rule-cfn-drift-detection` (per region) and `config-rule-iam-unused-credentials`
    /// (per account), which ask the same question of two managed rules.
    #[test]
    fn named_rules_deployed() {
        let denied_rules = {
            let mut d = config(vec![], true);
            d.rules = Collected::Error { error: denied("config:DescribeConfigRules") };
            d
        };
        for (id, check) in [
            (DRIFT_RULE, rule_cfn_drift_detection as super::super::Evaluator),
            (UNUSED_CREDENTIALS_RULE, rule_iam_unused_credentials),
        ] {
            let cases: Vec<(&str, Collected<ConfigData>, Status, &str)> = vec![
                ("compliant", Collected::ok(with_rules(vec![rule("r", id)], &[], vec![])), Status::Pass, "rule r "),
                ("non-compliant: none", Collected::ok(with_rules(vec![], &[], vec![])), Status::Fail, "no "),
                // near misses: a rule of the right name that does not work
                (
                    "being deleted",
                    Collected::ok(with_rules(
                        vec![ConfigRule { state: Some("DELETING".into()), ..rule("r", id) }],
                        &[],
                        vec![],
                    )),
                    Status::Fail,
                    "rule r is DELETING",
                ),
                (
                    "evaluations failing",
                    Collected::ok(with_rules(vec![rule("r", id)], &[], vec![failing("r")])),
                    Status::Fail,
                    "the latest evaluation of rule r failed at 2026-01-10 00:00 UTC (AccessDenied: cannot assume",
                ),
                (
                    "a custom rule of the same identifier",
                    Collected::ok(with_rules(
                        vec![ConfigRule { source_owner: "CUSTOM_LAMBDA".into(), ..rule("r", id) }],
                        &[],
                        vec![],
                    )),
                    Status::Fail,
                    "no ",
                ),
                // alternative: a rule deployed by an organization rule or conformance pack, failed once then recovered
                (
                    "recovered after a failure",
                    Collected::ok(with_rules(
                        vec![rule("OrgConfigRule-r", id)],
                        &[],
                        vec![crate::snapshot::RuleEvaluationStatus {
                            last_successful_evaluation: Some("2026-01-11T00:00:00Z".parse().unwrap()),
                            ..failing("OrgConfigRule-r")
                        }],
                    )),
                    Status::Pass,
                    "rule OrgConfigRule-r",
                ),
                ("unreadable", Collected::ok(denied_rules.clone()), Status::Unknown, "config:DescribeConfigRules"),
                // partial: the section was never collected
                ("partial: not collected", Collected::NotCollected, Status::Unknown, "could not be evaluated"),
            ];
            for (name, data, want, text) in cases {
                let out = run(check, &one_region(data, None));
                let (status, msg) = only(&out);
                assert_eq!(status, want, "{id} {name}: {msg}");
                assert!(msg.contains(text), "{id} {name}: {msg}");
            }
        }
    }

    /// `config-rule-cfn-drift-detection` beyond the shared rows: the rule's role parameter and the region's recorder.
    #[test]
    fn drift_rule_verdicts() {
        let with = |edit: &dyn Fn(&mut ConfigData)| {
            let mut d = with_rules(vec![rule("r", DRIFT_RULE)], &[], vec![]);
            edit(&mut d);
            Collected::ok(d)
        };
        let cases: Vec<(&str, Collected<ConfigData>, Status, &str)> = vec![
            ("compliant", with(&|_| {}), Status::Pass, "rule r watches"),
            // near misses: present, but it cannot assume a role, or sees no stack change
            (
                "no role parameter",
                with(&|d| d.rule_parameters = Collected::ok(Default::default())),
                Status::Fail,
                "rule r names no cloudformationRoleArn",
            ),
            (
                "partial: no status for the recorder",
                with(&|d| d.recorder_statuses = Collected::ok(vec![])),
                Status::Unknown,
                "returned no status for recorder default",
            ),
            (
                "recorder off",
                with(&|d| {
                    d.recorder_statuses = Collected::ok(vec![RecorderStatus {
                        name: "default".into(),
                        recording: false,
                        last_status: None,
                        last_error_code: None,
                    }])
                }),
                Status::Fail,
                "rule r exists, but configuration recorder default is stopped",
            ),
            ("no recorder", with(&|d| d.recorders.clear()), Status::Fail, "no customer-managed configuration recorder"),
            (
                "recorder status denied",
                with(&|d| d.recorder_statuses = Collected::Error { error: denied(STATUS_PERMISSION) }),
                Status::Unknown,
                "missing permission config:DescribeConfigurationRecorderStatus",
            ),
            // partial: a snapshot from before the parameters were collected
            (
                "parameters not collected",
                with(&|d| d.rule_parameters = Collected::NotCollected),
                Status::Unknown,
                "the parameters of rule r could not be read",
            ),
        ];
        for (name, data, want, text) in cases {
            let out = run(rule_cfn_drift_detection, &one_region(data, None));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    /// `config-rule-iam-unused-credentials` beyond the shared rows: the age parameter and where IAM users are recorded.
    #[test]
    fn unused_credentials_rule_verdicts() {
        let with_age = |age: Option<&str>| {
            let mut d = with_rules(vec![rule("r", UNUSED_CREDENTIALS_RULE)], &[], vec![]);
            d.rule_parameters = Collected::ok(
                age.map(|a| ("r".to_string(), format!(r#"{{"maxCredentialUsageAge":{a}}}"#))).into_iter().collect(),
            );
            d
        };
        // The rule in eu-west-1, IAM users recorded (or not) in us-east-1.
        let two_regions = |users_recorded: bool| {
            let mut home = region("us-east-1");
            home.config = Collected::ok(config(vec![recorder(true, users_recorded)], true));
            let mut other = region("eu-west-1");
            other.config = Collected::ok(ConfigData { recorders: vec![recorder(true, false)], ..with_age(None) });
            snapshot(vec![account(ACCT, None, vec![home, other])])
        };
        let one = |d: ConfigData| one_region(Collected::ok(d), None);
        let cases: Vec<(&str, crate::snapshot::Snapshot, Status, &str)> = vec![
            ("compliant: default age", one(with_age(None)), Status::Pass, "rule r in us-east-1 checks IAM users"),
            ("compliant: 45 days as text", one(with_age(Some(r#""45""#))), Status::Pass, "checks IAM users"),
            // near miss: a year of silence before a credential counts as unused
            ("a year", one(with_age(Some("365"))), Status::Fail, "unused for 365 days (maxCredentialUsageAge)"),
            ("not a number", one(with_age(Some(r#""ninety""#))), Status::Fail, "not a number of days"),
            // near miss: the rule exists but no recorder records the users it evaluates
            ("users recorded nowhere", two_regions(false), Status::Fail, "no audited region records AWS::IAM::User"),
            // alternative: the rule in one region, the users recorded in another
            ("users recorded elsewhere", two_regions(true), Status::Pass, "rule r in eu-west-1"),
            (
                "parameters not collected",
                one(ConfigData { rule_parameters: Collected::NotCollected, ..with_age(None) }),
                Status::Unknown,
                "the parameters of rule r could not be read",
            ),
            (
                "recording unreadable",
                one(ConfigData {
                    recorder_statuses: Collected::Error { error: denied(STATUS_PERMISSION) },
                    ..with_age(None)
                }),
                Status::Unknown,
                "whether any region records AWS::IAM::User",
            ),
        ];
        for (name, snap, want, text) in cases {
            let out = run(rule_iam_unused_credentials, &snap);
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    /// The verdict table of `config-rules-noncompliant`, one finding per rule.
    #[test]
    fn rule_compliance_cases() {
        let rules = || vec![rule("a", "X"), rule("b", "Y")];
        let cases: Vec<(&str, ConfigData, &str, Status, &str)> = vec![
            (
                "compliant",
                with_rules(rules(), &[("a", "COMPLIANT"), ("b", "COMPLIANT")], vec![]),
                "a",
                Status::Pass,
                "every evaluated resource compliant",
            ),
            (
                "non-compliant",
                with_rules(rules(), &[("a", "NON_COMPLIANT"), ("b", "COMPLIANT")], vec![]),
                "a",
                Status::Fail,
                "100+ non-compliant resources",
            ),
            // near miss: COMPLIANT, but from before a failing evaluation
            (
                "stale compliant",
                with_rules(rules(), &[("a", "COMPLIANT"), ("b", "COMPLIANT")], vec![failing("a")]),
                "a",
                Status::Unknown,
                "that verdict may be stale",
            ),
            // alternative: a failed evaluation followed by a successful one leaves the verdict current
            (
                "recovered evaluation",
                with_rules(
                    rules(),
                    &[("a", "COMPLIANT"), ("b", "COMPLIANT")],
                    vec![crate::snapshot::RuleEvaluationStatus {
                        last_successful_evaluation: Some("2026-01-11T00:00:00Z".parse().unwrap()),
                        ..failing("a")
                    }],
                ),
                "a",
                Status::Pass,
                "every evaluated resource compliant",
            ),
            // alternative: nothing in scope is not a failure
            (
                "not applicable",
                with_rules(rules(), &[("a", "NOT_APPLICABLE"), ("b", "COMPLIANT")], vec![]),
                "a",
                Status::Skipped,
                "no resources in scope",
            ),
            (
                "insufficient data",
                with_rules(rules(), &[("a", "INSUFFICIENT_DATA"), ("b", "COMPLIANT")], vec![]),
                "a",
                Status::Unknown,
                "no verdict yet",
            ),
            // partial: a rule without a compliance result is not left out
            (
                "no result for a rule",
                with_rules(rules(), &[("a", "COMPLIANT")], vec![]),
                "b",
                Status::Unknown,
                "rule b has no compliance result",
            ),
            (
                "no rules at all",
                with_rules(vec![], &[], vec![]),
                ACCT,
                Status::Skipped,
                "no AWS Config rule in this region",
            ),
            (
                "unreadable",
                {
                    let mut d = with_rules(rules(), &[], vec![]);
                    d.compliance_by_rule = Collected::Error { error: denied("config:DescribeComplianceByConfigRule") };
                    d
                },
                ACCT,
                Status::Unknown,
                "missing permission config:DescribeComplianceByConfigRule",
            ),
        ];
        for (name, data, resource, want, text) in cases {
            let out = run(rules_noncompliant, &one_region(Collected::ok(data), None));
            let want_resource = if resource == ACCT {
                ACCT.to_string()
            } else {
                format!("arn:aws:config:us-east-1:{ACCT}:config-rule/{resource}")
            };
            let o = out.iter().find(|o| o.resource == want_resource).unwrap_or_else(|| panic!("{name}: {out:?}"));
            assert_eq!(o.status, want, "{name}: {}", o.message);
            assert!(o.message.contains(text), "{name}: {}", o.message);
        }
    }

    /// The verdict table of `config-aggregator`, judged once per organization from every audited account.
    #[test]
    fn aggregator_verdicts() {
        const ADMIN: &str = "222222222222";
        let org_agg = |regions: &[&str]| ConfigAggregator {
            name: "org".into(),
            arn: None,
            organization_source: true,
            all_regions: regions.is_empty(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            account_ids: vec![],
        };
        let holding = |aggs: Vec<ConfigAggregator>| {
            let mut d = config(vec![], true);
            d.aggregators = Collected::ok(aggs);
            Some(d)
        };
        let empty = || holding(vec![]);
        let tree = |admins: Collected<Vec<DelegatedAdmin>>| {
            Collected::ok(OrgTree {
                id: "o-example".into(),
                management_account_id: MGMT.into(),
                delegated_administrators: admins,
                ..Default::default()
            })
        };
        let config_admin = || {
            Collected::ok(vec![DelegatedAdmin {
                account_id: ADMIN.into(),
                services: Collected::ok(vec![CONFIG_PRINCIPAL.into()]),
            }])
        };
        let no_admin = || Collected::ok(vec![]);
        // (name, audited accounts with their us-east-1 Config data (None: aggregators denied), the organization tree,
        // expected, message fragment)
        type Accounts = Vec<(&'static str, Option<ConfigData>)>;
        let cases: Vec<(&str, Accounts, Collected<OrgTree>, Status, &str)> = vec![
            // compliant
            (
                "in the management account",
                vec![(MGMT, holding(vec![org_agg(&[])])), (ACCT, empty())],
                tree(no_admin()),
                Status::Pass,
                "aggregator org in 999999999999 (the management account) us-east-1 collects Config data from the whole organization o-example, all regions",
            ),
            // alternatives: another place, or not all regions but every audited one
            (
                "in the delegated administrator",
                vec![(MGMT, empty()), (ADMIN, holding(vec![org_agg(&[])]))],
                tree(config_admin()),
                Status::Pass,
                "in 222222222222 (the Config delegated administrator) us-east-1",
            ),
            (
                "only the audited region",
                vec![(MGMT, holding(vec![org_agg(&["us-east-1"])]))],
                tree(no_admin()),
                Status::Pass,
                "whole organization o-example, us-east-1",
            ),
            // non-compliant
            (
                "nowhere, no delegated administrator",
                vec![(MGMT, empty()), (ACCT, empty())],
                tree(no_admin()),
                Status::Fail,
                "no aggregator collects Config data across organization o-example: the management account 999999999999 (no Config delegated administrator is registered) holds one",
            ),
            (
                "nowhere, delegated administrator audited too",
                vec![(MGMT, empty()), (ADMIN, empty())],
                tree(config_admin()),
                Status::Fail,
                "neither the management account 999999999999 nor the Config delegated administrator 222222222222",
            ),
            // near misses
            (
                "an aggregator of listed accounts",
                vec![(MGMT, holding(vec![ConfigAggregator { organization_source: false, account_ids: vec![ACCT.into()], ..org_agg(&[]) }]))],
                tree(no_admin()),
                Status::Fail,
                "no aggregator collects Config data across organization",
            ),
            (
                "an organization aggregator missing an audited region",
                vec![(MGMT, holding(vec![org_agg(&["eu-west-1"])]))],
                tree(no_admin()),
                Status::Fail,
                "aggregates only eu-west-1 and leaves out audited region: us-east-1",
            ),
            // unknown: the place it would live was not seen
            (
                "delegated administrator not audited",
                vec![(MGMT, empty()), (ACCT, empty())],
                tree(config_admin()),
                Status::Unknown,
                "the Config delegated administrator is 222222222222), and 222222222222 was not audited",
            ),
            (
                "a single member account",
                vec![(ACCT, empty())],
                tree(no_admin()),
                Status::Unknown,
                "999999999999 was not audited",
            ),
            // unreadable
            (
                "aggregators denied",
                vec![(MGMT, None)],
                tree(no_admin()),
                Status::Unknown,
                "missing permission config:DescribeConfigurationAggregators",
            ),
            // partial reads: the organization's delegated administrators are not known
            (
                "delegated administrators denied",
                vec![(MGMT, empty())],
                tree(Collected::Error { error: denied("organizations:ListDelegatedAdministrators") }),
                Status::Unknown,
                "missing permission organizations:ListDelegatedAdministrators",
            ),
            (
                "organization tree not collected",
                vec![(MGMT, empty())],
                Collected::NotCollected,
                Status::Unknown,
                "the organization was not read",
            ),
            (
                "an administrator's services unread",
                vec![(MGMT, empty())],
                tree(Collected::ok(vec![DelegatedAdmin {
                    account_id: ADMIN.into(),
                    services: Collected::Error { error: denied("organizations:ListDelegatedServicesForAccount") },
                }])),
                Status::Unknown,
                "222222222222 was not audited",
            ),
        ];
        for (name, accounts, org, want, text) in cases {
            let accounts = accounts
                .into_iter()
                .map(|(id, data)| {
                    let mut r = region("us-east-1");
                    r.config = match data {
                        Some(d) => Collected::ok(d),
                        None => Collected::Error { error: denied("config:DescribeConfigurationAggregators") },
                    };
                    account(id, Some(MGMT), vec![r])
                })
                .collect();
            let mut snap = snapshot(accounts);
            snap.organization = org;
            let out = run(aggregator, &snap);
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
        // Not in an organization: nothing to aggregate.
        let out = run(aggregator, &one_region(Collected::ok(config(vec![], true)), None));
        assert_eq!(only(&out).0, Status::Skipped);
    }
}
