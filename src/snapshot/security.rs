//! The threat-detection and operations services of one region (GuardDuty, Systems Manager), and the
//! account-wide IAM facts (root user, password policy, credential report).
//!
//! Each call that can fail on its own (a per-detector Get, the password policy, the credential report) is its
//! own `Collected`, so one denied call marks only its piece of data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Collected, CollectionError};

/// The threat-detection and operations services of one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SecuritySections {
    #[serde(default)]
    pub guardduty: Collected<GuardDutyData>,
    #[serde(default)]
    pub ssm: Collected<SsmData>,
}

impl SecuritySections {
    /// Every section marked with the same reason (a disabled region, an unreachable account).
    pub fn unavailable(error: &CollectionError) -> Self {
        Self { guardduty: Collected::Error { error: error.clone() }, ssm: Collected::Error { error: error.clone() } }
    }
}

// ---- GuardDuty --------------------------------------------------------------------------------------

/// GuardDuty in one region: its detectors (`ListDetectors`; at most one per account and region).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GuardDutyData {
    #[serde(default)]
    pub detectors: Vec<GuardDutyDetector>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GuardDutyDetector {
    pub id: String,
    /// `GetDetector`.
    #[serde(default)]
    pub details: Collected<DetectorDetails>,
    /// Trusted IP lists (`ListIPSets`, then `GetIPSet` for each).
    #[serde(default)]
    pub ip_sets: Collected<Vec<GuardDutyList>>,
    /// Threat lists (`ListThreatIntelSets`, then `GetThreatIntelSet` for each).
    #[serde(default)]
    pub threat_intel_sets: Collected<Vec<GuardDutyList>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetectorDetails {
    /// `ENABLED` or `DISABLED` (a suspended detector).
    pub status: String,
    /// How often updated findings are exported: `FIFTEEN_MINUTES`, `ONE_HOUR` or `SIX_HOURS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_publishing_frequency: Option<String>,
    /// The protection plans (`S3_DATA_EVENTS`, `EKS_AUDIT_LOGS`, `RUNTIME_MONITORING` …) and their status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<DetectorFeature>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetectorFeature {
    pub name: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// A trusted IP list or a threat list, by id, with what `Get*` says of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GuardDutyList {
    pub id: String,
    #[serde(default)]
    pub details: Collected<GuardDutyListDetails>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GuardDutyListDetails {
    pub name: String,
    /// `TXT`, `STIX`, `OTX_CSV`, `ALIEN_VAULT`, `PROOF_POINT` or `FIRE_EYE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The S3 URI of the list file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `INACTIVE`, `ACTIVATING`, `ACTIVE`, `DEACTIVATING`, `ERROR`, `DELETE_PENDING` or `DELETED`.
    pub status: String,
}

// ---- Systems Manager --------------------------------------------------------------------------------

/// The Systems Manager service setting that holds the Default Host Management role.
pub const DHMC_SETTING: &str = "/ssm/managed-instance/default-ec2-instance-management-role";
/// The document in which Session Manager keeps a region's preferences (created when they are first saved).
pub const SESSION_PREFERENCES_DOCUMENT: &str = "SSM-SessionManagerRunShell";

/// Systems Manager in one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SsmData {
    /// `GetServiceSetting /ssm/managed-instance/default-ec2-instance-management-role`: Default Host Management.
    #[serde(default)]
    pub default_host_management: Collected<ServiceSetting>,
    /// The Session Manager preferences (`GetDocument SSM-SessionManagerRunShell`); `null` when the document does
    /// not exist, i.e. the preferences were never saved and the defaults (no session logging) apply.
    #[serde(default)]
    pub session_preferences: Collected<Option<SessionPreferences>>,
    /// `DescribeInstanceInformation`: the managed nodes.
    #[serde(default)]
    pub managed_nodes: Collected<Vec<ManagedNode>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServiceSetting {
    /// The setting's value: for Default Host Management, the IAM role (a name or path) Systems Manager uses for
    /// EC2 instances; `None` or `$None` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `Default`, `Customized` or `PendingUpdate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
}

impl ServiceSetting {
    /// The value, unless it is empty or the `$None` placeholder.
    pub fn configured_value(&self) -> Option<&str> {
        self.value.as_deref().map(str::trim).filter(|v| !v.is_empty() && *v != "$None")
    }
}

/// The `inputs` of the Session Manager preferences document that decide where session output goes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    #[serde(default)]
    pub s3_encryption_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_log_group_name: Option<String>,
    #[serde(default)]
    pub cloudwatch_encryption_enabled: bool,
    /// Session data is streamed to the log group as it happens (rather than uploaded at the end).
    #[serde(default)]
    pub cloudwatch_streaming_enabled: bool,
    /// The KMS key that encrypts session data between client and node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_session_timeout_minutes: Option<String>,
    #[serde(default)]
    pub run_as_enabled: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ManagedNode {
    /// `i-…` for EC2 instances, `mi-…` for hybrid-activated machines.
    pub instance_id: String,
    /// `Online`, `ConnectionLost` or `Inactive`.
    pub ping_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ping: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    /// Whether the agent is the newest release (reported for Linux nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_latest_version: Option<bool>,
    /// `Linux`, `Windows` or `MacOS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    /// `EC2Instance` or `ManagedInstance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
}

// ---- IAM (account-wide) -----------------------------------------------------------------------------

/// What holds for the whole account (IAM is global), collected once per account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountServices {
    #[serde(default)]
    pub iam: Collected<IamData>,
}

/// IAM's account-wide facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IamData {
    /// `GetAccountSummary`.
    #[serde(default)]
    pub summary: Collected<AccountSummary>,
    /// `GetAccountPasswordPolicy`; `null` when the account has none (`NoSuchEntity`), so IAM's defaults apply.
    #[serde(default)]
    pub password_policy: Collected<Option<PasswordPolicy>>,
    /// `GetCredentialReport` (generated first only with `--credential-report`).
    #[serde(default)]
    pub credential_report: Collected<CredentialReport>,
    /// `ListOrganizationsFeatures`: the organization's centralized root access features. Only the management
    /// account or the IAM delegated administrator can answer, so only the caller's own account asks; elsewhere it
    /// stays not collected and the checks look for the answer in the account that read it.
    #[serde(default)]
    pub organizations_features: Collected<OrganizationsFeatures>,
}

/// What `ListOrganizationsFeatures` answered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationsFeatures {
    /// The organization the answer is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// `RootCredentialsManagement` and/or `RootSessions`.
    #[serde(default)]
    pub enabled_features: Vec<String>,
}

/// The centralized root access feature that lets the organization remove member accounts' root credentials.
pub const ROOT_CREDENTIALS_MANAGEMENT: &str = "RootCredentialsManagement";

impl OrganizationsFeatures {
    /// Whether member accounts' root credentials are managed (and may be removed) centrally.
    pub fn manages_root_credentials(&self) -> bool {
        self.enabled_features.iter().any(|f| f == ROOT_CREDENTIALS_MANAGEMENT)
    }
}

/// The entries of `GetAccountSummary` the checks read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountSummary {
    /// `AccountMFAEnabled`: 1 when the root user has an MFA device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_mfa_enabled: Option<i32>,
    /// `AccountAccessKeysPresent`: 1 when the root user has an access key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_access_keys_present: Option<i32>,
    /// `AccountPasswordPresent`: 1 when the root user has a console password (0 once centralized root access
    /// removed it, or for a new member account that never had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_password_present: Option<i32>,
    /// `AccountSigningCertificatesPresent`: 1 when the root user has an X.509 signing certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_signing_certificates_present: Option<i32>,
    /// `Users`: how many IAM users exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<i32>,
    /// `MFADevicesInUse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_devices_in_use: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PasswordPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days before a password expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i32>,
    /// How many previous passwords cannot be reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_expiry: Option<bool>,
}

/// The parts of the IAM credential report the checks need.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CredentialReport {
    /// When IAM generated the report: its "last used" dates are as of this moment.
    pub generated_at: DateTime<Utc>,
    /// The `<root_account>` row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<CredentialUser>,
    /// One row per IAM user.
    #[serde(default)]
    pub users: Vec<CredentialUser>,
}

/// One row of the credential report. Dates are `None` where the report says `N/A`, `no_information` or
/// `not_supported`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CredentialUser {
    pub user: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// The user has a console password.
    pub password_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_changed: Option<DateTime<Utc>>,
    pub mfa_active: bool,
    /// The user's access keys (at most two), those the report lists as existing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<AccessKeyUsage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessKeyUsage {
    /// 1 or 2: the report's `access_key_1_*` or `access_key_2_*` columns.
    pub slot: u8,
    pub active: bool,
    /// When the key was created or last rotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
}
