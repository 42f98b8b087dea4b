//! CloudFormation collector: one region's stacks (nested ones included) with their stack policies and
//! resources, the region's exports and who imports them, the stack sets administered from the account, and —
//! only when asked for (`--detect-drift`) — a fresh drift detection on every stack.
//!
//! `DescribeStacks` is the section's own call: when it fails, nothing else is asked and the whole section
//! records that error. Every other call keeps its own result, so one denied or throttled call marks only its
//! own piece of data.
//!
//! Drift detection is the one call here that starts work on AWS's side, and it is slow (seconds to minutes per
//! stack), so it runs only on request, a bounded number at a time per region, and is polled with a growing
//! pause up to a deadline. A detection that was refused, failed or outlived the deadline is recorded as such,
//! with the reason: the checks then report the stack `unknown`, never `pass`.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudformation::types as cfn;
use aws_sdk_cloudformation::Client;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::{bounded, text, to_chrono};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    CloudFormationData, Collected, CollectionError, DriftDetection, ErrorKind, PropertyDifference, ResourceDrift,
    Stack, StackExport, StackInstance, StackParameter, StackResource, StackSet, StoredDrift,
};

/// Drift detection, run only when asked for (`--detect-drift`).
#[derive(Debug, Clone)]
pub struct DriftOptions {
    pub detect: bool,
    pub timeout: std::time::Duration,
    /// Detections in flight at once per region.
    pub per_region: usize,
}

/// Stacks, exports and stack sets being read at once in a region (a stack's policy and resources are read
/// together, so up to twice as many calls). CloudFormation's read APIs share a small per-account rate and
/// every region of the account is collected at the same time: a handful keeps a large account quick without
/// living on the retry budget.
const READS_IN_FLIGHT: usize = 4;

/// `DescribeStackDriftDetectionStatus` answers this while the detection runs.
const IN_PROGRESS: &str = "DETECTION_IN_PROGRESS";
/// What this collector records when it stopped waiting for a detection (not an AWS status).
const TIMED_OUT: &str = "TIMED_OUT";

/// The pauses between two looks at a running drift detection.
#[derive(Debug, Clone, Copy)]
struct Polling {
    first: Duration,
    max: Duration,
}

impl Polling {
    /// A small stack's detection ends within seconds: look again after one, then back off so a large stack's
    /// minutes-long detection costs a few dozen calls, never waiting more than ten seconds past its end.
    const AWS: Polling = Polling { first: Duration::from_secs(1), max: Duration::from_secs(10) };
}

/// CloudFormation in one account and region. Called once per (account, region).
pub async fn collect(aws: &AccountAws, region: &str, drift: &DriftOptions) -> Collected<CloudFormationData> {
    collect_with(&aws.cloudformation(region), drift, Polling::AWS).await
}

/// The work of [`collect`] on any client (the tests give it mocked ones); the client carries the region.
async fn collect_with(client: &Client, drift: &DriftOptions, polling: Polling) -> Collected<CloudFormationData> {
    let described = match client.describe_stacks().into_paginator().items().send().try_collect().await {
        Ok(stacks) => stacks,
        Err(e) => return Collected::Error { error: classify(&e, "cloudformation:DescribeStacks") },
    };
    // DescribeStacks without a name lists live stacks only, but a deleted one may still show for a while
    // right after its deletion; it has nothing left to audit.
    let live: Vec<&cfn::Stack> =
        described.iter().filter(|s| s.stack_status() != Some(&cfn::StackStatus::DeleteComplete)).collect();

    // One budget for every read in the region, so the three lists below do not add up their fan-outs.
    let reads = Arc::new(Semaphore::new(READS_IN_FLIGHT));
    let (stacks, exports, stack_sets) = tokio::join!(
        stacks(client, &live, &reads, drift, polling),
        exports(client, &reads),
        stack_sets(client, &reads),
    );
    Collected::ok(CloudFormationData { stacks, exports, stack_sets })
}

// ---- Stacks ---------------------------------------------------------------------------------------------

/// Each stack with its policy and resources, and its drift detection when asked for. A stack is one task
/// that first waits for a read slot, then (having let it go) for a detection slot: the reads of the next
/// stacks go on while the detections run.
async fn stacks(
    client: &Client,
    live: &[&cfn::Stack],
    reads: &Arc<Semaphore>,
    drift: &DriftOptions,
    polling: Polling,
) -> Vec<Stack> {
    let detections = drift.detect.then(|| Arc::new(Semaphore::new(drift.per_region.max(1))));
    let timeout = drift.timeout;
    // No limit here: each stack's work waits on the semaphores it needs, one after another.
    bounded(live.iter().map(|s| convert_stack(s)), usize::MAX, |mut stack| {
        let (client, reads, detections) = (client.clone(), reads.clone(), detections.clone());
        async move {
            let target = call_target(&stack).to_string();
            {
                let _permit = reads.acquire_owned().await;
                (stack.stack_policy, stack.resources) =
                    tokio::join!(stack_policy(&client, &target), resources(&client, &target));
            }
            if let Some(detections) = detections {
                let _permit = detections.acquire_owned().await;
                stack.detection = Some(detect(&client, &target, &stack.status, timeout, polling).await);
            }
            stack
        }
    })
    .await
}

/// The name to call per-stack operations with: the stack id is unique (a name may be reused after a
/// deletion, and nested stacks' names are generated), the name only stands in if AWS left the id out.
fn call_target(stack: &Stack) -> &str {
    if stack.id.is_empty() {
        &stack.name
    } else {
        &stack.id
    }
}

fn convert_stack(s: &cfn::Stack) -> Stack {
    let drift = s.drift_information();
    Stack {
        name: s.stack_name().unwrap_or_default().to_string(),
        id: s.stack_id().unwrap_or_default().to_string(),
        status: s.stack_status().map(|st| st.as_str()).unwrap_or_default().to_string(),
        status_reason: text(s.stack_status_reason()),
        parent_id: text(s.parent_id()),
        root_id: text(s.root_id()),
        termination_protection: s.enable_termination_protection().unwrap_or(false),
        role_arn: text(s.role_arn()),
        disable_rollback: s.disable_rollback(),
        rollback_triggers: s.rollback_configuration().map_or(0, |r| r.rollback_triggers().len()),
        // A stack never updated has only its creation time; either says how old its configuration is.
        last_updated: s.last_updated_time().or(s.creation_time()).and_then(to_chrono),
        parameters: s
            .parameters()
            .iter()
            .map(|p| {
                // A snapshot is saved and shared: a password passed in plain text must not end up in it.
                StackParameter {
                    key: p.parameter_key().unwrap_or_default().to_string(),
                    value: p.parameter_value().unwrap_or_default().to_string(),
                    resolved_value: text(p.resolved_value()),
                    value_looks_secret: None,
                }
                .withholding_secrets()
            })
            .collect(),
        drift: StoredDrift {
            // AWS always sends the drift information; without it nothing is known: neither NOT_CHECKED nor AWS's
            // own UNKNOWN (a detection that could not check), so it stays absent.
            status: drift.and_then(|d| d.stack_drift_status()).map(|d| d.as_str().to_string()),
            last_check: drift.and_then(|d| d.last_check_timestamp()).and_then(to_chrono),
        },
        stack_policy: Collected::NotCollected,
        resources: Collected::NotCollected,
        detection: None,
    }
}

async fn stack_policy(client: &Client, stack: &str) -> Collected<Option<String>> {
    match client.get_stack_policy().stack_name(stack).send().await {
        // A stack without a policy answers with no body at all.
        Ok(out) => Collected::ok(text(out.stack_policy_body())),
        Err(e) => Collected::Error { error: classify(&e, "cloudformation:GetStackPolicy") },
    }
}

async fn resources(client: &Client, stack: &str) -> Collected<Vec<StackResource>> {
    match client.list_stack_resources().stack_name(stack).into_paginator().items().send().try_collect().await {
        Ok(items) => Collected::ok(
            items
                .iter()
                .map(|r| StackResource {
                    logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: text(r.physical_resource_id()),
                    resource_type: r.resource_type().unwrap_or_default().to_string(),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "cloudformation:ListStackResources") },
    }
}

// ---- Drift detection --------------------------------------------------------------------------------------

/// Starts a drift detection on one stack and follows it to its end, a failure or the deadline.
async fn detect(client: &Client, stack: &str, status: &str, timeout: Duration, polling: Polling) -> DriftDetection {
    if refuses_detection(status) {
        let reason = format!("not started: CloudFormation does not detect drift on a stack in {status}");
        return failed(None, unknown_drift(ErrorKind::Other, "DetectionNotStarted", &reason, None), reason);
    }
    // The deadline counts from the start of this stack's detection, not from when it queued for a slot.
    let started = Instant::now();
    let detection_id = match client.detect_stack_drift().stack_name(stack).send().await {
        Ok(out) => match text(out.stack_drift_detection_id()) {
            Some(id) => id,
            None => {
                let reason = "DetectStackDrift answered without a detection id".to_string();
                let error = unknown_drift(ErrorKind::Other, "NoDetectionId", &reason, Some("DetectStackDrift"));
                return failed(None, error, reason);
            }
        },
        // AWS refuses some stacks outright (a ValidationError naming the stack's state, for one).
        Err(e) => {
            let error = classify(&e, "cloudformation:DetectStackDrift");
            return failed(None, Collected::Error { error: error.clone() }, error.to_string());
        }
    };

    // A timeout too long to add to the clock waits as good as forever (a year) rather than overflowing.
    let deadline =
        started.checked_add(timeout).unwrap_or_else(|| started + std::time::Duration::from_secs(365 * 86_400));
    let mut pause = polling.first;
    loop {
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        let last_error =
            match client.describe_stack_drift_detection_status().stack_drift_detection_id(&detection_id).send().await {
                Ok(out) => {
                    let state = out.detection_status().map(|d| d.as_str()).unwrap_or(IN_PROGRESS);
                    if state != IN_PROGRESS {
                        return finished(client, stack, detection_id, state, &out).await;
                    }
                    None
                }
                Err(e) => {
                    let error = classify(&e, "cloudformation:DescribeStackDriftDetectionStatus");
                    // Throttling and dropped connections pass (the SDK already retried them); a denied call or a
                    // detection id AWS no longer knows will answer the same way until the deadline.
                    if !may_pass(&error) {
                        let reason = format!("cannot read the detection's status: {error}");
                        return failed(Some(detection_id), Collected::Error { error }, reason);
                    }
                    Some(error)
                }
            };
        if Instant::now() >= deadline {
            let mut reason = format!(
                "still {IN_PROGRESS} after waiting {}; stopped waiting (see --drift-timeout)",
                waited(started.elapsed())
            );
            if let Some(error) = last_error {
                reason.push_str(&format!("; the last look failed: {error}"));
            }
            return DriftDetection {
                status: TIMED_OUT.into(),
                stack_drift_status: None,
                detection_id: Some(detection_id),
                drifted_resources: unknown_drift(ErrorKind::Timeout, "DriftDetectionTimedOut", &reason, None),
                reason: Some(reason),
            };
        }
        pause = (pause * 2).min(polling.max);
    }
}

/// Stack states in which CloudFormation will not detect drift: an operation still running (the template and
/// the resources are in flux), or a creation that failed and left nothing, or not everything, to compare.
fn refuses_detection(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS") || matches!(status, "CREATE_FAILED" | "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED")
}

/// Whether a failed status look is worth repeating.
fn may_pass(error: &CollectionError) -> bool {
    !matches!(error.kind, ErrorKind::AccessDenied | ErrorKind::Unsupported | ErrorKind::NotSubscribed)
        && error.code != "ValidationError"
}

/// A detection that ended on AWS's side, complete or failed.
async fn finished(
    client: &Client,
    stack: &str,
    detection_id: String,
    state: &str,
    out: &aws_sdk_cloudformation::operation::describe_stack_drift_detection_status::DescribeStackDriftDetectionStatusOutput,
) -> DriftDetection {
    let stack_drift = out.stack_drift_status().map(|s| s.as_str().to_string());
    let reason = text(out.detection_status_reason());
    let drifted = match stack_drift.as_deref() {
        // A failed detection still has results for the resources it could check (AWS documents this), and
        // drift found there is drift: read it either way.
        Some("DRIFTED") => resource_drifts(client, stack).await,
        Some("IN_SYNC") if state == "DETECTION_COMPLETE" => Collected::ok(Vec::new()),
        // Failed without finding drift, or an answer without a verdict: an empty list would read as "in sync".
        other => unknown_drift(
            ErrorKind::Other,
            state,
            &format!(
                "the detection ended {state} with stack drift status {}{}",
                other.unwrap_or("(none)"),
                reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Some("DescribeStackDriftDetectionStatus"),
        ),
    };
    DriftDetection {
        status: state.to_string(),
        stack_drift_status: stack_drift,
        reason,
        detection_id: Some(detection_id),
        drifted_resources: drifted,
    }
}

/// `DescribeStackResourceDrifts` for what drifted: modified and deleted resources, with their differences.
async fn resource_drifts(client: &Client, stack: &str) -> Collected<Vec<ResourceDrift>> {
    let pages = client
        .describe_stack_resource_drifts()
        .stack_name(stack)
        .stack_resource_drift_status_filters(cfn::StackResourceDriftStatus::Modified)
        .stack_resource_drift_status_filters(cfn::StackResourceDriftStatus::Deleted)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    match pages {
        Ok(pages) => {
            Collected::ok(pages.iter().flat_map(|p| p.stack_resource_drifts()).map(convert_resource_drift).collect())
        }
        Err(e) => Collected::Error { error: classify(&e, "cloudformation:DescribeStackResourceDrifts") },
    }
}

fn convert_resource_drift(d: &cfn::StackResourceDrift) -> ResourceDrift {
    ResourceDrift {
        logical_id: d.logical_resource_id().unwrap_or_default().to_string(),
        physical_id: text(d.physical_resource_id()),
        resource_type: d.resource_type().unwrap_or_default().to_string(),
        status: d.stack_resource_drift_status().map(|s| s.as_str()).unwrap_or_default().to_string(),
        differences: d
            .property_differences()
            .iter()
            .map(|p| PropertyDifference {
                path: p.property_path().unwrap_or_default().to_string(),
                expected: p.expected_value().map(str::to_string),
                actual: p.actual_value().map(str::to_string),
                kind: p.difference_type().map(|k| k.as_str()).unwrap_or_default().to_string(),
            })
            .collect(),
    }
}

/// A detection that could not give a verdict: never started, refused, or unreadable.
fn failed(detection_id: Option<String>, drifted: Collected<Vec<ResourceDrift>>, reason: String) -> DriftDetection {
    DriftDetection {
        status: "DETECTION_FAILED".into(),
        stack_drift_status: None,
        reason: Some(reason),
        detection_id,
        drifted_resources: drifted,
    }
}

/// The drifted resources of a detection without a verdict: the reason stands in the list's place so no
/// evaluator can take the missing list for an empty one.
fn unknown_drift(kind: ErrorKind, code: &str, message: &str, operation: Option<&str>) -> Collected<Vec<ResourceDrift>> {
    Collected::Error {
        error: CollectionError {
            kind,
            code: code.to_string(),
            message: message.to_string(),
            permission: operation.map(|o| format!("cloudformation:{o}")),
        },
    }
}

/// A wait as a person reads it: whole seconds, or milliseconds under one.
fn waited(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

// ---- Exports -----------------------------------------------------------------------------------------------

async fn exports(client: &Client, reads: &Arc<Semaphore>) -> Collected<Vec<StackExport>> {
    let listed = match client.list_exports().into_paginator().items().send().try_collect().await {
        Ok(listed) => listed,
        Err(e) => return Collected::Error { error: classify(&e, "cloudformation:ListExports") },
    };
    let exports = bounded(listed, usize::MAX, |export| {
        let (client, reads) = (client.clone(), reads.clone());
        async move {
            let name = export.name().unwrap_or_default().to_string();
            let _permit = reads.acquire_owned().await;
            let importing_stacks = imports(&client, &name).await;
            StackExport { name, exporting_stack_id: text(export.exporting_stack_id()), importing_stacks }
        }
    })
    .await;
    Collected::ok(exports)
}

async fn imports(client: &Client, export: &str) -> Collected<Vec<String>> {
    match client.list_imports().export_name(export).into_paginator().items().send().try_collect().await {
        Ok(stacks) => Collected::ok(stacks),
        Err(e) => {
            let error = classify(&e, "cloudformation:ListImports");
            // An export nobody imports is not an empty list to ListImports but this error.
            if error.code == "ValidationError" && error.message.contains("is not imported by any stack") {
                Collected::ok(Vec::new())
            } else {
                Collected::Error { error }
            }
        }
    }
}

// ---- Stack sets --------------------------------------------------------------------------------------------

/// The active stack sets administered from this account and region. Without `CallAs` this is the account's
/// own (SELF) view: a delegated administrator's service-managed sets are not listed, and a member account's
/// denied calls are recorded as they come.
async fn stack_sets(client: &Client, reads: &Arc<Semaphore>) -> Collected<Vec<StackSet>> {
    let listed = match client
        .list_stack_sets()
        .status(cfn::StackSetStatus::Active)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(listed) => listed,
        Err(e) => return Collected::Error { error: classify(&e, "cloudformation:ListStackSets") },
    };
    let described = bounded(listed, usize::MAX, |summary| {
        let (client, reads) = (client.clone(), reads.clone());
        async move {
            let _permit = reads.acquire_owned().await;
            stack_set(&client, &summary).await
        }
    })
    .await;
    // The permission model is a plain field: a set whose model is unknown fails the list rather than
    // being shown with a made-up one.
    match described.into_iter().collect::<Result<Vec<_>, _>>() {
        Ok(sets) => Collected::ok(sets),
        Err(error) => Collected::Error { error },
    }
}

async fn stack_set(client: &Client, summary: &cfn::StackSetSummary) -> Result<StackSet, CollectionError> {
    let name = summary.stack_set_name().unwrap_or_default().to_string();
    let (described, instances) = tokio::join!(
        client.describe_stack_set().stack_set_name(&name).send(),
        client.list_stack_instances().stack_set_name(&name).into_paginator().items().send().try_collect(),
    );
    // DescribeStackSet is the full description; the listing's summary carries the same two settings, so it
    // stands in when the description cannot be read.
    let (permission_model, auto_deployment) = match &described {
        Ok(out) => {
            let set = out.stack_set();
            (
                set.and_then(|s| s.permission_model()).or(summary.permission_model()),
                set.and_then(|s| s.auto_deployment()).or(summary.auto_deployment()),
            )
        }
        Err(_) => (summary.permission_model(), summary.auto_deployment()),
    };
    let Some(permission_model) = permission_model else {
        return Err(match described {
            Err(e) => classify(&e, "cloudformation:DescribeStackSet"),
            Ok(_) => CollectionError {
                kind: ErrorKind::Other,
                code: "NoPermissionModel".into(),
                message: format!("neither ListStackSets nor DescribeStackSet gave the permission model of {name}"),
                permission: Some("cloudformation:DescribeStackSet".into()),
            },
        });
    };
    let instances = match instances {
        Ok(items) => Collected::ok(
            items
                .iter()
                .map(|i| StackInstance {
                    account: i.account().unwrap_or_default().to_string(),
                    region: i.region().unwrap_or_default().to_string(),
                    status: i.status().map(|s| s.as_str()).unwrap_or_default().to_string(),
                    drift_status: i.drift_status().map(|d| d.as_str().to_string()),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "cloudformation:ListStackInstances") },
    };
    Ok(StackSet {
        id: text(summary.stack_set_id()),
        status: summary.status().map(|s| s.as_str()).unwrap_or_default().to_string(),
        permission_model: permission_model.as_str().to_string(),
        auto_deployment: auto_deployment.and_then(|a| a.enabled()),
        instances,
        name,
    })
}

// ---- Helpers -----------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use aws_sdk_cloudformation::config::retry::RetryConfig;
    use aws_sdk_cloudformation::operation::describe_stack_drift_detection_status::DescribeStackDriftDetectionStatusOutput;
    use aws_sdk_cloudformation::operation::describe_stack_resource_drifts::DescribeStackResourceDriftsOutput;
    use aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetOutput;
    use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
    use aws_sdk_cloudformation::operation::detect_stack_drift::DetectStackDriftOutput;
    use aws_sdk_cloudformation::operation::get_stack_policy::GetStackPolicyOutput;
    use aws_sdk_cloudformation::operation::list_exports::ListExportsOutput;
    use aws_sdk_cloudformation::operation::list_imports::ListImportsOutput;
    use aws_sdk_cloudformation::operation::list_stack_instances::ListStackInstancesOutput;
    use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
    use aws_sdk_cloudformation::operation::list_stack_sets::ListStackSetsOutput;
    use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    const APP: &str = "arn:aws:cloudformation:us-east-1:111111111111:stack/app/0a1b";
    const NESTED: &str = "arn:aws:cloudformation:us-east-1:111111111111:stack/app-Network-1ABC/2c3d";
    const OLD: &str = "arn:aws:cloudformation:us-east-1:111111111111:stack/old/4e5f";
    const POLICY: &str =
        r#"{"Statement":[{"Effect":"Deny","Action":"Update:Replace","Principal":"*","Resource":"*"}]}"#;
    /// 2026-01-01T00:00:00Z.
    const NEW_YEAR: i64 = 1_767_225_600;
    /// Millisecond pauses keep the drift tests fast while following the real polling code.
    const FAST: Polling = Polling { first: Duration::from_millis(1), max: Duration::from_millis(4) };

    /// One rule per operation the collector may call; each test replaces the ones it is about.
    struct Mocks {
        stacks: Rule,
        policy: Rule,
        resources: Rule,
        exports: Rule,
        imports: Rule,
        stack_sets: Rule,
        describe_set: Rule,
        instances: Rule,
        detect: Rule,
        status: Rule,
        drifts: Rule,
    }

    impl Mocks {
        fn all(&self) -> [&Rule; 11] {
            [
                &self.stacks,
                &self.policy,
                &self.resources,
                &self.exports,
                &self.imports,
                &self.stack_sets,
                &self.describe_set,
                &self.instances,
                &self.detect,
                &self.status,
                &self.drifts,
            ]
        }

        fn drift_rules(&self) -> [&Rule; 3] {
            [&self.detect, &self.status, &self.drifts]
        }

        /// A client answering only from these rules (any other call panics), with retries off so an error
        /// is answered once and the tests stay fast.
        fn client(&self) -> Client {
            mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, self.all(), |c| c
                .retry_config(RetryConfig::disabled()))
        }

        /// A root stack with a nested one, a deleted stack, two exports and a service-managed stack set.
        /// Drift detection, when asked for, finds both stacks in sync.
        fn happy() -> Mocks {
            Mocks {
                stacks: mock!(Client::describe_stacks).then_output(|| {
                    DescribeStacksOutput::builder().stacks(app()).stacks(nested()).stacks(old()).build()
                }),
                policy: mock!(Client::get_stack_policy).then_compute_output(|req| {
                    let body = (req.stack_name() == Some(APP)).then_some(POLICY);
                    GetStackPolicyOutput::builder().set_stack_policy_body(body.map(str::to_string)).build()
                }),
                resources: mock!(Client::list_stack_resources).then_compute_output(|req| {
                    let out = ListStackResourcesOutput::builder();
                    match req.stack_name() {
                        Some(APP) => out
                            .stack_resource_summaries(summary("Bucket", Some("app-bucket"), "AWS::S3::Bucket"))
                            .stack_resource_summaries(summary("Network", Some(NESTED), "AWS::CloudFormation::Stack")),
                        Some(NESTED) => out.stack_resource_summaries(summary("Vpc", Some("vpc-0123"), "AWS::EC2::VPC")),
                        other => panic!("resources asked for an unexpected stack {other:?}"),
                    }
                    .build()
                }),
                exports: mock!(Client::list_exports).then_output(|| {
                    ListExportsOutput::builder()
                        .exports(
                            cfn::Export::builder().name("vpc-id").exporting_stack_id(NESTED).value("vpc-0123").build(),
                        )
                        .exports(cfn::Export::builder().name("unused").exporting_stack_id(APP).value("x").build())
                        .build()
                }),
                imports: mock!(Client::list_imports).then_compute_response(|req| match req.export_name() {
                    Some("vpc-id") => MockResponse::Output(ListImportsOutput::builder().imports("app").build()),
                    other => MockResponse::Http(aws_error(
                        400,
                        "ValidationError",
                        &format!("Export '{}' is not imported by any stack.", other.unwrap_or_default()),
                    )),
                }),
                stack_sets: mock!(Client::list_stack_sets)
                    .match_requests(|req| req.status() == Some(&cfn::StackSetStatus::Active))
                    .then_output(|| {
                        // The summary leaves the model out: what the snapshot shows comes from DescribeStackSet.
                        ListStackSetsOutput::builder()
                            .summaries(
                                cfn::StackSetSummary::builder()
                                    .stack_set_name("baseline")
                                    .stack_set_id("baseline:6f7a")
                                    .status(cfn::StackSetStatus::Active)
                                    .build(),
                            )
                            .build()
                    }),
                describe_set: mock!(Client::describe_stack_set)
                    .match_requests(|req| req.stack_set_name() == Some("baseline"))
                    .then_output(|| {
                        DescribeStackSetOutput::builder()
                            .stack_set(
                                cfn::StackSet::builder()
                                    .stack_set_name("baseline")
                                    .permission_model(cfn::PermissionModels::ServiceManaged)
                                    .auto_deployment(cfn::AutoDeployment::builder().enabled(true).build())
                                    .build(),
                            )
                            .build()
                    }),
                instances: mock!(Client::list_stack_instances)
                    .match_requests(|req| req.stack_set_name() == Some("baseline"))
                    .then_output(|| {
                        ListStackInstancesOutput::builder()
                            .summaries(instance("111111111111", "us-east-1", cfn::StackInstanceStatus::Current, None))
                            .summaries(instance(
                                "222222222222",
                                "eu-west-1",
                                cfn::StackInstanceStatus::Outdated,
                                Some(cfn::StackDriftStatus::Drifted),
                            ))
                            .build()
                    }),
                detect: mock!(Client::detect_stack_drift).then_compute_output(|req| {
                    DetectStackDriftOutput::builder()
                        .stack_drift_detection_id(detection_id(req.stack_name().unwrap_or_default()))
                        .build()
                }),
                status: mock!(Client::describe_stack_drift_detection_status)
                    .then_output(|| status(cfn::StackDriftDetectionStatus::DetectionComplete, Some("IN_SYNC"))),
                drifts: mock!(Client::describe_stack_resource_drifts)
                    .then_output(|| DescribeStackResourceDriftsOutput::builder().build()),
            }
        }

        /// `happy`, but with only the root stack, so the drift calls belong to one detection.
        fn one_stack() -> Mocks {
            Mocks {
                stacks: mock!(Client::describe_stacks)
                    .then_output(|| DescribeStacksOutput::builder().stacks(app()).build()),
                ..Mocks::happy()
            }
        }
    }

    fn app() -> cfn::Stack {
        cfn::Stack::builder()
            .stack_name("app")
            .stack_id(APP)
            .stack_status(cfn::StackStatus::UpdateComplete)
            .creation_time(aws_smithy_types::DateTime::from_secs(NEW_YEAR - 86_400))
            .last_updated_time(aws_smithy_types::DateTime::from_secs(NEW_YEAR))
            .enable_termination_protection(true)
            .role_arn("arn:aws:iam::111111111111:role/cfn-deployer")
            .disable_rollback(false)
            .rollback_configuration(
                cfn::RollbackConfiguration::builder()
                    .rollback_triggers(
                        cfn::RollbackTrigger::builder()
                            .arn("arn:aws:cloudwatch:us-east-1:111111111111:alarm:errors")
                            .r#type("AWS::CloudWatch::Alarm")
                            .build(),
                    )
                    .build(),
            )
            .parameters(cfn::Parameter::builder().parameter_key("Env").parameter_value("prod").build())
            .parameters(
                cfn::Parameter::builder()
                    .parameter_key("Ami")
                    .parameter_value("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
                    .resolved_value("ami-0abc")
                    .build(),
            )
            .drift_information(
                cfn::StackDriftInformation::builder()
                    .stack_drift_status(cfn::StackDriftStatus::Drifted)
                    .last_check_timestamp(aws_smithy_types::DateTime::from_secs(NEW_YEAR))
                    .build(),
            )
            .build()
    }

    fn nested() -> cfn::Stack {
        cfn::Stack::builder()
            .stack_name("app-Network-1ABC")
            .stack_id(NESTED)
            .stack_status(cfn::StackStatus::CreateComplete)
            .creation_time(aws_smithy_types::DateTime::from_secs(NEW_YEAR - 3_600))
            .parent_id(APP)
            .root_id(APP)
            .drift_information(
                cfn::StackDriftInformation::builder().stack_drift_status(cfn::StackDriftStatus::NotChecked).build(),
            )
            .build()
    }

    fn old() -> cfn::Stack {
        cfn::Stack::builder().stack_name("old").stack_id(OLD).stack_status(cfn::StackStatus::DeleteComplete).build()
    }

    fn plain_stack(name: &str, status: cfn::StackStatus) -> cfn::Stack {
        cfn::Stack::builder()
            .stack_name(name)
            .stack_id(format!("arn:aws:cloudformation:us-east-1:111111111111:stack/{name}/1"))
            .stack_status(status)
            .build()
    }

    fn summary(logical: &str, physical: Option<&str>, kind: &str) -> cfn::StackResourceSummary {
        cfn::StackResourceSummary::builder()
            .logical_resource_id(logical)
            .set_physical_resource_id(physical.map(str::to_string))
            .resource_type(kind)
            .build()
    }

    fn instance(
        account: &str,
        region: &str,
        status: cfn::StackInstanceStatus,
        drift: Option<cfn::StackDriftStatus>,
    ) -> cfn::StackInstanceSummary {
        cfn::StackInstanceSummary::builder()
            .account(account)
            .region(region)
            .status(status)
            .set_drift_status(drift)
            .build()
    }

    /// A detection id per stack, so a test can tell the detections apart.
    fn detection_id(stack: &str) -> String {
        format!("det-{}", stack.rsplit('/').nth(1).unwrap_or(stack))
    }

    fn status(state: cfn::StackDriftDetectionStatus, drift: Option<&str>) -> DescribeStackDriftDetectionStatusOutput {
        DescribeStackDriftDetectionStatusOutput::builder()
            .stack_id(APP)
            .stack_drift_detection_id("det-app")
            .detection_status(state)
            .set_stack_drift_status(drift.map(cfn::StackDriftStatus::from))
            .build()
    }

    /// An AWS query-protocol error response, as CloudFormation sends it.
    fn aws_error(status: u16, code: &str, message: &str) -> HttpResponse {
        let body = format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        );
        HttpResponse::new(StatusCode::try_from(status).expect("valid status"), SdkBody::from(body))
    }

    fn throttled() -> HttpResponse {
        aws_error(400, "ThrottlingException", "Rate exceeded")
    }

    fn denied() -> HttpResponse {
        aws_error(403, "AccessDenied", "User: arn:aws:iam::111111111111:user/auditor is not authorized")
    }

    fn drift(detect: bool, timeout: Duration) -> DriftOptions {
        DriftOptions { detect, timeout, per_region: 4 }
    }

    async fn run(mocks: &Mocks, drift: &DriftOptions) -> CloudFormationData {
        match collect_with(&mocks.client(), drift, FAST).await {
            Collected::Ok { data } => data,
            other => panic!("the section should be collected: {other:?}"),
        }
    }

    /// The single stack's drift detection.
    async fn detection_of_one(mocks: &Mocks, timeout: Duration) -> DriftDetection {
        let mut d = run(mocks, &drift(true, timeout)).await;
        assert_eq!(d.stacks.len(), 1);
        d.stacks.remove(0).detection.expect("detection was asked for")
    }

    use crate::collect::test_support::{error, ok};

    #[tokio::test]
    async fn happy_path_maps_stacks_policies_resources_exports_and_stack_sets() {
        let mocks = Mocks::happy();
        let d = run(&mocks, &drift(false, Duration::ZERO)).await;

        let names: Vec<&str> = d.stacks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["app", "app-Network-1ABC"], "nested stacks kept, deleted ones dropped, AWS's order");

        let app = &d.stacks[0];
        assert_eq!(app.id, APP);
        assert_eq!(app.status, "UPDATE_COMPLETE");
        assert_eq!(app.status_reason, None);
        assert_eq!((app.parent_id.as_deref(), app.root_id.as_deref()), (None, None));
        assert!(app.termination_protection && app.disable_rollback == Some(false));
        assert_eq!(app.role_arn.as_deref(), Some("arn:aws:iam::111111111111:role/cfn-deployer"));
        assert_eq!(app.rollback_triggers, 1);
        assert_eq!(app.last_updated.map(|t| t.timestamp()), Some(NEW_YEAR));
        assert_eq!(app.parameters.len(), 2);
        assert_eq!((app.parameters[0].key.as_str(), app.parameters[0].value.as_str()), ("Env", "prod"));
        assert_eq!(app.parameters[0].resolved_value, None);
        assert_eq!(app.parameters[1].resolved_value.as_deref(), Some("ami-0abc"));
        assert_eq!(app.drift.status.as_deref(), Some("DRIFTED"));
        assert_eq!(app.drift.last_check.map(|t| t.to_rfc3339()).as_deref(), Some("2026-01-01T00:00:00+00:00"));
        assert_eq!(ok(&app.stack_policy).as_deref(), Some(POLICY));
        let resources = ok(&app.resources);
        assert_eq!(resources.len(), 2);
        assert_eq!(resources[0].logical_id, "Bucket");
        assert_eq!(resources[0].physical_id.as_deref(), Some("app-bucket"));
        assert_eq!(resources[0].resource_type, "AWS::S3::Bucket");
        assert_eq!(resources[1].resource_type, "AWS::CloudFormation::Stack");
        assert!(app.detection.is_none(), "no detection when not asked for");

        let nested = &d.stacks[1];
        assert_eq!(nested.parent_id.as_deref(), Some(APP));
        assert_eq!(nested.root_id.as_deref(), Some(APP));
        assert!(!nested.termination_protection);
        assert_eq!(nested.rollback_triggers, 0);
        assert_eq!(nested.last_updated.map(|t| t.timestamp()), Some(NEW_YEAR - 3_600), "creation time stands in");
        assert_eq!(nested.drift.status.as_deref(), Some("NOT_CHECKED"));
        assert_eq!(nested.drift.last_check, None);
        assert_eq!(ok(&nested.stack_policy), &None, "no policy is data, not an error");
        assert_eq!(ok(&nested.resources)[0].logical_id, "Vpc");

        let exports = ok(&d.exports);
        assert_eq!(exports.len(), 2);
        assert_eq!(exports[0].name, "vpc-id");
        assert_eq!(exports[0].exporting_stack_id.as_deref(), Some(NESTED));
        assert_eq!(ok(&exports[0].importing_stacks), &["app"]);
        assert_eq!(exports[1].name, "unused");
        assert!(ok(&exports[1].importing_stacks).is_empty(), "'not imported by any stack' is an empty list");

        let sets = ok(&d.stack_sets);
        assert_eq!(sets.len(), 1);
        let set = &sets[0];
        assert_eq!(set.name, "baseline");
        assert_eq!(set.id.as_deref(), Some("baseline:6f7a"));
        assert_eq!(set.status, "ACTIVE");
        assert_eq!(set.permission_model, "SERVICE_MANAGED");
        assert_eq!(set.auto_deployment, Some(true));
        let instances = ok(&set.instances);
        assert_eq!(instances.len(), 2);
        assert_eq!(
            (instances[0].account.as_str(), instances[0].region.as_str(), instances[0].status.as_str()),
            ("111111111111", "us-east-1", "CURRENT")
        );
        assert_eq!(instances[0].drift_status, None);
        assert_eq!(instances[1].status, "OUTDATED");
        assert_eq!(instances[1].drift_status.as_deref(), Some("DRIFTED"));

        assert_eq!(mocks.stacks.num_calls(), 1);
        assert_eq!(mocks.policy.num_calls(), 2, "one policy per live stack, none for the deleted one");
        assert_eq!(mocks.resources.num_calls(), 2);
        assert_eq!(mocks.imports.num_calls(), 2);
        assert_eq!((mocks.describe_set.num_calls(), mocks.instances.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn no_detection_calls_when_detection_is_not_asked_for() {
        let mocks = Mocks::happy();
        let d = run(&mocks, &drift(false, Duration::from_secs(60))).await;
        assert_eq!(d.stacks.len(), 2);
        assert!(d.stacks.iter().all(|s| s.detection.is_none()));
        for rule in mocks.drift_rules() {
            assert_eq!(rule.num_calls(), 0, "drift detection starts work on AWS's side: never unasked");
        }
    }

    #[tokio::test]
    async fn denied_describe_stacks_fails_the_section_and_stops_there() {
        let mocks = Mocks { stacks: mock!(Client::describe_stacks).then_http_response(denied), ..Mocks::happy() };
        let section = collect_with(&mocks.client(), &drift(true, Duration::from_secs(1)), FAST).await;
        let err = error(&section);
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert_eq!(err.code, "AccessDenied");
        assert_eq!(err.permission.as_deref(), Some("cloudformation:DescribeStacks"));
        let further: usize = mocks.all()[1..].iter().map(|r| r.num_calls()).sum();
        assert_eq!(further, 0, "no other call after the section's own call failed");
    }

    #[tokio::test]
    async fn a_failed_call_marks_only_its_own_field() {
        let mocks = Mocks {
            policy: mock!(Client::get_stack_policy).then_http_response(denied),
            resources: mock!(Client::list_stack_resources).then_http_response(throttled),
            imports: mock!(Client::list_imports).then_http_response(denied),
            instances: mock!(Client::list_stack_instances).then_http_response(denied),
            ..Mocks::happy()
        };
        let d = run(&mocks, &drift(false, Duration::ZERO)).await;
        let app = &d.stacks[0];
        let policy = error(&app.stack_policy);
        assert_eq!(
            (policy.kind, policy.permission.as_deref()),
            (ErrorKind::AccessDenied, Some("cloudformation:GetStackPolicy"))
        );
        let resources = error(&app.resources);
        assert_eq!(resources.kind, ErrorKind::Throttled);
        assert_eq!(resources.code, "ThrottlingException");
        assert_eq!(resources.permission.as_deref(), Some("cloudformation:ListStackResources"));
        let exports = ok(&d.exports);
        assert_eq!(exports.len(), 2, "the exports themselves were read");
        for export in exports {
            assert_eq!(error(&export.importing_stacks).permission.as_deref(), Some("cloudformation:ListImports"));
        }
        let set = &ok(&d.stack_sets)[0];
        assert_eq!(set.permission_model, "SERVICE_MANAGED");
        assert_eq!(error(&set.instances).permission.as_deref(), Some("cloudformation:ListStackInstances"));

        let listings_denied = Mocks {
            exports: mock!(Client::list_exports).then_http_response(denied),
            stack_sets: mock!(Client::list_stack_sets).then_http_response(denied),
            ..Mocks::happy()
        };
        let d = run(&listings_denied, &drift(false, Duration::ZERO)).await;
        assert_eq!(error(&d.exports).permission.as_deref(), Some("cloudformation:ListExports"));
        assert_eq!(error(&d.stack_sets).permission.as_deref(), Some("cloudformation:ListStackSets"));
        assert_eq!(listings_denied.imports.num_calls() + listings_denied.describe_set.num_calls(), 0);
        assert!(ok(&d.stacks[0].resources).len() == 2, "stacks unaffected");
    }

    #[tokio::test]
    async fn a_stack_set_falls_back_to_its_summary_or_fails_the_list() {
        let summary_has_model = Mocks {
            stack_sets: mock!(Client::list_stack_sets).then_output(|| {
                ListStackSetsOutput::builder()
                    .summaries(
                        cfn::StackSetSummary::builder()
                            .stack_set_name("baseline")
                            .status(cfn::StackSetStatus::Active)
                            .permission_model(cfn::PermissionModels::SelfManaged)
                            .build(),
                    )
                    .build()
            }),
            describe_set: mock!(Client::describe_stack_set).then_http_response(denied),
            ..Mocks::happy()
        };
        let d = run(&summary_has_model, &drift(false, Duration::ZERO)).await;
        let set = &ok(&d.stack_sets)[0];
        assert_eq!((set.permission_model.as_str(), set.auto_deployment), ("SELF_MANAGED", None));

        let nothing_known =
            Mocks { describe_set: mock!(Client::describe_stack_set).then_http_response(denied), ..Mocks::happy() };
        let d = run(&nothing_known, &drift(false, Duration::ZERO)).await;
        let err = error(&d.stack_sets);
        assert_eq!(
            (err.kind, err.permission.as_deref()),
            (ErrorKind::AccessDenied, Some("cloudformation:DescribeStackSet"))
        );
    }

    #[tokio::test]
    async fn stacks_resources_and_drifts_are_read_across_pages() {
        let mocks = Mocks {
            stacks: mock!(Client::describe_stacks).then_compute_output(|req| match req.next_token() {
                None => DescribeStacksOutput::builder().stacks(app()).next_token("stacks-2").build(),
                Some(_) => DescribeStacksOutput::builder().stacks(nested()).build(),
            }),
            resources: mock!(Client::list_stack_resources).then_compute_output(|req| match req.next_token() {
                None => ListStackResourcesOutput::builder()
                    .stack_resource_summaries(summary("First", None, "AWS::SNS::Topic"))
                    .next_token("resources-2")
                    .build(),
                Some(_) => ListStackResourcesOutput::builder()
                    .stack_resource_summaries(summary("Second", None, "AWS::SQS::Queue"))
                    .build(),
            }),
            ..Mocks::happy()
        };
        let d = run(&mocks, &drift(false, Duration::ZERO)).await;
        assert_eq!(d.stacks.len(), 2);
        assert_eq!(mocks.stacks.num_calls(), 2);
        for stack in &d.stacks {
            let logical: Vec<&str> = ok(&stack.resources).iter().map(|r| r.logical_id.as_str()).collect();
            assert_eq!(logical, ["First", "Second"]);
            assert_eq!(ok(&stack.resources)[0].physical_id, None);
        }
    }

    #[tokio::test]
    async fn a_drifted_stack_gets_its_modified_and_deleted_resources() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status)
                .sequence()
                .output(|| status(cfn::StackDriftDetectionStatus::DetectionInProgress, None))
                .output(|| status(cfn::StackDriftDetectionStatus::DetectionComplete, Some("DRIFTED")))
                .build(),
            drifts: mock!(Client::describe_stack_resource_drifts)
                .match_requests(|req| {
                    req.stack_name() == Some(APP)
                        && req.stack_resource_drift_status_filters()
                            == [cfn::StackResourceDriftStatus::Modified, cfn::StackResourceDriftStatus::Deleted]
                })
                .then_compute_output(|req| match req.next_token() {
                    None => DescribeStackResourceDriftsOutput::builder()
                        .stack_resource_drifts(
                            cfn::StackResourceDrift::builder()
                                .logical_resource_id("Bucket")
                                .physical_resource_id("app-bucket")
                                .resource_type("AWS::S3::Bucket")
                                .stack_resource_drift_status(cfn::StackResourceDriftStatus::Modified)
                                .property_differences(
                                    cfn::PropertyDifference::builder()
                                        .property_path("/VersioningConfiguration/Status")
                                        .expected_value("Enabled")
                                        .actual_value("Suspended")
                                        .difference_type(cfn::DifferenceType::NotEqual)
                                        .build(),
                                )
                                .property_differences(
                                    cfn::PropertyDifference::builder()
                                        .property_path("/Tags/1")
                                        .actual_value(r#"{"Key":"owner","Value":"me"}"#)
                                        .difference_type(cfn::DifferenceType::Add)
                                        .build(),
                                )
                                .build(),
                        )
                        .next_token("drifts-2")
                        .build(),
                    Some(_) => DescribeStackResourceDriftsOutput::builder()
                        .stack_resource_drifts(
                            cfn::StackResourceDrift::builder()
                                .logical_resource_id("Queue")
                                .resource_type("AWS::SQS::Queue")
                                .stack_resource_drift_status(cfn::StackResourceDriftStatus::Deleted)
                                .build(),
                        )
                        .build(),
                }),
            ..Mocks::one_stack()
        };
        let detection = detection_of_one(&mocks, Duration::from_secs(5)).await;
        assert_eq!(detection.status, "DETECTION_COMPLETE");
        assert_eq!(detection.stack_drift_status.as_deref(), Some("DRIFTED"));
        assert_eq!(detection.detection_id.as_deref(), Some("det-app"));
        assert_eq!(detection.reason, None);
        let drifted = ok(&detection.drifted_resources);
        assert_eq!(drifted.len(), 2, "both pages");
        let bucket = &drifted[0];
        assert_eq!((bucket.logical_id.as_str(), bucket.status.as_str()), ("Bucket", "MODIFIED"));
        assert_eq!(bucket.physical_id.as_deref(), Some("app-bucket"));
        assert_eq!(bucket.resource_type, "AWS::S3::Bucket");
        assert_eq!(bucket.differences.len(), 2);
        let versioning = &bucket.differences[0];
        assert_eq!(versioning.path, "/VersioningConfiguration/Status");
        assert_eq!(versioning.expected.as_deref(), Some("Enabled"));
        assert_eq!(versioning.actual.as_deref(), Some("Suspended"));
        assert_eq!(versioning.kind, "NOT_EQUAL");
        assert_eq!((bucket.differences[1].kind.as_str(), bucket.differences[1].expected.as_deref()), ("ADD", None));
        assert_eq!((drifted[1].logical_id.as_str(), drifted[1].status.as_str()), ("Queue", "DELETED"));
        assert!(drifted[1].differences.is_empty());
        assert_eq!(mocks.detect.num_calls(), 1);
        assert_eq!(mocks.status.num_calls(), 2, "polled until complete");
    }

    #[tokio::test]
    async fn an_in_sync_stack_has_an_empty_drift_list_without_asking() {
        let mocks = Mocks::one_stack();
        let detection = detection_of_one(&mocks, Duration::from_secs(5)).await;
        assert_eq!(detection.status, "DETECTION_COMPLETE");
        assert_eq!(detection.stack_drift_status.as_deref(), Some("IN_SYNC"));
        assert!(ok(&detection.drifted_resources).is_empty());
        assert_eq!(mocks.drifts.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_failed_detection_is_recorded_with_its_reason() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status).then_output(|| {
                DescribeStackDriftDetectionStatusOutput::builder()
                    .stack_drift_detection_id("det-app")
                    .detection_status(cfn::StackDriftDetectionStatus::DetectionFailed)
                    .detection_status_reason("Failed to detect drift on resource [Function]: access denied")
                    .stack_drift_status(cfn::StackDriftStatus::UnknownValue)
                    .build()
            }),
            ..Mocks::one_stack()
        };
        let detection = detection_of_one(&mocks, Duration::from_secs(5)).await;
        assert_eq!(detection.status, "DETECTION_FAILED");
        assert_eq!(detection.stack_drift_status.as_deref(), Some("UNKNOWN"));
        assert_eq!(detection.reason.as_deref(), Some("Failed to detect drift on resource [Function]: access denied"));
        let err = error(&detection.drifted_resources);
        assert_eq!(err.code, "DETECTION_FAILED");
        assert!(err.message.contains("[Function]"), "{}", err.message);
        assert_eq!(mocks.drifts.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_detection_still_running_at_the_deadline_times_out() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status)
                .then_output(|| status(cfn::StackDriftDetectionStatus::DetectionInProgress, None)),
            ..Mocks::one_stack()
        };
        let clock = std::time::Instant::now();
        let detection = detection_of_one(&mocks, Duration::from_millis(200)).await;
        assert!(clock.elapsed() < Duration::from_secs(2), "stopped near the deadline: {:?}", clock.elapsed());
        assert_eq!(detection.status, "TIMED_OUT");
        assert_eq!(detection.stack_drift_status, None);
        assert_eq!(detection.detection_id.as_deref(), Some("det-app"));
        let reason = detection.reason.as_deref().unwrap_or_default();
        assert!(
            reason.starts_with("still DETECTION_IN_PROGRESS after waiting ") && reason.contains("stopped waiting"),
            "{reason}"
        );
        assert_eq!(error(&detection.drifted_resources).kind, ErrorKind::Timeout);
        assert!(mocks.status.num_calls() >= 3, "polled with backoff: {}", mocks.status.num_calls());
        assert_eq!(mocks.drifts.num_calls(), 0);

        // A zero timeout still looks once, at the deadline, before giving up.
        let zero = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status)
                .then_output(|| status(cfn::StackDriftDetectionStatus::DetectionInProgress, None)),
            ..Mocks::one_stack()
        };
        assert_eq!(detection_of_one(&zero, Duration::ZERO).await.status, "TIMED_OUT");
        assert_eq!(zero.status.num_calls(), 1);
    }

    #[tokio::test]
    async fn throttled_polls_are_waited_out() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status)
                .sequence()
                .http_response(throttled)
                .times(2)
                .output(|| status(cfn::StackDriftDetectionStatus::DetectionComplete, Some("IN_SYNC")))
                .build(),
            ..Mocks::one_stack()
        };
        let detection = detection_of_one(&mocks, Duration::from_secs(5)).await;
        assert_eq!(detection.status, "DETECTION_COMPLETE");
        assert_eq!(detection.stack_drift_status.as_deref(), Some("IN_SYNC"));
        assert_eq!(detection.reason, None, "an error before the verdict is not kept");
        assert_eq!(mocks.status.num_calls(), 3, "retries are off: each throttled answer is one poll");
    }

    #[tokio::test]
    async fn throttled_polls_are_retried_by_the_sdk() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status)
                .sequence()
                .http_response(throttled)
                .output(|| status(cfn::StackDriftDetectionStatus::DetectionComplete, Some("IN_SYNC")))
                .build(),
            ..Mocks::one_stack()
        };
        let retrying = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, mocks.all(), |c| c
            .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1))));
        let d = match collect_with(&retrying, &drift(true, Duration::from_secs(5)), FAST).await {
            Collected::Ok { data } => data,
            other => panic!("the section should be collected: {other:?}"),
        };
        let detection = d.stacks[0].detection.as_ref().expect("detection was asked for");
        assert_eq!(detection.status, "DETECTION_COMPLETE");
        assert_eq!(mocks.status.num_calls(), 2, "one poll, two attempts");
    }

    #[tokio::test]
    async fn a_poll_throttled_until_the_deadline_says_so() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status).then_http_response(throttled),
            ..Mocks::one_stack()
        };
        let detection = detection_of_one(&mocks, Duration::from_millis(100)).await;
        assert_eq!(detection.status, "TIMED_OUT");
        let reason = detection.reason.as_deref().unwrap_or_default();
        assert!(reason.contains("the last look failed: ThrottlingException: Rate exceeded"), "{reason}");
        assert!(mocks.status.num_calls() >= 2, "kept polling through throttling");
    }

    #[tokio::test]
    async fn a_denied_poll_fails_the_detection_at_once() {
        let mocks = Mocks {
            status: mock!(Client::describe_stack_drift_detection_status).then_http_response(denied),
            ..Mocks::one_stack()
        };
        let detection = detection_of_one(&mocks, Duration::from_secs(30)).await;
        assert_eq!(detection.status, "DETECTION_FAILED");
        assert_eq!(detection.detection_id.as_deref(), Some("det-app"));
        let err = error(&detection.drifted_resources);
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert_eq!(err.permission.as_deref(), Some("cloudformation:DescribeStackDriftDetectionStatus"));
        assert!(detection.reason.as_deref().unwrap_or_default().contains("AccessDenied"));
        assert_eq!(mocks.status.num_calls(), 1, "waiting does not grant a permission");
    }

    #[tokio::test]
    async fn refused_stacks_are_recorded_as_failed_detections() {
        let mocks = Mocks {
            stacks: mock!(Client::describe_stacks).then_output(|| {
                DescribeStacksOutput::builder()
                    .stacks(plain_stack("busy", cfn::StackStatus::UpdateInProgress))
                    .stacks(plain_stack("never-created", cfn::StackStatus::RollbackComplete))
                    .stacks(plain_stack("refused", cfn::StackStatus::UpdateRollbackComplete))
                    .build()
            }),
            policy: mock!(Client::get_stack_policy).then_output(|| GetStackPolicyOutput::builder().build()),
            resources: mock!(Client::list_stack_resources).then_output(|| ListStackResourcesOutput::builder().build()),
            detect: mock!(Client::detect_stack_drift).then_http_response(|| {
                aws_error(400, "ValidationError", "Stack [refused] cannot be drift detected in its current state")
            }),
            ..Mocks::happy()
        };
        let d = run(&mocks, &drift(true, Duration::from_secs(5))).await;
        let detections: Vec<&DriftDetection> =
            d.stacks.iter().map(|s| s.detection.as_ref().expect("detection was asked for")).collect();
        assert!(detections.iter().all(|det| det.status == "DETECTION_FAILED" && det.detection_id.is_none()));
        assert_eq!(
            detections[0].reason.as_deref(),
            Some("not started: CloudFormation does not detect drift on a stack in UPDATE_IN_PROGRESS")
        );
        assert!(detections[1].reason.as_deref().unwrap_or_default().ends_with("ROLLBACK_COMPLETE"));
        let refused = error(&detections[2].drifted_resources);
        assert_eq!(refused.code, "ValidationError");
        assert_eq!(refused.permission.as_deref(), Some("cloudformation:DetectStackDrift"));
        assert!(detections[2].reason.as_deref().unwrap_or_default().contains("cannot be drift detected"));
        assert_eq!(mocks.detect.num_calls(), 1, "only the stack AWS might accept is asked");
        assert_eq!(mocks.status.num_calls(), 0);
    }

    #[tokio::test]
    async fn detections_in_flight_are_bounded_per_region() {
        #[derive(Default)]
        struct Flight {
            now: usize,
            max: usize,
            polled: HashMap<String, usize>,
        }
        let flight = Arc::new(Mutex::new(Flight::default()));
        let (started, polled) = (flight.clone(), flight.clone());
        let mocks = Mocks {
            stacks: mock!(Client::describe_stacks).then_output(|| {
                let stacks = (0..6).map(|i| plain_stack(&format!("s{i}"), cfn::StackStatus::CreateComplete)).collect();
                DescribeStacksOutput::builder().set_stacks(Some(stacks)).build()
            }),
            policy: mock!(Client::get_stack_policy).then_output(|| GetStackPolicyOutput::builder().build()),
            resources: mock!(Client::list_stack_resources).then_output(|| ListStackResourcesOutput::builder().build()),
            detect: mock!(Client::detect_stack_drift).then_compute_output(move |req| {
                let mut f = started.lock().expect("not poisoned");
                f.now += 1;
                f.max = f.max.max(f.now);
                DetectStackDriftOutput::builder()
                    .stack_drift_detection_id(detection_id(req.stack_name().unwrap_or_default()))
                    .build()
            }),
            // Each detection is seen running once, then done.
            status: mock!(Client::describe_stack_drift_detection_status).then_compute_output(move |req| {
                let mut f = polled.lock().expect("not poisoned");
                let looks = f.polled.entry(req.stack_drift_detection_id().unwrap_or_default().to_string()).or_default();
                *looks += 1;
                if *looks == 1 {
                    status(cfn::StackDriftDetectionStatus::DetectionInProgress, None)
                } else {
                    f.now -= 1;
                    status(cfn::StackDriftDetectionStatus::DetectionComplete, Some("IN_SYNC"))
                }
            }),
            ..Mocks::happy()
        };
        let options = DriftOptions { detect: true, timeout: Duration::from_secs(5), per_region: 2 };
        let d = match collect_with(&mocks.client(), &options, FAST).await {
            Collected::Ok { data } => data,
            other => panic!("the section should be collected: {other:?}"),
        };
        assert!(d.stacks.iter().all(|s| s.detection.as_ref().is_some_and(|det| det.status == "DETECTION_COMPLETE")));
        let f = flight.lock().expect("not poisoned");
        assert_eq!(mocks.detect.num_calls(), 6);
        assert_eq!(f.max, 2, "at most per_region detections run at once, and that many do");
        assert_eq!(f.now, 0);
    }

    #[test]
    fn a_stack_without_drift_information_has_no_drift_status() {
        let bare = cfn::Stack::builder().stack_name("bare").stack_status(cfn::StackStatus::CreateComplete).build();
        let stack = convert_stack(&bare);
        // Neither NOT_CHECKED nor AWS's UNKNOWN (a detection that could not check): absent.
        assert_eq!(stack.drift.status, None);
        assert_eq!(stack.last_updated, None);
        assert_eq!(call_target(&stack), "bare", "the name stands in for a missing id");
    }

    #[test]
    fn waits_read_as_seconds_or_milliseconds() {
        assert_eq!(waited(Duration::from_millis(30)), "30ms");
        assert_eq!(waited(Duration::from_millis(900_400)), "900s");
    }

    #[test]
    fn refused_states() {
        for refused in [
            "CREATE_IN_PROGRESS",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "REVIEW_IN_PROGRESS",
            "CREATE_FAILED",
            "ROLLBACK_COMPLETE",
            "ROLLBACK_FAILED",
        ] {
            assert!(refuses_detection(refused), "{refused}");
        }
        for accepted in [
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
            "UPDATE_ROLLBACK_FAILED",
            "IMPORT_COMPLETE",
        ] {
            assert!(!refuses_detection(accepted), "{accepted}");
        }
    }
}
