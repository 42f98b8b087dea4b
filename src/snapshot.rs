//! The Snapshot: everything collected from AWS, as plain serde structs with no SDK types.
//!
//! Collection and evaluation meet only here. A snapshot can be saved, read back and evaluated anywhere,
//! and the embedded demo is one. Each service section, and each sub-call inside one, is either its data
//! or the recorded error that stopped its collection — never silently empty — so an evaluator can tell
//! "nothing there" from "could not look".

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod compute;
mod data;
mod monitoring;
mod sdlc;
mod security;

pub use compute::*;
pub use data::*;
pub use monitoring::*;
pub use sdlc::*;
pub use security::*;

/// Bumped whenever a field is renamed or removed, or its meaning changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The demo organization compiled into the binary (`dopaudit audit --demo`).
pub const DEMO_JSON: &str = include_str!("../mocks/demo-organization.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    /// `live`, `demo`, or whatever produced it.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The regions the collection was asked to cover.
    pub regions: Vec<String>,
    pub accounts: Vec<AccountSnapshot>,
    /// The organization's tree and policies, read from the management or a delegated administrator account.
    #[serde(default)]
    pub organization: Collected<OrgTree>,
    /// How a live collection went: who collected, the AWS calls made, what was skipped and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<CollectionRecord>,
}

/// The account of a live collection and its AWS calls.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CollectionRecord {
    /// The identity that ran the collection (`sts:GetCallerIdentity`).
    pub caller_arn: String,
    pub caller_account: String,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// Every AWS operation called, with how often.
    pub calls: Vec<CallCount>,
    /// Things the user should know: regions skipped, fallbacks taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Collector tasks that failed (panicked) instead of returning: each left a recorded error where its data
    /// would be, so its checks are `unknown`; never silently missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_failures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCount {
    /// The IAM service prefix (`cloudtrail`, `config`, `s3` …).
    pub service: String,
    /// The API operation (`DescribeTrails`).
    pub operation: String,
    /// Calls started; one cut short (by a timeout around it) counts as failed.
    pub calls: u64,
    /// HTTP requests sent, retries included.
    pub attempts: u64,
    /// Calls that ended in an error, or never ended.
    pub errors: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Set when the account could not be entered at all (the role could not be assumed): every check then
    /// reports `unknown` for the account with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CollectionError>,
    /// The organization the account belongs to; `null` data when it belongs to none.
    #[serde(default)]
    pub organization: Collected<Option<Organization>>,
    #[serde(default)]
    pub regions: Vec<RegionSnapshot>,
    /// Account-wide services (IAM).
    #[serde(flatten)]
    pub services: AccountServices,
}

impl AccountSnapshot {
    /// The management account of the account's organization, when known.
    pub fn is_management(&self) -> bool {
        matches!(&self.organization, Collected::Ok { data: Some(o) } if o.management_account_id == self.account_id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionSnapshot {
    pub region: String,
    #[serde(default)]
    pub cloudtrail: Collected<CloudTrailData>,
    #[serde(default)]
    pub config: Collected<ConfigData>,
    #[serde(default)]
    pub cloudformation: Collected<CloudFormationData>,
    #[serde(flatten)]
    pub sdlc: SdlcSections,
    #[serde(flatten)]
    pub compute: ComputeSections,
    #[serde(flatten)]
    pub data: DataSections,
    #[serde(flatten)]
    pub monitoring: MonitoringSections,
    #[serde(flatten)]
    pub security: SecuritySections,
}

/// The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`), for ARNs built from a resource's name.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A piece of collected data, or why it is missing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Collected<T> {
    Ok {
        data: T,
    },
    Error {
        error: CollectionError,
    },
    /// The snapshot does not hold this section (an older or narrower collection).
    #[default]
    NotCollected,
}

impl<T> Collected<T> {
    pub fn ok(data: T) -> Self {
        Self::Ok { data }
    }

    /// The data, or the error that explains its absence.
    pub fn get(&self) -> Result<&T, CollectionError> {
        match self {
            Self::Ok { data } => Ok(data),
            Self::Error { error } => Err(error.clone()),
            Self::NotCollected => Err(CollectionError {
                kind: ErrorKind::NotCollected,
                code: "NotCollected".into(),
                message: "this snapshot holds no data for it".into(),
                permission: None,
            }),
        }
    }
}

impl<T> From<Result<T, CollectionError>> for Collected<T> {
    fn from(r: Result<T, CollectionError>) -> Self {
        match r {
            Ok(data) => Self::Ok { data },
            Err(error) => Self::Error { error },
        }
    }
}

/// Why a piece of data could not be collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    pub kind: ErrorKind,
    /// The AWS error code (`AccessDeniedException`, `OptInRequired`, …).
    pub code: String,
    pub message: String,
    /// The IAM action that was missing or failed, e.g. `cloudtrail:GetTrailStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

impl fmt::Display for CollectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(p) = &self.permission {
            let verb = if self.kind == ErrorKind::AccessDenied { "missing permission" } else { "while calling" };
            write!(f, " ({verb} {p})")?;
        }
        Ok(())
    }
}

impl CollectionError {
    /// A short reason for a finding's message; the full AWS message stays in the evidence.
    pub fn brief(&self) -> String {
        match (&self.kind, &self.permission) {
            (ErrorKind::AccessDenied, Some(p)) => format!("access denied ({}), missing permission {p}", self.code),
            _ => self.to_string(),
        }
    }
}

/// The classes of collection failure that decide whether a check is `unknown` or `skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    AccessDenied,
    /// The region is an opt-in region that is not enabled for the account.
    RegionDisabled,
    /// The account does not use the service (not subscribed, not enabled).
    NotSubscribed,
    Throttled,
    Timeout,
    /// The endpoint does not implement the operation.
    Unsupported,
    /// The account could not be entered (role assumption failed).
    AccountUnreachable,
    NotCollected,
    Other,
}

impl ErrorKind {
    /// A check on data that is missing for this reason is not applicable, rather than unknown.
    pub fn means_not_applicable(self) -> bool {
        matches!(self, Self::RegionDisabled | Self::NotSubscribed)
    }
}

// ---- Organizations ----------------------------------------------------------------------------------

/// The organization as Organizations describes it: its tree (roots, OUs, accounts), its policies with their
/// content and targets, trusted services and delegated administrators.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrgTree {
    pub id: String,
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
    pub roots: Vec<OrgRoot>,
    #[serde(default)]
    pub units: Vec<OrgUnit>,
    #[serde(default)]
    pub accounts: Vec<OrgMember>,
    /// Service control policies.
    #[serde(default)]
    pub policies: Vec<OrgPolicy>,
    /// Resource control policies, kept as inventory.
    #[serde(default)]
    pub resource_control_policies: Collected<Vec<OrgPolicy>>,
    #[serde(default)]
    pub trusted_services: Collected<Vec<String>>,
    #[serde(default)]
    pub delegated_administrators: Collected<Vec<DelegatedAdmin>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgRoot {
    pub id: String,
    pub name: String,
    /// The policy types and whether each is enabled (`ENABLED`, `PENDING_ENABLE`, `PENDING_DISABLE`).
    #[serde(default)]
    pub policy_types: Vec<PolicyTypeState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyTypeState {
    /// e.g. `SERVICE_CONTROL_POLICY`.
    pub policy_type: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgMember {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub parent_id: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgPolicy {
    pub id: String,
    pub name: String,
    pub aws_managed: bool,
    /// The policy document, as stored (`DescribePolicy`).
    pub content: Collected<String>,
    /// The roots, OUs and accounts it is attached to (`ListTargetsForPolicy`).
    pub targets: Collected<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DelegatedAdmin {
    pub account_id: String,
    /// Service principals it administers (`ListDelegatedServicesForAccount`).
    pub services: Collected<Vec<String>>,
}

/// One step on the way from the root to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep<'a> {
    pub kind: PathKind,
    pub id: &'a str,
    pub name: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Root,
    OrganizationalUnit,
    Account,
}

impl OrgTree {
    /// The levels from the root down to the account (root, each OU, the account), or `None` when the account
    /// is not in the tree (or the tree loops).
    pub fn path_to(&self, account_id: &str) -> Option<Vec<PathStep<'_>>> {
        let member = self.accounts.iter().find(|a| a.id == account_id)?;
        let mut path = vec![PathStep {
            kind: PathKind::Account,
            id: &member.id,
            name: member.name.as_deref().unwrap_or(&member.id),
        }];
        let mut parent = member.parent_id.as_str();
        for _ in 0..=self.units.len() {
            if let Some(root) = self.roots.iter().find(|r| r.id == parent) {
                path.push(PathStep { kind: PathKind::Root, id: &root.id, name: &root.name });
                path.reverse();
                return Some(path);
            }
            let unit = self.units.iter().find(|u| u.id == parent)?;
            path.push(PathStep { kind: PathKind::OrganizationalUnit, id: &unit.id, name: &unit.name });
            parent = &unit.parent_id;
        }
        None
    }

    /// The service control policies attached directly to a root, OU or account, when their targets were read.
    pub fn policies_on<'a>(&'a self, target_id: &'a str) -> impl Iterator<Item = &'a OrgPolicy> + 'a {
        self.policies.iter().filter(move |p| p.targets.get().is_ok_and(|t| t.iter().any(|t| t == target_id)))
    }

    /// Whether service control policies are enabled on the (first) root.
    pub fn scp_enabled(&self) -> Option<bool> {
        let root = self.roots.first()?;
        Some(root.policy_types.iter().any(|t| t.policy_type == "SERVICE_CONTROL_POLICY" && t.status == "ENABLED"))
    }
}

// ---- CloudTrail -------------------------------------------------------------------------------------

/// `DescribeTrails` in one region (shadow copies of trails homed elsewhere included) and each home trail's status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloudTrailData {
    pub trails: Vec<Trail>,
    /// The buckets of the trails homed in this region and owned by this account, once each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<TrailBucket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    pub is_multi_region: bool,
    pub is_organization_trail: bool,
    pub include_global_service_events: bool,
    pub log_file_validation_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch_logs_log_group_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `GetTrailStatus`, collected in the trail's home region only.
    #[serde(default)]
    pub status: Collected<TrailStatus>,
    /// `GetEventSelectors`, collected in the trail's home region, in the account that owns it.
    #[serde(default)]
    pub event_selectors: Collected<EventSelectors>,
    /// Its digests and logs verified over the integrity window (strict `validate-logs`), in the home region, by the
    /// owning account, when validation is on and the window is not 0.
    #[serde(default)]
    pub integrity: Collected<IntegritySummary>,
}

/// What verifying a trail's digest chain and log files found (see `dopaudit validate-logs --strict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegritySummary {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// The source regions whose digests were walked.
    pub regions: Vec<String>,
    pub digests_valid: usize,
    pub digests_invalid: usize,
    pub logs_valid: usize,
    pub logs_invalid: usize,
    /// The first invalid objects (at most 10), as `s3://bucket/key: verdict`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_invalid: Vec<String>,
}

/// What a trail records: basic or advanced event selectors (a trail uses one kind or the other).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventSelectors {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basic: Vec<BasicEventSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<AdvancedEventSelector>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BasicEventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`.
    pub read_write_type: String,
    pub include_management_events: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_management_event_sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_resources: Vec<DataResource>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataResource {
    /// e.g. `AWS::S3::Object`, `AWS::Lambda::Function`.
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdvancedEventSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub field_selectors: Vec<FieldSelector>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FieldSelector {
    /// e.g. `eventCategory`, `resources.type`, `readOnly`.
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// The S3 bucket a trail delivers to, as far as the auditing account can read it (it often lives in a
/// separate log-archive account, where these calls are denied).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrailBucket {
    pub name: String,
    /// `GetBucketLocation`.
    #[serde(default)]
    pub region: Collected<String>,
    /// `GetBucketVersioning`: `Enabled`, `Suspended`, or `null` when never enabled.
    #[serde(default)]
    pub versioning: Collected<BucketVersioning>,
    /// `GetObjectLockConfiguration`: `null` data when object lock is not configured.
    #[serde(default)]
    pub object_lock: Collected<Option<ObjectLock>>,
    /// `GetBucketPolicy`: the policy document, `null` data when the bucket has none.
    #[serde(default)]
    pub policy: Collected<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BucketVersioning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_delete: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectLock {
    pub enabled: bool,
    /// Default retention: `GOVERNANCE` or `COMPLIANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<i32>,
}

impl Trail {
    /// The account that owns the trail, from its ARN (`arn:aws:cloudtrail:region:ACCOUNT:trail/name`).
    pub fn owner_account(&self) -> Option<&str> {
        self.arn.split(':').nth(4)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrailStatus {
    /// `IsLogging`; absent when AWS left it out of the answer (which decides nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_logging: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_digest_delivery_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_notification_error: Option<String>,
    /// When log files last reached the bucket. GetTrailStatus dates successes only, never its errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_time: Option<DateTime<Utc>>,
    /// When an SNS notification was last published for a delivered log file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_notification_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_digest_delivery_time: Option<DateTime<Utc>>,
    /// When events last reached the trail's CloudWatch Logs group (absent when none have yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloud_watch_logs_delivery_time: Option<DateTime<Utc>>,
}

// ---- CloudFormation ---------------------------------------------------------------------------------

/// CloudFormation in one region: stacks (nested included; the section's own call is `DescribeStacks`),
/// exports with their importers, and the stack sets administered from here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloudFormationData {
    pub stacks: Vec<Stack>,
    /// `ListExports`, each with `ListImports`.
    #[serde(default)]
    pub exports: Collected<Vec<StackExport>>,
    /// `ListStackSets` (active), each with `DescribeStackSet` and `ListStackInstances`.
    #[serde(default)]
    pub stack_sets: Collected<Vec<StackSet>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stack {
    pub name: String,
    /// The stack id (an ARN).
    pub id: String,
    /// e.g. `CREATE_COMPLETE`, `UPDATE_ROLLBACK_FAILED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Set for nested stacks: the direct parent's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_id: Option<String>,
    pub termination_protection: bool,
    /// The service role CloudFormation assumes; `None` means it acts with the caller's permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `DisableRollback`; absent when AWS left it out (which is not "rolls back").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_rollback: Option<bool>,
    /// CloudWatch alarms that roll an update back (`RollbackConfiguration.RollbackTriggers`).
    #[serde(default)]
    pub rollback_triggers: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<DateTime<Utc>>,
    /// Parameters as `DescribeStacks` shows them: NoEcho values come back as `****`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<StackParameter>,
    /// The drift status CloudFormation stored at the last detection (`DriftInformation`).
    pub drift: StoredDrift,
    /// `GetStackPolicy`: the policy document, `null` data when the stack has none.
    #[serde(default)]
    pub stack_policy: Collected<Option<String>>,
    /// `ListStackResources`: logical id and type of every resource.
    #[serde(default)]
    pub resources: Collected<Vec<StackResource>>,
    /// Drift detection run by this audit (`--detect-drift`): absent when not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection: Option<DriftDetection>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackParameter {
    pub key: String,
    pub value: String,
    /// For SSM parameter types, the value CloudFormation resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_value: Option<String>,
    /// Whether the value (or the resolved value) has the shape of a credential, whatever the key is called (see
    /// [`value_looks_secret`]), judged before any value is withheld. Absent in snapshots taken before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_looks_secret: Option<bool>,
}

/// Words that make a parameter key look like it holds a secret (compared without case, `_`, `-` or `.`).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "connectionstring",
];

/// Key endings that name or size a secret rather than hold it (`DbSecretArn`, `PasswordLength`).
const REFERENCE_SUFFIXES: &[&str] = &["arn", "name", "id", "path", "length", "ttl"];

/// What a withheld value reads as in a snapshot.
pub const WITHHELD: &str = "[plaintext value withheld by dopaudit]";

/// Whether a value has the shape of a credential, whatever its key is called: an AWS access key id, a key
/// that looks like an AWS secret access key, a PEM private key, a GitHub, Slack or Stripe token, a JWT, or a
/// URL with a password in it. Only this verdict is kept in a snapshot, never the value.
pub fn value_looks_secret(value: &str) -> bool {
    let v = value.trim();
    let alnum_run = |s: &str, n: usize| s.len() >= n && s.chars().take(n).all(|c| c.is_ascii_alphanumeric());
    let access_key_id = v.match_indices(['A']).any(|(i, _)| {
        matches!(v.get(i..i + 4), Some("AKIA" | "ASIA"))
            && v.get(i + 4..).is_some_and(|r| {
                r.len() >= 16 && r.chars().take(16).all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
    });
    let secret_access_key = v.len() == 40
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
        && v.chars().any(|c| c.is_ascii_uppercase())
        && v.chars().any(|c| c.is_ascii_lowercase())
        && v.chars().any(|c| c.is_ascii_digit());
    let private_key = v.contains("-----BEGIN") && v.contains("PRIVATE KEY");
    let token =
        ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].iter().any(|p| v.strip_prefix(p).is_some_and(|r| alnum_run(r, 36)))
            || v.starts_with("github_pat_")
            || ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].iter().any(|p| v.starts_with(p))
            || v.starts_with("sk_live_");
    let jwt = {
        let parts: Vec<&str> = v.split('.').collect();
        parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].starts_with("eyJ") && !parts[2].is_empty()
    };
    // scheme://user:password@host
    let url_password = v.split_once("://").is_some_and(|(_, rest)| {
        let authority = rest.split('/').next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .is_some_and(|(user_info, _)| user_info.split_once(':').is_some_and(|(_, password)| !password.is_empty()))
    });
    access_key_id || secret_access_key || private_key || token || jwt || url_password
}

/// Whether a stack parameter's key says it holds a secret.
pub fn looks_secret(key: &str) -> bool {
    let k: String = key.chars().filter(|c| !matches!(c, '_' | '-' | '.')).collect::<String>().to_lowercase();
    // `DbPass`, `admin_pass`: "pass" as the last word, but not `Bypass` or `Compass`.
    let pass = k.ends_with("pass") && !k.ends_with("bypass") && !k.ends_with("compass");
    (pass || SECRET_WORDS.iter().any(|w| k.contains(w))) && !REFERENCE_SUFFIXES.iter().any(|s| k.ends_with(s))
}

impl StackParameter {
    /// The parameter as a snapshot may keep it: a secret-looking key's plaintext value (or resolved value) is
    /// replaced by [`WITHHELD`], so a saved snapshot never holds a password. What tells how the secret was
    /// passed stays: NoEcho's `****`, dynamic references, ARNs and empty values.
    pub fn withholding_secrets(mut self) -> Self {
        let shaped_value = value_looks_secret(&self.value);
        let shaped_resolved = self.resolved_value.as_deref().is_some_and(value_looks_secret);
        self.value_looks_secret = Some(shaped_value || shaped_resolved);
        if !looks_secret(&self.key) {
            // An innocent key holding a credential-shaped value: withhold what has the shape.
            if shaped_value {
                self.value = WITHHELD.to_string();
            }
            if shaped_resolved {
                self.resolved_value = Some(WITHHELD.to_string());
            }
        } else {
            let v = self.value.trim();
            // With a resolved value, the value is an SSM parameter's name, not the secret.
            let kept = v == "****"
                || v.is_empty()
                || self.resolved_value.is_some()
                || v.starts_with("arn:")
                || v.contains("{{resolve:ssm-secure:")
                || v.contains("{{resolve:secretsmanager:");
            if !kept {
                self.value = WITHHELD.to_string();
            }
            if self.resolved_value.as_deref().is_some_and(|r| r != "****" && !r.is_empty()) {
                self.resolved_value = Some(WITHHELD.to_string());
            }
        }
        self
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredDrift {
    /// `DRIFTED`, `IN_SYNC`, `NOT_CHECKED` or `UNKNOWN` (AWS's word for "detection could not check"); absent
    /// when `DescribeStacks` carried no `DriftInformation`, which is neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_check: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackResource {
    pub logical_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_id: Option<String>,
    /// e.g. `AWS::RDS::DBInstance`.
    pub resource_type: String,
}

/// The outcome of `DetectStackDrift` for one stack, polled to its end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DriftDetection {
    /// `DETECTION_COMPLETE`, `DETECTION_FAILED`, or `TIMED_OUT` (dopaudit stopped waiting).
    pub status: String,
    /// `DRIFTED`, `IN_SYNC` … when the detection completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_drift_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection_id: Option<String>,
    /// `DescribeStackResourceDrifts` for MODIFIED and DELETED resources.
    #[serde(default)]
    pub drifted_resources: Collected<Vec<ResourceDrift>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceDrift {
    pub logical_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_id: Option<String>,
    pub resource_type: String,
    /// `MODIFIED` or `DELETED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<PropertyDifference>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PropertyDifference {
    /// e.g. `/Properties/VersioningConfiguration/Status`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// `ADD`, `REMOVE` or `NOT_EQUAL`.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackExport {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporting_stack_id: Option<String>,
    /// Stack names importing it (`ListImports`).
    #[serde(default)]
    pub importing_stacks: Collected<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackSet {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub status: String,
    /// `SELF_MANAGED` or `SERVICE_MANAGED`.
    pub permission_model: String,
    /// For service-managed stack sets: whether new accounts in the target OUs get instances automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_deployment: Option<bool>,
    #[serde(default)]
    pub instances: Collected<Vec<StackInstance>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackInstance {
    pub account: String,
    pub region: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_status: Option<String>,
}

// ---- AWS Config -------------------------------------------------------------------------------------

/// AWS Config in one region: recorders (the section's own call) and the other describe calls.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigData {
    pub recorders: Vec<ConfigRecorder>,
    #[serde(default)]
    pub recorder_statuses: Collected<Vec<RecorderStatus>>,
    #[serde(default)]
    pub delivery_channels: Collected<Vec<DeliveryChannel>>,
    #[serde(default)]
    pub rules: Collected<Vec<ConfigRule>>,
    /// Each rule's `InputParameters` (a JSON object as text), by rule name, for the rules that have any; read with
    /// `rules`. Not collected in snapshots older than this field.
    #[serde(default)]
    pub rule_parameters: Collected<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub compliance_by_rule: Collected<Vec<RuleCompliance>>,
    #[serde(default)]
    pub aggregators: Collected<Vec<ConfigAggregator>>,
    #[serde(default)]
    pub delivery_channel_statuses: Collected<Vec<DeliveryChannelStatus>>,
    #[serde(default)]
    pub rule_evaluation_statuses: Collected<Vec<RuleEvaluationStatus>>,
    #[serde(default)]
    pub conformance_packs: Collected<Vec<ConformancePack>>,
    #[serde(default)]
    pub remediations: Collected<Vec<RemediationConfig>>,
    /// `DescribeOrganizationConfigRules`: only the management or delegated administrator account may call it.
    #[serde(default)]
    pub organization_rules: Collected<Vec<OrganizationConfigRule>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryChannelStatus {
    pub name: String,
    /// `configHistoryDeliveryInfo.lastStatus`: `Success`, `Failure` or `Not_Applicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_history_status: Option<String>,
    /// `configSnapshotDeliveryInfo.lastStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_snapshot_status: Option<String>,
    /// `configStreamDeliveryInfo.lastStatus`: notifications to the channel's SNS topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_stream_status: Option<String>,
    /// The error of the first failing delivery (history, then snapshot, then stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_message: Option<String>,
}

impl DeliveryChannelStatus {
    /// The deliveries whose last attempt failed, by name (`configuration history`, `configuration snapshot`,
    /// `configuration stream`).
    pub fn failures(&self) -> Vec<&'static str> {
        [
            ("configuration history", &self.last_history_status),
            ("configuration snapshot", &self.last_snapshot_status),
            ("configuration stream", &self.last_stream_status),
        ]
        .into_iter()
        .filter(|(_, s)| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failure")))
        .map(|(what, _)| what)
        .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleEvaluationStatus {
    pub rule_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_evaluation: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed_evaluation: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConformancePack {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `DescribeConformancePackCompliance`: the pack's rules and their compliance.
    #[serde(default)]
    pub rule_compliance: Collected<Vec<PackRuleCompliance>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackRuleCompliance {
    pub rule_name: String,
    /// `COMPLIANT`, `NON_COMPLIANT` or `INSUFFICIENT_DATA`.
    pub compliance: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemediationConfig {
    pub rule_name: String,
    /// `SSM_DOCUMENT`: remediation always runs an Automation document.
    pub target_type: String,
    pub target_id: String,
    pub automatic: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrganizationConfigRule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The managed rule identifier, when it is a managed rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_accounts: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigRecorder {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `recordingGroup.allSupported`, or the `ALL_SUPPORTED_RESOURCE_TYPES` strategy.
    pub all_supported: bool,
    /// `recordingGroup.includeGlobalResourceTypes` (read by AWS only with the all-supported strategy).
    pub include_global_resource_types: bool,
    /// `recordingGroup.resourceTypes`, when specific types are recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<String>,
    /// `recordingGroup.exclusionByResourceTypes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_resource_types: Vec<String>,
    /// `recordingGroup.recordingStrategy.useOnly`: `ALL_SUPPORTED_RESOURCE_TYPES`, `INCLUSION_BY_RESOURCE_TYPES`
    /// or `EXCLUSION_BY_RESOURCE_TYPES`; absent for recorders set up without one (and in older snapshots), when
    /// the flags above decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_strategy: Option<String>,
    /// `servicePrincipal`: set for a service-linked recorder, the AWS service it records for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal: Option<String>,
    /// `recordingScope`: `PAID` for the customer-managed recorder, `INTERNAL` for a service-linked one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_scope: Option<String>,
}

/// The global IAM resource types, which AWS Config records once per account rather than per region.
pub const GLOBAL_IAM_TYPES: [&str; 4] = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"];

/// How a recorder chooses the resource types it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingStrategy {
    /// Every supported type, current and future (global IAM types only with `includeGlobalResourceTypes`).
    AllSupported,
    /// Every supported type but the listed ones, global IAM types included unless listed.
    Exclusion,
    /// Only the listed types.
    Inclusion,
}

impl ConfigRecorder {
    /// The strategy in force: the recorded one, else what the flags say.
    pub fn strategy(&self) -> RecordingStrategy {
        match self.recording_strategy.as_deref() {
            Some("ALL_SUPPORTED_RESOURCE_TYPES") => RecordingStrategy::AllSupported,
            Some("EXCLUSION_BY_RESOURCE_TYPES") => RecordingStrategy::Exclusion,
            Some("INCLUSION_BY_RESOURCE_TYPES") => RecordingStrategy::Inclusion,
            _ if self.all_supported => RecordingStrategy::AllSupported,
            _ if !self.excluded_resource_types.is_empty() => RecordingStrategy::Exclusion,
            _ => RecordingStrategy::Inclusion,
        }
    }

    /// A recorder linked to an AWS service (its types chosen by that service, free of charge), as opposed to the
    /// one customer-managed recorder of the region. AWS names every service-linked recorder
    /// `AWSConfigurationRecorderFor…`, which also tells them apart in snapshots taken before the fields existed.
    pub fn is_service_linked(&self) -> bool {
        self.service_principal.is_some()
            || self.recording_scope.as_deref() == Some("INTERNAL")
            || self.name.starts_with("AWSConfigurationRecorderFor")
    }

    /// The global IAM types this recorder is set to record, by its strategy (whether the region can record
    /// them at all is the evaluator's question).
    pub fn global_iam_types(&self) -> Vec<&'static str> {
        match self.strategy() {
            RecordingStrategy::AllSupported if self.include_global_resource_types => GLOBAL_IAM_TYPES.to_vec(),
            RecordingStrategy::AllSupported => Vec::new(),
            RecordingStrategy::Exclusion => {
                GLOBAL_IAM_TYPES.into_iter().filter(|t| !self.excluded_resource_types.iter().any(|x| x == t)).collect()
            }
            RecordingStrategy::Inclusion => {
                GLOBAL_IAM_TYPES.into_iter().filter(|t| self.resource_types.iter().any(|x| x == t)).collect()
            }
        }
    }

    /// Whether this recorder is set to record any of the global IAM types.
    pub fn records_global_types(&self) -> bool {
        !self.global_iam_types().is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecorderStatus {
    pub name: String,
    pub recording: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryChannel {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigRule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `AWS`, `CUSTOM_LAMBDA` or `CUSTOM_POLICY`.
    pub source_owner: String,
    /// The managed rule identifier, e.g. `CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK`.
    pub source_identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleCompliance {
    pub rule_name: String,
    /// `COMPLIANT`, `NON_COMPLIANT`, `NOT_APPLICABLE` or `INSUFFICIENT_DATA`.
    pub compliance: String,
    /// How many resources are non-compliant, as AWS counts them (capped at 100 by the API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_compliant_resources: Option<u32>,
    #[serde(default)]
    pub count_capped: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigAggregator {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Aggregates a whole organization (rather than listed accounts).
    pub organization_source: bool,
    pub all_regions: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
}

// ---- Loading ----------------------------------------------------------------------------------------

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("snapshot {path} is not valid snapshot JSON (line {line}, column {column}): {reason}")]
    Parse { path: String, line: usize, column: usize, reason: String },
    #[error("snapshot {path} has schema version {found}; this dopaudit reads version {SCHEMA_VERSION} (collect it again with this version)")]
    Version { path: String, found: u64 },
}

impl Snapshot {
    /// The embedded demo organization.
    pub fn demo() -> Result<Snapshot, SnapshotError> {
        Self::from_json("<embedded demo>", DEMO_JSON)
    }

    pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| SnapshotError::Read { path: shown.clone(), source })?;
        Self::from_json(&shown, &text)
    }

    /// Parses a snapshot, checking its schema version before its shape so an old file gets the right message.
    pub fn from_json(path: &str, text: &str) -> Result<Snapshot, SnapshotError> {
        let parse_err = |e: serde_json::Error| SnapshotError::Parse {
            path: path.to_string(),
            line: e.line(),
            column: e.column(),
            reason: describe_json_error(&e),
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(parse_err)?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(found) => return Err(SnapshotError::Version { path: path.to_string(), found }),
            None => {
                return Err(SnapshotError::Parse {
                    path: path.to_string(),
                    line: 1,
                    column: 1,
                    reason: "no numeric \"schema_version\" field: this is not a dopaudit snapshot".into(),
                })
            }
        }
        // Parse from the text (not the Value) so errors keep their line and column.
        serde_json::from_str(text).map_err(parse_err)
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the caller reports the position itself.
    let msg = msg.rsplit_once(" at line ").map_or(msg.as_str(), |(head, _)| head).to_string();
    if e.is_eof() {
        format!("the file ends early, it looks truncated ({msg})")
    } else {
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_shaped_like_credentials() {
        let secret = [
            "AKIAIOSFODNN7EXAMPLE",
            "export ASIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "github_pat_11ABC",
            "xoxb-1234-5678",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            "postgres://app:hunter2@db.internal:5432/app",
        ];
        for v in secret {
            assert!(value_looks_secret(v), "{v}");
        }
        let plain = [
            "production",
            "us-east-1",
            "0123456789abcdef0123456789abcdef01234567", // a git commit id: hex, one case
            "https://example.com/path",
            "https://user@example.com/",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
            "AKIA-not-a-key",
            "",
        ];
        for v in plain {
            assert!(!value_looks_secret(v), "{v}");
        }
    }

    #[test]
    fn truncated_file_says_so_with_its_name() {
        let err = Snapshot::from_json("snap.json", r#"{"schema_version": 1, "accounts": ["#).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("snapshot snap.json is not valid snapshot JSON"), "{msg}");
        assert!(msg.contains("looks truncated"), "{msg}");
    }

    #[test]
    fn unknown_schema_version_is_named() {
        let err = Snapshot::from_json("old.json", r#"{"schema_version": 99}"#).unwrap_err();
        assert!(err.to_string().contains("schema version 99"), "{err}");
    }

    #[test]
    fn json_without_version_is_not_a_snapshot() {
        let err = Snapshot::from_json("x.json", r#"{"Records": []}"#).unwrap_err();
        assert!(err.to_string().contains("not a dopaudit snapshot"), "{err}");
    }

    #[test]
    fn missing_sections_read_as_not_collected() {
        let text = r#"{"schema_version":1,"tool_version":"0","generated_at":"2026-01-01T00:00:00Z","source":"t",
            "regions":["us-east-1"],"accounts":[{"account_id":"111111111111","regions":[{"region":"us-east-1"}]}]}"#;
        let snap = Snapshot::from_json("t.json", text).unwrap();
        let err = snap.accounts[0].regions[0].cloudtrail.get().unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotCollected);
    }

    fn tree() -> OrgTree {
        let unit =
            |id: &str, parent: &str| OrgUnit { id: id.into(), name: id.to_uppercase(), parent_id: parent.into() };
        OrgTree {
            roots: vec![OrgRoot { id: "r-1".into(), name: "Root".into(), policy_types: vec![] }],
            units: vec![
                unit("ou-a", "r-1"),
                unit("ou-b", "ou-a"),
                unit("ou-loop1", "ou-loop2"),
                unit("ou-loop2", "ou-loop1"),
            ],
            accounts: vec![
                OrgMember {
                    id: "111".into(),
                    name: Some("prod".into()),
                    parent_id: "ou-b".into(),
                    status: "ACTIVE".into(),
                },
                OrgMember { id: "222".into(), name: None, parent_id: "r-1".into(), status: "ACTIVE".into() },
                OrgMember { id: "333".into(), name: None, parent_id: "ou-loop1".into(), status: "ACTIVE".into() },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn secret_parameters_are_withheld_but_their_handling_kept() {
        let p = |key: &str, value: &str| StackParameter {
            key: key.into(),
            value: value.into(),
            resolved_value: None,
            value_looks_secret: None,
        };
        assert_eq!(p("DbPassword", "hunter2").withholding_secrets().value, WITHHELD);
        assert_eq!(p("api_key", "abc").withholding_secrets().value, WITHHELD);
        for key in ["DbPwd", "Passphrase", "Db-Connection-String"] {
            assert_eq!(p(key, "abc").withholding_secrets().value, WITHHELD, "{key}");
        }
        for kept in ["****", "{{resolve:secretsmanager:db:SecretString:pw}}", "arn:aws:secretsmanager:x", ""] {
            assert_eq!(p("DbPassword", kept).withholding_secrets().value, kept);
        }
        assert_eq!(p("Environment", "prod").withholding_secrets().value, "prod", "not a secret");
        assert_eq!(p("DbSecretArn", "arn:aws:x").withholding_secrets().value, "arn:aws:x");
        let resolved = StackParameter { resolved_value: Some("s3cr3t".into()), ..p("TokenParam", "/prod/token") };
        let kept = resolved.withholding_secrets();
        assert_eq!((kept.value.as_str(), kept.resolved_value.as_deref()), ("/prod/token", Some(WITHHELD)));
    }

    #[test]
    fn path_runs_from_the_root_to_the_account() {
        let t = tree();
        let ids: Vec<&str> = t.path_to("111").unwrap().iter().map(|s| s.id).collect();
        assert_eq!(ids, vec!["r-1", "ou-a", "ou-b", "111"]);
        assert_eq!(t.path_to("222").unwrap().len(), 2);
        assert!(t.path_to("999").is_none(), "not in the tree");
        assert!(t.path_to("333").is_none(), "a loop in the tree is not followed forever");
    }

    #[test]
    fn collected_round_trips_with_a_status_tag() {
        let c: Collected<Vec<u8>> = Collected::Error {
            error: CollectionError {
                kind: ErrorKind::AccessDenied,
                code: "AccessDeniedException".into(),
                message: "no".into(),
                permission: Some("config:DescribeConfigRules".into()),
            },
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["status"], "error");
        assert_eq!(v["error"]["kind"], "access_denied");
        let back: Collected<Vec<u8>> = serde_json::from_value(v).unwrap();
        assert!(back.get().unwrap_err().to_string().contains("missing permission config:DescribeConfigRules"));
    }
}
