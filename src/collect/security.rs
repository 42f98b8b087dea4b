//! The security group's collector: GuardDuty and Systems Manager in each region, IAM once per account.
//!
//! Every call is a read, except `iam:GenerateCredentialReport`, made only when the caller opted in with
//! `--credential-report`. Services are read concurrently with `tokio::join!`; the per-resource calls under
//! them (a detector's lists) are few by nature (one detector per region, one trusted IP list, at most six
//! threat lists), so they run one after another.

use std::time::Duration;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::{only_if, to_chrono, Reads};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    AccessKeyUsage, AccountServices, AccountSummary, Collected, CollectionError, CredentialReport, CredentialUser,
    DetectorDetails, DetectorFeature, ErrorKind, GuardDutyData, GuardDutyDetector, GuardDutyList, GuardDutyListDetails,
    IamData, ManagedNode, OrganizationsFeatures, PasswordPolicy, SecuritySections, ServiceSetting, SessionPreferences,
    SsmData, DHMC_SETTING, SESSION_PREFERENCES_DOCUMENT,
};

/// IAM generates a new credential report at most this often; a younger one is what generating would give.
const REPORT_FRESH_HOURS: i64 = 4;
/// How long `--credential-report` waits for IAM to finish a report.
const REPORT_WAIT: Duration = Duration::from_secs(30);
const REPORT_POLL: Duration = Duration::from_secs(2);
/// The credential report's errors that mean "there is no usable report yet".
const REPORT_NOT_READY: [&str; 3] = ["ReportNotPresent", "ReportExpired", "ReportInProgress"];

/// Everything the security checks read in one (account, region), of the services `reads` selects.
pub async fn collect(aws: &AccountAws, region: &str, reads: &Reads) -> SecuritySections {
    let guardduty_client = aws.guardduty(region);
    let ssm_client = aws.ssm(region);
    let (guardduty, ssm) = tokio::join!(
        only_if(reads.service("guardduty"), guardduty(&guardduty_client)),
        only_if(reads.service("ssm"), ssm(&ssm_client))
    );
    SecuritySections { guardduty, ssm }
}

/// The account-wide services (IAM), read once per account from its home region. `credential_report`: the
/// caller opted in to `iam:GenerateCredentialReport` (`--credential-report`). `organization_features`: read the
/// organization's centralized root access features (`iam:ListOrganizationsFeatures`); only the management account
/// or the IAM delegated administrator can answer, so the collection asks from the caller's own account only.
pub async fn collect_account(
    aws: &AccountAws,
    credential_report: bool,
    organization_features: bool,
) -> AccountServices {
    let client = aws.iam(aws.home_region());
    let (summary, password_policy, report, organizations_features) = tokio::join!(
        account_summary(&client),
        password_policy(&client),
        self::credential_report(&client, credential_report),
        only_if(organization_features, organizations_features(&client)),
    );
    AccountServices {
        iam: Collected::ok(IamData { summary, password_policy, credential_report: report, organizations_features }),
    }
}

/// The AWS error code of a failed call, when the service sent one.
fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(ProvideErrorMetadata::code)
}

fn error<T>(error: CollectionError) -> Collected<T> {
    Collected::Error { error }
}

// ---- GuardDuty --------------------------------------------------------------------------------------

async fn guardduty(client: &aws_sdk_guardduty::Client) -> Collected<GuardDutyData> {
    let mut ids = Vec::new();
    let mut pages = client.list_detectors().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => ids.extend(p.detector_ids().iter().cloned()),
            Err(e) => return error(classify(&e, "guardduty:ListDetectors")),
        }
    }
    let mut detectors = Vec::new();
    for id in ids {
        let (details, ip_sets, threat_intel_sets) =
            tokio::join!(detector_details(client, &id), ip_sets(client, &id), threat_intel_sets(client, &id));
        detectors.push(GuardDutyDetector { id, details, ip_sets, threat_intel_sets });
    }
    Collected::ok(GuardDutyData { detectors })
}

async fn detector_details(client: &aws_sdk_guardduty::Client, id: &str) -> Collected<DetectorDetails> {
    match client.get_detector().detector_id(id).send().await {
        Ok(d) => Collected::ok(DetectorDetails {
            status: d.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
            finding_publishing_frequency: d.finding_publishing_frequency().map(|f| f.as_str().to_string()),
            features: d
                .features()
                .iter()
                .filter_map(|f| {
                    Some(DetectorFeature {
                        name: f.name()?.as_str().to_string(),
                        status: f.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
                    })
                })
                .collect(),
        }),
        Err(e) => error(classify(&e, "guardduty:GetDetector")),
    }
}

async fn ip_sets(client: &aws_sdk_guardduty::Client, detector: &str) -> Collected<Vec<GuardDutyList>> {
    let mut ids = Vec::new();
    let mut pages = client.list_ip_sets().detector_id(detector).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => ids.extend(p.ip_set_ids().iter().cloned()),
            Err(e) => return error(classify(&e, "guardduty:ListIPSets")),
        }
    }
    let mut lists = Vec::new();
    for id in ids {
        let details = match client.get_ip_set().detector_id(detector).ip_set_id(&id).send().await {
            Ok(s) => Collected::ok(GuardDutyListDetails {
                name: s.name().unwrap_or_default().to_string(),
                format: s.format().map(|f| f.as_str().to_string()),
                location: s.location().map(str::to_string),
                status: s.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
            }),
            Err(e) => error(classify(&e, "guardduty:GetIPSet")),
        };
        lists.push(GuardDutyList { id, details });
    }
    Collected::ok(lists)
}

async fn threat_intel_sets(client: &aws_sdk_guardduty::Client, detector: &str) -> Collected<Vec<GuardDutyList>> {
    let mut ids = Vec::new();
    let mut pages = client.list_threat_intel_sets().detector_id(detector).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => ids.extend(p.threat_intel_set_ids().iter().cloned()),
            Err(e) => return error(classify(&e, "guardduty:ListThreatIntelSets")),
        }
    }
    let mut lists = Vec::new();
    for id in ids {
        let details = match client.get_threat_intel_set().detector_id(detector).threat_intel_set_id(&id).send().await {
            Ok(s) => Collected::ok(GuardDutyListDetails {
                name: s.name().unwrap_or_default().to_string(),
                format: s.format().map(|f| f.as_str().to_string()),
                location: s.location().map(str::to_string),
                status: s.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
            }),
            Err(e) => error(classify(&e, "guardduty:GetThreatIntelSet")),
        };
        lists.push(GuardDutyList { id, details });
    }
    Collected::ok(lists)
}

// ---- Systems Manager --------------------------------------------------------------------------------

async fn ssm(client: &aws_sdk_ssm::Client) -> Collected<SsmData> {
    let (default_host_management, session_preferences, managed_nodes) =
        tokio::join!(default_host_management(client), session_preferences(client), managed_nodes(client));
    Collected::ok(SsmData { default_host_management, session_preferences, managed_nodes })
}

async fn default_host_management(client: &aws_sdk_ssm::Client) -> Collected<ServiceSetting> {
    match client.get_service_setting().setting_id(DHMC_SETTING).send().await {
        Ok(out) => match out.service_setting() {
            Some(s) => Collected::ok(ServiceSetting {
                value: s.setting_value().map(str::to_string),
                status: s.status().map(str::to_string),
                last_modified: s.last_modified_date().and_then(to_chrono),
            }),
            // An answer without the setting says nothing about it: not "never set".
            None => error(CollectionError {
                kind: ErrorKind::Other,
                code: "IncompleteResponse".into(),
                message: format!("GetServiceSetting answered without the setting {DHMC_SETTING}"),
                permission: Some("ssm:GetServiceSetting".into()),
            }),
        },
        // Never set in this region: nothing is registered.
        Err(e) if code_of(&e) == Some("ServiceSettingNotFound") => Collected::ok(ServiceSetting::default()),
        Err(e) => error(classify(&e, "ssm:GetServiceSetting")),
    }
}

async fn session_preferences(client: &aws_sdk_ssm::Client) -> Collected<Option<SessionPreferences>> {
    let out = match client.get_document().name(SESSION_PREFERENCES_DOCUMENT).send().await {
        Ok(out) => out,
        // The preferences were never saved in this region: the defaults apply.
        Err(e) if code_of(&e) == Some("InvalidDocument") => return Collected::ok(None),
        Err(e) => return error(classify(&e, "ssm:GetDocument")),
    };
    match parse_session_preferences(out.content().unwrap_or_default()) {
        Ok(p) => Collected::ok(Some(p)),
        Err(reason) => error(CollectionError {
            kind: ErrorKind::Other,
            code: "InvalidDocumentContent".into(),
            message: format!("{SESSION_PREFERENCES_DOCUMENT} is not a Session Manager preferences document: {reason}"),
            permission: Some("ssm:GetDocument".into()),
        }),
    }
}

/// Why a document's content could not be read as what it should hold.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DocumentError {
    #[error("not JSON ({0})")]
    NotJson(serde_json::Error),
    #[error("it has no \"inputs\" object")]
    NoInputs,
    #[error("the report is empty")]
    EmptyReport,
    #[error("the report is not CSV: {0}")]
    NotCsv(::csv::Error),
    #[error("the report has no \"user\" and \"arn\" columns")]
    NoUserColumns,
}

/// Reads the `inputs` of a Session Manager preferences document (JSON).
pub(crate) fn parse_session_preferences(content: &str) -> Result<SessionPreferences, DocumentError> {
    let doc: serde_json::Value = serde_json::from_str(content).map_err(DocumentError::NotJson)?;
    let inputs = doc.get("inputs").and_then(|i| i.as_object()).ok_or(DocumentError::NoInputs)?;
    let text = |key: &str| {
        inputs.get(key).and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    // Booleans are written as JSON booleans by the console, sometimes as strings by hand.
    let flag = |key: &str| match inputs.get(key) {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    Ok(SessionPreferences {
        s3_bucket_name: text("s3BucketName"),
        s3_key_prefix: text("s3KeyPrefix"),
        s3_encryption_enabled: flag("s3EncryptionEnabled"),
        cloudwatch_log_group_name: text("cloudWatchLogGroupName"),
        cloudwatch_encryption_enabled: flag("cloudWatchEncryptionEnabled"),
        cloudwatch_streaming_enabled: flag("cloudWatchStreamingEnabled"),
        kms_key_id: text("kmsKeyId"),
        idle_session_timeout_minutes: text("idleSessionTimeout"),
        run_as_enabled: flag("runAsEnabled"),
    })
}

async fn managed_nodes(client: &aws_sdk_ssm::Client) -> Collected<Vec<ManagedNode>> {
    let mut nodes = Vec::new();
    let mut pages = client.describe_instance_information().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => nodes.extend(p.instance_information_list().iter().map(|n| ManagedNode {
                instance_id: n.instance_id().unwrap_or_default().to_string(),
                ping_status: n.ping_status().map_or("Unknown", |s| s.as_str()).to_string(),
                last_ping: n.last_ping_date_time().and_then(to_chrono),
                agent_version: n.agent_version().map(str::to_string),
                is_latest_version: n.is_latest_version(),
                platform_type: n.platform_type().map(|p| p.as_str().to_string()),
                platform_name: n.platform_name().map(str::to_string),
                resource_type: n.resource_type().map(|r| r.as_str().to_string()),
                computer_name: n.computer_name().map(str::to_string),
            })),
            Err(e) => return error(classify(&e, "ssm:DescribeInstanceInformation")),
        }
    }
    Collected::ok(nodes)
}

// ---- IAM --------------------------------------------------------------------------------------------

async fn account_summary(client: &aws_sdk_iam::Client) -> Collected<AccountSummary> {
    use aws_sdk_iam::types::SummaryKeyType as K;
    match client.get_account_summary().send().await {
        Ok(out) => {
            let get = |k: K| out.summary_map().and_then(|m| m.get(&k).copied());
            Collected::ok(AccountSummary {
                account_mfa_enabled: get(K::AccountMfaEnabled),
                account_access_keys_present: get(K::AccountAccessKeysPresent),
                account_password_present: get(K::AccountPasswordPresent),
                account_signing_certificates_present: get(K::AccountSigningCertificatesPresent),
                users: get(K::Users),
                mfa_devices_in_use: get(K::MfaDevicesInUse),
            })
        }
        Err(e) => error(classify(&e, "iam:GetAccountSummary")),
    }
}

/// The organization's centralized root access features. Any failure (a member account asking, the feature's
/// trusted access not enabled, an endpoint that does not implement the call) is recorded, never read as "off".
pub(crate) async fn organizations_features(client: &aws_sdk_iam::Client) -> Collected<OrganizationsFeatures> {
    match client.list_organizations_features().send().await {
        Ok(out) => Collected::ok(OrganizationsFeatures {
            organization_id: out.organization_id().map(str::to_string),
            enabled_features: out.enabled_features().iter().map(|f| f.as_str().to_string()).collect(),
        }),
        Err(e) => error(classify(&e, "iam:ListOrganizationsFeatures")),
    }
}

async fn password_policy(client: &aws_sdk_iam::Client) -> Collected<Option<PasswordPolicy>> {
    match client.get_account_password_policy().send().await {
        Ok(out) => Collected::ok(out.password_policy().map(|p| PasswordPolicy {
            minimum_password_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase_characters: p.require_uppercase_characters(),
            require_lowercase_characters: p.require_lowercase_characters(),
            allow_users_to_change_password: p.allow_users_to_change_password(),
            max_password_age: p.max_password_age(),
            password_reuse_prevention: p.password_reuse_prevention(),
            hard_expiry: p.hard_expiry(),
        })),
        // No policy set: IAM's defaults apply.
        Err(e) if code_of(&e) == Some("NoSuchEntity") => Collected::ok(None),
        Err(e) => error(classify(&e, "iam:GetAccountPasswordPolicy")),
    }
}

/// Why a credential report could not be read.
enum ReportFailure {
    /// IAM has no usable report (none, expired, or still being generated): the error it answered.
    NotReady(CollectionError),
    Failed(CollectionError),
}

async fn read_report(client: &aws_sdk_iam::Client) -> Result<CredentialReport, ReportFailure> {
    let out = client.get_credential_report().send().await.map_err(|e| {
        let err = classify(&e, "iam:GetCredentialReport");
        if REPORT_NOT_READY.contains(&err.code.as_str()) {
            ReportFailure::NotReady(err)
        } else {
            ReportFailure::Failed(err)
        }
    })?;
    let content = out.content().map(|b| String::from_utf8_lossy(b.as_ref()).into_owned()).unwrap_or_default();
    // Every date the checks read is relative to this moment: an answer without it is not dated "now".
    let Some(generated_at) = out.generated_time().and_then(to_chrono) else {
        return Err(ReportFailure::Failed(CollectionError {
            kind: ErrorKind::Other,
            code: "IncompleteResponse".into(),
            message: "GetCredentialReport answered without the report's GeneratedTime".into(),
            permission: Some("iam:GetCredentialReport".into()),
        }));
    };
    parse_credential_report(&content, generated_at).map_err(|reason| {
        ReportFailure::Failed(CollectionError {
            kind: ErrorKind::Other,
            code: "InvalidCredentialReport".into(),
            message: format!("the credential report could not be read: {reason}"),
            permission: Some("iam:GetCredentialReport".into()),
        })
    })
}

/// The account's credential report. Without `generate`, only an existing report is read (however old); with it,
/// a missing report or one older than IAM's 4-hour regeneration interval is generated first, waiting at most
/// `REPORT_WAIT` for it.
async fn credential_report(client: &aws_sdk_iam::Client, generate: bool) -> Collected<CredentialReport> {
    let existing = read_report(client).await;
    let fresh = matches!(&existing, Ok(r) if Utc::now() - r.generated_at < chrono::Duration::hours(REPORT_FRESH_HOURS));
    match existing {
        Ok(report) if fresh || !generate => return Collected::ok(report),
        Err(ReportFailure::Failed(e)) => return error(e),
        Err(ReportFailure::NotReady(e)) if !generate => {
            return error(CollectionError {
                kind: ErrorKind::NotCollected,
                code: e.code,
                message: "IAM holds no credential report for this account; run the audit with --credential-report \
                          to let dopaudit generate one (iam:GenerateCredentialReport)"
                    .into(),
                permission: Some("iam:GetCredentialReport".into()),
            })
        }
        _ => {}
    }
    let deadline = tokio::time::Instant::now() + REPORT_WAIT;
    loop {
        let state = match client.generate_credential_report().send().await {
            Ok(out) => out.state().map(|s| s.as_str().to_string()),
            Err(e) => return error(classify(&e, "iam:GenerateCredentialReport")),
        };
        // IAM answers COMPLETE once the report (a fresh one, or one younger than 4 hours) can be read.
        if state.as_deref() == Some("COMPLETE") {
            match read_report(client).await {
                Ok(report) => return Collected::ok(report),
                Err(ReportFailure::Failed(e)) => return error(e),
                Err(ReportFailure::NotReady(_)) => {}
            }
        }
        if tokio::time::Instant::now() + REPORT_POLL > deadline {
            return error(CollectionError {
                kind: ErrorKind::Timeout,
                code: "ReportInProgress".into(),
                message: format!(
                    "IAM was still generating the credential report after {}s; run the audit again in a minute",
                    REPORT_WAIT.as_secs()
                ),
                permission: Some("iam:GenerateCredentialReport".into()),
            });
        }
        tokio::time::sleep(REPORT_POLL).await;
    }
}

/// A report date; `N/A`, `no_information` and `not_supported` (and anything unreadable) are `None`.
fn report_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim()).ok().map(|d| d.with_timezone(&Utc))
}

/// Parses the credential report's CSV by its header, keeping what the checks need. The root user's row
/// (`<root_account>`) is kept apart from the IAM users'.
pub(crate) fn parse_credential_report(
    content: &str,
    generated_at: DateTime<Utc>,
) -> Result<CredentialReport, DocumentError> {
    // Flexible: a short row reads as empty trailing fields, as the checks only ask for columns by name.
    let mut records = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes())
        .into_records()
        .filter(|r| !matches!(r, Ok(r) if r.iter().all(|f| f.trim().is_empty())));
    let header = records.next().ok_or(DocumentError::EmptyReport)?.map_err(DocumentError::NotCsv)?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(user_col), Some(arn_col)) = (column("user"), column("arn")) else {
        return Err(DocumentError::NoUserColumns);
    };
    let mut report = CredentialReport { generated_at, root: None, users: Vec::new() };
    for fields in records {
        let fields = fields.map_err(DocumentError::NotCsv)?;
        let get = |name: &str| column(name).and_then(|i| fields.get(i)).map(|v| v.trim()).unwrap_or("");
        let flag = |name: &str| get(name).eq_ignore_ascii_case("true");
        let access_keys = [1u8, 2]
            .into_iter()
            .filter_map(|slot| {
                let active = flag(&format!("access_key_{slot}_active"));
                let last_rotated = report_date(get(&format!("access_key_{slot}_last_rotated")));
                (active || last_rotated.is_some()).then(|| AccessKeyUsage {
                    slot,
                    active,
                    last_rotated,
                    last_used: report_date(get(&format!("access_key_{slot}_last_used_date"))),
                })
            })
            .collect();
        let user = CredentialUser {
            user: fields.get(user_col).unwrap_or_default().to_string(),
            arn: fields.get(arn_col).unwrap_or_default().to_string(),
            created_at: report_date(get("user_creation_time")),
            password_enabled: flag("password_enabled"),
            password_last_used: report_date(get("password_last_used")),
            password_last_changed: report_date(get("password_last_changed")),
            mfa_active: flag("mfa_active"),
            access_keys,
        };
        if user.user == "<root_account>" {
            report.root = Some(user);
        } else {
            report.users.push(user);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-10-01T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111111111111:user/alice,2024-03-01T10:00:00+00:00,true,no_information,2024-03-01T10:05:00+00:00,N/A,false,true,2024-03-01T10:00:00+00:00,2026-11-01T12:00:00+00:00,us-east-1,s3,false,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
\"ci,bot\",arn:aws:iam::111111111111:user/ci-bot,2023-05-05T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    mod organizations_features {
        use aws_sdk_iam::operation::list_organizations_features::ListOrganizationsFeaturesOutput;
        use aws_sdk_iam::types::FeatureType;
        use aws_sdk_iam::Client;
        use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;

        use super::super::organizations_features;
        use crate::collect::test_support::{error, ok};
        use crate::snapshot::ErrorKind;

        /// An IAM client answering only from `rule`, with retries off so an error is answered once.
        fn client(rule: &Rule) -> Client {
            let interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).with_rule(rule);
            Client::from_conf(
                aws_sdk_iam::Config::builder()
                    .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
                    .region(aws_sdk_iam::config::Region::new("us-east-1"))
                    .credentials_provider(aws_sdk_iam::config::Credentials::new("AKID", "SECRET", None, None, "test"))
                    .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
                    .http_client(create_mock_http_client())
                    .interceptor(interceptor)
                    .build(),
            )
        }

        fn answering(status: u16, body: &'static str) -> Rule {
            mock!(Client::list_organizations_features).then_http_response(move || {
                HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::from(body))
            })
        }

        #[tokio::test]
        async fn the_enabled_features_are_read_with_their_organization() {
            let rule = mock!(Client::list_organizations_features).then_output(|| {
                ListOrganizationsFeaturesOutput::builder()
                    .organization_id("o-aa111bb222")
                    .enabled_features(FeatureType::RootCredentialsManagement)
                    .enabled_features(FeatureType::RootSessions)
                    .build()
            });
            let got = organizations_features(&client(&rule)).await;
            let f = ok(&got);
            assert_eq!(f.organization_id.as_deref(), Some("o-aa111bb222"));
            assert_eq!(f.enabled_features, ["RootCredentialsManagement", "RootSessions"]);
            assert!(f.manages_root_credentials());
        }

        /// A member account asking, a denied call, and an endpoint that does not implement the call (moto) are each
        /// a recorded error naming the permission, never an empty feature list.
        #[tokio::test]
        async fn every_failure_is_recorded_never_read_as_off() {
            let not_admin = r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccountNotManagementOrDelegatedAdministrator</Code><Message>not the management account</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
            let denied = r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>2</RequestId></ErrorResponse>"#;
            let cases = [
                (400, not_admin, "AccountNotManagementOrDelegatedAdministrator", None),
                (403, denied, "AccessDenied", Some(ErrorKind::AccessDenied)),
                (501, "<html>not implemented</html>", "Unparsed501", Some(ErrorKind::Unsupported)),
            ];
            for (status, body, code, kind) in cases {
                let rule = answering(status, body);
                let got = organizations_features(&client(&rule)).await;
                let e = error(&got);
                assert_eq!(e.code, code);
                assert_eq!(e.permission.as_deref(), Some("iam:ListOrganizationsFeatures"), "{code}");
                if let Some(kind) = kind {
                    assert_eq!(e.kind, kind, "{code}");
                }
                assert!(!e.kind.means_not_applicable(), "{code}: must evaluate to unknown, not skipped");
            }
        }
    }

    #[test]
    fn credential_report_rows_are_read_by_header() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z").unwrap().with_timezone(&Utc);
        let r = parse_credential_report(REPORT, at).unwrap();
        assert_eq!(r.generated_at, at);
        let root = r.root.as_ref().expect("root row kept apart");
        assert!(root.mfa_active && !root.password_enabled && root.access_keys.is_empty());
        assert_eq!(r.users.len(), 2);
        let alice = &r.users[0];
        assert!(alice.password_enabled && !alice.mfa_active);
        assert_eq!(alice.password_last_used, None, "no_information is no date");
        assert_eq!(alice.password_last_changed.unwrap().to_rfc3339(), "2024-03-01T10:05:00+00:00");
        assert_eq!(alice.access_keys.len(), 2, "an inactive key that exists is kept");
        assert!(alice.access_keys[0].active && alice.access_keys[0].last_used.is_some());
        assert!(!alice.access_keys[1].active && alice.access_keys[1].last_used.is_none());
        assert_eq!(r.users[1].user, "ci,bot", "a quoted field keeps its comma");
        assert_eq!(r.users[1].arn, "arn:aws:iam::111111111111:user/ci-bot");
        assert!(r.users[1].access_keys.is_empty());
    }

    #[test]
    fn a_report_without_its_columns_is_refused() {
        assert_eq!(parse_credential_report("", Utc::now()).unwrap_err().to_string(), "the report is empty");
        assert_eq!(parse_credential_report(" \n\n", Utc::now()).unwrap_err().to_string(), "the report is empty");
        assert!(parse_credential_report("name,when\nx,y\n", Utc::now()).unwrap_err().to_string().contains("\"user\""));
    }

    #[test]
    fn session_preferences_read_the_log_destinations() {
        let doc = r#"{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"s3BucketName":"",
            "s3KeyPrefix":"","s3EncryptionEnabled":true,"cloudWatchLogGroupName":"/ssm/sessions",
            "cloudWatchEncryptionEnabled":"true","cloudWatchStreamingEnabled":false,"kmsKeyId":"alias/ssm",
            "idleSessionTimeout":"20","runAsEnabled":false}}"#;
        let p = parse_session_preferences(doc).unwrap();
        assert_eq!(p.s3_bucket_name, None, "an empty bucket name is no bucket");
        assert_eq!(p.cloudwatch_log_group_name.as_deref(), Some("/ssm/sessions"));
        assert!(p.s3_encryption_enabled && p.cloudwatch_encryption_enabled && !p.cloudwatch_streaming_enabled);
        assert_eq!(p.kms_key_id.as_deref(), Some("alias/ssm"));
        assert_eq!(p.idle_session_timeout_minutes.as_deref(), Some("20"));
        assert!(parse_session_preferences("not json").unwrap_err().to_string().contains("not JSON"));
        assert!(parse_session_preferences(r#"{"schemaVersion":"1.0"}"#).unwrap_err().to_string().contains("inputs"));
    }

    #[test]
    fn the_none_placeholder_is_no_setting() {
        let s = |v: Option<&str>| ServiceSetting { value: v.map(str::to_string), ..Default::default() };
        assert!(s(Some("service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole")).configured_value().is_some());
        assert_eq!(s(Some("$None")).configured_value(), None);
        assert_eq!(s(Some(" ")).configured_value(), None);
        assert_eq!(s(None).configured_value(), None);
    }
}
