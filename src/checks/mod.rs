//! Evaluation: a pure, synchronous function from a `Snapshot` to findings.
//!
//! Each service module holds the evaluators of its checks, registered here by check id. An evaluator
//! returns `Outcome`s (where, what status, why, the evidence); `evaluate` joins each with its check's
//! metadata from the catalogue (title, severity, notes, remediation), so severity and notes are applied in
//! one place. Data that could not be collected becomes `unknown` (or `skipped` when the service or region
//! is not in use), built by `At::not_evaluated`, never a pass or a fail.

pub mod cloudformation;
pub mod cloudtrail;
pub mod compute;
pub mod config;
pub mod data;
pub mod monitoring;
pub mod scp;
pub mod sdlc;
pub mod security;

use serde_json::Value;

use crate::notes::Catalogue;
use crate::report::{Finding, Status};
use crate::snapshot::{AccountSnapshot, Collected, CollectionError, RegionSnapshot, Snapshot};

/// The region of findings about a whole account or organization.
pub const GLOBAL: &str = "global";

/// A check's verdict on one resource, before its metadata is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub account: String,
    pub region: String,
    pub resource: String,
    pub status: Status,
    pub message: String,
    pub evidence: Value,
}

/// Where an outcome applies; its methods are the only constructors of `Outcome`.
#[derive(Debug, Clone)]
pub struct At {
    account: String,
    region: String,
    resource: String,
}

impl At {
    pub fn new(account: &str, region: &str, resource: impl Into<String>) -> Self {
        At { account: account.to_string(), region: region.to_string(), resource: resource.into() }
    }

    /// The account as a whole.
    pub fn account(account: &AccountSnapshot) -> Self {
        Self::new(&account.account_id, GLOBAL, account.account_id.clone())
    }

    /// One region of an account, when the resource is the region's configuration itself.
    pub fn region(account: &AccountSnapshot, region: &RegionSnapshot) -> Self {
        Self::new(&account.account_id, &region.region, account.account_id.clone())
    }

    fn outcome(self, status: Status, message: String, evidence: Value) -> Outcome {
        Outcome { account: self.account, region: self.region, resource: self.resource, status, message, evidence }
    }

    pub fn pass(self, message: String, evidence: Value) -> Outcome {
        self.outcome(Status::Pass, message, evidence)
    }

    pub fn fail(self, message: String, evidence: Value) -> Outcome {
        self.outcome(Status::Fail, message, evidence)
    }

    pub fn unknown(self, message: String, evidence: Value) -> Outcome {
        self.outcome(Status::Unknown, message, evidence)
    }

    pub fn skipped(self, message: String, evidence: Value) -> Outcome {
        self.outcome(Status::Skipped, message, evidence)
    }

    /// The data this check needs could not be collected: `skipped` when the region or service is not in
    /// use, `unknown` otherwise, naming the error and the permission.
    pub fn not_evaluated(self, error: &CollectionError) -> Outcome {
        let evidence = serde_json::json!({ "collection_error": error });
        if error.kind.means_not_applicable() {
            self.skipped(format!("not applicable: {error}"), evidence)
        } else {
            self.unknown(format!("could not be evaluated: {}", error.brief()), evidence)
        }
    }
}

/// The accounts an evaluator sees: those that could be entered. Unreachable accounts are reported by
/// `evaluate` itself, once per check.
pub struct Ctx<'a> {
    pub snapshot: &'a Snapshot,
    pub options: EvalOptions,
}

/// Settings that change what a check concludes (not what was collected).
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// A stack whose drift was last checked longer before the snapshot than this is stale.
    pub drift_max_age: chrono::Duration,
    /// `--services`: only the checks about these services (`CheckMeta::service`) run; `None` runs them all.
    pub services: Option<std::collections::BTreeSet<String>>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions { drift_max_age: chrono::Duration::days(7), services: None }
    }
}

impl EvalOptions {
    fn selects(&self, check: &crate::notes::CheckMeta) -> bool {
        self.services.as_ref().is_none_or(|only| only.contains(&check.service))
    }
}

impl<'a> Ctx<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        Ctx { snapshot, options: EvalOptions::default() }
    }

    pub fn accounts(&self) -> impl Iterator<Item = &'a AccountSnapshot> + 'a {
        self.snapshot.accounts.iter().filter(|a| a.error.is_none())
    }
}

pub type Evaluator = fn(&Ctx<'_>) -> Vec<Outcome>;

/// The statements of an IAM policy document: `Statement` holds one object or a list of them.
pub fn policy_statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    }
}

/// A policy element that may be one string or a list of them, as strings.
pub fn policy_strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The AWS principals a statement's `Principal` names: `"*"` itself, or its `AWS` entry (one or a list).
/// Service and federated principals are not AWS accounts and are left out.
pub fn aws_principals(principal: &Value) -> Vec<&str> {
    match principal {
        Value::Object(p) => p.get("AWS").map(policy_strings).unwrap_or_default(),
        other => policy_strings(other),
    }
}

/// The condition keys that, compared with a positive operator against a fixed value, limit WHO a statement applies
/// to: the calling principal's organization, account, ARN or unique id, or (for AWS services acting on someone's
/// behalf) the source account, resource or organization, or the VPC (endpoint) the request must come through.
/// Keys that say nothing about the caller (`aws:SecureTransport`, `aws:CurrentTime`, `aws:SourceIp`,
/// `aws:ResourceAccount`, `aws:username` which is only unique within an account …) do not.
const PRINCIPAL_LIMITING_KEYS: [&str; 12] = [
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
];

/// Whether a statement's `Condition` block limits who can use the statement, so that `Principal: "*"` under it is
/// not "everyone". Conditions are ANDed, so one limiting entry is enough: a positive operator (`StringEquals`,
/// `StringLike`, `ArnEquals`, `ArnLike`, their `ForAnyValue:` forms) on one of `PRINCIPAL_LIMITING_KEYS`, every
/// value of which pins an account, organization, ARN or VPC (no `*` where the owner goes). Negated operators
/// (`StringNotEquals` …) exclude some callers and admit the rest; `…IfExists` and `ForAllValues:` are true when the
/// key is absent (an anonymous caller has no `aws:PrincipalOrgID`): neither limits who.
pub fn condition_limits_principal(condition: &Value) -> bool {
    let Value::Object(operators) = condition else { return false };
    operators.iter().any(|(operator, keys)| {
        let op = operator.to_ascii_lowercase();
        let op = op.strip_prefix("foranyvalue:").unwrap_or(&op);
        if !matches!(op, "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike") {
            return false;
        }
        let Value::Object(keys) = keys else { return false };
        keys.iter().any(|(key, values)| {
            let key = key.to_ascii_lowercase();
            // One value or a list; an account id may be written as a JSON number.
            let values: Vec<String> = match values {
                Value::Array(items) => items.iter().map(condition_value).collect(),
                one => vec![condition_value(one)],
            };
            PRINCIPAL_LIMITING_KEYS.contains(&key.as_str())
                && !values.is_empty()
                && values.iter().all(|v| pins_owner(&key, v))
        })
    })
}

/// A condition value as text (`""` for anything that is neither a string nor a number, which pins nothing).
fn condition_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Whether one condition value names a definite owner: no wildcard where the account, organization or VPC goes.
fn pins_owner(key: &str, value: &str) -> bool {
    let wild = |s: &str| s.is_empty() || s.contains(['*', '?']);
    match key {
        "aws:principalarn" | "aws:sourcearn" => match value.strip_prefix("arn:") {
            Some(rest) => {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                match parts.as_slice() {
                    // arn:partition:service:region:account:resource — an ARN without an account (an S3 bucket) is
                    // pinned by its resource name.
                    [_, _, _, "", resource] => !resource.starts_with(['*', '?']),
                    [_, _, _, account, _] => !wild(account),
                    _ => false,
                }
            }
            None => !wild(value),
        },
        "aws:principalorgpaths" | "aws:sourceorgpaths" => !wild(value.split('/').next().unwrap_or("")),
        "aws:userid" => !value.is_empty() && !value.starts_with(['*', '?']),
        _ => !wild(value),
    }
}

/// The condition keys a statement's `Condition` block tests, for messages (`aws:SecureTransport` …).
pub fn condition_keys(condition: &Value) -> Vec<String> {
    let mut keys: Vec<String> = condition
        .as_object()
        .into_iter()
        .flat_map(|ops| ops.values())
        .filter_map(Value::as_object)
        .flat_map(|k| k.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Runs `judge` over one collected section of every region of every audited account. A region whose section
/// could not be collected gives one not-evaluated outcome (`unknown`, or `skipped` where the region or the
/// service is not in use) instead.
pub fn per_region<'a, T: 'a>(
    ctx: &Ctx<'a>,
    section: impl Fn(&'a RegionSnapshot) -> &'a Collected<T>,
    mut judge: impl FnMut(&'a AccountSnapshot, &'a RegionSnapshot, &'a T, &mut Vec<Outcome>),
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            match section(region).get() {
                Ok(data) => judge(account, region, data, &mut out),
                Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
            }
        }
    }
    out
}

/// Runs `judge` over one account-wide collected section (IAM) of every audited account; an account whose
/// section could not be collected gives one not-evaluated outcome instead.
pub fn per_account<'a, T: 'a>(
    ctx: &Ctx<'a>,
    section: impl Fn(&'a AccountSnapshot) -> &'a Collected<T>,
    mut judge: impl FnMut(&'a AccountSnapshot, &'a T, &mut Vec<Outcome>),
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        match section(account).get() {
            Ok(data) => judge(account, data, &mut out),
            Err(e) => out.push(At::account(account).not_evaluated(&e)),
        }
    }
    out
}

/// Every evaluator, by check id: the core checks, then each service group's. A test proves these and the
/// catalogue's checks match one to one.
pub fn registry() -> impl Iterator<Item = &'static (&'static str, Evaluator)> {
    [CORE, sdlc::CHECKS, compute::CHECKS, data::CHECKS, monitoring::CHECKS, security::CHECKS].into_iter().flatten()
}

/// The evaluators of the organization, SCP, Config, CloudFormation and CloudTrail checks.
static CORE: &[(&str, Evaluator)] = &[
    ("cloudformation-stack-drift", cloudformation::stack_drift),
    ("cloudformation-drift-stale", cloudformation::drift_stale),
    ("cloudformation-termination-protection", cloudformation::termination_protection),
    ("cloudformation-stack-policy", cloudformation::stack_policy),
    ("cloudformation-service-role", cloudformation::service_role),
    ("cloudformation-stack-failed-state", cloudformation::stack_failed_state),
    ("cloudformation-rollback-disabled", cloudformation::rollback_disabled),
    ("cloudformation-secret-parameters", cloudformation::secret_parameters),
    ("cloudformation-exports-in-use", cloudformation::exports_in_use),
    ("cloudformation-stackset-service-managed", cloudformation::stackset_service_managed),
    ("cloudformation-stackset-auto-deployment", cloudformation::stackset_auto_deployment),
    ("cloudtrail-multi-region-trail", cloudtrail::multi_region_trail),
    ("cloudtrail-log-file-validation", cloudtrail::log_file_validation),
    ("cloudtrail-log-integrity", cloudtrail::log_integrity),
    ("cloudtrail-kms-encryption", cloudtrail::kms_encryption),
    ("cloudtrail-cloudwatch-logs", cloudtrail::cloudwatch_logs),
    ("cloudtrail-delivery-errors", cloudtrail::delivery_errors),
    ("cloudtrail-organization-trail", cloudtrail::organization_trail),
    ("config-recorder-all-resources", config::recorder_all_resources),
    ("config-global-resources-single-region", config::global_resources_single_region),
    ("config-delivery-channel", config::delivery_channel),
    ("config-rule-cfn-drift-detection", config::rule_cfn_drift_detection),
    ("config-rule-iam-unused-credentials", config::rule_iam_unused_credentials),
    ("config-rules-noncompliant", config::rules_noncompliant),
    ("config-aggregator", config::aggregator),
    ("organizations-all-features", scp::all_features),
    ("organizations-scp-enabled", scp::scp_enabled),
    ("scp-guardrails-present", scp::guardrails_present),
    ("scp-deny-leave-organization", scp::deny_leave_organization),
    ("scp-protect-cloudtrail", scp::protect_cloudtrail),
    ("scp-protect-config", scp::protect_config),
    ("scp-region-restriction", scp::region_restriction),
    ("scp-region-restriction-global-services", scp::region_restriction_global_services),
    ("scp-break-glass-exemption", scp::break_glass_exemption),
    ("scp-policy-valid", scp::policy_valid),
    ("scp-policy-size", scp::policy_size),
    ("scp-attachment-limit", scp::attachment_limit),
    ("scp-management-account-workloads", scp::management_account_workloads),
];

/// The checks judged resource by resource, with what they look at. An account where such a check finds nothing
/// to look at (no pipeline, no table) gets one `skipped` finding saying so, rather than no finding at all: a
/// check in scope never yields zero findings for an audited account. Every check not listed here must give
/// each audited account a finding of its own (a test holds both to it), so absence cannot pass unseen.
pub static RESOURCE_SUBJECTS: &[(&str, &str)] = &[
    ("codepipeline-manual-approval", "CodePipeline pipelines"),
    ("codepipeline-artifact-store-encryption", "CodePipeline pipelines"),
    ("codebuild-artifact-encryption", "CodeBuild projects"),
    ("codebuild-privileged-mode", "CodeBuild projects"),
    ("codebuild-plaintext-secrets", "CodeBuild projects"),
    ("codebuild-shared-service-role", "CodeBuild projects"),
    ("codedeploy-automatic-rollback", "CodeDeploy deployment groups"),
    ("codedeploy-alarm-rollback", "CodeDeploy deployment groups"),
    ("codedeploy-deployment-config", "CodeDeploy deployment groups"),
    ("cloudformation-stack-drift", "CloudFormation stacks"),
    ("cloudformation-drift-stale", "CloudFormation stacks"),
    ("cloudformation-termination-protection", "CloudFormation stacks"),
    ("cloudformation-stack-policy", "CloudFormation stacks"),
    ("cloudformation-service-role", "CloudFormation stacks"),
    ("cloudformation-stack-failed-state", "CloudFormation stacks"),
    ("cloudformation-rollback-disabled", "CloudFormation stacks"),
    ("cloudformation-secret-parameters", "CloudFormation stacks"),
    ("cloudformation-exports-in-use", "CloudFormation stack exports"),
    (
        "cloudformation-stackset-service-managed",
        "CloudFormation stack sets (they live in the management or a delegated administrator account)",
    ),
    (
        "cloudformation-stackset-auto-deployment",
        "CloudFormation stack sets (they live in the management or a delegated administrator account)",
    ),
    ("cloudtrail-log-file-validation", "CloudTrail trails (cloudtrail-multi-region-trail judges their absence)"),
    ("cloudtrail-log-integrity", "CloudTrail trails (cloudtrail-multi-region-trail judges their absence)"),
    ("cloudtrail-kms-encryption", "CloudTrail trails (cloudtrail-multi-region-trail judges their absence)"),
    ("cloudtrail-cloudwatch-logs", "CloudTrail trails (cloudtrail-multi-region-trail judges their absence)"),
    ("cloudtrail-delivery-errors", "CloudTrail trails (cloudtrail-multi-region-trail judges their absence)"),
    ("elasticbeanstalk-deployment-policy", "Elastic Beanstalk environments"),
    ("ecr-scan-on-push", "ECR repositories"),
    ("ecr-kms-encryption", "ECR repositories"),
    ("ecr-repository-policy", "ECR repositories"),
    ("ecr-tag-immutability", "ECR repositories"),
    ("lambda-deprecated-runtime", "Lambda functions"),
    ("lambda-reserved-concurrency", "Lambda functions"),
    ("lambda-xray-tracing", "Lambda functions"),
    ("lambda-failure-destination", "Lambda functions invoked asynchronously"),
    ("lambda-provisioned-concurrency", "Lambda aliases with provisioned concurrency"),
    ("apigateway-caching", "API Gateway REST API stages"),
    ("apigateway-canary", "API Gateway REST API stages"),
    ("apigateway-xray-tracing", "API Gateway REST API stages"),
    ("apigateway-execution-logging", "API Gateway REST API stages"),
    ("stepfunctions-logging", "Step Functions state machines"),
    ("sqs-dead-letter-queue", "SQS queues"),
    ("sqs-dlq-alarm", "SQS dead-letter queues"),
    ("sqs-dlq-retention", "SQS dead-letter queues"),
    ("cloudwatch-log-retention", "CloudWatch Logs log groups"),
    ("cloudwatch-log-subscriptions", "CloudWatch Logs log groups"),
    ("cloudwatch-metric-streams", "CloudWatch metric streams"),
    ("efs-access-points", "EFS file systems"),
    ("efs-file-system-policy", "EFS file systems"),
    ("efs-backup", "EFS file systems"),
    ("rds-multi-az", "RDS DB instances"),
    ("rds-automated-backups", "RDS DB instances"),
    ("rds-blue-green-readiness", "RDS DB instances"),
    ("rds-read-replica-health", "RDS read replicas"),
    ("elasticache-cluster-mode", "ElastiCache replication groups"),
    ("elasticache-multi-az-failover", "ElastiCache replication groups"),
    ("dynamodb-pitr", "DynamoDB tables"),
    ("dynamodb-ttl", "DynamoDB tables"),
    ("dynamodb-ttl-stream-archive", "DynamoDB tables with TTL"),
    ("dynamodb-stream-readers", "DynamoDB streams"),
    ("ssm-managed-nodes", "EC2 instances"),
];

/// The checks about the organization as a whole, reported once against its management account (or against
/// each audited account when the organization could not be read), not per member account.
pub static ORGANIZATION_WIDE: &[&str] = &[
    "organizations-all-features",
    "organizations-scp-enabled",
    "scp-policy-valid",
    "scp-policy-size",
    "scp-attachment-limit",
    "control-tower-guardrails",
    "ram-organization-sharing",
    "config-aggregator",
    "firewallmanager-prerequisites",
    "guardduty-delegated-admin",
    "detective-delegated-admin",
];

/// One `skipped` finding for each audited account where a resource check found nothing to look at.
fn nothing_to_look_at(ctx: &Ctx<'_>, check: &str, outcomes: &[Outcome]) -> Vec<Outcome> {
    let Some((_, subject)) = RESOURCE_SUBJECTS.iter().find(|(id, _)| *id == check) else { return Vec::new() };
    ctx.accounts()
        .filter(|a| !outcomes.iter().any(|o| o.account == a.account_id))
        .map(|a| {
            let regions: Vec<&str> = a.regions.iter().map(|r| r.region.as_str()).collect();
            At::account(a).skipped(
                format!("not applicable: no {subject} in this account in the audited regions ({})", regions.join(", ")),
                serde_json::json!({"looked_for": subject, "regions": regions}),
            )
        })
        .collect()
}

/// Runs every registered check over the snapshot, with the default options.
pub fn evaluate(snapshot: &Snapshot, catalogue: &Catalogue) -> Vec<Finding> {
    evaluate_with(snapshot, catalogue, EvalOptions::default())
}

/// Runs every registered check over the snapshot and attaches each outcome's metadata.
pub fn evaluate_with(snapshot: &Snapshot, catalogue: &Catalogue, options: EvalOptions) -> Vec<Finding> {
    let ctx = Ctx { snapshot, options };
    let mut findings = Vec::new();
    for (id, evaluator) in registry() {
        let Some(meta) = catalogue.check(id).filter(|meta| ctx.options.selects(meta)) else { continue };
        let unreachable =
            snapshot.accounts.iter().filter_map(|a| Some(At::account(a).not_evaluated(a.error.as_ref()?)));
        let mut outcomes = evaluator(&ctx);
        outcomes.extend(nothing_to_look_at(&ctx, id, &outcomes));
        for o in outcomes.into_iter().chain(unreachable) {
            findings.push(Finding {
                check_id: meta.id.clone(),
                title: meta.title.clone(),
                status: o.status,
                severity: meta.severity,
                domains: meta.domains.clone(),
                account: o.account,
                region: o.region,
                resource: o.resource,
                message: o.message,
                evidence: o.evidence,
                notes: meta.notes.clone(),
                remediation: meta.remediation.clone(),
                suppression: None,
                baseline: None,
            });
        }
    }
    findings
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Small snapshots for table-driven evaluator tests.
    use crate::snapshot::*;

    pub const ACCT: &str = "111111111111";
    pub const MGMT: &str = "999999999999";

    pub fn denied(permission: &str) -> CollectionError {
        CollectionError {
            kind: ErrorKind::AccessDenied,
            code: "AccessDeniedException".into(),
            message: "User is not authorized".into(),
            permission: Some(permission.into()),
        }
    }

    pub fn region(name: &str) -> RegionSnapshot {
        RegionSnapshot {
            region: name.into(),
            cloudtrail: Collected::NotCollected,
            config: Collected::NotCollected,
            cloudformation: Collected::NotCollected,
            sdlc: Default::default(),
            compute: Default::default(),
            data: Default::default(),
            monitoring: Default::default(),
            security: Default::default(),
        }
    }

    pub fn account(id: &str, org: Option<&str>, regions: Vec<RegionSnapshot>) -> AccountSnapshot {
        AccountSnapshot {
            account_id: id.into(),
            name: None,
            error: None,
            organization: Collected::ok(org.map(|mgmt| Organization {
                id: "o-example".into(),
                management_account_id: mgmt.into(),
                feature_set: "ALL".into(),
            })),
            regions,
            services: Default::default(),
        }
    }

    pub fn snapshot(accounts: Vec<AccountSnapshot>) -> Snapshot {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            tool_version: "test".into(),
            generated_at: chrono::DateTime::UNIX_EPOCH,
            source: "test".into(),
            description: None,
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            accounts,
            organization: Collected::NotCollected,
            collection: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::snapshot::{CollectionError, ErrorKind};

    #[test]
    fn unreachable_accounts_are_unknown_for_every_check() {
        let cat = Catalogue::embedded().unwrap();
        let mut acct = account(ACCT, None, vec![]);
        acct.error = Some(CollectionError {
            kind: ErrorKind::AccountUnreachable,
            code: "AccessDenied".into(),
            message: "cannot assume OrganizationAccountAccessRole".into(),
            permission: Some("sts:AssumeRole".into()),
        });
        let findings = evaluate(&snapshot(vec![acct]), cat);
        assert_eq!(findings.len(), registry().count());
        assert!(findings.iter().all(|f| f.status == Status::Unknown && f.message.contains("sts:AssumeRole")));
    }

    /// Every check gives every audited account a finding (organization-wide ones: the organization one).
    pub(crate) fn assert_every_check_speaks(snapshot: &Snapshot, what: &str) {
        let cat = Catalogue::embedded().unwrap();
        let findings = evaluate(snapshot, cat);
        let mut silent = Vec::new();
        for (id, _) in registry() {
            let of_check: Vec<&Finding> = findings.iter().filter(|f| f.check_id == *id).collect();
            if ORGANIZATION_WIDE.contains(id) {
                if of_check.is_empty() {
                    silent.push(format!("{id} (organization-wide): no finding at all"));
                }
                continue;
            }
            for account in snapshot.accounts.iter() {
                if !of_check.iter().any(|f| f.account == account.account_id) {
                    silent.push(format!("{id}: no finding for account {}", account.account_id));
                }
            }
        }
        assert!(silent.is_empty(), "{what}: checks that said nothing:\n{}", silent.join("\n"));
    }

    #[test]
    fn on_the_demo_every_check_speaks_for_every_account() {
        assert_every_check_speaks(&Snapshot::demo().unwrap(), "the demo");
    }

    /// `--services` selects by the service each catalogue entry names: a DynamoDB check that reads Lambda's event
    /// source mappings is still a DynamoDB check.
    #[test]
    fn services_select_the_checks_that_name_them() {
        let cat = Catalogue::embedded().unwrap();
        let only = |name: &str| EvalOptions { services: Some([name.to_string()].into()), ..EvalOptions::default() };
        let ran: std::collections::BTreeSet<String> =
            evaluate_with(&Snapshot::demo().unwrap(), cat, only("dynamodb")).into_iter().map(|f| f.check_id).collect();
        let named: std::collections::BTreeSet<String> =
            cat.checks.iter().filter(|c| c.service == "dynamodb").map(|c| c.id.clone()).collect();
        assert_eq!(ran, named);
        assert!(ran.contains("dynamodb-stream-readers") && ran.contains("dynamodb-pitr"), "{ran:?}");
        let lambda = evaluate_with(&Snapshot::demo().unwrap(), cat, only("lambda"));
        assert!(lambda.iter().all(|f| f.check_id != "dynamodb-stream-readers"));
    }

    #[test]
    fn the_lists_of_resource_and_organization_checks_name_real_checks() {
        let ids: Vec<&str> = registry().map(|(id, _)| *id).collect();
        for id in RESOURCE_SUBJECTS.iter().map(|(id, _)| id).chain(ORGANIZATION_WIDE) {
            assert!(ids.contains(id), "{id} is not a registered check");
        }
    }

    #[test]
    fn a_resource_check_with_nothing_to_look_at_is_skipped_with_what_it_looked_for() {
        let cat = Catalogue::embedded().unwrap();
        let snap = snapshot(vec![account(ACCT, None, vec![region("us-east-1")])]);
        let out: Vec<Finding> =
            evaluate(&snap, cat).into_iter().filter(|f| f.check_id == "codepipeline-manual-approval").collect();
        assert!(!out.is_empty());
        // The region's section was never collected: that is said, and no "nothing found" is added on top.
        assert!(out.iter().all(|f| !f.message.contains("no CodePipeline pipelines")), "{out:?}");
        let outcomes = nothing_to_look_at(&Ctx::new(&snap), "codepipeline-manual-approval", &[]);
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].status, Status::Skipped);
        assert!(outcomes[0]
            .message
            .contains("no CodePipeline pipelines in this account in the audited regions (us-east-1)"));
        assert!(nothing_to_look_at(&Ctx::new(&snap), "scp-protect-cloudtrail", &[]).is_empty());
    }

    #[test]
    fn conditions_that_limit_the_caller() {
        use serde_json::json;
        let limits = |c: Value| condition_limits_principal(&c);
        assert!(limits(json!({"StringEquals": {"AWS:SourceAccount": 444455556666u64}})), "keys are case-insensitive");
        assert!(limits(json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}})), "a bucket ARN has no account");
        assert!(!limits(json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}})));
        assert!(limits(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/ou-2/*"}})));
        assert!(!limits(json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}})), "true when absent");
        assert!(!limits(json!({"StringEquals": {"aws:username": "alice"}})), "a user name exists in every account");
        assert!(!limits(json!({"StringEquals": {"aws:ResourceAccount": "444455556666"}})), "about the resource");
        assert!(!limits(json!({"StringEquals": {"aws:PrincipalAccount": []}})));
        assert!(!limits(json!("not an object")));
        assert_eq!(
            condition_keys(
                &json!({"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})
            ),
            ["aws:SecureTransport", "aws:SourceIp"]
        );
    }

    #[test]
    fn not_applicable_errors_skip_instead_of_unknown() {
        let err = CollectionError {
            kind: ErrorKind::RegionDisabled,
            code: "OptInRequired".into(),
            message: "region not enabled".into(),
            permission: None,
        };
        assert_eq!(At::new("a", "r", "x").not_evaluated(&err).status, Status::Skipped);
        assert_eq!(At::new("a", "r", "x").not_evaluated(&denied("config:Describe")).status, Status::Unknown);
    }
}
