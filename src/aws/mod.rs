//! Talking to AWS: credentials, clients, regions and the organization's accounts.
//!
//! The only module besides `collect` that touches the SDK. It builds one `SdkConfig` from the standard
//! credential chain (environment, shared profiles with SSO and assume-role, web identity, container and
//! instance metadata — the last with short timeouts so a laptop never hangs on it), then per-account
//! configurations by assuming a role, and per-region clients that all record their calls.

pub mod errors;
pub mod recorder;

use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;

pub use errors::classify;
pub use recorder::Recorder;

use crate::snapshot::{CollectionError, ErrorKind, Organization};

/// The AWS connection flags, as the user gave them.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per call, the first included (standard retry mode: exponential back-off with jitter).
    pub max_attempts: u32,
    /// Limit for one HTTP attempt.
    pub timeout: Duration,
}

/// Why the tool could not start talking to AWS. Each is a one-line message with the fix.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no usable AWS credentials{profile}: {detail}. Tried, in order: environment variables (AWS_ACCESS_KEY_ID…), the shared config and credentials files (including SSO and assume-role profiles), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the container endpoint and EC2 instance metadata. Fix: set AWS_PROFILE or --profile to a configured profile, run `aws sso login --profile NAME`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    NoCredentials { profile: String, detail: String },
    #[error("cannot read the caller identity (sts:GetCallerIdentity){endpoint}: {detail}")]
    Identity { endpoint: String, detail: String },
    #[error("timed out after {0:?} resolving credentials and reading the caller identity (sts:GetCallerIdentity); check the network, --endpoint-url and the proxy settings")]
    IdentityTimeout(Duration),
}

/// Who is running the audit.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

/// The base connection: configuration, recorder, and the caller.
#[derive(Clone)]
pub struct Session {
    pub config: SdkConfig,
    pub recorder: Recorder,
    pub caller: Caller,
    /// An explicit endpoint (an emulator): S3 then needs path-style addressing.
    pub custom_endpoint: bool,
    /// The region used for global services and when none was given.
    pub home_region: String,
}

/// Region used when neither the flags, the environment nor the profile name one.
pub const FALLBACK_REGION: &str = "us-east-1";

impl Session {
    /// Loads credentials and configuration, and proves them by reading the caller identity.
    pub async fn connect(opts: &AwsOptions) -> Result<(Session, Vec<String>), AwsError> {
        let mut warnings = Vec::new();
        let imds = aws_config::imds::Client::builder()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_secs(1))
            .max_attempts(1)
            .build();
        let mut chain = DefaultCredentialsChain::builder().imds_client(imds);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // Standard mode, not adaptive: the adaptive mode's client-side rate limiter, shared by every account
            // that calls one service in one region, answered a single throttled call with waits of 8-18 s
            // (bench/faults) although AWS throttles each account on its own.
            .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5).min(opts.timeout))
                    .operation_attempt_timeout(opts.timeout)
                    .build(),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
            chain = chain.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
            chain = chain.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        let loader = loader.credentials_provider(chain.build().await);
        let mut config = loader.load().await;
        if config.region().is_none() {
            warnings.push(format!(
                "no region configured (--region, AWS_REGION or the profile); using {FALLBACK_REGION} for global calls"
            ));
            config = config.to_builder().region(Region::new(FALLBACK_REGION)).build();
        }
        let custom_endpoint = config.endpoint_url().is_some();
        let home_region = config.region().map_or(FALLBACK_REGION.to_string(), |r| r.to_string());
        let recorder = Recorder::default();
        // A safety net for a credential source that never answers: long enough for every attempt the retry
        // settings allow, each with its timeout and the longest back-off (20 s), so a call that keeps failing
        // (throttled, say) ends with its own error instead of this limit's.
        let limit = Duration::from_secs(30).max((opts.timeout + Duration::from_secs(20)) * opts.max_attempts.max(1));
        let caller = tokio::time::timeout(limit, caller_identity(&config, &recorder))
            .await
            .map_err(|_| AwsError::IdentityTimeout(limit))?
            .map_err(|e| describe_identity_error(e, opts))?;
        Ok((Session { config, recorder, caller, custom_endpoint, home_region }, warnings))
    }

    /// Clients for the caller's own account.
    pub fn own_account(&self) -> AccountAws {
        AccountAws { account_id: self.caller.account.clone(), config: self.config.clone(), session: self.clone() }
    }

    /// Assumes `role_name` in `account_id` and proves the credentials work.
    ///
    /// The role is assumed first, on its own, so a failure is told by its own cause (throttling, access denied)
    /// within its own retries and timeouts; the credentials it gives then serve the first calls, and the
    /// provider assumes the role again only when they near expiry.
    pub async fn assume(
        &self,
        account_id: &str,
        role_name: &str,
        external_id: Option<&str>,
    ) -> Result<AccountAws, CollectionError> {
        let role_arn = format!("arn:{}:iam::{account_id}:role/{role_name}", partition_of(&self.caller.arn));
        let unreachable = |code: &str, message: String| CollectionError {
            kind: ErrorKind::AccountUnreachable,
            code: code.into(),
            message,
            permission: Some("sts:AssumeRole".into()),
        };
        let provider = RecordedAssumeRole {
            sts: sts_client(&self.config, &self.recorder),
            role_arn: role_arn.clone(),
            external_id: external_id.map(str::to_string),
            primed: std::sync::Mutex::new(None),
        };
        let first = provider
            .assume_role()
            .await
            .map_err(|detail| unreachable("AssumeRoleFailed", format!("cannot assume {role_arn}: {detail}")))?;
        *provider.primed.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
        let config = self.config.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
        match caller_identity(&config, &self.recorder).await {
            Ok(c) if c.account == account_id => {
                Ok(AccountAws { account_id: account_id.to_string(), config, session: self.clone() })
            }
            Ok(c) => Err(unreachable(
                "WrongAccount",
                format!("assuming {role_arn} gave credentials for account {}", c.account),
            )),
            Err(failure) => Err(unreachable(
                "AssumeRoleFailed",
                format!("cannot use the credentials of {role_arn}: {}", failure.detail()),
            )),
        }
    }
}

fn partition_of(arn: &str) -> &str {
    arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
}

/// Why the caller identity could not be read.
enum IdentityFailure {
    /// No credential provider produced credentials.
    Credentials(String),
    /// Credentials were found; the call failed.
    Call(String),
}

impl IdentityFailure {
    fn detail(&self) -> &str {
        match self {
            IdentityFailure::Credentials(d) | IdentityFailure::Call(d) => d,
        }
    }
}

async fn caller_identity(config: &SdkConfig, recorder: &Recorder) -> Result<Caller, IdentityFailure> {
    match sts_client(config, recorder).get_caller_identity().send().await {
        Ok(out) => Ok(Caller {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        }),
        Err(e) => {
            // The SDK's messages span lines (the chain's attempts); an error is one line here.
            let detail = one_line(&errors::error_chain(&e));
            if caused_by_credentials(&e) {
                Err(IdentityFailure::Credentials(detail))
            } else {
                Err(IdentityFailure::Call(detail))
            }
        }
    }
}

fn sts_client(config: &SdkConfig, recorder: &Recorder) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .interceptor(recorder.interceptor("sts"))
            .retry_classifier(errors::NonAwsAnswerIsFinal)
            .build(),
    )
}

/// Whether a credential provider's failure is somewhere in the error's chain.
fn caused_by_credentials(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<CredentialsError>().is_some() {
            return true;
        }
        current = e.source();
    }
    false
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

fn describe_identity_error(failure: IdentityFailure, opts: &AwsOptions) -> AwsError {
    match failure {
        IdentityFailure::Credentials(detail) => {
            let profile = opts.profile.as_ref().map(|p| format!(" for profile '{p}'")).unwrap_or_default();
            AwsError::NoCredentials { profile, detail }
        }
        IdentityFailure::Call(detail) => {
            let endpoint = opts.endpoint_url.as_ref().map(|e| format!(" at {e}")).unwrap_or_default();
            AwsError::Identity { endpoint, detail }
        }
    }
}

/// Assumes a role through a recorded STS client, so the call is counted like every other; the SDK's
/// identity cache asks again only when the credentials near expiry.
#[derive(Debug)]
struct RecordedAssumeRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    external_id: Option<String>,
    /// Credentials already obtained (by `Session::assume`), handed out once before the role is assumed again.
    primed: std::sync::Mutex<Option<Credentials>>,
}

/// Why assuming the role gave no credentials. `Refused` reads `CODE: message`, as `classify` names the cause
/// (`Throttling: …`).
#[derive(Debug, thiserror::Error)]
enum AssumeRoleError {
    #[error("{code}: {message}")]
    Refused { code: String, message: String },
    #[error("AssumeRole returned no credentials")]
    NoCredentials,
}

impl RecordedAssumeRole {
    /// Assumes the role once.
    async fn assume_role(&self) -> Result<Credentials, AssumeRoleError> {
        let mut request = self.sts.assume_role().role_arn(&self.role_arn).role_session_name("dopaudit");
        if let Some(id) = &self.external_id {
            request = request.external_id(id);
        }
        let out = request.send().await.map_err(|e| {
            let cause = classify(&e, "sts:AssumeRole");
            AssumeRoleError::Refused { code: cause.code, message: cause.message }
        })?;
        let c = out.credentials().ok_or(AssumeRoleError::NoCredentials)?;
        let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "dopaudit-assume-role",
        ))
    }
}

impl ProvideCredentials for RecordedAssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            if let Some(primed) = self.primed.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return Ok(primed);
            }
            self.assume_role().await.map_err(CredentialsError::provider_error)
        })
    }
}

/// One account's configuration, from which per-region clients are made.
#[derive(Clone)]
pub struct AccountAws {
    pub account_id: String,
    config: SdkConfig,
    session: Session,
}

macro_rules! client {
    ($(#[$doc:meta])* $name:ident, $krate:ident, $prefix:literal) => {
        $(#[$doc])*
        pub fn $name(&self, region: &str) -> $krate::Client {
            let conf = $krate::config::Builder::from(&self.config)
                .region(Region::new(region.to_string()))
                .interceptor(self.session.recorder.interceptor($prefix))
                .retry_classifier(errors::NonAwsAnswerIsFinal)
                .build();
            $krate::Client::from_conf(conf)
        }
    };
}

impl AccountAws {
    client!(cloudformation, aws_sdk_cloudformation, "cloudformation");
    client!(cloudtrail, aws_sdk_cloudtrail, "cloudtrail");
    client!(config_service, aws_sdk_config, "config");
    client!(organizations, aws_sdk_organizations, "organizations");
    client!(apigateway, aws_sdk_apigateway, "apigateway");
    client!(cloudwatch, aws_sdk_cloudwatch, "cloudwatch");
    client!(logs, aws_sdk_cloudwatchlogs, "logs");
    client!(codebuild, aws_sdk_codebuild, "codebuild");
    client!(codedeploy, aws_sdk_codedeploy, "codedeploy");
    client!(codepipeline, aws_sdk_codepipeline, "codepipeline");
    client!(dynamodb, aws_sdk_dynamodb, "dynamodb");
    client!(ecr, aws_sdk_ecr, "ecr");
    client!(efs, aws_sdk_efs, "elasticfilesystem");
    client!(elasticache, aws_sdk_elasticache, "elasticache");
    client!(elasticbeanstalk, aws_sdk_elasticbeanstalk, "elasticbeanstalk");
    client!(eventbridge, aws_sdk_eventbridge, "events");
    client!(guardduty, aws_sdk_guardduty, "guardduty");
    client!(
        /// IAM is global: any region reaches it.
        iam, aws_sdk_iam, "iam"
    );
    client!(lambda, aws_sdk_lambda, "lambda");
    client!(rds, aws_sdk_rds, "rds");
    client!(sfn, aws_sdk_sfn, "states");
    client!(sqs, aws_sdk_sqs, "sqs");
    client!(ssm, aws_sdk_ssm, "ssm");
    client!(
        /// `account:ListRegions` lives in the global endpoint; any region works for the call.
        account, aws_sdk_account, "account"
    );

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .force_path_style(self.session.custom_endpoint)
            .interceptor(self.session.recorder.interceptor("s3"))
            .retry_classifier(errors::NonAwsAnswerIsFinal)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// The region for calls to global services.
    pub fn home_region(&self) -> &str {
        &self.session.home_region
    }
}

// ---- Regions ------------------------------------------------------------------------------------------

/// The regions AWS enables in every account (no opt-in needed), used when the account's own list cannot be read.
pub const DEFAULT_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
];

/// Every region AWS knows for the account, with its opt-in status (`ENABLED`, `ENABLED_BY_DEFAULT`,
/// `DISABLED`, `ENABLING`, `DISABLING`).
pub async fn region_statuses(aws: &AccountAws) -> Result<Vec<(String, String)>, CollectionError> {
    let client = aws.account(aws.home_region());
    let mut out = Vec::new();
    let mut pages = client.list_regions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, "account:ListRegions"))?;
        for r in page.regions() {
            if let Some(name) = r.region_name() {
                let status = r.region_opt_status().map_or("UNKNOWN", |s| s.as_str()).to_string();
                out.push((name.to_string(), status));
            }
        }
    }
    Ok(out)
}

// ---- Organizations ------------------------------------------------------------------------------------

/// An account listed by Organizations.
#[derive(Debug, Clone)]
pub struct OrgAccount {
    pub id: String,
    pub name: Option<String>,
    pub status: String,
}

/// The region a bucket lives in (`s3:GetBucketLocation`, asked in `ask_from`): no constraint is us-east-1, `EU` is
/// eu-west-1.
pub async fn bucket_region(aws: &AccountAws, bucket: &str, ask_from: &str) -> Result<String, CollectionError> {
    let out = aws
        .s3(ask_from)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| classify(&e, "s3:GetBucketLocation"))?;
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    })
}

/// The organization the account belongs to, `None` when it belongs to none.
pub async fn describe_organization(aws: &AccountAws) -> Result<Option<Organization>, CollectionError> {
    let client = aws.organizations(aws.home_region());
    match client.describe_organization().send().await {
        Ok(out) => Ok(out.organization().map(|o| Organization {
            id: o.id().unwrap_or_default().to_string(),
            management_account_id: o.master_account_id().unwrap_or_default().to_string(),
            // Absent stays empty (unknown to the checks), never "ALL".
            feature_set: o.feature_set().map_or("", |f| f.as_str()).to_string(),
        })),
        Err(e) => {
            let err = classify(&e, "organizations:DescribeOrganization");
            if err.code == "AWSOrganizationsNotInUseException" {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The organization's accounts: all of them, or those under the given roots/OUs (recursively).
pub async fn list_org_accounts(aws: &AccountAws, parents: &[String]) -> Result<Vec<OrgAccount>, CollectionError> {
    let client = aws.organizations(aws.home_region());
    let convert = |a: &aws_sdk_organizations::types::Account| OrgAccount {
        id: a.id().unwrap_or_default().to_string(),
        name: a.name().map(str::to_string),
        status: a.status().map_or("ACTIVE", |s| s.as_str()).to_string(),
    };
    let mut accounts = Vec::new();
    if parents.is_empty() {
        let mut pages = client.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListAccounts"))?;
            accounts.extend(page.accounts().iter().map(convert));
        }
        return Ok(accounts);
    }
    let mut queue: Vec<String> = parents.to_vec();
    while let Some(parent) = queue.pop() {
        let mut pages = client.list_accounts_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListAccountsForParent"))?;
            accounts.extend(page.accounts().iter().map(convert));
        }
        let mut pages = client.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListOrganizationalUnitsForParent"))?;
            queue.extend(page.organizational_units().iter().filter_map(|ou| ou.id().map(str::to_string)));
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(accounts)
}
